import Foundation
import PropertyBased
import Testing
@testable import GongzhiCore

@Suite("Compound funds: monthly statements")
struct FundStatementTests {
    let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("opening, in, out, closing of a month")
    func month() {
        let m = [FundStatement.Movement(at: t0.addingTimeInterval(-10), amount: 50_000), .init(at: t0, amount: 12_000),
                 .init(at: t0.addingTimeInterval(5), amount: -8_000), .init(at: t0.addingTimeInterval(100), amount: 1)]
        let s = FundStatement.month(m, from: t0, to: t0.addingTimeInterval(100))
        #expect(s == .init(opening: 50_000, incoming: 12_000, outgoing: 8_000, closing: 54_000) && s.balances)
        #expect(FundStatement.month([], from: t0, to: t0).closing == 0)
    }

    @Test("property: every month balances, and one month's closing is the next one's opening")
    func chained() async {
        await propertyCheck(count: 300, input: zip(Gen.int(in: 0...90), Gen.int(in: -5_000...9_000)).array(of: 0...40)) { raw in
            let movements = raw.map { FundStatement.Movement(at: t0.addingTimeInterval(Double($0.0) * 86_400), amount: Int64($0.1)) }
            let bounds = (0...3).map { t0.addingTimeInterval(Double($0) * 30 * 86_400) }
            var previous: FundStatement.Month?
            for (from, to) in zip(bounds, bounds.dropFirst()) {
                let month = FundStatement.month(movements, from: from, to: to)
                #expect(month.balances)
                if let previous { #expect(previous.closing == month.opening) }
                previous = month
            }
        }
    }
}
