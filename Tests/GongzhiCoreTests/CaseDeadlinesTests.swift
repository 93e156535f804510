import Foundation
import Testing
@testable import GongzhiCore

@Suite("Statutory holidays: a year without the State Council's arrangement")
struct StatutoryHolidaysTests {
    @Test("every statutory day of 2025 and 2026 is a holiday in the arrangement shipped for that year")
    func insideShippedArrangements() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        for year in [2025, 2026] {
            let arrangement = try JSONDecoder().decode(HolidayYear.self, from: Data(contentsOf: url.appendingPathComponent("Resources/Calendar/cn-\(year).json")))
            let holidays = Set(arrangement.holidays.compactMap { CivilDate(iso: $0) })
            let statutory = StatutoryHolidays.days(in: year)
            #expect(statutory.count == 13)
            #expect(statutory.isSubset(of: holidays), "\(statutory.subtracting(holidays).sorted())")
        }
    }

    @Test("the days of 2027, 2028 and 2024 by name", arguments: [
        (2027, ["元旦": ["2027-01-01"], "春节": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"], "清明节": ["2027-04-05"],
                "劳动节": ["2027-05-01", "2027-05-02"], "端午节": ["2027-06-09"], "中秋节": ["2027-09-15"],
                "国庆节": ["2027-10-01", "2027-10-02", "2027-10-03"]]),
        (2028, ["元旦": ["2028-01-01"], "春节": ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"], "清明节": ["2028-04-04"],
                "劳动节": ["2028-05-01", "2028-05-02"], "端午节": ["2028-05-28"], "中秋节": ["2028-10-03"],
                "国庆节": ["2028-10-01", "2028-10-02", "2028-10-03"]]),
        // Before the 2024 amendment: no 除夕, one day of 劳动节.
        (2024, ["元旦": ["2024-01-01"], "春节": ["2024-02-10", "2024-02-11", "2024-02-12"], "清明节": ["2024-04-04"],
                "劳动节": ["2024-05-01"], "端午节": ["2024-06-10"], "中秋节": ["2024-09-17"],
                "国庆节": ["2024-10-01", "2024-10-02", "2024-10-03"]]),
    ])
    func byName(year: Int, expected: [String: [String]]) {
        let named = Dictionary(grouping: StatutoryHolidays.named(in: year), by: \.name).mapValues { $0.map(\.date.description) }
        #expect(named == expected)
    }

    @Test("清明 from the Sun's longitude agrees with the 寿星 formula from 2001 to 2099, and with known years")
    func qingming() {
        for year in 2001...2099 {
            // 寿星通式 for 清明 in the 21st century: day = ⌊Y × 0.2422 + 4.81⌋ − ⌊Y / 4⌋ (Y: the year's last two digits).
            let y = year % 100
            let formula = Int((Double(y) * 0.2422 + 4.81).rounded(.down)) - y / 4
            #expect(SolarTerms.qingming(year) == CivilDate(year: year, month: 4, day: formula), "\(year)")
        }
        #expect(SolarTerms.qingming(2025).description == "2025-04-04")
        #expect(SolarTerms.qingming(2026).description == "2026-04-05")
    }
}

@Suite("Case deadlines: years without an arrangement, suspensions, same-day items, the rating period")
struct CaseDeadlinesTests {
    let calendar = shippedCalendar

    func deadlines(_ opened: String, hours: Int, days: Int, pauses: [(String, String?)] = [], signed: String? = nil,
                   now: String? = nil) -> CaseDeadlines {
        CaseDeadlines.compute(.init(openedAt: cst(opened), responseHours: hours, completionDays: days,
                                    pauses: pauses.map { SLAClock.Pause(start: cst($0.0), end: $0.1.map(cst)) }, signedAt: signed.map(cst)),
                              calendar: calendar, now: cst(now ?? opened))
    }

    @Test("a year without an arrangement: New Year's Day is not a working day, and the deadline is provisional", arguments: [
        ("2026-12-15 10:00", 8, 13, "2026-12-16 11:00", "2027-01-04 17:30"),
        ("2026-12-29 10:00", 4, 3, "2026-12-29 15:30", "2027-01-04 17:30"),
        ("2026-12-31 17:00", 1, 0, "2027-01-04 09:30", "2027-01-04 17:30"),
        ("2027-02-04 10:00", 4, 3, "2027-02-04 15:30", "2027-02-11 17:30"),  // over the Spring Festival of 2027
    ])
    func unarrangedYear(opened: String, hours: Int, days: Int, response: String, completion: String) {
        let d = deadlines(opened, hours: hours, days: days)
        #expect(d.response == cst(response))
        #expect(d.completion == cst(completion))
        #expect(d.provisional)
        #expect(!deadlines("2026-03-02 10:00", hours: hours, days: days).provisional)
    }

