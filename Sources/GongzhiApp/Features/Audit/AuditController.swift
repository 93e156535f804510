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

    @Sendable func listAPI(_ request: Request) async throws -> [EntryDTO] {
        _ = try request.require(.readAuditLog)
        return try await AuditSearch(request).entries(on: request.db).map(EntryDTO.init)
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
        /// Who, in words: the account's name and username, the system, a visitor.
        let actorName: String
        /// What, in words (the code stays beside it for searching).
        let actionLabel: String
        let outcomeLabel: String

        init(_ e: EntryDTO, names: [String: String], lang: Lang) {
            seq = e.seq
            at = PageDates.second(e.at)
            actor = e.actor
            actorName = names[e.actor] ?? (e.actor == "system" || e.actor.hasPrefix("system")
                ? Strings.text("audit.actor_system", lang) : e.actor == "anonymous" || e.actor.isEmpty ? Strings.text("audit.actor_anonymous", lang) : e.actor)
            actionLabel = EntryRow.label(e.action, lang)
            outcomeLabel = Strings.entry("audit.outcome_\(e.outcome)", lang) ?? e.outcome
            // Roles in words ("社区工作者"), not their codes.
            roles = e.roles.split(separator: ",").map { Strings.entry("role.\($0.trimmingCharacters(in: .whitespaces))", lang) ?? String($0) }
                .joined(separator: "、")
            action = e.action
            summary = e.summary
            objectType = e.objectType
            objectId = e.objectId
            outcome = e.outcome
        }

        /// An action in words: its own (`audit.act.<action>`), a case step's ("诉求：派单"), or the code itself.
        static func label(_ action: String, _ lang: Lang) -> String {
            if let words = Strings.entry("audit.act.\(action)", lang) { return words }
            let parts = action.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "case", let step = Strings.entry("action.\(parts[1])", lang) { return Strings.text("audit.act_case", lang) + step }
            return action
        }
    }

    struct AuditPage: Encodable {
        let page: PageBase
        let entries: [EntryRow]
        let verify: VerifyDTO?
        let search: SearchForm
        let messages: [FormMessage]
        let olderHref: String?
        let newestHref: String?
    }

    /// The search form as the user filled it in.
    struct SearchForm: Encodable {
        let actor: String
        let action: String
        let objectType: String
        let objectId: String
        let outcomes: [SelectOption]
        let from: String
        let to: String
        let filtered: Bool
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        _ = try request.require(.readAuditLog)
        let lang = request.lang
        var messages: [FormMessage] = []
        var search = AuditSearch()
        do { search = try await AuditSearch(request) } catch {
            messages = request.formMessages(for: error)
        }
        // A search that cannot be carried out shows nothing rather than the whole log.
        let records = messages.isEmpty ? try await search.entries(on: request.db) : []
        let verify = (try? request.query.get(String.self, at: "verify")) != nil ? try await verifyAPI(request) : nil
        let asked = { (name: String) in (try? request.query.get(String.self, at: name)) ?? "" }
        let outcome = asked("outcome")
        let form = SearchForm(
            actor: asked("actor"), action: asked("action"), objectType: asked("objectType"), objectId: asked("objectId"),
            outcomes: [SelectOption(value: "", label: Strings.text("workbench.any", lang), selected: outcome.isEmpty)]
                + AuditSearch.outcomes.map { SelectOption(value: $0, label: Strings.text("audit.outcome_\($0)", lang), selected: outcome == $0) },
            from: asked("from"), to: asked("to"), filtered: search.query(before: nil) != "")
        // The accounts named on this page, by id: "王敏（worker）" instead of an id.
        let ids = Set(records.compactMap { UUID(uuidString: $0.actor) })
        let names = ids.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: request.db).filter(\.$id ~~ Array(ids)).all()
            .map { ($0.id!.uuidString.lowercased(), $0.displayName.isEmpty ? $0.username : "\($0.displayName)（\($0.username)）") })
        var older: String?
        if records.count == search.limit, let last = records.last?.id {
            older = "/audit?" + search.query(before: last)
        }
        let context = AuditPage(
            page: await PageBase.make(for: request, title: Strings.text("audit.title", lang)),
            entries: records.map { EntryRow(EntryDTO($0), names: names, lang: lang) }, verify: verify, search: form, messages: messages,
            olderHref: older, newestHref: search.before != nil ? "/audit?" + search.query(before: nil) : nil)
        return try await request.view.render("audit/index", context)
            .encodeResponse(status: messages.isEmpty ? .ok : .unprocessableEntity, for: request)
    }
}
