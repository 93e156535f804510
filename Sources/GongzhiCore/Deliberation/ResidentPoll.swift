import Foundation

/// Residents' polls (民意调查): non-binding, one vote per resident or per household (chosen per poll), single or
/// multiple choice; a later vote of the same resident or household replaces the earlier one while it is open.
public enum ResidentPoll {
    public enum Unit: String, Codable, Sendable, CaseIterable {
        /// 每人一票
        case resident
        /// 每户一票
        case household
    }

    public struct Rules: Sendable, Equatable {
        public let optionCount: Int
        public let multipleChoice: Bool
        public let unit: Unit

        public init(optionCount: Int, multipleChoice: Bool, unit: Unit) {
            self.optionCount = optionCount
            self.multipleChoice = multipleChoice
            self.unit = unit
        }
    }

    public struct Vote: Sendable, Equatable {
        public let resident: String
        public let household: String
        /// Indexes of the options chosen.
        public let choices: [Int]
        public let castAt: Date
        public let sequence: Int

        public init(resident: String, household: String, choices: [Int], castAt: Date, sequence: Int) {
            self.resident = resident
            self.household = household
            self.choices = choices
            self.castAt = castAt
            self.sequence = sequence
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        case noChoice
        case tooManyChoices
        case unknownOption(Int)
    }

    /// The choices of a vote, deduplicated and sorted, or why they are not acceptable under `rules`.
    public static func check(_ choices: [Int], rules: Rules) throws(Problem) -> [Int] {
        let unique = Array(Set(choices)).sorted()
        guard !unique.isEmpty else { throw .noChoice }
        if let bad = unique.first(where: { !(0..<rules.optionCount).contains($0) }) { throw .unknownOption(bad) }
        guard rules.multipleChoice || unique.count == 1 else { throw .tooManyChoices }
        return unique
    }

    public struct Result: Sendable, Equatable {
        /// Votes for each option (a multiple-choice vote counts once for each option it chose).
        public let counts: [Int]
        /// Residents or households whose vote counts.
        public let participants: Int
    }

    /// Counts the last acceptable vote of each resident (or household); unacceptable votes are skipped.
    public static func tally(_ votes: [Vote], rules: Rules) -> Result {
        var last: [String: Vote] = [:]
        for vote in votes {
            guard (try? check(vote.choices, rules: rules)) != nil else { continue }
            let key = rules.unit == .resident ? vote.resident : vote.household
            if let previous = last[key], (previous.castAt, previous.sequence) > (vote.castAt, vote.sequence) { continue }
            last[key] = vote
        }
        var counts = Array(repeating: 0, count: rules.optionCount)
        for vote in last.values {
            for choice in Set(vote.choices) { counts[choice] += 1 }
        }
        return Result(counts: counts, participants: last.count)
    }
}
