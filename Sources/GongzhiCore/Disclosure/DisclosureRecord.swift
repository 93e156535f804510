import Foundation

/// A community's disclosure record (居务公开, seed 004 "定期社区公告"; seed 002 on funds "透明度不高"): what has been
/// made public, gathered by month in Beijing time — announcements, meeting decisions, project progress, owners'
/// vote results, points totals, finances.
public enum DisclosureRecord {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case announcement
        case meeting
        case project
        case ownersVote = "owners_vote"
        case points
        case finance
    }

    public struct Entry: Sendable, Equatable {
        public let id: String
        public let kind: Kind
        public let at: Date
        public let title: String
        public let detail: String
        /// Where to read it (a path).
        public let link: String?

        public init(id: String, kind: Kind, at: Date, title: String, detail: String, link: String?) {
            self.id = id
            self.kind = kind
            self.at = at
            self.title = title
            self.detail = detail
            self.link = link
        }
    }

    /// A month, "YYYY-MM".
    public struct Month: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let year: Int
        public let month: Int

        public init?(year: Int, month: Int) {
            guard (1...12).contains(month), (2000...2200).contains(year) else { return nil }
            self.year = year
            self.month = month
        }

        public init(_ date: Date) {
            let day = CivilDate(date)
            year = day.year
            month = day.month
        }

        public init?(_ text: String) {
            let parts = text.split(separator: "-")
            guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
            self.init(year: y, month: m)
        }

        public var description: String { String(format: "%04d-%02d", year, month) }
        public var first: CivilDate { CivilDate(year: year, month: month, day: 1)! }
        public var next: Month { month == 12 ? Month(year: year + 1, month: 1)! : Month(year: year, month: month + 1)! }
        public var previous: Month { month == 1 ? Month(year: year - 1, month: 12)! : Month(year: year, month: month - 1)! }

        public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
    }

    /// The entries of `month`, newest first (then by kind and id, so the order is stable).
    public static func entries(of month: Month, in all: [Entry]) -> [Entry] {
        all.filter { Month($0.at) == month }.sorted { ($1.at, $0.kind.rawValue, $0.id) < ($0.at, $1.kind.rawValue, $1.id) }
    }

    /// How many entries each month has, newest month first.
    public static func counts(_ all: [Entry]) -> [(month: Month, count: Int)] {
        Dictionary(grouping: all, by: { Month($0.at) }).map { ($0.key, $0.value.count) }.sorted { $0.month > $1.month }
    }
}
