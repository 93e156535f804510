import Foundation
import PropertyBased
import Testing
@testable import GongzhiCore

@Suite("Ledger: points and stock that cannot be wrong; earning rules")
struct LedgerTests {
    static let person = Ledger.Account(id: "p", book: .points, guarded: true)
    static let source = Ledger.Account(id: "volunteer", book: .points, guarded: false)
    static let sink = Ledger.Account(id: "redeemed", book: .points, guarded: false)
    static let stock = Ledger.Account(id: "item", book: .stock, guarded: true)
    static let stockIn = Ledger.Account(id: "donated", book: .stock, guarded: false)
    static let stockOut = Ledger.Account(id: "handed", book: .stock, guarded: false)

    func books() -> Ledger.Books { Ledger.Books(accounts: [Self.person, Self.source, Self.sink, Self.stock, Self.stockIn, Self.stockOut]) }

    @Test("earning, a two-phase redemption (reserve points and stock together, then collect or void), a correction the other way")
    func redemption() throws {
        var b = try books().applying(.init(id: "t1", book: .points, debit: "volunteer", credit: "p", amount: 30))
        b = try b.applying(.init(id: "s1", book: .stock, debit: "donated", credit: "item", amount: 2))
        // Reserve 20 points and one item together.
        b = try b.applying(linked: [.init(id: "r1", book: .points, debit: "p", credit: "redeemed", amount: 20, kind: .pending),
                                    .init(id: "r1s", book: .stock, debit: "item", credit: "handed", amount: 1, kind: .pending)])
        #expect(b.balances["p"]!.available == 10 && b.balances["p"]!.reserved == 20 && b.balances["item"]!.available == 1)
        // Not enough left for another: nothing of the pair is applied.
        #expect(throws: Ledger.Problem.exceedsCredits("p")) {
            try b.applying(linked: [.init(id: "r2s", book: .stock, debit: "item", credit: "handed", amount: 1, kind: .pending),
                                    .init(id: "r2", book: .points, debit: "p", credit: "redeemed", amount: 20, kind: .pending)])
        }
        let collected = try b.applying(linked: [.init(id: "c1", book: .points, debit: "p", credit: "redeemed", amount: 20, kind: .postPending, pendingID: "r1"),
                                                .init(id: "c1s", book: .stock, debit: "item", credit: "handed", amount: 1, kind: .postPending, pendingID: "r1s")])
        #expect(collected.balances["p"]! == .init(debitsPosted: 20, creditsPosted: 30) && collected.balances["redeemed"]!.creditsPosted == 20)
        #expect(collected.balanced(.points) && collected.balanced(.stock) && collected.open.isEmpty)
        // A pending transfer resolves once.
        #expect(throws: Ledger.Problem.pendingAlreadyResolved) {
            try collected.applying(.init(id: "v1", book: .points, debit: "p", credit: "redeemed", amount: 20, kind: .voidPending, pendingID: "r1"))
        }
        let voided = try b.applying(.init(id: "v1", book: .points, debit: "p", credit: "redeemed", amount: 20, kind: .voidPending, pendingID: "r1"))
        #expect(voided.balances["p"]!.available == 30 && voided.balanced(.points))
        #expect(throws: Ledger.Problem.resolutionMismatch) {
            try b.applying(.init(id: "v2", book: .points, debit: "p", credit: "redeemed", amount: 19, kind: .voidPending, pendingID: "r1"))
        }
        // A correction is a transfer the other way; it cannot take back what was spent.
        #expect(throws: Ledger.Problem.exceedsCredits("p")) {
            try collected.applying(.init(id: "x1", book: .points, debit: "p", credit: "volunteer", amount: 30))
        }
        #expect(try collected.applying(.init(id: "x1", book: .points, debit: "p", credit: "volunteer", amount: 10)).balances["p"]!.available == 0)
    }

    @Test("refusals: an id used twice, zero or negative amounts, one account on both sides, unknown accounts, books mixed")
    func refusals() throws {
        let b = try books().applying(.init(id: "t1", book: .points, debit: "volunteer", credit: "p", amount: 5))
        #expect(throws: Ledger.Problem.idExists("t1")) { try b.applying(.init(id: "t1", book: .points, debit: "volunteer", credit: "p", amount: 5)) }
        #expect(throws: Ledger.Problem.amountNotPositive) { try b.applying(.init(id: "t2", book: .points, debit: "volunteer", credit: "p", amount: 0)) }
        #expect(throws: Ledger.Problem.sameAccount) { try b.applying(.init(id: "t2", book: .points, debit: "p", credit: "p", amount: 1)) }
        #expect(throws: Ledger.Problem.unknownAccount("x")) { try b.applying(.init(id: "t2", book: .points, debit: "x", credit: "p", amount: 1)) }
        #expect(throws: Ledger.Problem.wrongBook) { try b.applying(.init(id: "t2", book: .points, debit: "donated", credit: "p", amount: 1)) }
        #expect(throws: Ledger.Problem.pendingNotFound) {
            try b.applying(.init(id: "t2", book: .points, debit: "p", credit: "redeemed", amount: 1, kind: .postPending, pendingID: "none"))
        }
    }

    struct Step: Sendable {
        let op: Int
        let who: Int
        let amount: Int64
        let pick: Int
    }

    static let stepsGen = zip(Gen.int(in: 0...4), Gen.int(in: 0...2), Gen.int(in: 1...40), Gen.int(in: 0...20))
        .map { Step(op: $0.0, who: $0.1, amount: Int64($0.2), pick: $0.3) }
        .array(of: 0...60)

    @Test("property: over random histories every balance is the sum of the accepted transfers, the books balance, no guarded account goes below zero")
    func property() async {
        await propertyCheck(count: 400, input: Self.stepsGen) { steps in
            let people = (0..<3).map { Ledger.Account(id: "p\($0)", book: .points, guarded: true) }
            var books = Ledger.Books(accounts: people + [Self.source, Self.sink])
            var accepted: [Ledger.Transfer] = []
            for (n, step) in steps.enumerated() {
                let who = "p\(step.who)"
                let transfer: Ledger.Transfer
                let open = books.open.values.sorted { $0.id < $1.id }
                switch step.op {
                case 0: transfer = .init(id: "t\(n)", book: .points, debit: "volunteer", credit: who, amount: step.amount)
                case 1: transfer = .init(id: "t\(n)", book: .points, debit: who, credit: "redeemed", amount: step.amount, kind: .pending)
                case 2, 3:
                    guard !open.isEmpty else { continue }
                    let p = open[step.pick % open.count]
                    transfer = .init(id: "t\(n)", book: .points, debit: p.debit, credit: p.credit, amount: p.amount,
                                     kind: step.op == 2 ? .postPending : .voidPending, pendingID: p.id)
                default: transfer = .init(id: "t\(n)", book: .points, debit: who, credit: "volunteer", amount: step.amount)
                }
                if let next = try? books.applying(transfer) {
                    books = next
                    accepted.append(transfer)
                }
                #expect(books.balanced(.points) && books.guardsHold)
            }
            // The reference: each account's totals summed from the accepted transfers alone, in any order.
            let totals = Ledger.totals(of: accepted.shuffled())
            for account in books.accounts.keys {
                #expect(books.balances[account] == (totals[account] ?? Ledger.Balance()), "\(account)")
            }
        }
    }

    @Test("rules: the one in force on a day; a change applies from its date; caps per day and month; checks")
    func rules() throws {
        let day = { (s: String) in CivilDate(iso: s)! }
        let old = PointsRules.Rule(earning: .volunteerHours, pointsPerUnit: 10, dailyCap: 40, monthlyCap: 200, effectiveFrom: day("2026-01-01"))
        let new = PointsRules.Rule(earning: .volunteerHours, pointsPerUnit: 20, dailyCap: nil, monthlyCap: nil, effectiveFrom: day("2026-12-10"))
        let other = PointsRules.Rule(earning: .pledge, pointsPerUnit: 5, dailyCap: nil, monthlyCap: nil, effectiveFrom: day("2026-01-01"))
        #expect(PointsRules.inForce(.volunteerHours, on: day("2026-12-09"), among: [new, old, other]) == old)
        #expect(PointsRules.inForce(.volunteerHours, on: day("2026-12-10"), among: [old, new, other]) == new)
        #expect(PointsRules.inForce(.meetingAttendance, on: day("2026-12-10"), among: [old, new, other]) == nil)
        #expect(PointsRules.inForce(.volunteerHours, on: day("2025-12-31"), among: [old, new]) == nil)
        #expect(PointsRules.award(units: 3, rule: old, earnedToday: 0, earnedThisMonth: 0) == 30)
        #expect(PointsRules.award(units: 3, rule: old, earnedToday: 20, earnedThisMonth: 0) == 20)
        #expect(PointsRules.award(units: 3, rule: old, earnedToday: 0, earnedThisMonth: 190) == 10)
        #expect(PointsRules.award(units: 3, rule: old, earnedToday: 50, earnedThisMonth: 0) == 0)
        #expect(PointsRules.award(units: -2, rule: new, earnedToday: 0, earnedThisMonth: 0) == 0)
        let today = day("2026-12-07")
        #expect(throws: PointsRules.Problem.backdated) { try PointsRules.check(old, today: today) }
        #expect(try PointsRules.check(new, today: today) == new)
        #expect(throws: PointsRules.Problem.pointsOutOfRange) {
            try PointsRules.check(.init(earning: .pledge, pointsPerUnit: 0, dailyCap: nil, monthlyCap: nil, effectiveFrom: today), today: today)
        }
        #expect(throws: PointsRules.Problem.capsDisagree) {
            try PointsRules.check(.init(earning: .pledge, pointsPerUnit: 1, dailyCap: 10, monthlyCap: 5, effectiveFrom: today), today: today)
        }
        #expect(throws: PointsRules.Problem.capOutOfRange) {
            try PointsRules.check(.init(earning: .pledge, pointsPerUnit: 1, dailyCap: 0, monthlyCap: nil, effectiveFrom: today), today: today)
        }
    }
}
