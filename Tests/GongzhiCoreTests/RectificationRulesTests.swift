import Foundation
import Testing
@testable import GongzhiCore

@Suite("Rectification items")
struct RectificationRulesTests {
    @Test("open → submitted → verified, or sent back to open; nothing else", arguments: RectificationRules.State.allCases)
    func transitions(from state: RectificationRules.State) {
        for step in RectificationRules.Step.allCases {
            let expected: RectificationRules.State? = switch (state, step) {
            case (.open, .submit): .submitted
            case (.submitted, .verify): .verified
            case (.submitted, .sendBack): .open
            default: nil
            }
            #expect((try? RectificationRules.next(state, step)) == expected, "\(state) \(step)")
        }
    }

    @Test("overdue from the first moment after the deadline day in Beijing, until verified")
    func overdue() {
        let deadline = CivilDate(iso: "2026-11-30")!
        // 2026-11-30 23:59 in Beijing is 15:59 UTC; midnight in Beijing is 16:00 UTC.
        let lastMinute = ISO8601DateFormatter().date(from: "2026-11-30T15:59:00Z")!
        let nextDay = ISO8601DateFormatter().date(from: "2026-11-30T16:00:00Z")!
        #expect(!RectificationRules.isOverdue(deadline: deadline, state: .open, now: lastMinute))
        #expect(RectificationRules.isOverdue(deadline: deadline, state: .open, now: nextDay))
        #expect(RectificationRules.isOverdue(deadline: deadline, state: .submitted, now: nextDay))
        #expect(!RectificationRules.isOverdue(deadline: deadline, state: .verified, now: nextDay))
    }
}
