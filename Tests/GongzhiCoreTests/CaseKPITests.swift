import Foundation
import Testing
@testable import GongzhiCore

@Suite("Case KPIs")
struct CaseKPITests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func row(_ state: CaseState, signedAfter: Double? = nil, closedAfter: Double? = nil, returns: Int = 0, reopens: Int = 0,
             solved: Bool? = nil, satisfaction: String? = nil) -> CaseKPIs.Row {
        CaseKPIs.Row(state: state, openedAt: t0, responseDueAt: t0.addingTimeInterval(3600), signedAt: signedAfter.map { t0.addingTimeInterval($0) },
                     completionDueAt: t0.addingTimeInterval(10 * 3600), closedAt: closedAfter.map { t0.addingTimeInterval($0) },
                     returns: returns, reopens: reopens, ratingSolved: solved, ratingSatisfaction: satisfaction)
    }

    @Test("each rate counts exactly what its definition says")
    func rates() {
        let rows = [
            row(.closed, signedAfter: 600, closedAfter: 5 * 3600, solved: true, satisfaction: "satisfied"),
            row(.closed, signedAfter: 7200, closedAfter: 20 * 3600, returns: 1, solved: false, satisfaction: "unsatisfied"),
            row(.closed, signedAfter: 1800, closedAfter: 8 * 3600, reopens: 1, solved: true, satisfaction: "basically_satisfied"),
            row(.submitted),  // past its response limit, not signed
            row(.merged),
        ]
        let figures = CaseKPIs.figures(rows, now: t0.addingTimeInterval(2 * 3600))
        #expect(figures.intake == 5)
        #expect(figures.responseRate == .init(2, 4))  // the merged case is not waiting to be signed
        #expect(figures.solveRate == .init(2, 3))
        #expect(figures.satisfactionRate == .init(2, 3))
        #expect(figures.onTimeRate == .init(2, 3))
        #expect(figures.returnRate == .init(1, 5))
        #expect(figures.repeatRate == .init(2, 5))
        #expect(figures.meanHandlingHours == 11)
        // Before any response limit has passed, unsigned cases are not yet counted against the response rate.
        #expect(CaseKPIs.figures([row(.submitted)], now: t0.addingTimeInterval(60)).responseRate == .init(0, 0))
        #expect(CaseKPIs.Rate(0, 0).value == nil && CaseKPIs.Rate(1, 4).value == 0.25)
    }

    @Test("rejected and merged cases never signed leave the response rate's denominator, at any time")
    func neverSigned() {
        for state in [CaseState.rejected, .merged] {
            for hours: Double in [0.5, 2, 24 * 365] {
                let figures = CaseKPIs.figures([row(state), row(.submitted)], now: t0.addingTimeInterval(hours * 3600))
                #expect(figures.responseRate.denominator == (hours > 1 ? 1 : 0), "\(state) after \(hours) h")
                #expect(KPIRollup.contribution(of: row(state)).unsigned == 0)
            }
            // Signed before it was merged: it counts as signed, like any other.
            #expect(KPIRollup.contribution(of: row(state, signedAfter: 600)).signedOnTime == 1)
        }
        #expect(KPIRollup.contribution(of: row(.accepted)).unsigned == 1)
    }
}
