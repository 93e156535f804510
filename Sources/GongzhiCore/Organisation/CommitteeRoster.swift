/// Who sits on an owners' committee and its supervisory board (业主委员会 and 监事会; seed 002, 《业主大会和业主委员会
/// 指导规则》): owners of the compound, each once; one chair of each body; a supervisor never also a member of the
/// committee it supervises (one entry per person enforces it).
public enum CommitteeRoster {
    public enum Seat: String, Codable, Sendable, CaseIterable {
        /// 主任
        case director
        /// 副主任
        case deputy
        /// 委员
        case member
        /// 监事长
        case supervisorChair = "supervisor_chair"
        /// 监事
        case supervisor

        /// The seat belongs to the supervisory board, not the committee.
        public var isSupervisory: Bool { self == .supervisorChair || self == .supervisor }

        /// A chair's seat: one holder at a time.
        public var isChair: Bool { self == .director || self == .supervisorChair }
    }

    public struct Entry: Sendable, Equatable {
        public let person: String
        public let seat: Seat
        public init(person: String, seat: Seat) {
            self.person = person
            self.seat = seat
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        /// Only an owner (or co-owner) of a unit in the compound may sit.
        case notAnOwner
        /// The person already sits on the committee or its board.
        case alreadySeated
        /// The chair is taken.
        case chairTaken
    }

    /// Checks a new entry against the roster.
    public static func check(_ entry: Entry, isOwner: Bool, roster: [Entry]) throws(Problem) {
        guard isOwner else { throw .notAnOwner }
        if roster.contains(where: { $0.person == entry.person }) { throw .alreadySeated }
        if entry.seat.isChair, roster.contains(where: { $0.seat == entry.seat }) { throw .chairTaken }
    }
}
