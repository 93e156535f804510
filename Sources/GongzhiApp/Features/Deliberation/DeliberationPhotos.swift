import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A photo of a need or of a project's progress report: checked by content like a case's photos (JPEG, PNG,
/// WebP, ≤ 5 MB), stored under a random name outside the web root, served only after the owner's access check.
final class DeliberationPhotoRecord: Model, @unchecked Sendable {
    static let schema = "deliberation_photos"

    enum Subject: String, Codable, Sendable {
        case need
        case projectUpdate = "project_update"
        /// The photo of a signed paper ballot sheet, kept with the ballot (its id).
        case paperBallot = "paper_ballot"
        /// A photo or scan attached to an announcement (a notice's signed original, a plan).
        case announcement
        /// The voucher (receipt, invoice) of a compound's expense or fund use (its transfer's id).
        case voucher
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "subject") var subject: Subject
    @Field(key: "subject_id") var subjectID: UUID
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: UUID
    @Field(key: "uploaded_at") var uploadedAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $subject, $subjectID, $contentType, $size, $sha256, $uploadedBy, $uploadedAt] }

    init() {}
}

struct CreateDeliberationPhotos: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DeliberationPhotoRecord.schema)
            .id()
            .field("subject", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .uuid, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await database.sql().create(index: "idx_deliberation_photos_subject").on(DeliberationPhotoRecord.schema).column("subject").column("subject_id").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(DeliberationPhotoRecord.schema).delete() }
}

enum DeliberationPhotos {
    static let maxPerSubject = 6

    /// The rows of photos whose files `CasePhoto.writing` wrote, in the caller's transaction; at most six per subject.
    static func save(_ photos: [CasePhoto], files: [(id: UUID, path: String)], subject: DeliberationPhotoRecord.Subject, id subjectID: UUID,
                     uploadedBy: UUID, now: Date, on db: any Database) async throws {
        guard !photos.isEmpty else { return }
        let existing = try await DeliberationPhotoRecord.query(on: db).filter(\.$subject == subject).filter(\.$subjectID == subjectID).count()
        guard existing + photos.count <= maxPerSubject else { throw AppError.conflict("too_many_attachments", field: "photos") }
        for (photo, file) in zip(photos, files) {
            let row = DeliberationPhotoRecord()
            row.id = file.id
            row.subject = subject
            row.subjectID = subjectID
            row.contentType = photo.type.mediaType
            row.size = photo.bytes.count
            row.sha256 = photo.sha256
            row.uploadedBy = uploadedBy
            row.uploadedAt = now
            try await row.create(on: db)
        }
    }

    /// Photo ids by subject id, oldest first.
    static func ids(_ subject: DeliberationPhotoRecord.Subject, of subjectIDs: [UUID], on db: any Database) async throws -> [UUID: [UUID]] {
        guard !subjectIDs.isEmpty else { return [:] }
        var result: [UUID: [UUID]] = [:]
        for photo in try await DeliberationPhotoRecord.query(on: db).filter(\.$subject == subject).filter(\.$subjectID ~~ subjectIDs).sort(\.$uploadedAt).all() {
            result[photo.subjectID, default: []].append(photo.id!)
        }
        return result
    }

    /// The file of photo `photoId` if it belongs to one of `subjectIDs` (whose access the caller checked); 404 otherwise.
    static func serve(_ photoID: UUID, subject: DeliberationPhotoRecord.Subject, of subjectIDs: [UUID], in context: UseCaseContext) async throws -> Response {
        guard let photo = try await DeliberationPhotoRecord.query(on: context.db).filter(\.$id == photoID).filter(\.$subject == subject)
            .filter(\.$subjectID ~~ subjectIDs).first(),
            let data = FileManager.default.contents(atPath: CaseAttachmentsAPIController.directory(context.services) + "/" + photoID.uuidString.lowercased())
        else { throw AppError.notFound }
        return CasePhoto.response(data, contentType: photo.contentType)
    }

    /// The checked photos of a form's `photos[]` field (empty file inputs are skipped).
    static func checked(_ files: [File]?) throws -> [CasePhoto] {
        let photos = try (files ?? []).filter { $0.data.readableBytes > 0 }.map { try CasePhoto(checking: $0, field: "photos") }
        guard photos.count <= maxPerSubject else { throw AppError.conflict("too_many_attachments", field: "photos") }
        return photos
    }
}
