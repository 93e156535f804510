import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// A list's total is counted only so far past the page's start (issue 29): exact below the cap, "at least" beyond
/// it, so that the cost of a list grows with what it shows and not with the history behind it.
@Suite("List totals, counted up to a cap")
struct ListTotalTests {
    @Test("exact below the cap, the cap past the offset beyond it; past the end, exact again")
    func capped() async throws {
        try await withApp { app, _ in
            let all = try await PersonRecord.query(on: app.db).count()
            #expect(all > 40)
            let query = { PersonRecord.query(on: app.db).sort(\.$name).sort(\.$id) }
            let capped = try await query().listPage(Paging(offset: 0, limit: 5), cap: 20) { $0.id!.uuidString }
            #expect(capped.items.count == 5 && capped.total == 20 && !capped.totalExact)
            let later = try await query().listPage(Paging(offset: 10, limit: 5), cap: 20) { $0.id!.uuidString }
            #expect(later.total == 30 && !later.totalExact)
            let whole = try await query().listPage(Paging(offset: 0, limit: 5), cap: all) { $0.id!.uuidString }
            #expect(whole.total == all && whole.totalExact)
            let nearEnd = try await query().listPage(Paging(offset: all - 3, limit: 5), cap: 20) { $0.id!.uuidString }
            #expect(nearEnd.items.count == 3 && nearEnd.total == all && nearEnd.totalExact)
            let pastEnd = try await query().listPage(Paging(offset: all + 50, limit: 5), cap: 20) { $0.id!.uuidString }
            #expect(pastEnd.items.isEmpty && pastEnd.total == all && pastEnd.totalExact)
            // The same rows as the sorted page reads, whatever the count reads first.
            let first = try await query().range(0..<5).all().map { $0.id!.uuidString }
            #expect(capped.items == first)
        }
    }

    @Test("the case list answers whether its total is exact")
    func caseList() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.api(app, as: "worker")
            let response = try await worker.send(.GET, "/api/v1/cases?limit=5")
            #expect(response.status == .ok)
            struct Page: Decodable { let total: Int; let totalExact: Bool; let items: [CaseDTO] }
            let page = try response.content.decode(Page.self)
            let visible = try await CaseRecord.query(on: app.db).count()
            #expect(page.totalExact == (page.total < Paging.countCap) && page.total <= Swift.max(visible, 0) && page.items.count <= 5)
        }
    }
}
