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

    @Test("two workers at once close each unrated case exactly once, after the rating period and not before")
    func autoCloseOnce() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let building = f.unitA.$building.id
            var old: [UUID] = []
            for _ in 0..<6 { old.append(try await repliedCase(&worker, building: building)) }
            app.clock.advance(by: 5 * 86_400)
            let recent = try await repliedCase(&worker, building: building)
            app.clock.advance(by: 3 * 86_400)
            let closedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 { group.addTask { try await CaseMaintenance.autoClose(app, ratingDays: 7, batch: 2) } }
                return try await group.reduce(0, +)
            }
            #expect(closedCounts == 6)
            for id in old {
                #expect(try await CaseRecord.find(id, on: app.db)?.state == .closed)
                #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == id).filter(\.$action == "close").count() == 1)
            }
            #expect(try await CaseRecord.find(recent, on: app.db)?.state == .replied)
            #expect(try await CaseMaintenance.autoClose(app, ratingDays: 7) == 0)
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
            #expect(try await CaseMaintenance.refreshLevels(app) >= 1)
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
            let buildings = try await Building.query(on: app.db).all().map { ($0.id!, OrgPath($0.orgPath)!) }
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
}
