import Foundation

/// Announcements (社区公告, seed 004 "定期社区公告"): published by a community, or by an owners' committee to its
/// compound, to the residents of the whole community, one compound or one building, inside a publication window.
/// A published announcement is never edited: it is withdrawn (with a reason, kept) and a corrected one published.
public enum Announcement {
    /// Whom it is for.
    public enum Scope: String, Codable, Sendable, CaseIterable {
        /// 全社区
        case community
        /// 某个小区
        case compound
        /// 某栋楼
        case building
    }

    /// Where it stands at an instant.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Published for a later start (定时发布).
        case scheduled
        /// Shown to its residents.
        case live
        /// Its window has passed; kept in the disclosure record.
        case ended
        /// Taken back by its publisher, with a reason.
        case withdrawn
    }

    /// The publication window: from `from` (inclusive) until `until` (exclusive), or without end.
    public struct Window: Sendable, Equatable {
        public let from: Date
        public let until: Date?

        public init(from: Date, until: Date?) {
            self.from = from
            self.until = until
        }
    }

    public enum WindowProblem: Error, Equatable, Sendable {
        /// The end is not after the start.
        case endsBeforeStart
        /// Scheduled more than a year ahead.
        case startsTooLate
        /// Backdated by more than a day (a notice cannot claim to have been up before it was).
        case startsInPast
    }

    /// Longest time ahead a publication may be scheduled.
    public static let longestScheduling: TimeInterval = 366 * 86_400
    /// How far back a start may lie (a form filled in a few minutes ago; a start "today" typed as midnight).
    public static let backdatingAllowed: TimeInterval = 86_400

    /// The window of an announcement published at `now`: from `from` (now when not given) until `until`.
    public static func window(from: Date?, until: Date?, now: Date) throws(WindowProblem) -> Window {
        let start = from ?? now
        guard start >= now.addingTimeInterval(-backdatingAllowed) else { throw .startsInPast }
        guard start <= now.addingTimeInterval(longestScheduling) else { throw .startsTooLate }
        if let until, until <= max(start, now) { throw .endsBeforeStart }
        return Window(from: start, until: until)
    }

    public static func status(_ window: Window, withdrawnAt: Date?, now: Date) -> Status {
        if let withdrawnAt, withdrawnAt <= now { return .withdrawn }
        if now < window.from { return .scheduled }
        if let until = window.until, now >= until { return .ended }
        return .live
    }

    /// Where a resident lives (ids as text): the path of their community, their compound and their building.
    public struct Home: Sendable, Hashable {
        public let community: String
        public let compound: String
        public let building: String

        public init(community: String, compound: String, building: String) {
            self.community = community
            self.compound = compound
            self.building = building
        }
    }

    /// What an announcement is addressed to: the community's path, and the compound or building its scope names.
    public struct Audience: Sendable, Equatable {
        public let scope: Scope
        public let community: String
        public let compound: String?
        public let building: String?

        public init(scope: Scope, community: String, compound: String?, building: String?) {
            self.scope = scope
            self.community = community
            self.compound = compound
            self.building = building
        }

        /// Whether a resident living in `homes` is addressed.
        public func reaches(_ homes: [Home]) -> Bool {
            homes.contains { home in
                guard home.community == community else { return false }
                switch scope {
                case .community: return true
                case .compound: return compound == home.compound
                case .building: return building == home.building
                }
            }
        }
    }

    /// The order residents read them in: pinned ones first (置顶), then the newest publication first, then by id.
    public struct Listed: Sendable, Equatable {
        public let id: String
        public let pinned: Bool
        public let from: Date

        public init(id: String, pinned: Bool, from: Date) {
            self.id = id
            self.pinned = pinned
            self.from = from
        }
    }

    public static func ordered(_ items: [Listed]) -> [Listed] {
        items.sorted { a, b in
            if a.pinned != b.pinned { return a.pinned }
            if a.from != b.from { return a.from > b.from }
            return a.id < b.id
        }
    }
}
