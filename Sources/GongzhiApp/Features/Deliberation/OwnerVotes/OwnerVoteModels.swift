import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// An owners' joint decision (业主共同决定) of one compound under Civil Code Article 278: drafted by staff, opened
/// (the electorate is fixed then, from the compound's units and owners), closed (the tally is computed from the
/// stored ballots and published with the participation figures).
final class OwnerVoteRecord: Model, @unchecked Sendable {
    static let schema = "owner_votes"

    enum State: String, Codable, Sendable, CaseIterable {
        case draft, open, closed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "compound_id") var compound: CompoundRecord
    /// The compound's community path: who may see and run the vote.
    @Field(key: "org_path") var orgPath: String
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    @Field(key: "matter") var matter: OwnersVote.Matter
    @Field(key: "state") var state: State
    @Field(key: "closes_at") var closesAt: Date
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "opened_at") var openedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    /// The electorate fixed at opening.
    @Field(key: "total_area_centi") var totalAreaCenti: Int
    @Field(key: "total_headcount") var totalHeadcount: Int
    /// The last ballot sequence number given; ballots take the next one under the row's lock.
    @Field(key: "ballot_seq") var ballotSeq: Int
    /// The published tally (JSON of `OwnerVoteTallyDTO`), written when the vote closes.
    @OptionalField(key: "result_json") var resultJSON: String?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $compound, $orgPath, $title, $details, $matter, $state, $closesAt, $createdBy, $createdAt, $openedAt, $closedAt,
            $totalAreaCenti, $totalHeadcount, $ballotSeq, $resultJSON
        ]
    }

    init() {}

    init(compoundID: UUID, orgPath: String, title: String, details: String, matter: OwnersVote.Matter, closesAt: Date, createdBy: UUID, now: Date) {
        self.id = UUID()
        self.$compound.id = compoundID
        self.orgPath = orgPath
        self.title = title
        self.details = details
        self.matter = matter
        self.state = .draft
        self.closesAt = closesAt
        self.createdBy = createdBy
        self.createdAt = now
        self.totalAreaCenti = 0
        self.totalHeadcount = 0
        self.ballotSeq = 0
    }
}

/// One owner-person of a vote's electorate, as fixed when the vote opened.
final class OwnerVoteVoterRecord: Model, @unchecked Sendable {
    static let schema = "owner_vote_voters"

    @ID(key: .id) var id: UUID?
    @Field(key: "vote_id") var voteID: UUID
    /// `OwnersVote.Voter.key`: "developer", a person id, or co-owners' ids joined by "+".
    @Field(key: "voter_key") var voterKey: String
    /// The person who casts the ballot ("developer" for the developer's units: staff enter its paper ballot).
    @Field(key: "cast_by") var castBy: String
    @Field(key: "area_centi") var areaCenti: Int
    /// The units, as "building unit-number" labels separated by "、" (for the ballot page and the paper form).
    @Field(key: "units") var units: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $voteID, $voterKey, $castBy, $areaCenti, $units] }

    init() {}

    init(voteID: UUID, voter: OwnersVote.Voter, unitLabels: [String]) {
        self.id = UUID()
        self.voteID = voteID
        self.voterKey = voter.key
        self.castBy = voter.castBy
        self.areaCenti = voter.area.centiSquareMetres
        self.units = unitLabels.joined(separator: "、")
    }
}

/// A ballot as cast. Never changed: a changed mind is a new ballot with a later sequence number, and the last one
/// of each voter counts.
final class OwnerVoteBallotRecord: Model, @unchecked Sendable {
    static let schema = "owner_vote_ballots"