    @Test("a suspension on the opening day uses none of a limit in days")
    func openingDaySuspension() {
        let d = deadlines("2026-03-02 09:00", hours: 4, days: 1, pauses: [("2026-03-02 09:30", "2026-03-02 17:30")], now: "2026-03-03 09:00")
        #expect(d.completion == cst("2026-03-03 17:30"))
        // Into the next morning: only Tuesday's hour counts, and the deadline is the close of work of Wednesday.
        let e = deadlines("2026-03-02 09:00", hours: 4, days: 1, pauses: [("2026-03-02 09:30", "2026-03-03 10:00")], now: "2026-03-03 11:00")
        #expect(e.response == cst("2026-03-03 15:00"))
        #expect(e.completion == cst("2026-03-04 17:30"))
    }

    @Test("after a suspension a limit in days still ends at the close of work, of the day the suspended time reaches")
    func suspensionEndsAtClose() {
        // 3 days from Monday: Thursday. Two hours suspended on Tuesday reach into Friday: Friday 17:30, not 11:00.
        let d = deadlines("2026-03-02 10:00", hours: 8, days: 3, pauses: [("2026-03-03 10:00", "2026-03-03 12:00")], now: "2026-03-04 09:00")
        #expect(d.completion == cst("2026-03-06 17:30"))
        var rng = SeededGenerator(seed: 23)
        for _ in 0..<500 {
            let opened = cst("2026-01-05 00:00").addingTimeInterval(TimeInterval(rng.int(0...(300 * 86_400))))
            let start = opened.addingTimeInterval(TimeInterval(rng.int(0...(10 * 86_400))))
            let pause = SLAClock.Pause(start: start, end: start.addingTimeInterval(TimeInterval(rng.int(60...(5 * 86_400)))))
            let d = CaseDeadlines.compute(.init(openedAt: opened, responseHours: 8, completionDays: rng.int(1...13), pauses: [pause]),
                                          calendar: calendar, now: pause.end!)
            #expect(DayNumber(d.completion).instant(minutes: 17 * 60 + 30) == d.completion)
            #expect(calendar.isWorkingDay(DayNumber(d.completion).civil))
        }
    }

    @Test("a suspension before signing pauses the response clock; after signing the response deadline stays")
    func responseAcrossSuspension() {
        let d = deadlines("2026-03-02 09:00", hours: 4, days: 3, pauses: [("2026-03-02 10:00", "2026-03-03 10:00")], now: "2026-03-03 10:00")
        #expect(d.response == cst("2026-03-03 14:30"))  // 1 h used on Monday, 3 h left from Tuesday 10:00
        let running = deadlines("2026-03-02 09:00", hours: 4, days: 3, pauses: [("2026-03-02 10:00", nil)], now: "2026-03-04 09:00")
        #expect(running.response == cst("2026-03-04 12:00"))  // still suspended: 3 h from now
        let signed = CaseDeadlines.compute(.init(openedAt: cst("2026-03-02 09:00"), responseHours: 4, completionDays: 3,
                                                 pauses: [.init(start: cst("2026-03-02 11:00"), end: cst("2026-03-03 11:00"))],
                                                 signedAt: cst("2026-03-02 10:00"), currentResponse: cst("2026-03-02 13:30")),
                                           calendar: calendar, now: cst("2026-03-03 11:00"))
        #expect(signed.response == cst("2026-03-02 13:30"))
    }

    @Test("a same-day item is never due before it must be answered", arguments: [
        ("2026-03-02 16:00", "2026-03-02 17:00", "2026-03-02 17:30"),
        ("2026-03-02 16:30", "2026-03-02 17:30", "2026-03-02 17:30"),  // answered at the close: still the same day
        ("2026-03-02 16:31", "2026-03-03 09:01", "2026-03-03 17:30"),
        ("2026-03-02 17:29", "2026-03-03 09:59", "2026-03-03 17:30"),  // the gas leak of the finding
        ("2026-03-02 20:00", "2026-03-03 10:00", "2026-03-03 17:30"),  // at night
        ("2026-03-06 17:00", "2026-03-09 09:30", "2026-03-09 17:30"),  // Friday evening: Monday
    ])
    func sameDay(opened: String, response: String, completion: String) {
        let d = deadlines(opened, hours: 1, days: 0)
        #expect(d.response == cst(response))
        #expect(d.completion == cst(completion))
        #expect(d.completion >= d.response)
    }

