import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

extension DeadlinesTests {
    @Test("a case not signed by its response limit raises a warning, resolved once signed; a rejected one stops counting")
    func responseWarningAndRate() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-03-02 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            var district = try await TestClient.api(app, as: "district")
            _ = try await KPIRollups.catchUpAll(app.context())
            let base = try await district.send(.GET, "/api/v1/kpis?from=2026-03-02&to=2026-03-02").content.decode(KPIAPIController.Answer.self)
            let late = try await open(&worker, f, item: "SRV-008")  // 1 h
            let refused = try await open(&worker, f, item: "SRV-008")
            #expect(try await act(&worker, refused.id, "reject", Act(note: "不属于本社区")).status == .ok)
            app.clock.set(beijing("2026-03-02 11:30"))
            try await Warnings.evaluate(app.context())
            let key = "response:\(late.id.uuidString.lowercased())"
            let warning = try #require(try await WarningRecord.query(on: app.db).filter(\.$dedupeKey == key).first())
            #expect(warning.kind == .responseOverdue && warning.state == .open && warning.detail == late.number)
            #expect(try await WarningRecord.query(on: app.db).filter(\.$dedupeKey == "response:\(refused.id.uuidString.lowercased())").count() == 0)
            // The response rate: the late case counts against it, the refused one not at all.
            _ = try await KPIRollups.catchUpAll(app.context())
            let kpis = try await district.send(.GET, "/api/v1/kpis?from=2026-03-02&to=2026-03-02").content.decode(KPIAPIController.Answer.self)
            #expect(kpis.total.intake == base.total.intake + 2)
            #expect(kpis.total.responseRate == CaseKPIs.Rate(base.total.responseRate.numerator, base.total.responseRate.denominator + 1))
            for action in ["accept", "dispatch", "sign"] { #expect(try await act(&worker, late.id, action).status == .ok) }
            try await Warnings.evaluate(app.context())
            #expect(try await WarningRecord.query(on: app.db).filter(\.$dedupeKey == key).first()?.state == .resolved)
        }
    }

    @Test("closed cases drawn for a follow-up are listed where the case is, and recorded once")
    func followUpAfterClose() async throws {
        try await withApp(adjust: { $0.followUpPerMille = 1_000 }) { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-03-02 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "ORG-004")
            for action in ["accept", "dispatch", "sign", "reply"] { #expect(try await act(&worker, dto.id, action, Act(note: "已处理")).status == .ok) }
            #expect(try await act(&worker, dto.id, "rate", Act(note: "满意", solved: true, satisfaction: "satisfied")).status == .ok)
            let due = try await worker.send(.GET, "/api/v1/follow-ups").content.decode([FollowUpDTO].self)
            let visit = try #require(due.first { $0.caseId == dto.id })
            #expect(visit.kind == .afterClose && visit.state == .due && visit.dueAt == beijing("2026-03-09 17:30"))
            var other = try await TestClient.api(app, as: "worker2")
            #expect(!(try await other.send(.GET, "/api/v1/follow-ups").content.decode([FollowUpDTO].self)).contains { $0.caseId == dto.id })
            #expect(try await other.send(.POST, "/api/v1/follow-ups/\(visit.id.uuidString)", json: ["reached": false]).status == .notFound)
            #expect(try await worker.send(.POST, "/api/v1/follow-ups/\(visit.id.uuidString)", json: ["reached": true]).status == .unprocessableEntity)
            let recorded = try await worker.send(.POST, "/api/v1/follow-ups/\(visit.id.uuidString)",
                                                 json: FollowUpsAPIController.RecordBody(reached: true, residentSaid: "路灯一直亮着", solved: true, satisfaction: .satisfied))
            #expect(try recorded.content.decode(FollowUpDTO.self).state == .done)
            #expect(try await worker.send(.POST, "/api/v1/follow-ups/\(visit.id.uuidString)", json: ["reached": false]).status == .conflict)
            #expect(!(try await worker.send(.GET, "/api/v1/follow-ups").content.decode([FollowUpDTO].self)).contains { $0.caseId == dto.id })
        }
    }
}
