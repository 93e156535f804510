import Foundation

/// A KPI period cut into what the monthly rollups answer (whole calendar months) and what the daily ones answer
/// (the days before the first whole month and after the last), so that a year's figures read twelve rows per cell
/// instead of 365. Every day of the period is in exactly one part.
public struct KPIPeriodSplit: Sendable, Equatable {
    /// The first day of the first whole month and the last day of the last one; nil when the period holds none.
    public let months: ClosedRange<CivilDate>?
    /// The day ranges outside `months` (none, one or two), in order.
    public let days: [ClosedRange<CivilDate>]

    public init(from: CivilDate, to: CivilDate) {
        guard from <= to else {
            months = nil
            days = []
            return
        }
        let first = from.day == 1 ? from : Self.firstOfNextMonth(after: from)
        let last = to.day == CivilDate.daysIn(month: to.month, year: to.year) ? to : Self.lastOfPreviousMonth(before: to)
        guard first <= last else {
            months = nil
            days = [from...to]
            return
        }
        months = first...last
        var edges: [ClosedRange<CivilDate>] = []
        if from < first { edges.append(from...DayNumber(DayNumber(first).value - 1).civil) }
        if last < to { edges.append(DayNumber(DayNumber(last).value + 1).civil...to) }
        days = edges
    }

    /// The monthly rollups' day for a day: the first of its month.
    public static func monthKey(of day: CivilDate) -> CivilDate {
        CivilDate(year: day.year, month: day.month, day: 1)!
    }

    static func firstOfNextMonth(after day: CivilDate) -> CivilDate {
        day.month == 12 ? CivilDate(year: day.year + 1, month: 1, day: 1)! : CivilDate(year: day.year, month: day.month + 1, day: 1)!
    }

    static func lastOfPreviousMonth(before day: CivilDate) -> CivilDate {
        DayNumber(DayNumber(CivilDate(year: day.year, month: day.month, day: 1)!).value - 1).civil
    }
}
