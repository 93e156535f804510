import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Rectification items and their overdue warnings")
struct RectificationsTests {
    struct NewItem: Encodable, Sendable {
        let ownerNodeId: UUID
        let finding: String
        var plan: String = ""
        let deadline: String
    }

    struct Item: Decodable {
        let id: UUID
        let state: RectificationRules.State
        let overdue: Bool
        let evidence: String
    }

    @Test("a supervisor opens an item for an org below; its staff hand in evidence; the supervisor sends it back, then verifies")
    func lifecycle() async throws {
        try await withApp { app, fixture in
            let f = try #require(fixture)
            let today = CivilDate(app.clock.now)
            let deadline = DayNumber(DayNumber(today).value + 3).civil.description
            var street = try await TestClient.api(app, as: "street")
            var worker = try await TestClient.api(app, as: "worker")
            var other = try await TestClient.api(app, as: "worker2")
            var resident = try await TestClient.api(app, as: "resident")

            #expect(try await worker.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: "台账不全", deadline: deadline)).status == .forbidden)
            #expect(try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityB.id!, finding: "台账不全", deadline: deadline)).status == .notFound,
                    "another street's community")
            let past = DayNumber(DayNumber(today).value - 1).civil.description
            #expect(try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: "台账不全", deadline: past)).status == .unprocessableEntity)
            #expect(try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: " ", deadline: deadline)).status == .unprocessableEntity)
            let audit = try await app.auditCount(excludingDenials: true)
            let created = try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: "居民议事会记录不全", plan: "两周内补齐", deadline: deadline))
            #expect(created.status == .created)
            let item = try created.content.decode(Item.self)
            #expect(item.state == .open && !item.overdue)
            #expect(try await app.auditCount(excludingDenials: true) == audit + 1)

            // Seen at the owner's place, by nobody else.
            #expect(try await worker.send(.GET, "/api/v1/rectifications").content.decode([Item].self).map(\.id) == [item.id])
            #expect(try await other.send(.GET, "/api/v1/rectifications").content.decode([Item].self).isEmpty)
            #expect(try await other.send(.GET, "/api/v1/rectifications/\(item.id)").status == .notFound)
            #expect(try await other.send(.POST, "/api/v1/rectifications/\(item.id)/submit", json: ["text": "x"]).status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/rectifications/\(item.id)").status == .notFound)

            // The owner's staff hand in evidence; they cannot verify it themselves.
            #expect(try await worker.send(.POST, "/api/v1/rectifications/\(item.id)/verify", json: ["text": "好了"]).status == .forbidden)
            #expect(try await worker.send(.POST, "/api/v1/rectifications/\(item.id)/submit", json: ["text": " "]).status == .unprocessableEntity)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(item.id)/verify", json: ["text": "?"]).status == .conflict, "nothing to verify yet")
            let submitted = try await worker.send(.POST, "/api/v1/rectifications/\(item.id)/submit", json: ["text": "已补齐 1—10 月记录"])
            #expect(try submitted.content.decode(Item.self).state == .submitted)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(item.id)/send_back", json: ["text": "缺 9 月签字"]).content.decode(Item.self).state == .open)
            _ = try await worker.send(.POST, "/api/v1/rectifications/\(item.id)/submit", json: ["text": "已补签"])
            let verified = try await street.send(.POST, "/api/v1/rectifications/\(item.id)/verify", json: ["text": "核验通过"])
            #expect(try verified.content.decode(Item.self).state == .verified)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(item.id)/verify", json: ["text": "again"]).status == .conflict)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(item.id)/undo", json: ["text": ""]).status == .notFound)
            #expect(try await app.auditCount(excludingDenials: true) == audit + 5)

            // An org does not review its own item: the street's own item is verified from above, not by the street.
            let streetID = try #require(f.communityA.$parent.id)
            let own = try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: streetID, finding: "街道台账", deadline: deadline))
                .content.decode(Item.self)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(own.id)/submit", json: ["text": "已补"]).content.decode(Item.self).state == .submitted)
            #expect(try await street.send(.POST, "/api/v1/rectifications/\(own.id)/verify", json: ["text": "自己核验"]).status == .forbidden)
            var district = try await TestClient.api(app, as: "district")
            #expect(try await district.send(.POST, "/api/v1/rectifications/\(own.id)/verify", json: ["text": "核验"]).content.decode(Item.self).state == .verified)
        }
    }

    @Test("reviews sent at the same time: one applies, every other finds the item moved on (409)")
    func concurrentReviews() async throws {
        try await withApp { app, fixture in
            let f = try #require(fixture)
            var street = try await TestClient.api(app, as: "street")
            var worker = try await TestClient.api(app, as: "worker")
            let deadline = DayNumber(DayNumber(CivilDate(app.clock.now)).value + 3).civil.description
            let id = try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: "台账不全", deadline: deadline))
                .content.decode(Item.self).id
            #expect(try await worker.send(.POST, "/api/v1/rectifications/\(id)/submit", json: ["text": "已补齐"]).status == .ok)
            let audit = try await app.auditCount(excludingDenials: true)
            let reviewer = street
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        var client = reviewer
                        let step = index.isMultiple(of: 2) ? "verify" : "send_back"
                        return try await client.send(.POST, "/api/v1/rectifications/\(id)/\(step)", json: ["text": "第 \(index) 次"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 11, "\(statuses)")
            #expect(try await app.auditCount(excludingDenials: true) == audit + 1, "one review recorded")
        }
    }

    @Test("an item not verified by the end of its deadline day raises one warning; a verified one none")
    func overdueWarning() async throws {
        try await withApp { app, fixture in
            let f = try #require(fixture)
            let today = CivilDate(app.clock.now).description
            var street = try await TestClient.api(app, as: "street")
            var worker = try await TestClient.api(app, as: "worker")
            let late = try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.communityA.id!, finding: "消防通道堵塞", deadline: today))
                .content.decode(Item.self)
            let done = try await street.send(.POST, "/api/v1/rectifications", json: NewItem(ownerNodeId: f.gridA.id!, finding: "井盖缺失", deadline: today))
                .content.decode(Item.self)
            _ = try await worker.send(.POST, "/api/v1/rectifications/\(done.id)/submit", json: ["text": "已更换"])
            _ = try await street.send(.POST, "/api/v1/rectifications/\(done.id)/verify", json: ["text": "通过"])

            _ = try await Warnings.evaluate(app.context())
            #expect(try await WarningRecord.query(on: app.db).filter(\.$kind == .overdueRectification).count() == 0, "still within the day")
            app.clock.advance(by: 2 * 86_400)
            #expect(try await worker.send(.GET, "/api/v1/rectifications/\(late.id)").content.decode(Item.self).overdue)
            _ = try await Warnings.evaluate(app.context())
            _ = try await Warnings.evaluate(app.context())
            let warnings = try await WarningRecord.query(on: app.db).filter(\.$kind == .overdueRectification).all()
            #expect(warnings.count == 1)
            #expect(warnings.first?.dedupeKey == "rectification:\(late.id.uuidString.lowercased())" && warnings.first?.orgPath == f.communityA.path)
            struct Shown: Decodable { let kind: WarningRules.Kind }
            #expect(try await street.send(.GET, "/api/v1/warnings").content.decode([Shown].self).contains { $0.kind == .overdueRectification })
        }
    }
}
