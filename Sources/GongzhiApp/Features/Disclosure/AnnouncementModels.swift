import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// An announcement (社区公告): published by a community's staff, or by an owners' committee to its compound, for the
/// residents of the community, a compound or a building (`Announcement` in Core). Never edited once published:
/// withdrawn with a reason, and a corrected one published.
final class AnnouncementRecord: Model, @unchecked Sendable {
    static let schema = "announcements"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    /// The community's path (moved with it).
    @Field(key: "org_path") var orgPath: String
    @Field(key: "scope") var scope: Announcement.Scope
    @OptionalField(key: "compound_id") var compoundID: UUID?
    @OptionalField(key: "building_id") var buildingID: UUID?
    /// The owners' committee that published it, when one did (else the community).
    @OptionalField(key: "committee_id") var committeeID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    /// Anyone may read it (the community's notice board, its feed); else only the residents it is for and staff.
    @Field(key: "public") var isPublic: Bool
    @Field(key: "pinned") var pinned: Bool
    @Field(key: "publish_from") var publishFrom: Date
    @OptionalField(key: "publish_until") var publishUntil: Date?
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?
    @Field(key: "withdrawn_reason") var withdrawnReason: String
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $scope, $compoundID, $buildingID, $committeeID, $title, $body, $isPublic, $pinned, $publishFrom,
            $publishUntil, $withdrawnAt, $withdrawnReason, $createdBy, $createdAt
        ]
    }

    init() {}

    var window: Announcement.Window { .init(from: publishFrom, until: publishUntil) }

    func status(at now: Date) -> Announcement.Status { Announcement.status(window, withdrawnAt: withdrawnAt, now: now) }

    var audience: Announcement.Audience {
        .init(scope: scope, community: communityID.uuidString, compound: compoundID?.uuidString, building: buildingID?.uuidString)
    }

    var listed: Announcement.Listed { .init(id: id!.uuidString, pinned: pinned, from: publishFrom) }
}

/// That a resident account opened an announcement (its first time), for the publisher's read count.
final class AnnouncementReadRecord: Model, @unchecked Sendable {
    static let schema = "announcement_reads"

    @ID(key: .id) var id: UUID?
    @Field(key: "announcement_id") var announcementID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "read_at") var readAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $announcementID, $userID, $readAt] }

    init() {}
}

struct CreateAnnouncements: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AnnouncementRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("scope", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("building_id", .uuid, .references(BuildingRecord.schema, .id, onDelete: .restrict))
            .field("committee_id", .uuid, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("public", .bool, .required)
            .field("pinned", .bool, .required)
            .field("publish_from", .datetime, .required)
            .field("publish_until", .datetime)
            .field("withdrawn_at", .datetime)
            .field("withdrawn_reason", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(AnnouncementReadRecord.schema)
            .id()
            .field("announcement_id", .uuid, .required, .references(AnnouncementRecord.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("read_at", .datetime, .required)
            .unique(on: "announcement_id", "user_id")
            .create()
        try await database.sql().create(index: "idx_announcements_community").on(AnnouncementRecord.schema)
            .column("community_id").column("publish_from").run()
        try await database.sql().create(index: "idx_announcements_path").on(AnnouncementRecord.schema).column("org_path").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AnnouncementReadRecord.schema).delete()
        try await database.schema(AnnouncementRecord.schema).delete()
    }
}