    enum Channel: String, Codable, Sendable, CaseIterable {
        /// Cast by the owner on the site.
        case online
        /// A paper ballot (书面表决票) entered by staff.
        case paper
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "vote_id") var voteID: UUID
    @Field(key: "voter_key") var voterKey: String
    @Field(key: "choice") var choice: OwnersVote.Choice
    /// Milliseconds since 1970: exact, so the receipt code can be recomputed from the row.
    @Field(key: "cast_at_ms") var castAtMillis: Int64
    @Field(key: "sequence") var sequence: Int
    @Field(key: "receipt_code") var receiptCode: String
    @Field(key: "channel") var channel: Channel
    @Field(key: "recorded_by") var recordedBy: UUID

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $voteID, $voterKey, $choice, $castAtMillis, $sequence, $receiptCode, $channel, $recordedBy] }

    init() {}

    init(voteID: UUID, voterKey: String, choice: OwnersVote.Choice, castAtMillis: Int64, sequence: Int, receiptCode: String,
         channel: Channel, recordedBy: UUID) {
        self.id = UUID()
        self.voteID = voteID
        self.voterKey = voterKey
        self.choice = choice
        self.castAtMillis = castAtMillis
        self.sequence = sequence
        self.receiptCode = receiptCode
        self.channel = channel
        self.recordedBy = recordedBy
    }

    var castAt: Date { Date(timeIntervalSince1970: Double(castAtMillis) / 1000) }

    var core: OwnersVote.Ballot { .init(voterKey: voterKey, choice: choice, castAt: castAt, sequence: sequence) }
}

struct CreateOwnerVotes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OwnerVoteRecord.schema)
            .id()
            .field("compound_id", .uuid, .required, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("matter", .string, .required)
            .field("state", .string, .required)
            .field("closes_at", .datetime, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("opened_at", .datetime)
            .field("closed_at", .datetime)
            .field("total_area_centi", .int64, .required)
            .field("total_headcount", .int, .required)
            .field("ballot_seq", .int, .required)
            .field("result_json", .string)
            .create()
        try await database.schema(OwnerVoteVoterRecord.schema)
            .id()
            .field("vote_id", .uuid, .required, .references(OwnerVoteRecord.schema, .id, onDelete: .restrict))
            .field("voter_key", .string, .required)
            .field("cast_by", .string, .required)
            .field("area_centi", .int64, .required)
            .field("units", .string, .required)
            .unique(on: "vote_id", "voter_key")
            .create()
        try await database.schema(OwnerVoteBallotRecord.schema)
            .id()
            .field("vote_id", .uuid, .required, .references(OwnerVoteRecord.schema, .id, onDelete: .restrict))
            .field("voter_key", .string, .required)
            .field("choice", .string, .required)
            .field("cast_at_ms", .int64, .required)
            .field("sequence", .int, .required)
            .field("receipt_code", .string, .required)
            .field("channel", .string, .required)
            .field("recorded_by", .uuid, .required)
            .unique(on: "vote_id", "sequence")
            .create()
        let sql = database.sql()
        try await sql.create(index: "idx_owner_votes_path").on(OwnerVoteRecord.schema).column("org_path").run()
        try await sql.create(index: "idx_owner_votes_compound").on(OwnerVoteRecord.schema).column("compound_id").run()
        try await sql.create(index: "idx_owner_vote_voters_cast_by").on(OwnerVoteVoterRecord.schema).column("vote_id").column("cast_by").run()
        try await sql.create(index: "idx_owner_vote_ballots_voter").on(OwnerVoteBallotRecord.schema).column("vote_id").column("voter_key").run()
        try await sql.create(index: "idx_owner_vote_ballots_receipt").on(OwnerVoteBallotRecord.schema).column("vote_id").column("receipt_code").run()
        // Ballots are evidence: never changed or removed.
        try await AppendOnly.install(OwnerVoteBallotRecord.schema, on: database)
        // Co-owners designate who casts their unit's ballot (司法解释: 共有人推选代表).
        try await database.schema(HousingUnitRecord.schema).field("vote_representative_id", .uuid).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(HousingUnitRecord.schema).deleteField("vote_representative_id").update()
        try await AppendOnly.remove(OwnerVoteBallotRecord.schema, on: database)
        try await database.schema(OwnerVoteBallotRecord.schema).delete()
        try await database.schema(OwnerVoteVoterRecord.schema).delete()
        try await database.schema(OwnerVoteRecord.schema).delete()
    }
}
