import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// A compound's money (issue 28): income, deposits, expenses with vouchers, fund uses approved by an owners' vote;
/// monthly statements that balance; owners see the detail, the community the totals.
@Suite("Compound finances")
struct FinancesTests {
    @Test("income and an expense with its voucher; the fund cannot be overspent; a fund use needs a passed vote; statements balance; who sees what")
    func books() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let building = try await residentBuilding(app)
            let compound = try #require(try await BuildingRecord.find(building, on: app.db)).$compound.id
            let c = compound.uuidString
            var worker = try await TestClient.browser(app, as: "worker")
            _ = try await worker.send(.GET, "/finances?compoundId=\(c)")
            func send(_ fields: [(String, String)], photo: Bool = false) async throws -> TestingHTTPResponse {
                _ = try await worker.send(.GET, "/finances?compoundId=\(c)")
                return try await worker.sendForm("/finances", fields: [("compoundId", c)] + fields,
                                                 files: photo ? [(field: "photos[]", name: "r.png", type: "image/png", bytes: AttachmentTests.png)] : [])
            }
            #expect(try await send([("movement", "income"), ("income", "parking"), ("amount", "1200.50"), ("note", "十一月停车费")]).status == .seeOther)
            #expect(try await send([("movement", "deposit"), ("amount", "50000"), ("note", "维修资金缴存")]).status == .seeOther)
            let noVoucher = try await send([("movement", "expense"), ("amount", "300"), ("note", "路灯维修")])
            #expect(noVoucher.status == .unprocessableEntity && noVoucher.body.string.contains("fm-photos"))
            #expect(try await send([("movement", "expense"), ("amount", "300"), ("note", "路灯维修")], photo: true).status == .seeOther)
            let over = try await send([("movement", "expense"), ("amount", "5000"), ("note", "太多了")], photo: true)
            #expect(over.status == .conflict)
            let noVote = try await send([("movement", "fund_use"), ("amount", "100"), ("note", "电梯维修")], photo: true)
            #expect(noVote.status == .unprocessableEntity && noVote.body.string.contains("fm-vote"))
            // The month: revenue 1 200.50 in, 300 out; maintenance 50 000 in; both balance.
            var resident = try await TestClient.api(app, as: "resident")
            let month = try await resident.send(.GET, "/api/v1/finances?compoundId=\(c)").content.decode(FinancesAPIController.MonthDTO.self)
            let revenue = try #require(month.funds.first { $0.fund == .revenue })
            #expect(revenue.incomingFen == 120_050 && revenue.outgoingFen == 30_000 && revenue.closingFen == 90_050)
            #expect(month.funds.first { $0.fund == .maintenance }?.closingFen == 5_000_000)
            #expect(month.lines?.count == 3 && month.lines?.first { $0.code == .expense }?.vouchers.count == 1)
            // The resident (an owner here) opens the voucher; another community's worker sees nothing; nobody but the keepers records.
            let voucher = try #require(month.lines?.first { $0.code == .expense }?.vouchers.first)
            #expect(try await resident.send(.GET, voucher).status == .ok)
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, "/api/v1/finances?compoundId=\(c)").status == .notFound)
            #expect(try await worker2.send(.GET, voucher).status == .notFound)
            #expect(try await resident.send(.POST, "/api/v1/finances", json: ["compoundId": c, "movement": "income", "amount": "1", "note": "x"]).status == .forbidden)
            // The community's disclosure record carries the totals for its residents, not for anyone.
            let disclosure = try await resident.send(.GET, "/api/v1/disclosure").content.decode(DisclosurePagesController.MonthDTO.self)
            #expect(disclosure.entries.contains { $0.kind == .finance && $0.detail.contains("1,200.50") })
            var visitor = TestClient(app)
            #expect(!(try await visitor.send(.GET, "/api/v1/disclosure?communityId=\(f.communityA.id!)").content.decode(DisclosurePagesController.MonthDTO.self).entries
                .contains { $0.kind == .finance }))
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }
}
