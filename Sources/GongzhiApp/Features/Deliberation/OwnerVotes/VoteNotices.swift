import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A message to an owner's account that staff entered a paper ballot in their name (issue 24 finding 3): the owner
/// sees it on their home page and on the vote's page, with when it was entered and the choice, and can contact the
/// community if it was not theirs. The ballot sheet's photo is kept with the ballot.
final class VoteNoticeRecord: Model, @unchecked Sendable {
    static let schema = "vote_notices"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "vote_id") var voteID: UUID
    @Field(key: "ballot_id") var ballotID: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $userID, $voteID, $ballotID, $createdAt, $readAt] }

    init() {}
}

struct CreateVoteNotices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(VoteNoticeRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("vote_id", .uuid, .required)
            .field("ballot_id", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.sql().create(index: "idx_vote_notices_user").on(VoteNoticeRecord.schema).column("user_id").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(VoteNoticeRecord.schema).delete() }
}

enum VoteNotices {
    /// Tells every account of the person a ballot was entered for (none for the developer's units).
    static func paperBallot(_ ballot: OwnerVoteBallotRecord, voter: OwnerVoteVoterRecord, vote: OwnerVoteRecord, now: Date, on db: any Database) async throws {
        guard let person = UUID(uuidString: voter.castBy) else { return }
        for user in try await UserRecord.query(on: db).filter(\.$person.$id == person).all() {
            let notice = VoteNoticeRecord()
            notice.id = UUID(); notice.userID = user.id!; notice.voteID = vote.id!; notice.ballotID = ballot.id!; notice.createdAt = now
            try await notice.create(on: db)
        }
    }

    /// The paper ballots entered for `userID` not yet seen on their vote's page (or in `voteID`), newest first.
    static func paperBallots(for userID: UUID, vote voteID: UUID? = nil, limit: Int = 20, on db: any Database) async throws -> [(VoteNoticeRecord, OwnerVoteBallotRecord)] {
        var query = VoteNoticeRecord.query(on: db).filter(\.$userID == userID).filter(\.$readAt == nil)
        if let voteID { query = query.filter(\.$voteID == voteID) }
        let notices = try await query.sort(\.$createdAt, .descending).limit(limit).all()
        guard !notices.isEmpty else { return [] }
        let ballots = Dictionary(uniqueKeysWithValues: try await OwnerVoteBallotRecord.query(on: db).filter(\.$id ~~ notices.map(\.ballotID)).all().map { ($0.id!, $0) })
        return notices.compactMap { notice in ballots[notice.ballotID].map { (notice, $0) } }
    }

    /// The owner has seen the vote's page, which shows each paper ballot entered for them: the notices are read.
    static func markRead(for userID: AccountID, vote voteID: UUID, now: Date, context: UseCaseContext) async throws {
        guard try await VoteNoticeRecord.query(on: context.db).filter(\.$userID == userID.uuid).filter(\.$voteID == voteID).filter(\.$readAt == nil).count() > 0 else { return }
        try await context.write { db in
            try await VoteNoticeRecord.query(on: db).filter(\.$userID == userID.uuid).filter(\.$voteID == voteID).filter(\.$readAt == nil)
                .set(\.$readAt, to: now).update()
        }
    }
}
