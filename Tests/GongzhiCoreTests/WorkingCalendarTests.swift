import Foundation
import Testing
@testable import GongzhiCore

/// Instants written as China Standard Time: "2026-02-13 16:30".
func cst(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let date = CivilDate(iso: String(parts[0]))!
    let hm = parts.count > 1 ? parts[1].split(separator: ":").map { Int($0)! } : [0, 0]
    return DayNumber(date).instant(minutes: hm[0] * 60 + hm[1])
}

/// The calendar with the holiday data the product ships.
let shippedCalendar: WorkingCalendar = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let years = ["cn-2025.json", "cn-2026.json"].map { name in
        try! JSONDecoder().decode(HolidayYear.self, from: Data(contentsOf: url.appendingPathComponent("Resources/Calendar/\(name)")))
    }
    return try! WorkingCalendar(years: years)
}()

@Suite("Working-day calendar: holidays, 调休, working hours")
struct WorkingCalendarTests {
    let calendar = shippedCalendar

    @Test("holidays are off, 调休 weekends are on, other weekends off", arguments: [
        ("2026-01-01", false),  // New Year, a Thursday
        ("2026-01-02", false),
        ("2026-01-04", true),  // Sunday, worked
        ("2026-02-13", true),  // Friday before the Spring Festival
        ("2026-02-14", true),  // Saturday, worked
        ("2026-02-15", false), ("2026-02-18", false), ("2026-02-23", false),  // Spring Festival, a Monday at the end
        ("2026-02-24", true),
        ("2026-02-28", true),  // Saturday, worked
        ("2026-03-01", false),  // an ordinary Sunday
        ("2026-05-09", true),  // Saturday, worked
        ("2026-06-19", false),  // Dragon Boat, a Friday
        ("2026-09-20", true),  // Sunday, worked
        ("2026-10-07", false), ("2026-10-08", true), ("2026-10-10", true),
        ("2025-01-26", true), ("2025-10-08", false), ("2025-10-11", true), ("2025-12-31", true),
    ])
    func workingDays(date: String, working: Bool) {
        #expect(calendar.isWorkingDay(CivilDate(iso: date)!) == working)
    }

    @Test("a year without an arrangement counts its statutory holidays and Monday–Friday", arguments: [
        ("2027-01-01", false),  // New Year's Day, a Friday
        ("2027-01-02", false), ("2027-01-04", true),
        ("2027-02-04", true), ("2027-02-05", false), ("2027-02-08", false), ("2027-02-09", true),  // 除夕 Friday to 初三 Monday
        ("2027-04-05", false),  // 清明, a Monday
        ("2027-04-30", true), ("2027-05-03", true),  // 1–2 May are a Saturday and a Sunday: no 调休 without the arrangement
        ("2027-06-09", false),  // 端午, a Wednesday
        ("2027-09-15", false),  // 中秋, a Wednesday
        ("2027-10-01", false), ("2027-10-04", true),  // 1–3 October, Friday to Sunday
    ])
    func unknownYear(date: String, working: Bool) {
        #expect(!calendar.isArranged(2027))
        #expect(calendar.isWorkingDay(CivilDate(iso: date)!) == working)
    }

