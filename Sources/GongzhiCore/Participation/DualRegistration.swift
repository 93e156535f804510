import Foundation

/// Party members' and co-building units' dual registration (双报到/双报告, SPEC §7; seed 004 "通过建立回执制度"):
/// in-service and retired party members and co-building units register with the community's party organisation,
/// which confirms them with a receipt (回执) the member's own unit can verify; they claim service posts (服务岗位)
/// and log their service, which the organisation confirms; and the organisation reports back to each unit what its
/// members did (双报告). The organisation's staff run it; the street sees it.
public enum DualRegistration {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// 在职党员: reports to the community where they live; their workplace gets the report.
        case inService = "in_service"
        /// 离退休党员
        case retired
        /// 共建单位 (单位报到): a co-building unit registered with the community.
        case unit
    }

    public enum State: String, Codable, Sendable, CaseIterable {
        /// Submitted; the organisation has not decided.
        case pending
        /// Confirmed, with a receipt.
        case confirmed
        /// Turned down, with the reason the member sees.
        case declined
        /// Ended by the member, the unit or the organisation (moved away, transferred).
        case withdrawn

        /// Pending and confirmed registrations are in force: one per member (or unit) and organisation.
        public var isActive: Bool { self == .pending || self == .confirmed }
    }

    public enum Problem: Error, Equatable, Sendable {
        case notPending
        case notActive
        /// A service entry's length: 15 minutes to 12 hours, in quarter hours.
        case minutesOutOfRange
        /// A service entry's day: today or within the last 90 days.
        case dayOutOfRange
        /// A post is full (its capacity of members holds it).
        case postFull
    }

    /// The state after the organisation decides.
    public static func decide(_ state: State, confirm: Bool) throws(Problem) -> State {
        guard state == .pending else { throw .notPending }
        return confirm ? .confirmed : .declined
    }

    /// The state after the member, the unit or the organisation ends it.
    public static func withdraw(_ state: State) throws(Problem) -> State {
        guard state.isActive else { throw .notActive }
        return .withdrawn
    }

    /// Who reads a community's registrations: the staff of its party organisation (who also run them), or the
    /// street's supervisors above it (who see them). Nobody else — not the community's workers, not an administrator.
    public enum Reader: Sendable, Equatable {
        case organisation
        case street
    }

    /// How `actor` reads the registrations of the party organisation at `organisation`, if at all.
    public static func reader(_ actor: Actor, organisation: OrgPath) -> Reader? {
        if actor.grants.contains(where: { $0.role == .partyStaff && $0.path == organisation }) { return .organisation }
        if actor.grants.contains(where: { $0.role == .streetSupervisor && $0.path != organisation && $0.path.contains(organisation) }) { return .street }
        return nil
    }

    /// Whether a post with `capacity` places (nil: unlimited) takes one more member beside the `held` it has.
    public static func checkClaim(held: Int, capacity: Int?) throws(Problem) {
        if let capacity, held >= capacity { throw .postFull }
    }

    /// The longest entry of service: a day's work.
    public static let maxMinutes = 12 * 60
    /// How far back service may be logged.
    public static let loggableDays = 90

    /// Checks one entry of service: whole quarter hours up to 12 hours, on a day from 90 days ago to today.
    public static func checkService(minutes: Int, day: CivilDate, today: CivilDate) throws(Problem) {
        guard (15...maxMinutes).contains(minutes), minutes % 15 == 0 else { throw .minutesOutOfRange }
        guard day <= today, days(from: day, to: today) <= loggableDays else { throw .dayOutOfRange }
    }

    static func days(from start: CivilDate, to end: CivilDate) -> Int {
        let calendar = CivilDate.chinaCalendar
        let components = { (date: CivilDate) in DateComponents(year: date.year, month: date.month, day: date.day) }
        return calendar.dateComponents([.day], from: components(start), to: components(end)).day ?? 0
    }

    /// A receipt's verification code: ten letters and digits that cannot be misread (no 0/O, 1/I/L), about 50 bits,
    /// shown as two groups of five. The member's unit types it on the verification page.
    public enum Receipt {
        static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

        static func make<G: RandomNumberGenerator>(using generator: inout G) -> String {
            String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
        }

        public static func make() -> String {
            var generator = SystemRandomNumberGenerator()
            return make(using: &generator)
        }

        /// The code as typed (any case, spaces and dashes, O for 0 and I or L for 1 do not occur), or nil.
        public static func normalise(_ typed: String) -> String? {
            let kept = typed.uppercased().filter { $0 != " " && $0 != "-" && $0 != "\u{3000}" }
            guard kept.count == 10, kept.allSatisfy(alphabet.contains) else { return nil }
            return kept
        }

        /// "ABCDE-FGHJK".
        public static func display(_ code: String) -> String {
            guard code.count == 10 else { return code }
            return "\(code.prefix(5))-\(code.suffix(5))"
        }
    }

    /// One entry of service as the report reads it.
    public struct Entry: Sendable, Equatable {
        /// The registration that served (a member, or the unit itself).
        public let registration: String
        public let minutes: Int
        public let confirmed: Bool

        public init(registration: String, minutes: Int, confirmed: Bool) {
            self.registration = registration
            self.minutes = minutes
            self.confirmed = confirmed
        }
    }

    /// A registration's line in a unit's report: confirmed time, time waiting for confirmation, and entries.
    public struct Line: Sendable, Equatable {
        public let registration: String
        public var confirmedMinutes = 0
        public var pendingMinutes = 0
        public var entries = 0
    }

    /// A unit's report (双报告): one line per registration of the unit, in the order given (every registration has
    /// a line, one who has not served yet too), and the unit's confirmed total. Declined entries are not passed in.
    public static func report(registrations: [String], entries: [Entry]) -> (lines: [Line], confirmedMinutes: Int) {
        var lines = registrations.map { Line(registration: $0) }
        let index = Dictionary(registrations.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in entries {
            guard let at = index[entry.registration] else { continue }
            if entry.confirmed { lines[at].confirmedMinutes += entry.minutes } else { lines[at].pendingMinutes += entry.minutes }
            lines[at].entries += 1
        }
        return (lines, lines.reduce(0) { $0 + $1.confirmedMinutes })
    }

    /// Hours as people write them: "2", "1.5", "0.25".
    public static func hours(_ minutes: Int) -> String {
        let whole = minutes / 60, rest = minutes % 60
        switch rest {
        case 0: return "\(whole)"
        case 30: return "\(whole).5"
        case 15: return "\(whole).25"
        case 45: return "\(whole).75"
        default: return String(format: "%.2f", Double(minutes) / 60)
        }
    }
}
