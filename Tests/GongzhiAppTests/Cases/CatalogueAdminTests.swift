import Crypto
import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Catalogue administration and versions")
struct CatalogueAdminTests {
    @Test("editing an item publishes a new version; an open case keeps the rules it was opened under")
    func versions() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var admin = try await TestClient.api(app, as: "admin")
            let first = try await worker.send(.POST, "/api/v1/cases", json: ["title": "电梯故障", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            #expect(first.catalogueVersion == 1)
            #expect(try await worker.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["completionDays": 2]).status == .forbidden)
            let edited = try await admin.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["completionDays": 2])
            #expect(edited.status == .ok, "\(edited.body.string)")
            let bad = try await admin.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["responseHours": 0])
            #expect(bad.status == .unprocessableEntity)
            #expect(try bad.content.decode(ErrorJSON.self).error.field == "responseHours")
            let second = try await worker.send(.POST, "/api/v1/cases", json: ["title": "电梯故障", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            #expect(second.catalogueVersion == 2)
            #expect(CivilDate(second.completionDueAt) == CivilDate(app.gongzhi.calendar.deadline(from: testNow, workingDays: 2)))
            let reread = try await worker.send(.GET, "/api/v1/cases/\(first.id.uuidString)").content.decode(CaseDTO.self)
            #expect(reread.catalogueVersion == 1 && reread.completionDueAt == first.completionDueAt)
            #expect(try await CatalogueStore.item("PRC-001", version: 1, on: app.db)?.completionDays == 0)
        }
    }

    @Test("export as JSON and CSV; importing the export publishes the next version; a broken import is refused")
    func importExport() async throws {
        try await withApp(seed: false) { app, _ in
            let security = try await app.write { db in try await makeAdmin(db, app) }
            _ = security
            var admin = try await TestClient.api(app, as: "sysadmin")
            let json = try await admin.send(.GET, "/api/v1/catalogue/export")
            let catalogue = try json.content.decode(Catalogue.self)
            let csv = try await admin.send(.GET, "/api/v1/catalogue/export?format=csv")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == catalogue.items.count + 1)
            #expect(try CSV.parse(csv.body.string).dropFirst().map { $0[0] } == catalogue.items.map(\.code))
            let imported = try await admin.send(.POST, "/api/v1/catalogue", json: catalogue)
            #expect(imported.status == .created)
            #expect(try imported.content.decode(Catalogue.self).version == 2)
            let broken = Catalogue(version: 9, name: "x", categories: Array(catalogue.categories.dropFirst()), items: [])
            let refused = try await admin.send(.POST, "/api/v1/catalogue", json: broken)
            #expect(refused.status == .unprocessableEntity)
            #expect(try await CatalogueVersionRecord.query(on: app.db).count() == 2)
        }
    }

    func makeAdmin(_ db: any Database, _ app: Application) async throws -> UUID {
        let user = UserRecord(username: "sysadmin", displayName: "系统管理员", passwordHash: app.gongzhi.passwords.hash(demoPassword), now: testNow)
        try await user.create(on: db)
        try await RoleGrantRecord(userID: user.id!, role: .systemAdmin, nodeID: nil, path: .root, grantedBy: nil).create(on: db)
        return user.id!
    }
}
