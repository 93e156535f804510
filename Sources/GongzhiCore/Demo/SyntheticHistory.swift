import Foundation

/// Years of case history for the benchmark and for trying the product at city scale (issue 8 item 3), drawn
/// case by case from a seed: each case depends only on the seed and its index, so that batches can be written
/// in any order, resumed, and checked. Seasonality (summer and heating-season peaks, the Spring Festival dip,
/// quieter weekends), grid skew (a few busy grids), a category mix, response and handling times, ratings.
public enum SyntheticHistory {
    public struct Plan: Sendable {
        public let seed: UInt64
        /// How many days back the history reaches from its last day.
        public let days: Int
        public let grids: Int
        /// Catalogue items, with the weight of their category.
        public let itemWeights: [Int]

        public init(seed: UInt64, days: Int, grids: Int, itemWeights: [Int]) {
            self.seed = seed
            self.days = max(1, days)
            self.grids = max(1, grids)
            self.itemWeights = itemWeights.isEmpty ? [1] : itemWeights
        }
    }

    public enum Outcome: String, Sendable, CaseIterable {
        /// Rated and closed.
        case closedRated
        /// Closed without a rating (auto-close).
        case closedUnrated
        case rejected
        case merged
        /// Still being handled (recent cases only).
        case inProgress
    }

    public struct Case: Sendable, Equatable {
        /// Days before the last day of the history (0 = the last day).
        public let daysAgo: Int
        /// Seconds after midnight, Beijing time.
        public let secondOfDay: Int
        public let grid: Int
        public let item: Int
        public let outcome: Outcome
        /// Seconds from opening to signing (nil: never signed).
        public let signedAfter: Int?
        /// Seconds from opening to closing.
        public let closedAfter: Int?
        public let solved: Bool?
        /// "satisfied", "basically_satisfied" or "unsatisfied".
        public let satisfaction: String?
        public let returns: Int
        public let reopens: Int
    }

    /// Relative intake on a day: summer (storms, air-conditioning, mosquitoes) and the heating season high, the
    /// Spring Festival low, weekends lower.
    public static func weight(daysAgo: Int, lastDay: CivilDate) -> Double {
        let day = DayNumber(DayNumber(lastDay).value - daysAgo)
        let month = day.civil.month
        let season: Double = switch month {
        case 2: 0.6
        case 6, 7, 8: 1.35
        case 11, 12, 1: 1.15
        default: 1.0
        }
        return season * (day.weekday >= 5 ? 0.7 : 1.0)
    }

    /// The case with this index.
    public static func draw(_ index: Int, plan: Plan, lastDay: CivilDate) -> Case {
        var rng = SeededGenerator(seed: plan.seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
        // The day: uniform, kept in proportion to its weight (at most 1.35 × 1.0).
        var daysAgo = 0
        for _ in 0..<64 {
            daysAgo = rng.int(0...(plan.days - 1))
            if Double(rng.int(0...9_999)) / 10_000 * 1.35 < weight(daysAgo: daysAgo, lastDay: lastDay) { break }
        }
        let secondOfDay = rng.int(7 * 3600...(22 * 3600))
        // A few busy grids: the square of a uniform number leans to the first ones.
        let u = Double(rng.int(0...999_999)) / 1_000_000
        let grid = min(plan.grids - 1, Int(u * u * Double(plan.grids)))
        let total = plan.itemWeights.reduce(0, +)
        var roll = rng.int(1...max(1, total))
        let item = plan.itemWeights.firstIndex { roll -= $0; return roll <= 0 } ?? 0
        // Recent cases may still be open; older ones have an ending.
        let recent = daysAgo < 14
        let r = rng.int(1...100)
        let outcome: Outcome = recent && r <= 25 ? .inProgress
            : r <= 5 ? .rejected : r <= 8 ? .merged : r <= 22 ? .closedUnrated : .closedRated
        let signed: Int? = outcome == .rejected || outcome == .merged ? nil
            : rng.chance(0.9) ? rng.int(600...(20 * 3600)) : rng.int(20 * 3600...(72 * 3600))
        let closed: Int? = outcome == .inProgress ? nil
            : outcome == .rejected || outcome == .merged ? rng.int(1800...(8 * 3600))
            : (signed ?? 0) + rng.int(3600...(15 * 86_400))
        var solved: Bool?, satisfaction: String?
        if outcome == .closedRated {
            solved = rng.chance(0.9)
            let s = rng.int(1...100)
            satisfaction = s <= 78 ? "satisfied" : s <= 92 ? "basically_satisfied" : "unsatisfied"
        }
        return Case(daysAgo: daysAgo, secondOfDay: secondOfDay, grid: grid, item: item, outcome: outcome, signedAfter: signed,
                    closedAfter: closed, solved: solved, satisfaction: satisfaction,
                    returns: rng.chance(0.04) ? 1 : 0, reopens: outcome == .closedRated && satisfaction == "unsatisfied" && rng.chance(0.3) ? 1 : 0)
    }
}
