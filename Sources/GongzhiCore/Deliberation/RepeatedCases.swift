import Foundation

/// Repeated cases that should become a need (需求清单): the same catalogue item in the same compound, at least
/// `minimum` times within `window` — the staff turn each group into one need in one step (SPEC §6).
public enum RepeatedCases {
    public struct Case: Sendable, Equatable {
        public let id: String
        public let itemCode: String
        /// The compound (or, without a building, the grid) the case is in.
        public let place: String
        public let openedAt: Date

        public init(id: String, itemCode: String, place: String, openedAt: Date) {
            self.id = id
            self.itemCode = itemCode
            self.place = place
            self.openedAt = openedAt
        }
    }

    public struct Group: Sendable, Equatable {
        public let itemCode: String
        public let place: String
        /// Oldest first.
        public let caseIDs: [String]
    }

    /// Groups of at least `minimum` cases of one item at one place opened within `window` of `now`, largest first.
    public static func groups(_ cases: [Case], minimum: Int = 3, window: TimeInterval = 90 * 86_400, now: Date) -> [Group] {
        let recent = cases.filter { $0.openedAt <= now && now.timeIntervalSince($0.openedAt) <= window }
        let buckets = Dictionary(grouping: recent) { "\($0.itemCode)\u{1F}\($0.place)" }
        return buckets.values.filter { $0.count >= max(2, minimum) }.map { members in
            let sorted = members.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
            return Group(itemCode: sorted[0].itemCode, place: sorted[0].place, caseIDs: sorted.map(\.id))
        }.sorted { ($0.caseIDs.count, $1.itemCode, $1.place) > ($1.caseIDs.count, $0.itemCode, $0.place) }
    }
}
