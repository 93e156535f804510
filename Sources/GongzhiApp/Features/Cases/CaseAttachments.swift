import Crypto
import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A photo attached to a case: stored under a random name outside any web root, with its SHA-256.
final class CaseAttachment: Model, @unchecked Sendable {
    static let schema = "case_attachments"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @OptionalField(key: "uploaded_by") var uploadedBy: UUID?
    @Field(key: "uploaded_at") var uploadedAt: Date
    /// The timeline event it was attached to (a reply's photos of the finished work); nil until then.
    @OptionalField(key: "event_seq") var eventSeq: Int?

    init() {}
}

struct CreateCaseAttachment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseAttachment.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .cascade))
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .uuid)
            .field("uploaded_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CaseAttachment.schema).delete() }
}

/// Photos belong to timeline events (issue 4 item 4: each event has its attachments).
struct UpdateCaseAttachmentAddEventSeq: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseAttachment.schema).field("event_seq", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseAttachment.schema).deleteField("event_seq").update()
    }
}

/// `POST/GET /api/v1/cases/:id/attachments`, `GET /api/v1/cases/:id/attachments/:attachmentId`.
struct CaseAttachmentsController: RouteCollection {
    static let maxPerCase = 6
    static let maxBytes = 5 * 1024 * 1024

    func boot(routes: any RoutesBuilder) throws {
        let cases = routes.grouped("api", "v1", "cases", ":id", "attachments")
        cases.on(.POST, body: .collect(maxSize: "6mb"), use: upload)
        cases.get(use: list)
        cases.get(":attachmentId", use: download)
    }

    struct AttachmentDTO: Content {
        let id: UUID
        let contentType: String
        let size: Int
        let sha256: String
        let uploadedAt: Date
        /// The timeline event it belongs to, if it was attached to one.
        let eventSeq: Int?

        init(_ a: CaseAttachment) {
            id = a.id!
            contentType = a.contentType
            size = a.size
            sha256 = a.sha256
            uploadedAt = a.uploadedAt
            eventSeq = a.eventSeq
        }
    }

    struct UploadForm: Content {
        var file: File?
    }

    static func directory(_ request: Request) -> String { request.gongzhi.config.storageDirectory + "/attachments" }

    @Sendable func upload(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        // A broken multipart body is a 400 (SafeFormDataDecoder), not a server error.
        guard let file = try request.content.decode(UploadForm.self).file, file.data.readableBytes > 0 else {
            throw AppError.invalid("file", "required")
        }
        guard file.data.readableBytes <= Self.maxBytes else {
            throw AppError(status: .payloadTooLarge, code: "body_too_large", messageKey: "error.body_too_large", field: "file")
        }
        let bytes = Array(file.data.readableBytesView)
        guard let type = ImageSignature.detect(bytes) else {
            throw AppError(status: .unsupportedMediaType, code: "unsupported_file_type", messageKey: "error.unsupported_file_type", field: "file")
        }
        let directory = Self.directory(request)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let attachment = CaseAttachment()
        attachment.id = UUID()
        attachment.caseID = caseID
        attachment.contentType = type.mediaType
        attachment.size = bytes.count
        attachment.sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        attachment.uploadedBy = UUID(uuidString: actor.userID)
        attachment.uploadedAt = request.now
        let path = directory + "/" + attachment.id!.uuidString.lowercased()
        do {
            try await request.write { db in
                // Those who act on the case or submitted it add photos; a follower of a merged duplicate does not.
                let record = try await CaseActions.visibleCase(caseID, actor: actor, on: db)
                guard record.state.isOpen else { throw AppError.conflict("case_closed") }
                guard try await CaseAttachment.query(on: db).filter(\.$caseID == caseID).count() < Self.maxPerCase else {
                    throw AppError.conflict("too_many_attachments", field: "file")
                }
                // The file first (nothing refers to it yet), then the row: a failed transaction leaves no row.
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                    throw Abort(.internalServerError)
                }
                try await attachment.create(on: db)
                try await request.audit(AuditEvent(action: "case.attach", objectType: "case", objectID: caseID.uuidString.lowercased(),
                                                   summary: "\(type.rawValue) \(bytes.count) bytes", change: ["sha256": attachment.sha256]), on: db)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return try await AttachmentDTO(attachment).encodeResponse(status: .created, for: request)
    }

    @Sendable func list(_ request: Request) async throws -> [AttachmentDTO] {
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        _ = try await CaseActions.visibleCase(caseID, actor: actor, allowFollowers: .ifPublic, on: request.db)
        return try await CaseAttachment.query(on: request.db).filter(\.$caseID == caseID).sort(\.$uploadedAt).all().map(AttachmentDTO.init)
    }

    /// Served only after the case's access check, with its checked type and `nosniff`.
    @Sendable func download(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        _ = try await CaseActions.visibleCase(caseID, actor: actor, allowFollowers: .ifPublic, on: request.db)
        guard let attachment = try await CaseAttachment.query(on: request.db).filter(\.$id == request.uuidParameter("attachmentId"))
            .filter(\.$caseID == caseID).first(),
            let data = FileManager.default.contents(atPath: Self.directory(request) + "/" + attachment.id!.uuidString.lowercased())
        else { throw AppError.notFound }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: attachment.contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
