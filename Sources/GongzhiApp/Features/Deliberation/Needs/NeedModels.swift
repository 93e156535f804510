import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A need of the needs list (需求清单), in a community (and, where it is about one, a compound).
final class NeedRecord: Model, @unchecked Sendable {
    static let schema = "needs"

    enum Origin: String, Codable, Sendable, CaseIterable {
        /// Raised by a resident.
        case resident
        /// Raised by a grid worker or other staff.
        case staff
        /// Made from a group of repeated cases.
        case cases
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    /// The community's path: who sees and manages it.
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "compound_id") var compoundID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    @Field(key: "place") var place: String
    @Field(key: "state") var state: NeedRules.State
    @Field(key: "origin") var origin: Origin
    @Field(key: "support_count") var supportCount: Int
    @Field(key: "raised_by") var raisedBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "topic_at") var topicAt: Date?
    /// Why it became a topic, or was declined or closed, in the staff's words (public).
    @Field(key: "decision_note") var decisionNote: String
    /// The catalogue item, for a need made from cases.
    @OptionalField(key: "item_code") var itemCode: String?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $compoundID, $title, $details, $place, $state, $origin, $supportCount, $raisedBy, $createdAt,
            $topicAt, $decisionNote, $itemCode
        ]
    }

    init() {}

    init(communityID: UUID, orgPath: String, compoundID: UUID?, title: String, details: String, place: String, origin: Origin,
         raisedBy: UUID, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.compoundID = compoundID
        self.title = title
        self.details = details
        self.place = place
        self.state = .open
        self.origin = origin
        self.supportCount = 0
        self.raisedBy = raisedBy
        self.createdAt = now
        self.decisionNote = ""
    }
}

/// One resident's support (附议) of a need: at most one per account (a unique index).
final class NeedSupportRecord: Model, @unchecked Sendable {
    static let schema = "need_supports"

    @ID(key: .id) var id: UUID?
    @Field(key: "need_id") var needID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $needID, $userID, $createdAt] }

    init() {}

    init(needID: UUID, userID: UUID, now: Date) {
        self.id = UUID()
        self.needID = needID
        self.userID = userID
        self.createdAt = now
    }
}

/// A case behind a need made from repeated cases; a case belongs to one need at most.
final class NeedCaseRecord: Model, @unchecked Sendable {
    static let schema = "need_cases"

    @ID(key: .id) var id: UUID?
    @Field(key: "need_id") var needID: UUID
    @Field(key: "case_id") var caseID: UUID

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $needID, $caseID] }

    init() {}

    init(needID: UUID, caseID: UUID) {
        self.id = UUID()
        self.needID = needID
        self.caseID = caseID
    }
}

/// A community's deliberation settings (data, not code): how many supporters make a need a topic.
final class DeliberationSettingsRecord: Model, @unchecked Sendable {
    static let schema = "deliberation_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "need_support_threshold") var needSupportThreshold: Int
    @Field(key: "updated_at") var updatedAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $communityID, $needSupportThreshold, $updatedAt] }

    init() {}

    init(communityID: UUID, needSupportThreshold: Int, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.needSupportThreshold = needSupportThreshold
        self.updatedAt = now
    }

    static func threshold(for community: UUID, on db: any Database) async throws -> Int {
        try await DeliberationSettingsRecord.query(on: db).filter(\.$communityID == community).first()?.needSupportThreshold
            ?? NeedRules.defaultSupportThreshold
    }
}

struct CreateNeeds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(NeedRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("place", .string, .required)
            .field("state", .string, .required)
            .field("origin", .string, .required)
            .field("support_count", .int, .required)
            .field("raised_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("topic_at", .datetime)
            .field("decision_note", .string, .required)
            .field("item_code", .string)
            .create()
        try await database.schema(NeedSupportRecord.schema)
            .id()
            .field("need_id", .uuid, .required, .references(NeedRecord.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .unique(on: "need_id", "user_id")
            .create()
        try await database.schema(NeedCaseRecord.schema)
            .id()
            .field("need_id", .uuid, .required, .references(NeedRecord.schema, .id, onDelete: .cascade))
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .restrict))
            .unique(on: "case_id")
            .create()
        try await database.schema(DeliberationSettingsRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .cascade))
            .field("need_support_threshold", .int, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "community_id")
            .create()
        try await database.sql().create(index: "idx_needs_path").on(NeedRecord.schema).column("org_path").column("created_at").run()
        try await database.sql().create(index: "idx_need_cases_need").on(NeedCaseRecord.schema).column("need_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DeliberationSettingsRecord.schema).delete()
        try await database.schema(NeedCaseRecord.schema).delete()
        try await database.schema(NeedSupportRecord.schema).delete()
        try await database.schema(NeedRecord.schema).delete()
    }
}
