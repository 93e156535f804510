import Fluent
import Foundation
import GongzhiCore
import Vapor

extension OwnerVotePagesController {
    struct ThresholdRow: Encodable {
        let label: String
        let actual: String
        let needed: String
        let margin: String
        let passed: Bool
    }

    struct VoterOption: Encodable {
        let key: String
        let label: String
        let voted: Bool
    }

    /// One entry of the electorate the reader casts for, with its ballot form.
    struct EntryView: Encodable {
        let key: String
        let units: String
        let choice: String?
        let receipt: String?
        /// Entered by staff from a paper ballot: when, so that the owner can object.
        let paperNotice: String?
        /// The choice the owner picked and is asked to confirm before it is cast (its key and its words).
        var confirming: String? = nil
        var confirmingLabel: String? = nil
    }

    struct VotePage: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let description: String
        let compound: String
        let matter: String
        let rule: String
        let state: String
        let stateLabel: String
        let closes: String
        let electorate: String?
        let participation: String?
        let participationPercent: Int?
        let canVote: Bool
        let notEligible: Bool
        let entries: [EntryView]
        /// The receipt of the ballot just cast (the newest of the reader's), shown with the thanks.
        let myReceipt: String?
        /// Ballots counted, by how they came ("online 12, paper 3"), once the vote is closed; staff see it while open.
        let channels: String?
        let canManage: Bool
        let canOpen: Bool
        let canClose: Bool
        let voters: [VoterOption]
        let resultPassed: Bool?
        let quorumMet: Bool
        let counts: String?
        let thresholds: [ThresholdRow]
        let receipt: String
        let receiptAnswer: String?
        let flash: String?
        let messages: [FormMessage]
    }
}
