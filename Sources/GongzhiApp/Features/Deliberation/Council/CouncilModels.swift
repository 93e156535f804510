import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A seat of a community's "3+X" council (议事会), optionally for one compound.
final class CouncilMemberRecord: Model, @unchecked Sendable {
    static let schema = "council_members"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "compound_id") var compoundID: UUID?
    @Field(key: "seat") var seat: CouncilRules.Seat
    @Field(key: "name") var name: String
    /// The organisation the member speaks for ("幸福里物业", "朝阳派出所").
    @Field(key: "organisation") var organisation: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date
    /// When the term ended: five years on, `RetentionSweep` clears the name and organisation.
    @OptionalField(key: "retired_at") var retiredAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [$id, $communityID, $orgPath, $compoundID, $seat, $name, $organisation, $active, $createdAt, $retiredAt]
    }

    init() {}

    init(communityID: UUID, orgPath: String, compoundID: UUID?, seat: CouncilRules.Seat, name: String, organisation: String, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.compoundID = compoundID
        self.seat = seat
        self.name = name
        self.organisation = organisation
        self.active = true
        self.createdAt = now
    }
}

/// A council meeting: agenda (topics), attendance, minutes and decisions; published for residents once held.
final class MeetingRecord: Model, @unchecked Sendable {
    static let schema = "meetings"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "compound_id") var compoundID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "held_at") var heldAt: Date
    @Field(key: "place") var place: String
    /// Topic (need) ids on the agenda, comma-separated, in order.
    @Field(key: "agenda") var agenda: String
    /// Council member ids present, comma-separated.
    @Field(key: "present") var present: String
    @Field(key: "minutes") var minutes: String
    /// Published minutes and decisions are public to the community's residents.
    @OptionalField(key: "published_at") var publishedAt: Date?
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $compoundID, $title, $heldAt, $place, $agenda, $present, $minutes, $publishedAt, $createdBy,
            $createdAt
        ]
    }

    init() {}

    init(communityID: UUID, orgPath: String, compoundID: UUID?, title: String, heldAt: Date, place: String, agenda: [UUID], createdBy: UUID, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.compoundID = compoundID
        self.title = title
        self.heldAt = heldAt
        self.place = place
        self.agenda = agenda.map { $0.uuidString.lowercased() }.joined(separator: ",")
        self.present = ""
        self.minutes = ""
        self.createdBy = createdBy
        self.createdAt = now
    }

    var agendaIDs: [UUID] { agenda.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
    var presentIDs: [UUID] { present.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
}

/// A decision of a meeting, on a topic or on its own.
final class MeetingDecisionRecord: Model, @unchecked Sendable {
    static let schema = "meeting_decisions"

    enum Outcome: String, Codable, Sendable, CaseIterable {
        /// 同意: may become a project.
        case agreed
        case rejected
        /// 暂缓，下次再议
        case deferred
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "meeting_id") var meetingID: UUID
    @OptionalField(key: "need_id") var needID: UUID?
    @Field(key: "text") var text: String
    @Field(key: "outcome") var outcome: Outcome
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $meetingID, $needID, $text, $outcome, $createdAt] }

    init() {}

    init(meetingID: UUID, needID: UUID?, text: String, outcome: Outcome, now: Date) {
        self.id = UUID()
        self.meetingID = meetingID
        self.needID = needID
        self.text = text
        self.outcome = outcome
        self.createdAt = now
    }
}

/// An offer of the resources list (资源清单): funds, venues, skills, materials, from units, social organisations,
/// volunteers or property companies.
final class ResourceOfferRecord: Model, @unchecked Sendable {
    static let schema = "resources"

    enum Kind: String, Codable, Sendable, CaseIterable {
        case funds, venue, skill, material, service
    }

    enum Provider: String, Codable, Sendable, CaseIterable {
        case unit, socialOrganisation = "social_organisation", volunteer, propertyCompany = "property_company", other
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "provider") var provider: Provider
    @Field(key: "provider_name") var providerName: String
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    /// For funds: the amount on offer in fen.
    @OptionalField(key: "amount_fen") var amountFen: Int?
    @Field(key: "available") var available: Bool
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $kind, $provider, $providerName, $title, $details, $amountFen, $available, $createdBy, $createdAt
        ]
    }

    init() {}

    init(communityID: UUID, orgPath: String, kind: Kind, provider: Provider, providerName: String, title: String, details: String,
         amountFen: Int?, createdBy: UUID, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.kind = kind
        self.provider = provider
        self.providerName = providerName
        self.title = title
        self.details = details
        self.amountFen = amountFen
        self.available = true
        self.createdBy = createdBy
        self.createdAt = now
    }
}

struct CreateCouncil: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CouncilMemberRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("seat", .string, .required)
            .field("name", .string, .required)
            .field("organisation", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(MeetingRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("held_at", .datetime, .required)
            .field("place", .string, .required)
            .field("agenda", .string, .required)
            .field("present", .string, .required)
            .field("minutes", .string, .required)
            .field("published_at", .datetime)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(MeetingDecisionRecord.schema)
            .id()
            .field("meeting_id", .uuid, .required, .references(MeetingRecord.schema, .id, onDelete: .cascade))
            .field("need_id", .uuid, .references(NeedRecord.schema, .id, onDelete: .restrict))
            .field("text", .string, .required)
            .field("outcome", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ResourceOfferRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("kind", .string, .required)
            .field("provider", .string, .required)
            .field("provider_name", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("amount_fen", .int64)
            .field("available", .bool, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database.sql()
        try await sql.create(index: "idx_council_members_path").on(CouncilMemberRecord.schema).column("org_path").run()
        try await sql.create(index: "idx_meetings_path").on(MeetingRecord.schema).column("org_path").column("held_at").run()
        try await sql.create(index: "idx_meeting_decisions_meeting").on(MeetingDecisionRecord.schema).column("meeting_id").run()
        try await sql.create(index: "idx_resources_path").on(ResourceOfferRecord.schema).column("org_path").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ResourceOfferRecord.schema).delete()
        try await database.schema(MeetingDecisionRecord.schema).delete()
        try await database.schema(MeetingRecord.schema).delete()
        try await database.schema(CouncilMemberRecord.schema).delete()
    }
}

/// When a council member's term ended: the start of their five-year retention (checklist row 28). Members
/// retired before this runs keep nil: when their term ended is not known.
struct AddCouncilMemberRetiredAt: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CouncilMemberRecord.schema).field("retired_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CouncilMemberRecord.schema).deleteField("retired_at").update()
    }
}
