import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Organisation tree API")
struct OrganisationTests {
    @Test("create a grid, a compound, a building and a unit with an exact area; each write is audited")
    func createPlaces() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let before = try await app.auditCount()
            let grid = try await worker.send(.POST, "/api/v1/org/nodes", json: ["parentId": f.communityA.id!.uuidString, "name": "第9网格", "code": "G9"])
            #expect(grid.status == .created)
            let gridDTO = try grid.content.decode(OrgNodeDTO.self)
            #expect(gridDTO.level == .grid && gridDTO.path.hasPrefix(f.communityA.path))
            let compound = try await worker.send(.POST, "/api/v1/org/compounds", json: ["communityId": f.communityA.id!.uuidString, "name": "新建小区"])
            #expect(compound.status == .created)
            let compoundID = try compound.content.decode(CompoundDTO.self).id
            let building = try await worker.send(.POST, "/api/v1/org/buildings", json: ["compoundId": compoundID.uuidString, "gridId": gridDTO.id.uuidString, "name": "1号楼"])
            #expect(building.status == .created)
            let buildingID = try building.content.decode(BuildingDTO.self).id
            struct UnitBody: Encodable, Sendable { let buildingId: UUID; let number: String; let area: String }
            let unit = try await worker.send(.POST, "/api/v1/org/units", json: UnitBody(buildingId: buildingID, number: "101", area: "89.5"))
            #expect(unit.status == .created)
            #expect(try unit.content.decode(UnitDTO.self).area == "89.50")
            let stored = try await HousingUnitRecord.query(on: app.db).filter(\.$building.$id == buildingID).first()
            #expect(stored?.areaCenti == 8950)
            #expect(try await app.auditCount() == before + 4)
            // Same unit number again: 409, nothing written.
            let again = try await worker.send(.POST, "/api/v1/org/units", json: UnitBody(buildingId: buildingID, number: "101", area: "70"))
            #expect(again.status == .conflict)
            #expect(try again.content.decode(ErrorJSON.self).error.field == "number")
            #expect(try await app.auditCount() == before + 4)
        }
    }

    @Test("a community moves to another street with everything in it; paths and grants follow")
    func moveCommunity() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var street = try await TestClient.api(app, as: "admin")
            let streetB = try #require(try await OrgNodeRecord.find(f.communityB.$parent.id!, on: app.db))
            let oldPath = f.communityA.path
            let moved = try await street.send(.POST, "/api/v1/org/nodes/\(f.communityA.id!.uuidString)/move", json: ["parentId": streetB.id!.uuidString])
            #expect(moved.status == .ok, "\(moved.body.string)")
            let newPath = try moved.content.decode(OrgNodeDTO.self).path
            #expect(newPath == streetB.path + f.communityA.id!.uuidString.lowercased() + "/")
            let person = try #require(try await PersonRecord.find(f.personA.id!, on: app.db))
            #expect(person.orgPath.hasPrefix(newPath))
            #expect(try await HousingUnitRecord.query(on: app.db).filter(\.$orgPath =~ oldPath).count() == 0)
            #expect(try await HousingUnitRecord.query(on: app.db).filter(\.$orgPath =~ newPath).count() > 0)
            let grant = try await RoleGrantRecord.query(on: app.db).filter(\.$node.$id == f.communityA.id!).first()
            #expect(grant?.path == newPath)
            // The moved community's worker still sees the person, now under the other street.
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.GET, "/api/v1/persons/\(f.personA.id!.uuidString)").status == .ok)
        }
    }

    @Test("moving a node below itself or under the wrong level is refused and changes nothing")
    func badMoves() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var admin = try await TestClient.api(app, as: "admin")
            let street = try #require(try await OrgNodeRecord.find(f.communityA.$parent.id!, on: app.db))
            let cycle = try await admin.send(.POST, "/api/v1/org/nodes/\(street.id!.uuidString)/move", json: ["parentId": f.gridA.id!.uuidString])
            #expect(cycle.status == .unprocessableEntity)
            #expect(try cycle.content.decode(ErrorJSON.self).error.code == "cycle")
            let wrong = try await admin.send(.POST, "/api/v1/org/nodes/\(f.gridA.id!.uuidString)/move", json: ["parentId": street.id!.uuidString])
            #expect(try wrong.content.decode(ErrorJSON.self).error.code == "wrong_parent_level")
            #expect(try await OrgNodeRecord.find(street.id!, on: app.db)?.path == street.path)
        }
    }

    @Test("a node is renamed by who manages the level above: a worker renames a grid, not the own community")
    func renameNeedsTheParent() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.PATCH, "/api/v1/org/nodes/\(f.communityA.id!.uuidString)", json: ["name": "改名社区"]).status == .forbidden)
            #expect(try await worker.send(.PATCH, "/api/v1/org/nodes/\(f.gridA.id!.uuidString)", json: ["name": "东片网格"]).status == .ok)
            var street = try await TestClient.api(app, as: "street")
            #expect(try await street.send(.PATCH, "/api/v1/org/nodes/\(f.communityA.id!.uuidString)", json: ["name": "改名社区"]).status == .ok)
            #expect(try await OrgNodeRecord.find(f.communityA.id!, on: app.db)?.name == "改名社区")
        }
    }

    @Test("a worker of community A gets 404 for B's node, compound, building and unit, and may not create there")
    func crossCommunity() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let building = try #require(try await BuildingRecord.find(f.unitB.$building.id, on: app.db))
            for path in ["/api/v1/org/nodes/\(f.communityB.id!.uuidString)", "/api/v1/org/compounds/\(building.$compound.id.uuidString)",
                         "/api/v1/org/buildings/\(building.id!.uuidString)", "/api/v1/org/units/\(f.unitB.id!.uuidString)"] {
                let response = try await worker.send(.GET, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(!response.body.string.contains(f.communityB.name))
            }
            let patch = try await worker.send(.PATCH, "/api/v1/org/units/\(f.unitB.id!.uuidString)", json: ["area": "1.00"])
            #expect(patch.status == .notFound)
            #expect(try await HousingUnitRecord.find(f.unitB.id!, on: app.db)?.areaCenti == f.unitB.areaCenti)
            let create = try await worker.send(.POST, "/api/v1/org/nodes", json: ["parentId": f.communityB.id!.uuidString, "name": "入侵网格"])
            #expect(create.status == .notFound)
            let list = try await worker.send(.GET, "/api/v1/org/units?limit=200")
            let units = try list.content.decode(ListPage<UnitDTO>.self)
            #expect(units.total > 0 && !units.items.contains { $0.id == f.unitB.id })
        }
    }
}
