import Crypto
import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `POST/GET /api/v1/cases/:id/attachments`, `GET /api/v1/cases/:id/attachments/:attachmentId`.
struct CaseAttachmentsAPIController: RouteCollection {
    static let maxPerCase = 6
    static let maxBytes = 5 * 1024 * 1024

    func boot(routes: any RoutesBuilder) throws {
        let cases = routes.grouped("api", "v1", "cases", ":id", "attachments")
        cases.on(.POST, bodyUpTo: "6mb", use: upload)
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

        init(_ a: CaseAttachmentRecord) {
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

    static func directory(_ request: Request) -> String { directory(request.gongzhi) }
    static func directory(_ services: GongzhiServices) -> String { services.config.storageDirectory + "/attachments" }

    @Sendable func upload(_ request: Request) async throws -> Response {
        let context = request.context
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        // Who may see the case first: a refusal comes before anything about the body.
        _ = try await CaseActions.visibleCase(caseID, actor: actor, on: context.db)
        // A broken multipart body is a 400 (SafeFormDataDecoder), not a server error.
        guard let file = try request.content.decode(UploadForm.self).file, file.data.readableBytes > 0 else {
            throw AppError.invalid("file", "required")
        }
        let photo = try CasePhoto(checking: file, field: "file")
        var attachment: CaseAttachmentRecord?
        try await CasePhoto.writing([photo], in: context) { paths in
            attachment = try await context.write { db in
                // Those who act on the case or submitted it add photos; a follower of a merged duplicate does not.
                let record = try await CaseActions.visibleCase(caseID, actor: actor, on: db)
                guard record.state.isOpen else { throw AppError.conflict("case_closed") }
                guard try await CaseAttachmentRecord.query(on: db).filter(\.$caseID == caseID).count() < Self.maxPerCase else {
                    throw AppError.conflict("too_many_attachments", field: "file")
                }
                let saved = try await photo.save(caseID: caseID, id: paths[0].id, uploadedBy: actor.userID.uuid, eventSeq: nil,
                                                 now: context.now, on: db)
                try await context.audit(AuditEvent(action: "case.attach", objectType: "case", objectID: caseID.uuidString.lowercased(),
                                                   summary: "\(photo.type.rawValue) \(photo.bytes.count) bytes", change: ["sha256": photo.sha256]), on: db)
                return saved
            }
        }
        return try await AttachmentDTO(attachment!).encodeResponse(status: .created, for: request)
    }

    @Sendable func list(_ request: Request) async throws -> [AttachmentDTO] {
        let context = request.context
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        _ = try await CaseActions.visibleCase(caseID, actor: actor, allowFollowers: .ifPublic, on: context.db)
        return try await CaseAttachmentRecord.query(on: context.db).filter(\.$caseID == caseID).sort(\.$uploadedAt).all().map(AttachmentDTO.init)
    }

    /// Served only after the case's access check, with its checked type and `nosniff`.
    @Sendable func download(_ request: Request) async throws -> Response {
        let context = request.context
        let actor = try request.requireActor()
        let caseID = try request.uuidParameter()
        _ = try await CaseActions.visibleCase(caseID, actor: actor, allowFollowers: .ifPublic, on: context.db)
        guard let attachment = try await CaseAttachmentRecord.query(on: context.db).filter(\.$id == request.uuidParameter("attachmentId"))
            .filter(\.$caseID == caseID).first(),
            let data = FileManager.default.contents(atPath: Self.directory(request) + "/" + attachment.id!.uuidString.lowercased())
        else { throw AppError.notFound }
        return CasePhoto.response(data, contentType: attachment.contentType)
    }
}
