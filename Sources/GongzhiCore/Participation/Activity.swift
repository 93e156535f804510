import Foundation

/// Volunteer activities (志愿服务活动, seed 001/004): places up to the capacity in the order of signing up, then a
/// waiting list that moves up when someone cancels; check-in at the venue by the organiser's short code from half
/// an hour before the start to the end, check-out until two hours after it; hours confirmed by the organiser, at
/// most the activity's length, counted in whole hours as points rules count them.
public enum Activity {
    public struct SignUp: Sendable, Equatable {
        public let id: String
        public let at: Date
        public let cancelled: Bool

        public init(id: String, at: Date, cancelled: Bool) {
            self.id = id
            self.at = at
            self.cancelled = cancelled
        }
    }

    public struct Places: Sendable, Equatable {
        /// Holding a place, in the order they signed up.
        public let confirmed: [String]
        /// Waiting, first to move up first.
        public let waiting: [String]
    }

    /// Who holds a place and who waits: the first `capacity` sign-ups not cancelled, by time then id.
    public static func places(_ signUps: [SignUp], capacity: Int) -> Places {
        let active = signUps.filter { !$0.cancelled }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }.map(\.id)
        let cut = min(max(0, capacity), active.count)
        return Places(confirmed: Array(active[..<cut]), waiting: Array(active[cut...]))
    }

    public static let checkInEarly: TimeInterval = 30 * 60
    public static let checkOutLate: TimeInterval = 2 * 3600

    public enum Problem: Error, Equatable, Sendable {
        case endsBeforeStart
        case tooLong
        case capacityOutOfRange
        case notNow
        case wrongCode
    }

    /// An activity's times and capacity checked: it ends after it starts, lasts at most 12 hours, takes 1–1 000.
    public static func check(starts: Date, ends: Date, capacity: Int) throws(Problem) {
        guard ends > starts else { throw .endsBeforeStart }
        guard ends.timeIntervalSince(starts) <= 12 * 3600 else { throw .tooLong }
        guard (1...1_000).contains(capacity) else { throw .capacityOutOfRange }
    }

    public static func mayCheckIn(at now: Date, starts: Date, ends: Date) -> Bool {
        now >= starts.addingTimeInterval(-checkInEarly) && now <= ends
    }

    public static func mayCheckOut(at now: Date, starts: Date, ends: Date) -> Bool {
        now >= starts && now <= ends.addingTimeInterval(checkOutLate)
    }

    /// The whole hours between check-in and check-out that fall within the activity (what the organiser is offered
    /// to confirm); without a check-out, none.
    public static func hours(checkIn: Date?, checkOut: Date?, starts: Date, ends: Date) -> Int {
        guard let checkIn, let checkOut else { return 0 }
        let from = max(checkIn, starts), to = min(checkOut, ends)
        guard to > from else { return 0 }
        return Int(to.timeIntervalSince(from) / 3600)
    }

    /// The most hours an organiser may confirm: the activity's length in whole hours, at least one.
    public static func maxHours(starts: Date, ends: Date) -> Int {
        max(1, Int((ends.timeIntervalSince(starts) / 3600).rounded(.up)))
    }

    /// A 6-digit code from 6 random bytes' worth of a generator's output (the caller supplies the randomness).
    public static func code(from random: UInt64) -> String {
        String(format: "%06d", Int(random % 1_000_000))
    }
}