    @Test("N working days end at the close of the N-th working day after the day of opening", arguments: [
        ("2026-02-13 10:00", 1, "2026-02-14 17:30"),  // the 调休 Saturday counts
        ("2026-02-13 10:00", 2, "2026-02-24 17:30"),  // over the whole Spring Festival
        ("2026-02-12 10:00", 3, "2026-02-24 17:30"),
        ("2026-02-16 10:00", 1, "2026-02-24 17:30"),  // opened on a holiday
        ("2026-02-27 20:00", 1, "2026-02-28 17:30"),  // opened at night, next day a 调休 Saturday
        ("2026-09-30 10:00", 1, "2026-10-08 17:30"),
        ("2026-09-30 10:00", 3, "2026-10-10 17:30"),
        ("2026-09-30 10:00", 4, "2026-10-12 17:30"),
        ("2026-09-20 10:00", 1, "2026-09-21 17:30"),  // opened on a worked Sunday
        ("2026-11-23 09:00", 13, "2026-12-10 17:30"),  // a complaint's 13 working days
        ("2025-12-31 10:00", 1, "2026-01-04 17:30"),  // across the year and New Year
        ("2026-02-13 10:00", 0, "2026-02-13 17:30"),  // same day
        ("2026-02-13 18:00", 0, "2026-02-14 17:30"),  // same day, but opened after hours
        ("2026-02-21 18:00", 0, "2026-02-24 17:30"),  // same day, on a holiday
    ])
    func workingDayDeadlines(opened: String, days: Int, expected: String) {
        #expect(calendar.deadline(from: cst(opened), workingDays: days) == cst(expected))
    }

    @Test("working hours count only inside working hours on working days", arguments: [
        ("2026-11-23 09:00", 1, "2026-11-23 10:00"),
        ("2026-11-23 11:30", 1, "2026-11-23 14:00"),  // across lunch
        ("2026-11-23 12:30", 1, "2026-11-23 14:30"),  // opened during lunch
        ("2026-11-23 22:00", 1, "2026-11-24 10:00"),  // opened at night: counted from the next morning
        ("2026-11-23 06:00", 2, "2026-11-23 11:00"),
        ("2026-11-23 09:00", 24, "2026-11-26 12:00"),  // 7 hours a day
        ("2026-02-13 16:30", 2, "2026-02-14 10:00"),  // into the 调休 Saturday
        ("2026-02-14 17:00", 4, "2026-02-24 14:00"),  // over the Spring Festival
        ("2026-11-28 10:00", 1, "2026-11-30 10:00"),  // opened on a Saturday
        ("2026-11-23 17:30", 1, "2026-11-24 10:00"),  // opened at the close
    ])
    func workingHourDeadlines(opened: String, hours: Int, expected: String) {
        #expect(calendar.deadline(from: cst(opened), workingHours: hours) == cst(expected))
    }

    @Test("working seconds and advancing agree, from any instant, for any amount")
    func consistency() {
        var rng = SeededGenerator(seed: 11)
        let start = cst("2025-12-20 00:00")
        for _ in 0..<300 {
            let from = start.addingTimeInterval(TimeInterval(rng.int(0...(120 * 86_400))))
            let amount = rng.int(0...(40 * 3600))
            let to = calendar.advance(from, workingSeconds: amount)
            #expect(calendar.workingSeconds(from: from, to: to) == amount)
        }
        #expect(calendar.workingSeconds(from: cst("2026-11-23 09:00"), to: cst("2026-11-23 18:00")) == 7 * 3600)
        #expect(calendar.workingSeconds(from: cst("2026-02-15 00:00"), to: cst("2026-02-23 23:59")) == 0)
        #expect(calendar.workingSeconds(from: cst("2026-11-24 00:00"), to: cst("2026-11-23 00:00")) == 0)
    }

    @Test("bad holiday data is refused")
    func badData() {
        #expect(throws: HolidayYear.Error.badDate("2026-02-30")) { try WorkingCalendar(years: [HolidayYear(year: 2026, holidays: ["2026-02-30"], workdays: [])]) }
        #expect(throws: HolidayYear.Error.wrongYear("2025-10-01")) { try WorkingCalendar(years: [HolidayYear(year: 2026, holidays: ["2025-10-01"], workdays: [])]) }
        #expect(throws: HolidayYear.Error.bothHolidayAndWorkday("2026-10-01")) {
            try WorkingCalendar(years: [HolidayYear(year: 2026, holidays: ["2026-10-01"], workdays: ["2026-10-01"])])
        }
    }

    @Test("a year given again replaces the first")
    func replaceYear() throws {
        let replaced = try WorkingCalendar(years: [HolidayYear(year: 2026, holidays: ["2026-03-02"], workdays: []),
                                                   HolidayYear(year: 2026, holidays: ["2026-03-03"], workdays: [])])
        #expect(replaced.isWorkingDay(CivilDate(iso: "2026-03-02")!))
        #expect(!replaced.isWorkingDay(CivilDate(iso: "2026-03-03")!))
    }
}

