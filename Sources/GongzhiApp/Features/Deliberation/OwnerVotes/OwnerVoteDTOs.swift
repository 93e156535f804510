import Foundation
import GongzhiCore
import Vapor

/// One threshold of the tally: areas in hundredths of a m², headcounts in owner-persons.
struct ThresholdDTO: Content, Equatable {
    /// "≥ 2/3", "≥ 3/4" or "> 1/2".
    let rule: String
    let actual: Int
    let base: Int
    /// The least amount that passes.
    let needed: Int
    /// actual − needed: by how much it passed (≥ 0) or failed (< 0).
    let margin: Int
    let passed: Bool

    init(_ threshold: OwnersVote.Threshold) {
        rule = "\(threshold.strict ? ">" : "≥") \(threshold.numerator)/\(threshold.denominator)"
        actual = threshold.actual
        base = threshold.base
        needed = threshold.needed
        margin = threshold.margin
        passed = threshold.passed
    }
}

/// The published tally (公示): participation and every threshold with its margin.
struct OwnerVoteTallyDTO: Content, Equatable {
    let matter: OwnersVote.Matter
    let specialMajority: Bool
    let totalAreaCenti: Int
    let totalHeadcount: Int
    let yesAreaCenti: Int, noAreaCenti: Int, abstainAreaCenti: Int
    let yesHeadcount: Int, noHeadcount: Int, abstainHeadcount: Int
    let participatingAreaCenti: Int
    let participatingHeadcount: Int
    let quorumArea: ThresholdDTO
    let quorumHeadcount: ThresholdDTO
    let approvalArea: ThresholdDTO
    let approvalHeadcount: ThresholdDTO
    let quorumMet: Bool
    let passed: Bool

    init(_ tally: OwnersVote.Tally) {
        matter = tally.matter
        specialMajority = tally.matter.needsSpecialMajority
        totalAreaCenti = tally.totalArea
        totalHeadcount = tally.totalHeadcount
        yesAreaCenti = tally.yesArea
        noAreaCenti = tally.noArea
        abstainAreaCenti = tally.abstainArea
        yesHeadcount = tally.yesHeadcount
        noHeadcount = tally.noHeadcount
        abstainHeadcount = tally.abstainHeadcount
        participatingAreaCenti = tally.participatingArea
        participatingHeadcount = tally.participatingHeadcount
        quorumArea = ThresholdDTO(tally.quorumArea)
        quorumHeadcount = ThresholdDTO(tally.quorumHeadcount)
        approvalArea = ThresholdDTO(tally.approvalArea)
        approvalHeadcount = ThresholdDTO(tally.approvalHeadcount)
        quorumMet = tally.quorumMet
        passed = tally.passed
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ json: String?) -> OwnerVoteTallyDTO? {
        json.flatMap { try? JSONDecoder().decode(OwnerVoteTallyDTO.self, from: Data($0.utf8)) }
    }
}

struct OwnerVoteDTO: Content {
    struct Participation: Content {
        let headcount: Int
        let areaCenti: Int
    }

    /// The caller's part: whether they vote, for which units, and their last ballot.
    struct Mine: Content {
        let eligible: Bool
        /// The first entry's (kept for clients that read one); `entries` has every one.
        let units: String?
        let areaCenti: Int?
        let choice: OwnersVote.Choice?
        let receiptCode: String?
        let castAt: Date?
        /// Every entry of the electorate the caller casts for: their own units, and units they represent.
        let entries: [Entry]
    }

    /// One entry of the electorate the caller casts a ballot for, with their last ballot for it.
    struct Entry: Content {
        let voterKey: String
        let units: String
        let areaCenti: Int
        let choice: OwnersVote.Choice?
        let receiptCode: String?
        let castAt: Date?
        /// How the last ballot came: `online`, or `paper` (entered by staff, the owner told).
        let channel: OwnerVoteBallotRecord.Channel?
    }

    let id: UUID
    let compoundId: UUID
    let title: String
    let description: String
    let matter: OwnersVote.Matter
    let specialMajority: Bool
    let state: OwnerVoteRecord.State
    let closesAt: Date
    let openedAt: Date?
    let closedAt: Date?
    let totalAreaCenti: Int
    let totalHeadcount: Int
    /// While open: how many owner-persons and how much area have voted so far (not how).
    let participation: Participation?
    /// Once closed: the published tally.
    let result: OwnerVoteTallyDTO?
    let mine: Mine?

    init(_ vote: OwnerVoteRecord, participation: Participation? = nil, mine: Mine? = nil) {
        id = vote.id!
        compoundId = vote.$compound.id
        title = vote.title
        description = vote.details
        matter = vote.matter
        specialMajority = vote.matter.needsSpecialMajority
        state = vote.state
        closesAt = vote.closesAt
        openedAt = vote.openedAt
        closedAt = vote.closedAt
        totalAreaCenti = vote.totalAreaCenti
        totalHeadcount = vote.totalHeadcount
        self.participation = participation
        result = vote.state == .closed ? OwnerVoteTallyDTO.decode(vote.resultJSON) : nil
        self.mine = mine
    }
}

struct OwnerVoteBallotDTO: Content {
    let voteId: UUID
    let choice: OwnersVote.Choice
    let receiptCode: String
    let castAt: Date
    let channel: OwnerVoteBallotRecord.Channel

    init(_ ballot: OwnerVoteBallotRecord) {
        voteId = ballot.voteID
        choice = ballot.choice
        receiptCode = ballot.receiptCode
        castAt = ballot.castAt
        channel = ballot.channel
    }
}

/// What a receipt code shows: when the ballot was received and whether it counts (its choice only to its voter).
struct OwnerVoteReceiptDTO: Content {
    let receiptCode: String
    let castAt: Date
    let channel: OwnerVoteBallotRecord.Channel
    let status: OwnerVotes.ReceiptStatus
    let choice: OwnersVote.Choice?
}

/// A voter of the electorate, for staff entering paper ballots.
struct OwnerVoteVoterDTO: Content {
    let voterKey: String
    let units: String
    let areaCenti: Int
    let developer: Bool
    let voted: Bool
}
