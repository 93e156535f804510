import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A community's residents' convention (`Convention` in Core); its text lives in versions, never overwritten.
final class ConventionRecord: Model, @unchecked Sendable {
    static let schema = "conventions"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "title") var title: String
    @Field(key: "state") var state: Convention.State
    /// The number of the current version (the draft being written, the one under comment, or the one adopted).
    @Field(key: "version") var version: Int
    @OptionalField(key: "comment_until") var commentUntil: Date?
    @OptionalField(key: "adopted_at") var adoptedAt: Date?
    /// How residents adopted it: the record of the residents' meeting, or the poll or owners' vote.
    @Field(key: "adoption_basis") var adoptionBasis: String
    @OptionalField(key: "adoption_link") var adoptionLink: String?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $communityID, $orgPath, $title, $state, $version, $commentUntil, $adoptedAt, $adoptionBasis, $adoptionLink, $createdAt]
    }

    init() {}
}

/// One version of a convention's text, with what was done with it (append-only).
final class ConventionVersionRecord: Model, @unchecked Sendable {
    static let schema = "convention_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "convention_id") var conventionID: UUID
    @Field(key: "number") var number: Int
    @Field(key: "text") var text: String
    @Field(key: "note") var note: String
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $conventionID, $number, $text, $note, $createdBy, $createdAt] }

    init() {}
}

/// A resident's comment on a version under consultation, published or not by staff with a reason.
final class ConventionCommentRecord: Model, @unchecked Sendable {
    static let schema = "convention_comments"

    enum State: String, Codable, Sendable, CaseIterable {
        case pending, published, rejected
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "convention_id") var conventionID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "user_id") var userID: UUID
    @Field(key: "text") var text: String
    @Field(key: "state") var state: State
    @Field(key: "reason") var reason: String
    @OptionalField(key: "moderated_by") var moderatedBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $conventionID, $version, $userID, $text, $state, $reason, $moderatedBy, $createdAt] }

    init() {}
}

/// A resident's pledge (我承诺) to an adopted version, once each.
final class ConventionPledgeRecord: Model, @unchecked Sendable {
    static let schema = "convention_pledges"

    @ID(key: .id) var id: UUID?
    @Field(key: "convention_id") var conventionID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "person_id") var personID: UUID
    @Field(key: "pledged_at") var pledgedAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $conventionID, $version, $personID, $pledgedAt] }

    init() {}
}

struct CreateConventions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ConventionRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("title", .string, .required)
            .field("state", .string, .required)
            .field("version", .int, .required)
            .field("comment_until", .datetime)
            .field("adopted_at", .datetime)
            .field("adoption_basis", .string, .required)
            .field("adoption_link", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ConventionVersionRecord.schema)
            .id()
            .field("convention_id", .uuid, .required, .references(ConventionRecord.schema, .id, onDelete: .restrict))
            .field("number", .int, .required)
            .field("text", .string, .required)
            .field("note", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "convention_id", "number")
            .create()
        try await AppendOnly.install(ConventionVersionRecord.schema, on: database)
        try await database.schema(ConventionCommentRecord.schema)
            .id()
            .field("convention_id", .uuid, .required, .references(ConventionRecord.schema, .id, onDelete: .restrict))
            .field("version", .int, .required)
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("text", .string, .required)
            .field("state", .string, .required)
            .field("reason", .string, .required)
            .field("moderated_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ConventionPledgeRecord.schema)
            .id()
            .field("convention_id", .uuid, .required, .references(ConventionRecord.schema, .id, onDelete: .restrict))
            .field("version", .int, .required)
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .cascade))
            .field("pledged_at", .datetime, .required)
            .unique(on: "convention_id", "version", "person_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ConventionPledgeRecord.schema).delete()
        try await database.schema(ConventionCommentRecord.schema).delete()
        try await AppendOnly.remove(ConventionVersionRecord.schema, on: database)
        try await database.schema(ConventionVersionRecord.schema).delete()
        try await database.schema(ConventionRecord.schema).delete()
    }
}