    @Test("for every item and any opening instant the completion deadline is not before the response deadline")
    func completionNotBeforeResponse() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<3_000 {
            let opened = cst("2025-12-20 00:00").addingTimeInterval(TimeInterval(rng.int(0...(400 * 86_400))))
            let (hours, days) = [(1, 0), (4, 3), (8, 13), (8, 1), (24, 1)][rng.int(0...4)]
            let d = CaseDeadlines.compute(.init(openedAt: opened, responseHours: hours, completionDays: days), calendar: calendar, now: opened)
            #expect(d.completion >= d.response)
            #expect(d.completion >= calendar.closeOfWork(onOrAfter: d.response))
        }
    }

    @Test("the boundaries of the working day: 11:59, 12:00, 13:30 and 17:30", arguments: [
        ("2026-03-02 11:59", "2026-03-02 14:29"),
        ("2026-03-02 12:00", "2026-03-02 14:30"),
        ("2026-03-02 13:30", "2026-03-02 14:30"),
        ("2026-03-02 17:30", "2026-03-03 10:00"),
    ])
    func boundaries(opened: String, response: String) {
        let d = deadlines(opened, hours: 1, days: 1)
        #expect(d.response == cst(response))
        #expect(d.completion == cst("2026-03-03 17:30"))
        #expect(d.level == .normal)
        #expect(CaseDeadlines.compute(.init(openedAt: cst(opened), responseHours: 1, completionDays: 1), calendar: calendar,
                                      now: cst("2026-03-03 17:30")).level == .yellow)
        #expect(CaseDeadlines.compute(.init(openedAt: cst(opened), responseHours: 1, completionDays: 1), calendar: calendar,
                                      now: cst("2026-03-03 17:31")).level == .red)
    }

    @Test("the rating period counts days as the Civil Code does, moving a last day off a holiday", arguments: [
        ("2026-09-28 10:00", 7, "2026-10-09 00:00"),  // the 7th day, 5 October, is in the National Day holiday
        ("2026-11-20 10:00", 7, "2026-11-28 00:00"),  // Friday to Friday
        ("2026-11-21 10:00", 7, "2026-12-01 00:00"),  // Saturday to Saturday, moved to Monday
        ("2026-02-13 17:00", 7, "2026-02-25 00:00"),  // into the Spring Festival
        ("2026-02-07 10:00", 7, "2026-02-15 00:00"),  // ends on 14 February, a worked Saturday
        ("2026-12-25 10:00", 7, "2027-01-05 00:00"),  // New Year's Day of a year without an arrangement
    ])
    func ratingPeriod(replied: String, days: Int, end: String) {
        #expect(calendar.periodEnd(from: cst(replied), days: days) == cst(end))
    }

    @Test("the rating period's cut-off: a reply before it has ended its period by now, none after it")
    func ratingCutoff() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<400 {
            let now = cst("2026-01-10 00:00").addingTimeInterval(TimeInterval(rng.int(0...(340 * 86_400))))
            let days = rng.int(1...15)
            let cutoff = calendar.periodStartCutoff(days: days, endedBy: now)
            for _ in 0..<10 {
                let replied = now.addingTimeInterval(-TimeInterval(rng.int(0...(30 * 86_400))))
                #expect((replied < cutoff) == (calendar.periodEnd(from: replied, days: days) <= now))
            }
        }
    }

    @Test("which years need their arrangement soon")
    func warnings() {
        #expect(calendar.unarrangedYear(within: 60, of: cst("2026-10-01 10:00")) == nil)
        #expect(calendar.unarrangedYear(within: 60, of: cst("2026-11-02 10:00")) == 2027)
        #expect(calendar.isProvisional(from: cst("2026-12-30 10:00"), to: cst("2027-01-04 17:30")))
        #expect(!calendar.isProvisional(from: cst("2026-12-01 10:00"), to: cst("2026-12-04 17:30")))
    }
}

@Suite("Follow-ups: closing with the resident, and the sample for spot checks")
struct FollowUpRulesTests {
    @Test("a phone follow-up says what the resident said, between the reply and now")
    func call() {
        let replied = cst("2026-03-02 10:00"), now = cst("2026-03-03 10:00")
        #expect(throws: FollowUpRules.CallError.wordsRequired) {
            try FollowUpRules.checkCall(calledAt: now, repliedAt: replied, now: now, residentSaid: "  ")
        }
        #expect(throws: FollowUpRules.CallError.beforeReply) {
            try FollowUpRules.checkCall(calledAt: cst("2026-03-02 09:00"), repliedAt: replied, now: now, residentSaid: "已修好")
        }
        #expect(throws: FollowUpRules.CallError.inFuture) {
            try FollowUpRules.checkCall(calledAt: cst("2026-03-03 11:00"), repliedAt: replied, now: now, residentSaid: "已修好")
        }
        #expect(throws: Never.self) { try FollowUpRules.checkCall(calledAt: now, repliedAt: replied, now: now, residentSaid: "已修好，谢谢") }
    }

    @Test("the draw takes about the share asked for, the same cases every time")
    func draw() {
        var rng = SeededGenerator(seed: 3)
        let ids = (0..<10_000).map { _ in UUID(uuid: (UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)),
                                                      UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)),
                                                      UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)),
                                                      UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)))) }
        let drawn = ids.filter { FollowUpRules.isDrawn(caseID: $0, perMille: 100) }
        #expect((850...1_150).contains(drawn.count), "\(drawn.count)")
        #expect(drawn == ids.filter { FollowUpRules.isDrawn(caseID: $0, perMille: 100) })
        #expect(ids.filter { FollowUpRules.isDrawn(caseID: $0, perMille: 0) }.isEmpty)
        #expect(ids.allSatisfy { FollowUpRules.isDrawn(caseID: $0, perMille: 1_000) })
    }
}
