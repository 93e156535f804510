import Foundation
import Testing
@testable import GongzhiCore

@Suite struct RetentionRulesTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func yearsRunOnTheCivilCalendarOfChinaStandardTime() {
        // 2036-03-01 00:30 in Beijing is 2036-02-29 16:30 UTC: ten years back is 2026-03-01 00:30 Beijing.
        #expect(RetentionRules.cutoff(.years(10), now: Self.at("2036-02-29T16:30:00Z")) == Self.at("2026-02-28T16:30:00Z"))
        // 29 February ten years on has no twin: the period ends on 28 February.
        #expect(RetentionRules.cutoff(.years(10), now: Self.at("2036-02-29T04:00:00Z")) == Self.at("2026-02-28T04:00:00Z"))
        #expect(RetentionRules.cutoff(.days(90), now: Self.at("2026-11-24T00:00:00Z")) == Self.at("2026-08-26T00:00:00Z"))
    }

    @Test func aRecordIsDueOnlyOnceItsWholePeriodHasPassed() {
        let closed = Self.at("2026-11-24T02:00:00Z")
        #expect(!(closed < RetentionRules.cutoff(.years(10), now: Self.at("2036-11-24T02:00:00Z"))))
        #expect((closed < RetentionRules.cutoff(.years(10), now: Self.at("2036-11-24T02:00:01Z"))))
        #expect(!(closed < RetentionRules.cutoff(.years(10), now: Self.at("2036-11-23T23:59:59Z"))))
        let read = Self.at("2026-01-01T00:00:00Z")
        #expect(!(read < RetentionRules.cutoff(RetentionRules.readNotice, now: read.addingTimeInterval(90 * 86_400))))
        #expect((read < RetentionRules.cutoff(RetentionRules.readNotice, now: read.addingTimeInterval(90 * 86_400 + 1))))
    }
}
