import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("The official's comparison of communities")
struct ComparisonTests {
    @Test("the street sees its communities side by side, worst on-time rate first by default, sortable by any rate, each linking to its cases, with the definitions")
    func sideBySide() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            _ = try await KPIRollups.catchUpAll(app.context())
            var street = try await TestClient.browser(app, as: "street")
            let page = try await street.send(.GET, "/dashboard?from=2026-01-01&to=2026-12-31")
            #expect(page.status == .ok)
            let html = page.body.string
            let table = try #require(html.range(of: "comparison-table").map { String(html[$0.lowerBound...].prefix(20_000)) })
            #expect(table.contains(f.communityA.name))
            #expect(table.contains("/workbench?grid=\(f.communityA.id!.uuidString.lowercased())&amp;all=1") || table.contains("/workbench?grid=\(f.communityA.id!.uuidString.lowercased())&all=1"))
            #expect(table.contains("aria-sort=\"ascending\"") && table.contains("sort=solve"))
            #expect(html.contains("这些指标怎么算") && html.contains("占已办结诉求的比例"))
            for sort in ["solve", "intake", "handling", "nonsense"] {
                #expect(try await street.send(.GET, "/dashboard?from=2026-01-01&to=2026-12-31&sort=\(sort)").status == .ok, "\(sort)")
            }
            // A worker of one community compares nothing beyond it.
            var worker = try await TestClient.browser(app, as: "worker")
            let own = try await worker.send(.GET, "/dashboard?from=2026-01-01&to=2026-12-31").body.string
            #expect(!own.contains(f.communityB.name))
        }
    }

    @Test("the comparison orders rows worst first and states the change from the period before in points")
    func ordering() {
        func figures(onTime: (Int, Int), intake: Int) -> CaseKPIs.Figures {
            var counters = KPIRollup.Counters()
            counters.intake = intake
            counters.closed = onTime.1
            counters.closedOnTime = onTime.0
            return KPIRollup.figures(counters, unsignedOverdue: 0)
        }
        let current = KPIAPIController.Answer(from: "2026-11-01", to: "2026-11-30", by: "community", total: figures(onTime: (0, 0), intake: 0), groups: [
            .init(key: "a", name: "甲社区", figures: figures(onTime: (9, 10), intake: 5)),
            .init(key: "b", name: "乙社区", figures: figures(onTime: (5, 10), intake: 50)),
        ])
        let previous = KPIAPIController.Answer(from: "2026-10-02", to: "2026-10-31", by: "community", total: figures(onTime: (0, 0), intake: 0), groups: [
            .init(key: "b", name: "乙社区", figures: figures(onTime: (7, 10), intake: 9)),
        ])
        let from = CivilDate(iso: "2026-11-01")!, to = CivilDate(iso: "2026-11-30")!
        let byOnTime = CommunityComparison.make(current: current, previous: previous, sort: nil, from: from, to: to, lang: .zh)
        #expect(byOnTime.rows.map(\.name) == ["乙社区", "甲社区"])
        #expect(byOnTime.rows[0].cells.map(\.value).contains("−20.0 个百分点"))
        #expect(byOnTime.rows[1].cells.map(\.value).contains("—"))
        let byIntake = CommunityComparison.make(current: current, previous: previous, sort: "intake", from: from, to: to, lang: .zh)
        #expect(byIntake.rows.map(\.name) == ["乙社区", "甲社区"])
        let bySolve = CommunityComparison.make(current: current, previous: previous, sort: "solve", from: from, to: to, lang: .zh)
        #expect(bySolve.rows.map(\.name) == ["乙社区", "甲社区"], "no ratings: both unknown, by name")
    }
}