@Suite("SLA clock: deadlines, suspensions, levels")
struct SLAClockTests {
    let calendar = shippedCalendar

    @Test("levels: normal below 80 %, yellow from 80 %, red once overdue")
    func levels() {
        // 1 working day opened Monday 09:00: budget 7 h on Tuesday (the opening day does not count).
        let clock = SLAClock(calendar: calendar, openedAt: cst("2026-11-23 09:00"), limit: .workingDays(1))
        #expect(clock.deadline(now: cst("2026-11-23 10:00")) == cst("2026-11-24 17:30"))
        let budget = clock.budget
        #expect(budget == 7 * 3600)  // all of Tuesday, none of Monday
        #expect(clock.countStart == cst("2026-11-24 09:00"))
        #expect(clock.level(now: cst("2026-11-23 17:00")) == .normal)
        #expect(clock.usedSeconds(now: cst("2026-11-23 17:00")) == 0)
        let eighty = calendar.advance(cst("2026-11-24 09:00"), workingSeconds: budget * 4 / 5)
        #expect(clock.level(now: eighty.addingTimeInterval(-1)) == .normal)
        #expect(clock.level(now: eighty) == .yellow)
        #expect(clock.level(now: cst("2026-11-24 17:30")) == .yellow)
        #expect(clock.level(now: cst("2026-11-24 17:31")) == .red)
    }

    @Test("a suspension over the Spring Festival pushes the deadline back by the working time suspended")
    func suspensionOverHolidays() {
        let opened = cst("2026-02-12 10:00")
        let plain = SLAClock(calendar: calendar, openedAt: opened, limit: .workingDays(3))
        #expect(plain.deadline(now: opened) == cst("2026-02-24 17:30"))
        // Suspended Friday 13 Feb 10:00 to Wednesday 25 Feb 10:00: only working time counts as paused.
        let pause = SLAClock.Pause(start: cst("2026-02-13 10:00"), end: cst("2026-02-25 10:00"))
        let suspended = SLAClock(calendar: calendar, openedAt: opened, limit: .workingDays(3), pauses: [pause])
        let paused = suspended.pausedSeconds(now: cst("2026-03-01 00:00"))
        #expect(paused == calendar.workingSeconds(from: cst("2026-02-13 10:00"), to: cst("2026-02-25 10:00")))
        // Feb 13 (6 h), Feb 14 (7 h), Feb 24 (7 h), Feb 25 09:00–10:00 (1 h).
        #expect(paused == 21 * 3600)
        #expect(suspended.deadline(now: cst("2026-03-01 00:00")) == calendar.advance(cst("2026-02-24 17:30"), workingSeconds: 21 * 3600))
        #expect(suspended.deadline(now: cst("2026-03-01 00:00")) == cst("2026-02-27 17:30"))
        #expect(suspended.level(now: cst("2026-02-26 10:00")) != .red)
        #expect(plain.level(now: cst("2026-02-26 10:00")) == .red)
    }

    @Test("while still suspended the clock does not run")
    func runningSuspension() {
        let opened = cst("2026-11-23 09:00")
        let clock = SLAClock(calendar: calendar, openedAt: opened, limit: .workingHours(4),
                             pauses: [SLAClock.Pause(start: cst("2026-11-23 10:00"), end: nil)])
        #expect(clock.usedSeconds(now: cst("2026-11-30 10:00")) == 3600)
        #expect(clock.level(now: cst("2026-11-30 10:00")) == .normal)
        // Three hours left from now: 10:00–12:00, then 13:30–14:30.
        #expect(clock.deadline(now: cst("2026-11-30 10:00")) == cst("2026-11-30 14:30"))
    }
}
