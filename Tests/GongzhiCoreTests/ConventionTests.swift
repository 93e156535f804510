import Foundation
import Testing
@testable import GongzhiCore

@Suite("Residents' convention")
struct ConventionTests {
    @Test("the steps each state allows", arguments: [
        (Convention.State.draft, Convention.Step.consult, Convention.State.consultation as Convention.State?),
        (.draft, .adopt, .adopted), (.draft, .revise, .draft),
        (.consultation, .revise, .draft), (.consultation, .adopt, .adopted), (.consultation, .consult, nil),
        (.adopted, .revise, .draft), (.adopted, .adopt, nil), (.adopted, .consult, nil),
    ])
    func steps(from: Convention.State, step: Convention.Step, to: Convention.State?) throws {
        if let to {
            #expect(try Convention.next(from, step) == to)
        } else {
            #expect(throws: Convention.Problem.notAllowed(from: from, step: step)) { try Convention.next(from, step) }
        }
    }

    @Test("a comment period of 7 to 90 days; comments only while it is open")
    func period() throws {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        try Convention.checkPeriod(until: now.addingTimeInterval(7 * 86_400), now: now)
        try Convention.checkPeriod(until: now.addingTimeInterval(90 * 86_400), now: now)
        #expect(throws: Convention.Problem.periodOutOfRange) { try Convention.checkPeriod(until: now.addingTimeInterval(6 * 86_400), now: now) }
        #expect(throws: Convention.Problem.periodOutOfRange) { try Convention.checkPeriod(until: now.addingTimeInterval(91 * 86_400), now: now) }
        #expect(Convention.acceptsComments(.consultation, until: now.addingTimeInterval(1), now: now))
        #expect(!Convention.acceptsComments(.consultation, until: now, now: now))
        #expect(!Convention.acceptsComments(.adopted, until: now.addingTimeInterval(100), now: now))
        #expect(!Convention.acceptsComments(.draft, until: nil, now: now))
    }
}
