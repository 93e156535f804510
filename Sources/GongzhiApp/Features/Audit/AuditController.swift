import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The audit log for the audit administrator: `/api/v1/audit`, `/api/v1/audit/verify` and the `/audit` page.
struct AuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "audit", use: listAPI)
        routes.get("api", "v1", "audit", "verify", use: verifyAPI)
        routes.get("audit", use: page)
    }

    struct EntryDTO: Content {
        let seq: Int64
        let at: Date
        let actor: String
        let roles: String
        let action: String
        let objectType: String
        let objectId: String
        let outcome: String
        let ip: String
        let summary: String
        let changeDigest: String
        let prevHash: String
        let entryHash: String

        init(_ record: AuditRecord) {
            seq = record.id ?? 0
            at = Date(timeIntervalSince1970: Double(record.atMillis) / 1000)
            actor = record.actor
            roles = record.roles
            action = record.action
            objectType = record.objectType
            objectId = record.objectID
            outcome = record.outcome
            ip = record.ip
            summary = record.summary
            changeDigest = record.changeDigest
            prevHash = record.prevHash
            entryHash = record.entryHash
        }
    }

    /// Newest first; `?before=<seq>` pages back.
    func entries(_ request: Request) async throws -> [AuditRecord] {
        var query = AuditRecord.query(on: request.db)
        if let before = try request.queryInt("before") { query = query.filter(\.$id < Int64(before)) }
        if let action = try request.queryValue("action"), !action.isEmpty { query = query.filter(\.$action == action) }
        let limit = try request.queryInt("limit") ?? 50
        guard (1...200).contains(limit) else { throw AppError.invalid("limit") }
        return try await query.sort(\.$id, .descending).limit(limit).all()
    }

    @Sendable func listAPI(_ request: Request) async throws -> [EntryDTO] {
        _ = try request.require(.readAuditLog)
        return try await entries(request).map(EntryDTO.init)
    }

    struct VerifyDTO: Content {
        let intact: Bool
        let count: Int64
        let brokenAt: Int64?
        /// Signed checkpoints stored, and whether they were checked (a public key is configured).
        let checkpoints: Int
        let checkpointsChecked: Bool
    }

    @Sendable func verifyAPI(_ request: Request) async throws -> VerifyDTO {
        _ = try request.require(.readAuditLog)
        let key = request.gongzhi.config.auditPublicKey.flatMap(AuditCheckpoint.publicKey(base64:))
        let verified = try await AuditLog.verify(on: request.db, checkpointKey: key)
        let signed = try await AuditCheckpointRecord.query(on: request.db).count()
        return switch verified {
        case .intact(let count): VerifyDTO(intact: true, count: count, brokenAt: nil, checkpoints: signed, checkpointsChecked: key != nil)
        case .broken(_, let checked), .checkpoint(_, let checked):
            VerifyDTO(intact: false, count: checked, brokenAt: verified.failedAt, checkpoints: signed, checkpointsChecked: key != nil)
        }
    }

    struct EntryRow: Encodable {
        let seq: Int64
        let at: String
        let actor: String
        let roles: String
        let action: String
        let summary: String
        let objectType: String
        let objectId: String
        let outcome: String

        init(_ e: EntryDTO) {
            seq = e.seq
            at = e.at.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
            actor = e.actor
            roles = e.roles
            action = e.action
            summary = e.summary
            objectType = e.objectType
            objectId = e.objectId
            outcome = e.outcome
        }
    }

    struct AuditPage: Encodable {
        let page: PageBase
        let entries: [EntryRow]
        let verify: VerifyDTO?
        let older: Int64?
    }

    @Sendable func page(_ request: Request) async throws -> View {
        _ = try request.require(.readAuditLog)
        let records = try await entries(request)
        let verify = (try? request.query.get(String.self, at: "verify")) != nil ? try await verifyAPI(request) : nil
        return try await request.view.render("audit/index", AuditPage(
            page: await PageBase.make(for: request, title: Strings.text("audit.title", request.lang)),
            entries: records.map { EntryRow(EntryDTO($0)) }, verify: verify, older: records.count == 50 ? records.last?.id : nil))
    }
}
