import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi owner-vote list` and `gongzhi owner-vote tally <id>`: recounts a vote from its stored electorate and
/// ballots, checks every ballot's receipt code against its row (a changed choice breaks it), prints the figures
/// and, for a closed vote, compares them with the published result. Exits non-zero on any difference.
enum OwnerVoteCommands {
    static func group() -> any AsyncCommandGroup {
        var commands = AsyncCommands()
        commands.use(List(), as: "list")
        commands.use(Tally(), as: "tally")
        return commands.group(help: "Owners' votes (Civil Code Art. 278)")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct List: AsyncCommand {
        struct Signature: CommandSignature {}
        var help: String { "Lists the owners' votes with their state." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            for vote in try await OwnerVoteRecord.query(on: app.db).sort(\.$createdAt).all() {
                context.console.print("\(vote.id!.uuidString.lowercased())  \(vote.state.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(vote.matter.rawValue)  \(vote.title)")
            }
        }
    }

    struct Tally: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "id", help: "The vote's id")
            var id: String
        }

        var help: String { "Recounts a vote from its stored ballots and checks it against the published result." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            guard let id = UUID(uuidString: signature.id) else { throw Failure(description: "no owners' vote with id \(signature.id)") }
            let recount = try await OwnerVoteCommands.recount(id, context: app.context())
            let tally = recount.tally, vote = recount.vote
            let console = context.console
            console.print("\(vote.title) — \(vote.matter.rawValue) (\(vote.state.rawValue)), \(recount.ballots) ballots stored")
            console.print("electorate: \(Area(centiSquareMetres: tally.totalAreaCenti)) m², \(tally.totalHeadcount) owner-persons")
            console.print("took part:  \(Area(centiSquareMetres: tally.participatingAreaCenti)) m², \(tally.participatingHeadcount) owner-persons")
            console.print("yes / no / abstain (m²): \(Area(centiSquareMetres: tally.yesAreaCenti)) / \(Area(centiSquareMetres: tally.noAreaCenti)) / \(Area(centiSquareMetres: tally.abstainAreaCenti))")
            console.print("yes / no / abstain (persons): \(tally.yesHeadcount) / \(tally.noHeadcount) / \(tally.abstainHeadcount)")
            for (name, threshold) in [("quorum, area", tally.quorumArea), ("quorum, headcount", tally.quorumHeadcount),
                                      ("approval, area", tally.approvalArea), ("approval, headcount", tally.approvalHeadcount)] {
                console.print("\(name): \(threshold.actual) of \(threshold.base), needs \(threshold.rule) = \(threshold.needed), margin \(threshold.margin) → \(threshold.passed ? "passed" : "failed")")
            }
            // Each counted ballot (each voter's last) with how it came; paper ballots keep their sheet's photo.
            let online = recount.counted.filter { $0.channel == .online }.count
            console.print("counted ballots: \(recount.counted.count) (online \(online), paper \(recount.counted.count - online))")
            for ballot in recount.counted {
                console.print("  #\(ballot.sequence)  \(ballot.channel.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(ballot.receiptCode)")
            }
            console.print("result: \(tally.passed ? "PASSED" : "NOT PASSED")")
            if recount.matchesPublished == true { console.print("published result: identical") }
            if !recount.problems.isEmpty {
                for problem in recount.problems { console.error("MISMATCH: \(problem)") }
                throw Failure(description: recount.problems.joined(separator: "; "))
            }
        }
    }

    struct Recount: Sendable {
        let vote: OwnerVoteRecord
        let ballots: Int
        let tally: OwnerVoteTallyDTO
        /// Sequence numbers of ballots whose receipt code does not match their row.
        let forged: [Int]
        /// For a closed vote: whether the recount equals the published result.
        let matchesPublished: Bool?
        /// The ballots that count (each voter's last), in order.
        let counted: [OwnerVoteBallotRecord]

        var problems: [String] {
            var problems: [String] = []
            if !forged.isEmpty {
                problems.append("\(forged.count) ballot(s) do not match their receipt code (sequence \(forged.prefix(10).map(String.init).joined(separator: ", ")))")
            }
            if matchesPublished == false { problems.append("the recount differs from the published result") }
            return problems
        }
    }

    /// Recounts a vote from the stored electorate and ballots and checks every receipt code.
    static func recount(_ id: UUID, context: UseCaseContext) async throws -> Recount {
        guard let vote = try await OwnerVoteRecord.find(id, on: context.db) else { throw Failure(description: "no owners' vote with id \(id)") }
        let key = context.services.cipher.receiptKey
        let ballots = try await OwnerVoteBallotRecord.query(on: context.db).filter(\.$voteID == id).sort(\.$sequence).all()
        let forged = ballots.filter {
            !BallotReceipt.verify($0.receiptCode, vote: id.uuidString.lowercased(), voterKey: $0.voterKey, choice: $0.choice,
                                  castAt: $0.castAt, sequence: $0.sequence, key: key)
        }.map(\.sequence)
        let tally = OwnerVoteTallyDTO(try await OwnerVotes.tally(of: vote, on: context.db))
        let matches: Bool? = vote.state == .closed ? OwnerVoteTallyDTO.decode(vote.resultJSON) == tally : nil
        var last: [String: OwnerVoteBallotRecord] = [:]
        for ballot in ballots { last[ballot.voterKey] = ballot }
        return Recount(vote: vote, ballots: ballots.count, tally: tally, forged: forged, matchesPublished: matches,
                       counted: last.values.sorted { $0.sequence < $1.sequence })
    }
}
