import Foundation
import Testing
@testable import GongzhiCore

@Suite("KPI periods cut into whole months and edge days")
struct KPIPeriodSplitTests {
    func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test("examples: a calendar year, a rolling year, a month, days inside one month, across a year's end")
    func examples() {
        let year = KPIPeriodSplit(from: day("2026-01-01"), to: day("2026-12-31"))
        #expect(year.months == day("2026-01-01")...day("2026-12-31"))
        #expect(year.days.isEmpty)
        let rolling = KPIPeriodSplit(from: day("2025-12-08"), to: day("2026-12-07"))
        #expect(rolling.months == day("2026-01-01")...day("2026-11-30"))
        #expect(rolling.days == [day("2025-12-08")...day("2025-12-31"), day("2026-12-01")...day("2026-12-07")])
        let february = KPIPeriodSplit(from: day("2028-02-01"), to: day("2028-02-29"))
        #expect(february.months == day("2028-02-01")...day("2028-02-29"))
        let notLeap = KPIPeriodSplit(from: day("2027-02-01"), to: day("2027-02-28"))
        #expect(notLeap.months == day("2027-02-01")...day("2027-02-28"))
        let inside = KPIPeriodSplit(from: day("2026-03-02"), to: day("2026-03-30"))
        #expect(inside.months == nil)
        #expect(inside.days == [day("2026-03-02")...day("2026-03-30")])
        let acrossYears = KPIPeriodSplit(from: day("2026-12-15"), to: day("2027-01-10"))
        #expect(acrossYears.months == nil)
        #expect(acrossYears.days == [day("2026-12-15")...day("2027-01-10")])
        #expect(KPIPeriodSplit(from: day("2026-05-02"), to: day("2026-05-01")) == KPIPeriodSplit(from: day("2026-05-02"), to: day("2026-05-01")))
        #expect(KPIPeriodSplit(from: day("2026-05-02"), to: day("2026-05-01")).days.isEmpty)
        #expect(KPIPeriodSplit.monthKey(of: day("2026-12-31")) == day("2026-12-01"))
    }

    @Test("every period from 2025 to 2027: each day in exactly one part, months whole, no whole month left to the days")
    func exhaustive() {
        let start = DayNumber(day("2025-11-20")).value
        for fromValue in stride(from: start, to: start + 430, by: 1) {
            for length in [0, 1, 27, 28, 29, 30, 31, 45, 59, 61, 92, 200, 364, 365, 366, 800] {
                let from = DayNumber(fromValue).civil, to = DayNumber(fromValue + length).civil
                let split = KPIPeriodSplit(from: from, to: to)
                var covered: [Int] = []
                if let months = split.months {
                    #expect(months.lowerBound.day == 1)
                    #expect(months.upperBound.day == CivilDate.daysIn(month: months.upperBound.month, year: months.upperBound.year))
                    covered += Array(DayNumber(months.lowerBound).value...DayNumber(months.upperBound).value)
                }
                for part in split.days {
                    let range = DayNumber(part.lowerBound).value...DayNumber(part.upperBound).value
                    // No whole calendar month inside a part of days.
                    #expect(!range.contains { value in
                        let d = DayNumber(value).civil
                        return d.day == 1 && range.contains(value + CivilDate.daysIn(month: d.month, year: d.year) - 1)
                    })
                    covered += Array(range)
                }
                #expect(covered.sorted() == Array(fromValue...(fromValue + length)), "\(from)…\(to)")
            }
        }
    }
}

@Suite("Cases waiting to be signed, counted by the minute of their response limit")
struct KPIWaitingMinuteTests {
    func row(_ state: CaseState, due: Date, signed: Date? = nil) -> CaseKPIs.Row {
        CaseKPIs.Row(state: state, openedAt: due.addingTimeInterval(-3_600), responseDueAt: due, signedAt: signed,
                     completionDueAt: due.addingTimeInterval(86_400), closedAt: nil, returns: 0, reopens: 0, ratingSolved: nil, ratingSatisfaction: nil)
    }

    @Test("a case waits in the minute of its limit; signed, rejected and merged cases wait in none; minutes split exactly")
    func minutes() {
        let due = Date(timeIntervalSince1970: 1_765_000_000.5) // 1 765 000 000 s = minute 29 416 666, 40.5 s into it
        #expect(KPIRollup.waitingMinute(row(.accepted, due: due)) == 29_416_666)
        #expect(KPIRollup.waitingMinute(row(.dispatched, due: due)) == 29_416_666)
        #expect(KPIRollup.waitingMinute(row(.signed, due: due, signed: due)) == nil)
        #expect(KPIRollup.waitingMinute(row(.rejected, due: due)) == nil)
        #expect(KPIRollup.waitingMinute(row(.merged, due: due)) == nil)
        #expect(KPIRollup.minute(of: Date(timeIntervalSince1970: 59.999)) == 0)
        #expect(KPIRollup.minute(of: Date(timeIntervalSince1970: 60)) == 1)
        // Within its limit at `now` exactly when counted in a later minute, or in now's minute with the limit after now.
        for offset in stride(from: -130.0, through: 130.0, by: 0.25) {
            let now = due.addingTimeInterval(offset)
            let m = KPIRollup.minute(of: now)
            let waiting = KPIRollup.waitingMinute(row(.accepted, due: due))!
            let counted = waiting > m || (waiting == m && due > now)
            #expect(counted == (due > now), "offset \(offset)")
        }
    }
}
