import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A resident in the community's talent pools (志愿者人才库、专家人才库, seed 000 7.4): skills and when they can help.
final class VolunteerRecord: Model, @unchecked Sendable {
    static let schema = "volunteers"

    enum Pool: String, Codable, Sendable, CaseIterable {
        case volunteer, expert
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "person_id") var personID: UUID
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "pool") var pool: Pool
    @Field(key: "skills") var skills: String
    @Field(key: "availability") var availability: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $personID, $communityID, $orgPath, $pool, $skills, $availability, $createdAt, $updatedAt] }

    init() {}
}

/// A volunteer activity (志愿服务活动): time, place, capacity, the organiser, and the short code shown at the venue.
final class ActivityRecord: Model, @unchecked Sendable {
    static let schema = "activities"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    @Field(key: "place") var place: String
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "capacity") var capacity: Int
    @Field(key: "organiser_id") var organiserID: UUID
    @Field(key: "check_in_code") var checkInCode: String
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $communityID, $orgPath, $title, $details, $place, $startsAt, $endsAt, $capacity, $organiserID, $checkInCode, $cancelledAt, $createdAt]
    }

    init() {}
}

/// A resident's place (or place on the waiting list) in an activity, their check-in and check-out, and the hours
/// the organiser confirmed (credited as points by the community's rules).
final class ActivitySignupRecord: Model, @unchecked Sendable {
    static let schema = "activity_signups"

    @ID(key: .id) var id: UUID?
    @Field(key: "activity_id") var activityID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "signed_up_at") var signedUpAt: Date
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?
    @OptionalField(key: "checked_in_at") var checkedInAt: Date?
    @OptionalField(key: "checked_out_at") var checkedOutAt: Date?
    @OptionalField(key: "hours") var hours: Int?
    @OptionalField(key: "confirmed_by") var confirmedBy: UUID?
    @OptionalField(key: "confirmed_at") var confirmedAt: Date?

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $activityID, $personID, $signedUpAt, $cancelledAt, $checkedInAt, $checkedOutAt, $hours, $confirmedBy, $confirmedAt] }

    init() {}

    var core: Activity.SignUp { .init(id: id!.uuidString, at: signedUpAt, cancelled: cancelledAt != nil) }
}

struct CreateActivities: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(VolunteerRecord.schema)
            .id()
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .cascade))
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("pool", .string, .required)
            .field("skills", .string, .required)
            .field("availability", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "person_id", "pool")
            .create()
        try await database.schema(ActivityRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("place", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("capacity", .int, .required)
            .field("organiser_id", .uuid, .required)
            .field("check_in_code", .string, .required)
            .field("cancelled_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sql().create(index: "idx_activities_community").on(ActivityRecord.schema).column("community_id").column("starts_at").run()
        try await database.schema(ActivitySignupRecord.schema)
            .id()
            .field("activity_id", .uuid, .required, .references(ActivityRecord.schema, .id, onDelete: .cascade))
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .cascade))
            .field("signed_up_at", .datetime, .required)
            .field("cancelled_at", .datetime)
            .field("checked_in_at", .datetime)
            .field("checked_out_at", .datetime)
            .field("hours", .int)
            .field("confirmed_by", .uuid)
            .field("confirmed_at", .datetime)
            .unique(on: "activity_id", "person_id")
            .create()
        try await database.sql().create(index: "idx_activity_signups_person").on(ActivitySignupRecord.schema).column("person_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ActivitySignupRecord.schema).delete()
        try await database.schema(ActivityRecord.schema).delete()
        try await database.schema(VolunteerRecord.schema).delete()
    }
}
