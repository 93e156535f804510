import Testing
@testable import GongzhiCore

@Suite("Synthetic case history")
struct SyntheticHistoryTests {
    let plan = SyntheticHistory.Plan(seed: 7, days: 730, grids: 100, itemWeights: [5, 1, 1, 3])
    let last = CivilDate(iso: "2026-11-23")!

    @Test("each case depends only on the seed and its index")
    func deterministic() {
        #expect(SyntheticHistory.draw(12_345, plan: plan, lastDay: last) == SyntheticHistory.draw(12_345, plan: plan, lastDay: last))
        let other = SyntheticHistory.Plan(seed: 8, days: 730, grids: 100, itemWeights: [5, 1, 1, 3])
        #expect((0..<50).contains { SyntheticHistory.draw($0, plan: plan, lastDay: last) != SyntheticHistory.draw($0, plan: other, lastDay: last) })
    }

    @Test("seasons, weekends, busy grids, the item mix and the outcomes come out as drawn")
    func shape() {
        let cases = (0..<20_000).map { SyntheticHistory.draw($0, plan: plan, lastDay: last) }
        func month(_ c: SyntheticHistory.Case) -> Int { DayNumber(DayNumber(last).value - c.daysAgo).civil.month }
        #expect(cases.filter { month($0) == 7 }.count > cases.filter { month($0) == 2 }.count * 2)
        let weekend = cases.filter { DayNumber(DayNumber(last).value - $0.daysAgo).weekday >= 5 }.count
        #expect(Double(weekend) / Double(cases.count) < 2.0 / 7.0)
        #expect(cases.filter { $0.grid < 10 }.count > cases.filter { $0.grid >= 90 }.count * 3)
        #expect(cases.allSatisfy { (0..<100).contains($0.grid) && (0..<730).contains($0.daysAgo) && (0..<4).contains($0.item) })
        let items = (0..<4).map { i in cases.filter { $0.item == i }.count }
        #expect(items[0] > items[3] && items[3] > items[1])
        // Only recent cases are still open; rejected and merged ones were never signed; rated ones have a rating.
        #expect(cases.filter { $0.outcome == .inProgress }.allSatisfy { $0.daysAgo < 14 && $0.closedAfter == nil })
        #expect(cases.filter { $0.outcome == .rejected || $0.outcome == .merged }.allSatisfy { $0.signedAfter == nil && $0.closedAfter != nil })
        #expect(cases.filter { $0.outcome == .closedRated }.allSatisfy { $0.satisfaction != nil && $0.solved != nil && ($0.closedAfter ?? 0) > ($0.signedAfter ?? 0) })
        let rated = cases.filter { $0.outcome == .closedRated }.count
        #expect((0.6...0.85).contains(Double(rated) / Double(cases.count)))
    }
}
