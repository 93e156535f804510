import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Background work on cases")
struct CaseMaintenanceTests {
    func repliedCase(_ worker: inout TestClient, building: UUID) async throws -> UUID {
        let created = try await worker.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": building.uuidString, "channel": "window"])
        let id = try created.content.decode(CaseDTO.self).id
        for action in ["accept", "dispatch", "sign", "reply"] {
            let response = try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/\(action)", json: ["note": "处理完毕"])
            #expect(response.status == .ok, "\(action)")
        }
        return id
    }

    @Test("two instances at once close each unrated case exactly once, after the rating period and not before")
    func autoCloseOnce() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let building = f.unitA.$building.id
            // The demo district's own replied cases are closed first, so that only this test's cases count (a period
            // of 0 days ends at the midnight after the reply).
            app.clock.advance(by: 30 * 86_400)
            try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 0)
            app.clock.set(testNow)
            #expect(try await CaseRecord.query(on: app.db).filter(\.$state == .replied).count() == 0)
            var old: [UUID] = []
            for _ in 0..<6 { old.append(try await repliedCase(&worker, building: building)) }
            app.clock.advance(by: 5 * 86_400)
            let recent = try await repliedCase(&worker, building: building)
            app.clock.advance(by: 3 * 86_400)
            // On PostgreSQL a second app instance (its own pool, as a second server process); SQLite is one
            // process by design, so there two workers of the same app race.
            var closedCounts = 0
            try await withTwin(of: app) { twin in
                let other = TestDatabase.isPostgres ? twin : app
                closedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                    group.addTask { try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 7, batch: 2) }
                    group.addTask { try await CaseMaintenance.autoClose(in: other.context(), ratingDays: 7, batch: 2) }
                    return try await group.reduce(0, +)
                }
            }
            #expect(closedCounts == 6)
            for id in old {
                #expect(try await CaseRecord.find(id, on: app.db)?.state == .closed)
                #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == id).filter(\.$action == "close").count() == 1)
            }
            #expect(try await CaseRecord.find(recent, on: app.db)?.state == .replied)
            #expect(try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 7) == 0)
            let count = try await app.auditCount()
            let verified = try await AuditLog.verify(on: app.db)
            #expect(verified == .intact(count: Int64(count)))
        }
    }

    @Test("levels turn yellow and red as the limit is used up")
    func levels() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let created = try await worker.send(.POST, "/api/v1/cases", json: ["title": "电梯故障", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
            let dto = try created.content.decode(CaseDTO.self)
            #expect(dto.slaLevel == .normal)
            app.clock.set(dto.completionDueAt.addingTimeInterval(60))
            #expect(try await CaseMaintenance.refreshLevels(app.context()) >= 1)
            #expect(try await CaseRecord.find(dto.id, on: app.db)?.slaLevel == .red)
            let reds = try await worker.send(.GET, "/api/v1/cases?slaLevel=red").content.decode(ListPage<CaseDTO>.self)
            #expect(reds.items.map(\.id).contains(dto.id))
        }
    }
}

