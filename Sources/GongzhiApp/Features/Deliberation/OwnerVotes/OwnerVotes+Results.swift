import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

extension OwnerVotes {
    /// The tally of a vote from its stored electorate and ballots (the same computation at closing and in
    /// `gongzhi owner-vote tally`).
    static func tally(of vote: OwnerVoteRecord, on db: any Database) async throws -> OwnersVote.Tally {
        let voters = try await OwnerVoteVoterRecord.query(on: db).filter(\.$voteID == vote.id!).all()
        let ballots = try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).all()
        let electorate = OwnersVote.Electorate(voters: voters.map {
            OwnersVote.Voter(key: $0.voterKey, castBy: $0.castBy, area: Area(centiSquareMetres: $0.areaCenti), units: $0.units.components(separatedBy: "、"))
        })
        do {
            return try OwnersVote.tally(electorate: electorate, ballots: ballots.map(\.core), matter: vote.matter)
        } catch {
            throw Abort(.internalServerError, reason: "a stored ballot names no voter of the vote: \(error)")
        }
    }

    /// Participation so far (how many owner-persons and how much area have a ballot), without the choices.
    static func participation(of vote: OwnerVoteRecord, on db: any Database) async throws -> (headcount: Int, areaCenti: Int) {
        let row = try await db.sql().raw("""
            SELECT COUNT(*) AS heads, CAST(COALESCE(SUM(area_centi), 0) AS BIGINT) AS area FROM owner_vote_voters v
            WHERE v.vote_id = \(bind: vote.id!) AND EXISTS (SELECT 1 FROM owner_vote_ballots b WHERE b.vote_id = v.vote_id AND b.voter_key = v.voter_key)
            """).first()
        return (try row?.decode(column: "heads", as: Int.self) ?? 0, try row?.decode(column: "area", as: Int.self) ?? 0)
    }

    /// The electorate of a vote by units, each voter with whether they have voted (not how).
    static func roll(of vote: OwnerVoteRecord, on db: any Database) async throws -> [(voter: OwnerVoteVoterRecord, voted: Bool)] {
        let voters = try await OwnerVoteVoterRecord.query(on: db).filter(\.$voteID == vote.id!).sort(\.$units).all()
        let voted = Set(try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).field(\.$voterKey).all().map(\.voterKey))
        return voters.map { ($0, voted.contains($0.voterKey)) }
    }

    // MARK: Receipts

    enum ReceiptStatus: String, Codable, Sendable, CaseIterable {
        /// The last ballot of its voter: it is in the tally.
        case counted
        /// The voter cast another ballot later; that one counts.
        case replaced
    }

    /// The ballot a receipt code belongs to, and whether it counts; nil when no ballot of the vote has it.
    static func receipt(_ code: String, vote: OwnerVoteRecord, on db: any Database) async throws -> (OwnerVoteBallotRecord, ReceiptStatus)? {
        let normalised = code.uppercased().filter { $0.isLetter || $0.isNumber }
        guard normalised.count == 12 else { return nil }
        let formatted = stride(from: 0, to: 12, by: 4).map { i in
            String(normalised[normalised.index(normalised.startIndex, offsetBy: i)..<normalised.index(normalised.startIndex, offsetBy: i + 4)])
        }.joined(separator: "-")
        guard let ballot = try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).filter(\.$receiptCode == formatted).first() else { return nil }
        let later = try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).filter(\.$voterKey == ballot.voterKey)
            .filter(\.$sequence > ballot.sequence).count()
        return (ballot, later == 0 ? .counted : .replaced)
    }

    /// Every entry of the electorate `personID` casts for in `vote` (their own units, and units they represent for
    /// their co-owners), each with its last ballot, in the order of their units.
    static func myParts(in vote: OwnerVoteRecord, personID: String?, on db: any Database) async throws -> [(voter: OwnerVoteVoterRecord, last: OwnerVoteBallotRecord?)] {
        guard let personID, vote.state != .draft else { return [] }
        let voters = try await OwnerVoteVoterRecord.query(on: db).filter(\.$voteID == vote.id!).filter(\.$castBy == personID).sort(\.$units).all()
        guard !voters.isEmpty else { return [] }
        var last: [String: OwnerVoteBallotRecord] = [:]
        for ballot in try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).filter(\.$voterKey ~~ voters.map(\.voterKey))
            .sort(\.$sequence).all() { last[ballot.voterKey] = ballot }
        return voters.map { ($0, last[$0.voterKey]) }
    }
}
