import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Checklist row 11: fields a client may not set — roles, places, owners, states, counters — are ignored when
/// sent along with fields it may set (bodies decode into explicit DTOs, never into models).
@Suite("Mass assignment: fields nobody may set are ignored")
struct MassAssignmentTests {
    @Test("a person's, a unit's and a case's protected fields do not change through PATCH or POST")
    func protectedFieldsIgnored() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let person = f.personA
            let before = try #require(try await PersonRecord.find(person.id, on: app.db))
            let patched = try await worker.send(.PATCH, "/api/v1/persons/\(person.id!.uuidString)", json: [
                "name": "改名测试", "orgPath": f.communityB.path, "id": UUID().uuidString, "idNumberHash": "x", "role": "systemAdmin",
            ])
            #expect(patched.status == .ok)
            let after = try #require(try await PersonRecord.find(person.id, on: app.db))
            #expect(after.name == "改名测试")
            #expect(after.orgPath == before.orgPath)

            let unit = f.unitA
            let unitBefore = try #require(try await HousingUnitRecord.find(unit.id, on: app.db))
            let otherBuilding = try #require(try await BuildingRecord.query(on: app.db).filter(\.$id != unitBefore.$building.id).first())
            let unitPatch = try await worker.send(.PATCH, "/api/v1/org/units/\(unit.id!.uuidString)", json: [
                "buildingId": otherBuilding.id!.uuidString, "orgPath": f.communityB.path, "id": UUID().uuidString,
            ])
            #expect(unitPatch.status.code < 500)
            let unitAfter = try #require(try await HousingUnitRecord.find(unit.id, on: app.db))
            #expect(unitAfter.$building.id == unitBefore.$building.id)

            // A resident creating a case cannot choose its state, handler, deadline or counters.
            var resident = try await TestClient.api(app, as: "resident")
            struct Sneaky: Encodable {
                let title = "楼道灯不亮"
                let buildingId: UUID
                let state = "closed"
                let handlerNodeId: UUID
                let completionDueAt = "2030-01-01T00:00:00Z"
                let returns = 9
                let supervised = true
                let submitterUserId = UUID()
            }
            let created = try await resident.send(.POST, "/api/v1/cases", json: Sneaky(buildingId: try await residentBuilding(app), handlerNodeId: f.communityB.id!))
            #expect(created.status == .created)
            let dto = try created.content.decode(CaseDTO.self)
            let record = try #require(try await CaseRecord.find(dto.id, on: app.db))
            #expect(record.state == .submitted && record.returns == 0 && !record.supervised)
            #expect(record.handlerNodeID != f.communityB.id)
            #expect(record.completionDueAt < Date(timeIntervalSince1970: 1_893_456_000))
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            #expect(record.submitterUserID == user.id)

            // A resident cannot make themself anything by PATCHing their own account data.
            let me = try await resident.send(.PATCH, "/api/v1/me", json: ["roles": ["systemAdmin"]])
            #expect([404, 405].contains(me.status.code))
            #expect(try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == user.id!).all().allSatisfy { $0.role == .resident })
        }
    }
}
