import Crypto
import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Duplicates and merging")
struct DuplicateTests {
    @Test("a second case of the same item at the same place is proposed as a duplicate and can be merged into the first")
    func duplicates() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let body = ["title": "井盖缺失", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]
            let first = try await worker.send(.POST, "/api/v1/cases", json: body).content.decode(CaseDTO.self)
            let second = try await worker.send(.POST, "/api/v1/cases", json: body).content.decode(CaseDTO.self)
            #expect(second.possibleDuplicates?.contains(first.id) == true)
            #expect(second.possibleDuplicates?.contains(second.id) == false)
            struct Merge: Encodable, Sendable { let note: String; let mergeInto: UUID }
            let merged = try await worker.send(.POST, "/api/v1/cases/\(second.id.uuidString)/actions/merge", json: Merge(note: "重复诉求", mergeInto: first.id))
            #expect(merged.status == .ok, "\(merged.body.string)")
            let dto = try merged.content.decode(CaseDTO.self)
            #expect(dto.state == .merged && dto.mergedInto == first.id)
            let selfMerge = try await worker.send(.POST, "/api/v1/cases/\(first.id.uuidString)/actions/merge", json: Merge(note: "x", mergeInto: first.id))
            #expect(selfMerge.status == .unprocessableEntity)
            // Residents are not shown other people's cases as duplicates.
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let mine = try await resident.send(.POST, "/api/v1/cases", json: ["title": "井盖缺失", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            #expect(mine.possibleDuplicates == nil)
        }
    }
}

extension DuplicateTests {
    struct PlacedCase: Encodable, Sendable {
        var title = "井盖缺失"
        var gridId: UUID?
        var latitude: Double?
        var longitude: Double?
        var channel = "patrol"
    }

    @Test("coordinates place a case at the nearest building's grid; far-away coordinates are refused")
    func coordinatesToGrid() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let building = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
            let spot = try #require(building.location).offset(north: 12, east: -5)
            let placed = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: spot.latitude, longitude: spot.longitude))
            #expect(placed.status == .created, "\(placed.body.string)")
            let record = try #require(try await CaseRecord.find(try placed.content.decode(CaseDTO.self).id, on: app.db))
            #expect(record.placePath == building.orgPath && record.latitude == spot.latitude)
            // The nearest building wins even when another is in reach.
            let nearest = try #require(try await CaseIntake.nearestBuilding(to: spot, on: app.db))
            #expect(nearest.id == building.id)
            let far = try #require(building.location).offset(north: 40_000, east: 0)
            let refused = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: far.latitude, longitude: far.longitude))
            #expect(refused.status == .unprocessableEntity)
            #expect(try refused.content.decode(ErrorJSON.self).error.field == "latitude")
            let half = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: spot.latitude))
            #expect(try half.content.decode(ErrorJSON.self).error.field == "longitude")
            // Buildings take a point through the API, both coordinates or neither.
            let patched = try await worker.send(.PATCH, "/api/v1/org/buildings/\(building.id!.uuidString)", json: ["latitude": 39.95, "longitude": 116.35])
            #expect(try patched.content.decode(BuildingDTO.self).latitude == 39.95)
            #expect(try await worker.send(.PATCH, "/api/v1/org/buildings/\(building.id!.uuidString)", json: ["latitude": 39.95]).status == .unprocessableEntity)
        }
    }

    @Test("a case within 50 m in another grid is a possible duplicate; one 80 m away is not")
    func withinFiftyMetres() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let other = OrgNodeRecord(level: .grid, name: "第九网格", code: "G9", parentID: f.communityA.id!, parentPath: f.communityA.orgPath)
            try await other.create(on: app.db)
            let spot = GeoPoint(latitude: 39.99, longitude: 116.30)!
            func submit(grid: UUID, _ point: GeoPoint) async throws -> CaseDTO {
                let response = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(gridId: grid, latitude: point.latitude, longitude: point.longitude))
                #expect(response.status == .created, "\(response.body.string)")
                return try response.content.decode(CaseDTO.self)
            }
            let first = try await submit(grid: f.gridA.id!, spot)
            let near = try await submit(grid: other.id!, spot.offset(north: 30, east: 30))
            #expect(near.possibleDuplicates == [first.id])
            let farther = try await submit(grid: other.id!, spot.offset(north: 80, east: 0))
            // Same grid as `near`, 80 m from `first`.
            #expect(farther.possibleDuplicates == [near.id])
        }
    }
}
