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
    /// The deadline is never earlier than this (a completion limit never ends before the close of work on the day
    /// the response is due: `CaseDeadlines`).
    public let notBefore: Date?

    public init(calendar: WorkingCalendar, openedAt: Date, limit: Limit, pauses: [Pause] = [], notBefore: Date? = nil) {
        self.calendar = calendar
        self.openedAt = openedAt
        self.limit = limit
        self.pauses = pauses
        self.notBefore = notBefore
    }

    /// Where the clock starts: a limit in hours at the opening; a limit of N ≥ 1 working days at the start of the
    /// first working day after the day of opening (that day is not counted, Civil Code art. 201, so a suspension
    /// on it uses none of the limit); a same-day limit (0 days) at the opening.
    public var countStart: Date {
        switch limit {
        case .workingHours, .workingDays(0): openedAt
        case .workingDays: calendar.startOfFirstWorkingDay(after: openedAt)
        }
    }

    /// The working seconds the limit allows, suspensions not counted.
    public var budget: Int {
        switch limit {
        case .workingHours(let hours):
            hours * 3600
        case .workingDays(let days):
            calendar.workingSeconds(from: countStart, to: calendar.deadline(from: openedAt, workingDays: days))
        }
    }

    /// Working seconds spent suspended after the clock started, up to `now`.
    public func pausedSeconds(now: Date) -> Int {
        let from = countStart
        return pauses.reduce(0) { total, pause in
            let start = max(pause.start, from)
            let end = min(pause.end ?? now, now)
            return total + calendar.workingSeconds(from: start, to: end)
        }
    }

    /// When the limit runs out. A limit in hours is pushed back by the working time spent suspended (until `now`
    /// for a running pause), to the second. A limit in days is pushed back the same way and then ends at the close
    /// of work of the day this lands on: a limit in days always ends at the close of a working day.
    public func deadline(now: Date) -> Date {
        let paused = pausedSeconds(now: now)
        let computed: Date
        switch limit {
        case .workingHours:
            computed = calendar.advance(openedAt, workingSeconds: budget + paused)
        case .workingDays(let days):
            let unpaused = calendar.deadline(from: openedAt, workingDays: days)
            computed = paused == 0 ? unpaused : calendar.closeOfWork(onOrAfter: calendar.advance(countStart, workingSeconds: budget + paused))
        }
        guard let floor = notBefore else { return computed }
        return max(computed, floor)
    }

    /// Working seconds of the limit used by `now`, suspensions not counted.
    public func usedSeconds(now: Date) -> Int {
        max(0, calendar.workingSeconds(from: countStart, to: now) - pausedSeconds(now: now))
    }

    /// 正常 below 80 % of the working time allowed (used and still left before the deadline), 黄牌 from 80 %,
    /// 红牌 once past the deadline.
    public func level(now: Date) -> Level {
        let deadline = deadline(now: now)
        if now > deadline { return .red }
        let used = usedSeconds(now: now)
        let allowed = max(used + calendar.workingSeconds(from: now, to: deadline), 1)
        // ≥ 80 %, in integers: 5 × used ≥ 4 × allowed.
        return 5 * used >= 4 * allowed ? .yellow : .normal
    }
}
