import Foundation

/// How long personal data is kept once the record it belongs to has ended (PIPL art. 19 and 47; the periods are
/// the inventory's, `Resources/PersonalData/inventory.tsv`). Periods run on the civil calendar of China Standard
/// Time: "10 years after closing" ends on the same date ten years on (29 February → 28 February).
public enum RetentionRules {
    public enum Period: Sendable, Equatable, CustomStringConvertible {
        case days(Int)
        case years(Int)

        public var description: String {
            switch self {
            case let .days(n): "\(n) days"
            case let .years(n): "\(n) years"
            }
        }
    }

    /// A read notice is kept 90 days after it was read (policy).
    public static let readNotice = Period.days(90)
    /// A closed case's words, place, photos and submitter: 10 years after closing (case archive policy); its
    /// numbers (category, handler, times, ratings) stay for the statistics, naming nobody.
    public static let closedCase = Period.years(10)
    /// A person in the community's register: 5 years after they left their last household (policy).
    public static let leftRegister = Period.years(5)
    /// A council member's name and organisation: 5 years after their term ended (policy).
    public static let councilTerm = Period.years(5)
    /// The community's records (needs, polls, projects, meetings, resource offers, rectification items, warnings,
    /// owners' votes) and the personal data in them: 10 years after they ended, like the case archive (policy).
    public static let communityRecord = Period.years(10)

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return calendar
    }()

    /// The instant before which a record whose period started then has run its period out by `now`.
    public static func cutoff(_ period: Period, now: Date) -> Date {
        switch period {
        case let .days(n): return calendar.date(byAdding: .day, value: -n, to: now)!
        case let .years(n): return calendar.date(byAdding: .year, value: -n, to: now)!
        }
    }

}
