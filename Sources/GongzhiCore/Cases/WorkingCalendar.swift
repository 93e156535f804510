import Foundation

/// One year of the State Council's holiday arrangement: days off (including weekends inside a holiday span) and
/// weekend days that are working days (调休上班). Read from `cn-YYYY.json`; a year is added or replaced as data.
public struct HolidayYear: Codable, Sendable, Equatable {
    public let year: Int
    public let holidays: [String]
    public let workdays: [String]
    public let source: String?

    public init(year: Int, holidays: [String], workdays: [String], source: String? = nil) {
        self.year = year
        self.holidays = holidays
        self.workdays = workdays
        self.source = source
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        case badDate(String)
        case wrongYear(String)
        case bothHolidayAndWorkday(String)
    }

    /// Checks every date: real, in the year, never both a holiday and a working day.
    public func validated() throws(Error) -> (holidays: Set<CivilDate>, workdays: Set<CivilDate>) {
        func dates(_ list: [String]) throws(Error) -> Set<CivilDate> {
            var result = Set<CivilDate>()
            for text in list {
                guard let date = CivilDate(iso: text) else { throw .badDate(text) }
                guard date.year == year else { throw .wrongYear(text) }
                result.insert(date)
            }
            return result
        }
        let off = try dates(holidays)
        let on = try dates(workdays)
        if let both = off.intersection(on).first { throw .bothHolidayAndWorkday(both.description) }
        return (off, on)
    }
}

/// Working time in China Standard Time: which days are working days (weekdays, less public holidays, plus 调休
/// weekends) and which hours of them are working hours. Deadlines follow the Civil Code (arts. 201–203): the day
/// a case is opened is not counted; a limit of N working days ends at the close of working hours on the N-th
/// working day after it; a limit in working hours counts only time inside working hours.
public struct WorkingCalendar: Sendable {
    /// A stretch of working time in a day, in minutes after midnight.
    public struct Period: Sendable, Equatable {
        public let start: Int
        public let end: Int

        public init(start: Int, end: Int) {
            precondition(0 <= start && start < end && end <= 24 * 60, "a period lies inside one day")
            self.start = start
            self.end = end
        }
    }

    public private(set) var holidays: Set<CivilDate> = []
    public private(set) var workdays: Set<CivilDate> = []
    public private(set) var years: Set<Int> = []
    /// Default 09:00–12:00 and 13:30–17:30 (7 working hours a day).
    public let periods: [Period]

    public static let defaultPeriods = [Period(start: 9 * 60, end: 12 * 60), Period(start: 13 * 60 + 30, end: 17 * 60 + 30)]

    public init(years: [HolidayYear], periods: [Period] = WorkingCalendar.defaultPeriods) throws(HolidayYear.Error) {
        self.periods = periods.sorted { $0.start < $1.start }
        for year in years {
            let (off, on) = try year.validated()
            // A year given again replaces the earlier one.
            holidays = holidays.filter { $0.year != year.year }.union(off)
            workdays = workdays.filter { $0.year != year.year }.union(on)
            self.years.insert(year.year)
        }
    }

    /// Working seconds in one working day.
    public var secondsPerWorkingDay: Int { periods.reduce(0) { $0 + ($1.end - $1.start) * 60 } }

