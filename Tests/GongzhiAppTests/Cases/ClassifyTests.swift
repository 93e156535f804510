import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// `POST /api/v1/catalogue/classify` and the classifier learning from the cases staff confirmed (issue 26).
@Suite("Classifying a resident's words")
struct ClassifyTests {
    typealias Answer = CatalogueAPIController.Suggestions

    @Test("anyone may ask; three suggestions, best first, with names in both languages; bad input is a 422 naming the field")
    func classify() async throws {
        try await withApp { app, _ in
            var visitor = TestClient(app)
            let response = try await visitor.send(.POST, "/api/v1/catalogue/classify", json: ["text": "电梯门关不上，按了没反应"])
            #expect(response.status == .ok)
            let answer = try response.content.decode(Answer.self)
            #expect(answer.suggestions.count == 3 && answer.suggestions[0].itemCode == "PRC-001")
            #expect(answer.suggestions[0].name == "电梯故障" && answer.suggestions[0].nameEn == "Lift out of order" && answer.suggestions[0].plainName == "电梯坏了")
            #expect(zip(answer.suggestions, answer.suggestions.dropFirst()).allSatisfy { $0.score >= $1.score })
            for body in [["text": ""], ["text": String(repeating: "吵", count: 2_001)], [:]] {
                let bad = try await visitor.send(.POST, "/api/v1/catalogue/classify", json: body)
                #expect(bad.status == .unprocessableEntity && bad.body.string.contains("\"field\":\"text\""), "\(bad.status)")
            }
        }
    }

    @Test("the classifier learns from cases staff confirmed: a wording it did not know goes to the item they chose, after retraining")
    func learnsFromConfirmedCases() async throws {
        try await withApp { app, _ in
            let wording = "水管子咕噜咕噜响半夜吵醒人"
            var visitor = TestClient(app)
            func first() async throws -> String {
                try await visitor.send(.POST, "/api/v1/catalogue/classify", json: ["text": wording]).content.decode(Answer.self).suggestions[0].itemCode
            }
            let before = try await first()
            #expect(before != "PRC-010")
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            var ids: [UUID] = []
            for title in ["水管咕噜咕噜响", "水管子老是咕噜响", "家里水管咕噜咕噜", "水管半夜咕噜响"] {
                let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: title, buildingId: building))
                ids.append(try created.content.decode(CaseDTO.self).id)
            }
            // Not yet confirmed by anyone: nothing learned.
            let earlier = try await app.gongzhi.classifier.retrain(on: app.db)?.learnedCases ?? 0
            #expect(try await first() == before)
            // Staff put them under the water-supply item and signed for them.
            try await app.db.sql().update("cases").set("item_code", to: "PRC-010").set("signed_at", to: SQLBind(app.clock.now))
                .where("id", .in, SQLBind.group(ids)).run()
            let model = try await app.gongzhi.classifier.retrain(on: app.db)
            #expect(model?.learnedCases == earlier + 4)
            #expect(try await first() == "PRC-010")
        }
    }

    @Test("the form proposes three items in residents' words, and a building named in the text as the place")
    func form() async throws {
        try await withApp { app, _ in
            let own = try #require(try await BuildingRecord.find(try await residentBuilding(app), on: app.db))
            // Another building of the resident's compound.
            let other = BuildingRecord(compoundID: own.$compound.id, gridID: own.$grid.id, orgPath: try #require(OrgPath(own.orgPath)), name: "87号楼")
            try await other.create(on: app.db)
            let number = "87"
            var resident = try await TestClient.browser(app, as: "resident")
            _ = try await resident.send(.GET, "/requests/new")
            let step2 = try await resident.send(.POST, "/requests/new", form: ["title": "\(number)号楼的水是黄的", "description": "水箱好久没洗了"])
            let body = step2.body.string
            #expect(step2.status == .ok)
            #expect(body.components(separatedBy: "name=\"item\"").count - 1 == 4, "three proposals and 'another'")
            #expect(body.contains("水发黄、水箱脏"), "the item in residents' words")
            #expect(body.contains("<option value=\"\(other.id!.uuidString.lowercased())\" selected>"))
            // Without a building in the words, the resident's own stays proposed.
            let plain = try await resident.send(.POST, "/requests/new", form: ["title": "水是黄的", "description": ""]).body.string
            #expect(plain.contains("<option value=\"\(own.id!.uuidString.lowercased())\" selected>"))
        }
    }

    @Test("residents read the item in their own words, staff the catalogue's name")
    func everydayNames() async throws {
        try await withApp { app, _ in
            var residentAPI = try await TestClient.api(app, as: "resident")
            let created = try await residentAPI.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "自来水是黄的", buildingId: try await residentBuilding(app), itemCode: "PRC-010"))
            let id = try created.content.decode(CaseDTO.self).id.uuidString.lowercased()
            var resident = try await TestClient.browser(app, as: "resident")
            let mine = try await resident.send(.GET, "/requests").body.string
            #expect(mine.contains("水发黄、水箱脏") && !mine.contains("二次供水"))
            var worker = try await TestClient.browser(app, as: "worker")
            let page = try await worker.send(.GET, "/cases/\(id)").body.string
            #expect(page.contains("二次供水"))
        }
    }
}
