import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A party member's or a co-building unit's registration with a community's party organisation (双报到,
/// `DualRegistration` in Core): pending until the organisation confirms it with a receipt code, or declines it.
final class PartyRegistrationRecord: Model, @unchecked Sendable {
    static let schema = "party_registrations"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    /// The community's path (moved with it).
    @Field(key: "org_path") var orgPath: String
    /// The community's party organisation (a party node under it).
    @Field(key: "organisation_id") var organisationID: UUID
    @Field(key: "kind") var kind: DualRegistration.Kind
    @Field(key: "state") var state: DualRegistration.State
    /// A member: their person record (a resident of the community).
    @OptionalField(key: "person_id") var personID: UUID?
    /// A unit: the co-building unit's node; a member whose workplace is one: that node.
    @OptionalField(key: "unit_id") var unitID: UUID?
    /// The workplace (在职) or former workplace (离退休) as the member writes it, or the unit's name.
    @Field(key: "unit_name") var unitName: String
    /// The party branch the member belongs to (所在党组织), or the unit's own party organisation.
    @Field(key: "branch") var branch: String
    /// What the member offers or the unit commits to (特长、共建内容).
    @Field(key: "offer") var offer: String
    /// The receipt's code, once confirmed (unique).
    @OptionalField(key: "receipt") var receipt: String?
    /// Why it was declined or ended.
    @Field(key: "reason") var reason: String
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $communityID, $orgPath, $organisationID, $kind, $state, $personID, $unitID, $unitName, $branch, $offer, $receipt, $reason, $decidedBy,
         $decidedAt, $endedAt, $createdAt]
    }

    init() {}
}

/// A service post (服务岗位) the party organisation offers: what the work is and how many may hold it.
final class PartyServicePostRecord: Model, @unchecked Sendable {
    static let schema = "party_service_posts"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "organisation_id") var organisationID: UUID
    @Field(key: "title") var title: String
    @Field(key: "details") var details: String
    /// How many may hold it (nil: any number).
    @OptionalField(key: "capacity") var capacity: Int?
    @Field(key: "open") var open: Bool
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $communityID, $orgPath, $organisationID, $title, $details, $capacity, $open, $createdBy, $createdAt] }

    init() {}
}

/// A registration holding a post (认领), until it lets it go.
final class PartyPostClaimRecord: Model, @unchecked Sendable {
    static let schema = "party_post_claims"

    @ID(key: .id) var id: UUID?
    @Field(key: "post_id") var postID: UUID
    @Field(key: "registration_id") var registrationID: UUID
    @Field(key: "claimed_at") var claimedAt: Date
    @OptionalField(key: "released_at") var releasedAt: Date?

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $postID, $registrationID, $claimedAt, $releasedAt] }

    init() {}
}

/// One entry of service (服务记录): a day, a length, what was done, at which post; confirmed by the organisation.
final class PartyServiceLogRecord: Model, @unchecked Sendable {
    static let schema = "party_service_logs"

    enum State: String, Codable, Sendable, CaseIterable {
        case pending, confirmed, declined
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "registration_id") var registrationID: UUID
    @OptionalField(key: "post_id") var postID: UUID?
    /// YYYY-MM-DD.
    @Field(key: "day") var day: String
    @Field(key: "minutes") var minutes: Int
    @Field(key: "note") var note: String
    @Field(key: "state") var state: State
    @Field(key: "reason") var reason: String
    /// Who wrote it: the member, the unit's staff, or the organisation's staff.
    @Field(key: "logged_by") var loggedBy: UUID
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $registrationID, $postID, $day, $minutes, $note, $state, $reason, $loggedBy, $decidedBy, $createdAt] }

    init() {}
}

struct CreatePartyRegistrations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PartyRegistrationRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("organisation_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("kind", .string, .required)
            .field("state", .string, .required)
            .field("person_id", .uuid, .references(PersonRecord.schema, .id, onDelete: .restrict))
            .field("unit_id", .uuid, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("unit_name", .string, .required)
            .field("branch", .string, .required)
            .field("offer", .string, .required)
            .field("receipt", .string)
            .field("reason", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("ended_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "receipt")
            .create()
        try await database.schema(PartyServicePostRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("organisation_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("details", .string, .required)
            .field("capacity", .int)
            .field("open", .bool, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(PartyPostClaimRecord.schema)
            .id()
            .field("post_id", .uuid, .required, .references(PartyServicePostRecord.schema, .id, onDelete: .restrict))
            .field("registration_id", .uuid, .required, .references(PartyRegistrationRecord.schema, .id, onDelete: .restrict))
            .field("claimed_at", .datetime, .required)
            .field("released_at", .datetime)
            .create()
        try await database.schema(PartyServiceLogRecord.schema)
            .id()
            .field("registration_id", .uuid, .required, .references(PartyRegistrationRecord.schema, .id, onDelete: .restrict))
            .field("post_id", .uuid, .references(PartyServicePostRecord.schema, .id, onDelete: .restrict))
            .field("day", .string, .required)
            .field("minutes", .int, .required)
            .field("note", .string, .required)
            .field("state", .string, .required)
            .field("reason", .string, .required)
            .field("logged_by", .uuid, .required)
            .field("decided_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database.sql()
        try await sql.create(index: "idx_party_registrations_organisation").on(PartyRegistrationRecord.schema).column("organisation_id").column("state").run()
        try await sql.create(index: "idx_party_registrations_person").on(PartyRegistrationRecord.schema).column("person_id").run()
        try await sql.create(index: "idx_party_registrations_path").on(PartyRegistrationRecord.schema).column("org_path").run()
        try await sql.create(index: "idx_party_post_claims_post").on(PartyPostClaimRecord.schema).column("post_id").column("released_at").run()
        try await sql.create(index: "idx_party_service_logs_registration").on(PartyServiceLogRecord.schema).column("registration_id").column("day").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PartyServiceLogRecord.schema).delete()
        try await database.schema(PartyPostClaimRecord.schema).delete()
        try await database.schema(PartyServicePostRecord.schema).delete()
        try await database.schema(PartyRegistrationRecord.schema).delete()
    }
}

extension PartyRegistrationRecord: OrgScoped { static var pathKey: KeyPath<PartyRegistrationRecord, FieldProperty<PartyRegistrationRecord, String>> { \.$orgPath } }
extension PartyServicePostRecord: OrgScoped { static var pathKey: KeyPath<PartyServicePostRecord, FieldProperty<PartyServicePostRecord, String>> { \.$orgPath } }