    /// Whether `date` is a working day: a weekday that is not a holiday, or a 调休 weekend day. In a year whose
    /// arrangement is not loaded, the statutory holidays (`StatutoryHolidays`) are off and there is no 调休.
    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if holidays.contains(date) { return false }
        if workdays.contains(date) { return true }
        if !years.contains(date.year), StatutoryHolidays.days(in: date.year).contains(date) { return false }
        return !DayNumber(date).isWeekend
    }

    // MARK: Years with and without the State Council's arrangement

    /// Whether the State Council's arrangement of `year` is loaded.
    public func isArranged(_ year: Int) -> Bool { years.contains(year) }

    /// Whether a time limit running from `start` to `end` crosses a year without an arrangement: its deadline is
    /// then provisional (counted on the statutory holidays only) until that year's arrangement is loaded.
    public func isProvisional(from start: Date, to end: Date) -> Bool {
        let first = DayNumber(start).civil.year, last = DayNumber(max(start, end)).civil.year
        return (first...last).contains { !years.contains($0) }
    }

    /// The first year without an arrangement that a day within `days` days of `now` falls in (nil: none).
    /// How many days before a year without its arrangement the administrators are warned.
    public static let arrangementWarningDays = 60

    public func unarrangedYear(within days: Int, of now: Date) -> Int? {
        let first = DayNumber(now).civil.year, last = DayNumber(DayNumber(now).value + days).civil.year
        return (first...last).first { !years.contains($0) }
    }

    // MARK: Periods in calendar days (Civil Code arts. 201–203)

    /// The end of a period of `days` calendar days from `start`: the day of `start` is not counted (art. 201); a
    /// last day that is a rest day (a weekend not worked, or a holiday) moves to the next working day (art. 203);
    /// the period ends at 24:00 of its last day, that is at midnight (Beijing time) starting the day after.
    public func periodEnd(from start: Date, days: Int) -> Date {
        precondition(days >= 0, "a period is not negative")
        return DayNumber(lastDay(ofPeriodStartingOn: DayNumber(start), days: days).value + 1).instant(minutes: 0)
    }

    /// The last day of a period of `days` days counted from the day after `start`.
    func lastDay(ofPeriodStartingOn start: DayNumber, days: Int) -> DayNumber {
        var last = DayNumber(start.value + days)
        while !isWorkingDay(last.civil) { last = last.next }
        return last
    }

    /// The instant before which a period of `days` days must have started to have ended by `now`: every start
    /// earlier than it has ended (the end is monotone in the start), none at or after it. For a query such as
    /// "replied before the cut-off".
    public func periodStartCutoff(days: Int, endedBy now: Date) -> Date {
        // The latest start day whose period has ended; a period is never shorter than `days`, so start there and
        // step back over the rest days that can stretch it.
        var day = DayNumber(DayNumber(now).value - days)
        while DayNumber(lastDay(ofPeriodStartingOn: day, days: days).value + 1).instant(minutes: 0) > now { day = DayNumber(day.value - 1) }
        return DayNumber(day.value + 1).instant(minutes: 0)
    }

    // MARK: Deadlines

    /// The end of working hours on the `workingDays`-th working day after the day of `start`.
    public func deadline(from start: Date, workingDays: Int) -> Date {
        precondition(workingDays >= 0, "a limit is not negative")
        var day = DayNumber(start)
        if workingDays == 0 { return closeOfWork(on: day, orAfter: start) }
        var counted = 0
        while counted < workingDays {
            day = day.next
            if isWorkingDay(day.civil) { counted += 1 }
        }
        return day.instant(minutes: periods.last!.end)
    }

    /// The instant at which `seconds` of working time have passed since `start` (outside working hours the
    /// count starts at the next working period).
    public func advance(_ start: Date, workingSeconds seconds: Int) -> Date {
        precondition(seconds >= 0, "time does not run backwards")
        var remaining = seconds
        var day = DayNumber(start)
        var cursor = start
        while true {
            if isWorkingDay(day.civil) {
                for period in periods {
                    let from = max(cursor, day.instant(minutes: period.start))
                    let to = day.instant(minutes: period.end)
                    guard from < to else { continue }
                    let available = Int(to.timeIntervalSince(from).rounded(.down))
                    if remaining <= available { return from.addingTimeInterval(TimeInterval(remaining)) }
                    remaining -= available
                }
            }
            day = day.next
            cursor = day.instant(minutes: 0)
        }
    }

    /// The instant that lies `hours` working hours after `start`.
    public func deadline(from start: Date, workingHours hours: Int) -> Date {
        advance(start, workingSeconds: hours * 3600)
    }

    /// Working seconds between two instants (0 if `end` is not after `start`).
    public func workingSeconds(from start: Date, to end: Date) -> Int {
        guard end > start else { return 0 }
        var total = 0
        var day = DayNumber(start)
        let last = DayNumber(end)
        while day <= last {
            if isWorkingDay(day.civil) {
                for period in periods {
                    let from = max(start, day.instant(minutes: period.start))
                    let to = min(end, day.instant(minutes: period.end))
                    if from < to { total += Int(to.timeIntervalSince(from).rounded(.down)) }
                }
            }
            day = day.next
        }
        return total
    }

    /// The close of working hours of the day of `instant` if it is a working day and not yet closed, else of the
    /// next working day (a limit of zero days: "today").
    func closeOfWork(on day: DayNumber, orAfter instant: Date) -> Date {
        var day = day
        while true {
            let close = day.instant(minutes: periods.last!.end)
            if isWorkingDay(day.civil), close > instant { return close }
            day = day.next
        }
    }

    /// The close of working hours of the day of `instant` if it is a working day and `instant` is not after it,
    /// else of the next working day: the deadline of a limit in days that ends at `instant` or later that day.
    public func closeOfWork(onOrAfter instant: Date) -> Date {
        let day = DayNumber(instant)
        let close = day.instant(minutes: periods.last!.end)
        if isWorkingDay(day.civil), close >= instant { return close }
        return closeOfWork(on: day.next, orAfter: instant)
    }

    /// The start of working hours of the first working day after the day of `instant`: where a limit in working
    /// days starts to count (the day of opening is not counted, Civil Code art. 201).
    public func startOfFirstWorkingDay(after instant: Date) -> Date {
        var day = DayNumber(instant).next
        while !isWorkingDay(day.civil) { day = day.next }
        return day.instant(minutes: periods.first!.start)
    }
}

/// A day counted from 1970-01-01 in China Standard Time (UTC+8, no daylight saving): exact, fast date arithmetic.
public struct DayNumber: Comparable, Sendable {
    /// Midnight at the start of `date` in China Standard Time.
    public static func start(of date: CivilDate) -> Date { DayNumber(date).instant(minutes: 0) }

    public let value: Int

    static let offset = 8 * 3600

    public init(_ value: Int) { self.value = value }

    init(_ instant: Date) {
        value = Int(((instant.timeIntervalSince1970 + Double(Self.offset)) / 86_400).rounded(.down))
    }

    /// Days from civil (Howard Hinnant's algorithm).
    public init(_ date: CivilDate) {
        let y = date.month <= 2 ? date.year - 1 : date.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (date.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + date.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        value = era * 146_097 + doe - 719_468
    }

    public var civil: CivilDate {
        let z = value + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return CivilDate(year: year, month: month, day: day)!
    }

    /// Monday is 0 … Sunday is 6 (1970-01-01 was a Thursday).
    public var weekday: Int { ((value % 7) + 7 + 3) % 7 }
    var isWeekend: Bool { weekday >= 5 }
    var next: DayNumber { DayNumber(value + 1) }

    /// The instant `minutes` after this day's midnight, Beijing time.
    public func instant(minutes: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(value * 86_400 - Self.offset + minutes * 60))
    }

    public static func < (a: DayNumber, b: DayNumber) -> Bool { a.value < b.value }
}
