import Foundation

/// A case's time limit on the working calendar, with the clock paused while the case is suspended (SPEC §4).
public struct SLAClock: Sendable {
    /// 响应时限 in working hours, or 办结时限 in working days.
    public enum Limit: Sendable, Equatable, Codable {
        case workingHours(Int)
        case workingDays(Int)
    }

    /// A suspension: the clock stops from `start` until `end` (nil: still suspended).
    public struct Pause: Sendable, Equatable {
        public let start: Date
        public let end: Date?

        public init(start: Date, end: Date?) {
            self.start = start
            self.end = end
        }
    }

    /// 正常 / 黄牌 (≥ 80 % of the limit used) / 红牌 (overdue).
    public enum Level: String, Sendable, Codable, CaseIterable, Comparable {
        case normal
        case yellow
        case red

        var rank: Int {
            switch self {
            case .normal: 0
            case .yellow: 1
            case .red: 2
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public let calendar: WorkingCalendar
    public let openedAt: Date
    public let limit: Limit
    public let pauses: [Pause]

    public init(calendar: WorkingCalendar, openedAt: Date, limit: Limit, pauses: [Pause] = []) {
        self.calendar = calendar
        self.openedAt = openedAt
        self.limit = limit
        self.pauses = pauses
    }

    /// The working seconds the limit allows.
    public var budget: Int {
        switch limit {
        case .workingHours(let hours):
            hours * 3600
        case .workingDays(let days):
            calendar.workingSeconds(from: openedAt, to: calendar.deadline(from: openedAt, workingDays: days))
        }
    }

    /// Working seconds spent suspended, up to `now`.
    public func pausedSeconds(now: Date) -> Int {
        pauses.reduce(0) { total, pause in
            let start = max(pause.start, openedAt)
            let end = min(pause.end ?? now, now)
            return total + calendar.workingSeconds(from: start, to: end)
        }
    }

    /// When the limit runs out, pushed back by the working time spent suspended (until `now` for a running pause).
    public func deadline(now: Date) -> Date {
        calendar.advance(openedAt, workingSeconds: budget + pausedSeconds(now: now))
    }

    /// Working seconds of the limit used by `now`, suspensions not counted.
    public func usedSeconds(now: Date) -> Int {
        max(0, calendar.workingSeconds(from: openedAt, to: now) - pausedSeconds(now: now))
    }

    /// The share of the limit used, exactly as a fraction (used, budget).
    public func level(now: Date) -> Level {
        let used = usedSeconds(now: now)
        let budget = max(self.budget, 1)
        if now > deadline(now: now) { return .red }
        // ≥ 80 %, in integers: 5 × used ≥ 4 × budget.
        return 5 * used >= 4 * budget ? .yellow : .normal
    }
}
