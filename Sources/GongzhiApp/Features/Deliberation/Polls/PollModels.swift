import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A residents' poll (民意调查): non-binding, one vote per resident or per household, single or multiple choice;
/// the result is public once it closes.
final class PollRecord: Model, @unchecked Sendable {
    static let schema = "polls"

    enum State: String, Codable, Sendable, CaseIterable {
        case draft, open, closed
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    /// Only the residents of this compound take part, when set.
    @OptionalField(key: "compound_id") var compoundID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    /// The options, as a JSON array of strings.
    @Field(key: "options_json") var optionsJSON: String
    @Field(key: "multiple_choice") var multipleChoice: Bool
    @Field(key: "unit") var unit: ResidentPoll.Unit
    @Field(key: "state") var state: State
    @Field(key: "closes_at") var closesAt: Date
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "vote_seq") var voteSeq: Int

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $compoundID, $title, $details, $optionsJSON, $multipleChoice, $unit, $state, $closesAt,
            $createdBy, $createdAt, $closedAt, $voteSeq
        ]
    }

    init() {}

    init(communityID: UUID, orgPath: String, compoundID: UUID?, title: String, details: String, options: [String], multipleChoice: Bool,
         unit: ResidentPoll.Unit, closesAt: Date, createdBy: UUID, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.compoundID = compoundID
        self.title = title
        self.details = details
        self.optionsJSON = String(decoding: (try? JSONEncoder().encode(options)) ?? Data("[]".utf8), as: UTF8.self)
        self.multipleChoice = multipleChoice
        self.unit = unit
        self.state = .draft
        self.closesAt = closesAt
        self.createdBy = createdBy
        self.createdAt = now
        self.voteSeq = 0
    }

    var options: [String] { (try? JSONDecoder().decode([String].self, from: Data(optionsJSON.utf8))) ?? [] }

    var rules: ResidentPoll.Rules { .init(optionCount: options.count, multipleChoice: multipleChoice, unit: unit) }
}

/// One vote in a poll; a later vote of the same resident (or household) replaces it while the poll is open.
final class PollVoteRecord: Model, @unchecked Sendable {
    static let schema = "poll_votes"

    @ID(key: .id) var id: UUID?
    @Field(key: "poll_id") var pollID: UUID
    @Field(key: "user_id") var userID: UUID
    /// The voter's household (for per-household polls; the first household of the person otherwise, or none).
    @OptionalField(key: "household_id") var householdID: UUID?
    /// The chosen option indexes, comma-separated.
    @Field(key: "choices") var choices: String
    @Field(key: "cast_at") var castAt: Date
    @Field(key: "sequence") var sequence: Int

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $pollID, $userID, $householdID, $choices, $castAt, $sequence] }

    init() {}

    init(pollID: UUID, userID: UUID, householdID: UUID?, choices: [Int], castAt: Date, sequence: Int) {
        self.id = UUID()
        self.pollID = pollID
        self.userID = userID
        self.householdID = householdID
        self.choices = choices.map(String.init).joined(separator: ",")
        self.castAt = castAt
        self.sequence = sequence
    }

    var chosen: [Int] { choices.split(separator: ",").compactMap { Int($0) } }

    var core: ResidentPoll.Vote {
        .init(resident: userID.uuidString, household: householdID?.uuidString ?? "user:" + userID.uuidString, choices: chosen, castAt: castAt, sequence: sequence)
    }
}

struct CreatePolls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PollRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("options_json", .string, .required)
            .field("multiple_choice", .bool, .required)
            .field("unit", .string, .required)
            .field("state", .string, .required)
            .field("closes_at", .datetime, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("closed_at", .datetime)
            .field("vote_seq", .int, .required)
            .create()
        try await database.schema(PollVoteRecord.schema)
            .id()
            .field("poll_id", .uuid, .required, .references(PollRecord.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("household_id", .uuid)
            .field("choices", .string, .required)
            .field("cast_at", .datetime, .required)
            .field("sequence", .int, .required)
            .unique(on: "poll_id", "sequence")
            .create()
        try await database.sql().create(index: "idx_polls_path").on(PollRecord.schema).column("org_path").run()
        try await database.sql().create(index: "idx_poll_votes_poll").on(PollVoteRecord.schema).column("poll_id").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PollVoteRecord.schema).delete()
        try await database.schema(PollRecord.schema).delete()
    }
}
