import Crypto
import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A photo attached to a case: stored under a random name outside any web root, with its SHA-256.
final class CaseAttachmentRecord: Model, @unchecked Sendable {
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

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $caseID, $contentType, $size, $sha256, $uploadedBy, $uploadedAt, $eventSeq] }

    init() {}
}

struct CreateCaseAttachment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseAttachmentRecord.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .cascade))
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .uuid)
            .field("uploaded_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CaseAttachmentRecord.schema).delete() }
}

/// Photos belong to timeline events (issue 4 item 4: each event has its attachments).
struct UpdateCaseAttachmentAddEventSeq: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseAttachmentRecord.schema).field("event_seq", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseAttachmentRecord.schema).deleteField("event_seq").update()
    }
}

/// A photo checked by its content (JPEG, PNG or WebP, ≤ 5 MB), ready to be stored with a case.
struct CasePhoto: Sendable {
    /// The largest page form that carries photos (six of 5 MB and the fields around them): the body limit of the
    /// routes that take photos.
    static let maxFormSize: ByteCount = "32mb"

    let bytes: [UInt8]
    let type: ImageSignature
    let sha256: String

    init(checking file: File, field: String) throws {
        guard file.data.readableBytes <= CaseAttachmentsAPIController.maxBytes else {
            throw AppError(status: .payloadTooLarge, code: "body_too_large", messageKey: "error.body_too_large", field: field)
        }
        bytes = Array(file.data.readableBytesView)
        guard let type = ImageSignature.detect(bytes) else {
            throw AppError(status: .unsupportedMediaType, code: "unsupported_file_type", messageKey: "error.unsupported_file_type", field: field)
        }
        self.type = type
        sha256 = Hex.string(SHA256.hash(data: bytes))
    }

    /// A stored photo as an answer: its checked type, shown inline, never sniffed as something else.
    static func response(_ data: Data, contentType: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: contentType)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// Writes the files under new random names, then runs `body` (which writes the rows in a transaction); if
    /// it fails, the files are removed, so that no file is left without its row and no row without its file.
    static func writing(_ photos: [CasePhoto], in context: UseCaseContext, _ body: ([(id: UUID, path: String)]) async throws -> Void) async throws {
        let directory = CaseAttachmentsAPIController.directory(context.services)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [(id: UUID, path: String)] = []
        do {
            for photo in photos {
                let id = UUID()
                let path = directory + "/" + id.uuidString.lowercased()
                guard FileManager.default.createFile(atPath: path, contents: Data(photo.bytes), attributes: [.posixPermissions: 0o600]) else {
                    throw Abort(.internalServerError)
                }
                written.append((id, path))
            }
            try await body(written)
        } catch {
            for file in written { try? FileManager.default.removeItem(atPath: file.path) }
            throw error
        }
    }

    /// The row of a photo whose file is written under `id`.
    func save(caseID: UUID, id: UUID, uploadedBy: UUID?, eventSeq: Int?, now: Date, on db: any Database) async throws -> CaseAttachmentRecord {
        let attachment = row(caseID: caseID, id: id, uploadedBy: uploadedBy, eventSeq: eventSeq, now: now)
        try await attachment.create(on: db)
        return attachment
    }

    /// The row of a photo whose file is written under `id`, not yet stored.
    func row(caseID: UUID, id: UUID, uploadedBy: UUID?, eventSeq: Int?, now: Date) -> CaseAttachmentRecord {
        let attachment = CaseAttachmentRecord()
        attachment.id = id
        attachment.caseID = caseID
        attachment.contentType = type.mediaType
        attachment.size = bytes.count
        attachment.sha256 = sha256
        attachment.uploadedBy = uploadedBy
        attachment.uploadedAt = now
        attachment.eventSeq = eventSeq
        return attachment
    }
}