@Suite("Demo cases")
struct DemoCasesTests {
    @Test("demo cases reach every state, and each timeline replays through the workflow to the stored state")
    func everyState() async throws {
        try await withApp { app, _ in
            let buildings = try await BuildingRecord.query(on: app.db).all().map { ($0.id!, OrgPath($0.orgPath)!, $0.location) }
            let written = try await DemoCases.write(count: 400, buildings: buildings, seed: 9, app: app)
            #expect(written >= 390)
            let cases = try await CaseRecord.query(on: app.db).all()
            #expect(Set(cases.map(\.state)) == Set(CaseState.allCases))
            for record in cases.prefix(150) {
                let events = try await CaseEventRecord.query(on: app.db).filter(\.$caseID == record.id!).sort(\.$seq).all()
                #expect(events.first?.action == "submit" && events.count == record.eventCount)
                var snapshot = CaseSnapshot(state: .submitted)
                for event in events.dropFirst() {
                    snapshot = try CaseWorkflow.apply(try #require(CaseAction(rawValue: event.action)), to: snapshot)
                    #expect(snapshot.state == event.toState)
                }
                #expect(snapshot.state == record.state)
                #expect(zip(events, events.dropFirst()).allSatisfy { $0.at <= $1.at })
                #expect(events.last!.at <= testNow)
            }
        }
    }

    @Test("demo rectification items: each state, one overdue, consistent times, at both workers' communities, on the district's page")
    func demoRectifications() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            // The fixture is the demo district without its examples: they are written here.
            #expect(try await RectificationRecord.query(on: app.db).count() == 0)
            let written = try await DemoRectifications.seed(app: app)
            #expect(written == DemoRectifications.items.count)
            let stored = try await RectificationRecord.query(on: app.db).all()
            #expect(stored.count == written)
            #expect(Set(stored.map(\.ownerNodeID)) == [f.communityA.id!, f.communityB.id!], "the two demo workers' communities")
            for item in stored {
                #expect((item.state == .open) == (item.submittedAt == nil && item.submittedBy == nil))
                #expect((item.state == .verified) == (item.verifiedAt != nil))
                #expect(item.submittedAt.map { $0 > item.createdAt } ?? true)
            }
            var client = try await TestClient.browser(app, as: "district")
            let page = try await client.send(.GET, "/rectifications").body.string
            for state in RectificationRules.State.allCases {
                #expect(page.contains("<td data-label=\"状态\">\(Strings.text("rectification.state.\(state.rawValue)", .zh))</td>"), "\(state)")
            }
            #expect(page.components(separatedBy: "已逾期").count - 1 == 1, "only the open item past its day")
        }
    }

    @Test("a case number drawn twice in one batch is drawn again (the first cases all open on one day)")
    func repeatedNumbersDrawnAgain() async throws {
        try await withApp { app, _ in
            let buildings = try await BuildingRecord.query(on: app.db).all().map { ($0.id!, OrgPath($0.orgPath)!, $0.location) }
            let before = try await CaseRecord.query(on: app.db).count()
            // Every code comes twice in a row: without the redraw the second case of the day repeats the first's number.
            var drawn = 0
            let written = try await DemoCases.write(count: 40, buildings: buildings, seed: 3, app: app) {
                drawn += 1
                return String(format: "Q%05d", drawn / 2)
            }
            #expect(written >= 39)
            #expect(drawn > written)
            let numbers = try await CaseRecord.query(on: app.db).all().map(\.number)
            #expect(numbers.count == before + written && Set(numbers).count == numbers.count)
        }
    }
}

@Suite("KPIs over HTTP")
struct KPITests {
    @Test("KPIs count only the caller's cases, group by tree level, category or handler, and refuse bad periods")
    func kpis() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var district = try await TestClient.api(app, as: "district")
            let period = "from=2026-09-01&to=2026-11-18"
            let visible = try await worker.send(.GET, "/api/v1/cases?limit=200").content.decode(ListPage<CaseDTO>.self).total
            let mine = try await worker.send(.GET, "/api/v1/kpis?\(period)&by=community").content.decode(KPIAPIController.Answer.self)
            #expect(mine.total.intake == visible && visible > 0)
            #expect(mine.groups.map(\.key) == [f.communityA.id!.uuidString.lowercased()])
            #expect(mine.groups.first?.name == f.communityA.name)
            let all = try await district.send(.GET, "/api/v1/kpis?\(period)&by=community").content.decode(KPIAPIController.Answer.self)
            #expect(Set(all.groups.map(\.key)).isSuperset(of: [f.communityA.id!.uuidString.lowercased(), f.communityB.id!.uuidString.lowercased()]))
            #expect(all.groups.reduce(0) { $0 + $1.figures.intake } == all.total.intake)
            let byCategory = try await district.send(.GET, "/api/v1/kpis?\(period)&by=category").content.decode(KPIAPIController.Answer.self)
            #expect(byCategory.groups.allSatisfy { CatalogueCategory.requiredCodes.contains($0.key) && !$0.name.isEmpty })
            let weekly = try await district.send(.GET, "/api/v1/kpis?\(period)&by=week").content.decode(KPIAPIController.Answer.self)
            #expect(weekly.groups.map(\.key) == weekly.groups.map(\.key).sorted())
            #expect(weekly.groups.allSatisfy { DayNumber(CivilDate(iso: $0.key)!).weekday == 0 })
            #expect(weekly.groups.reduce(0) { $0 + $1.figures.intake } == weekly.total.intake)
            let monthly = try await district.send(.GET, "/api/v1/kpis?\(period)&by=month").content.decode(KPIAPIController.Answer.self)
            #expect(Set(monthly.groups.map(\.key)).isSubset(of: ["2026-09", "2026-10", "2026-11"]))
            #expect(KPIAPIController.period(of: testNow, by: "week") == "2026-11-16")
            #expect(try await district.send(.GET, "/api/v1/kpis?by=planet").status == .unprocessableEntity)
            #expect(try await district.send(.GET, "/api/v1/kpis?from=2026-11-18&to=2026-01-01").status == .unprocessableEntity)
            #expect(try await district.send(.GET, "/api/v1/kpis?from=2020-01-01&to=2026-11-18").status == .unprocessableEntity)
            var auditor = try await TestClient.api(app, as: "auditor")
            #expect(try await auditor.send(.GET, "/api/v1/kpis").status == .forbidden)
        }
    }
}
