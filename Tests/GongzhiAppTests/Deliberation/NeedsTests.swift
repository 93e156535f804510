import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Needs list (需求清单) and topics")
struct NeedsTests {
    struct NewNeed: Encodable, Sendable {
        var title: String
        var description: String = ""
        var place: String = ""
        var communityId: UUID?
        var compoundId: UUID?
    }

    @Test("residents raise and support a need once each; at the community's threshold it becomes a topic; other communities get 404")
    func supportToTopic() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            let raised = try await resident.send(.POST, "/api/v1/needs", json: NewNeed(title: "小区缺少休息座椅", description: "老人散步没有地方坐", place: "中心花园"))
            #expect(raised.status == .created, "\(raised.body.string)")
            let need = try raised.content.decode(NeedDTO.self)
            #expect(need.communityId == f.communityA.id && need.state == .open && need.origin == .resident)
            let path = "/api/v1/needs/\(need.id.uuidString)"
            #expect(try await resident.send(.POST, "/api/v1/needs", json: NewNeed(title: " ")).status == .unprocessableEntity)
            // Raising in another community is refused as an unknown place.
            #expect(try await resident.send(.POST, "/api/v1/needs", json: NewNeed(title: "x", communityId: f.communityB.id)).status == .unprocessableEntity)

            // The community sets its threshold to 2.
            var worker = try await TestClient.api(app, as: "worker")
            let settings = "/api/v1/deliberation-settings/\(f.communityA.id!.uuidString)"
            #expect(try await worker.send(.GET, settings).content.decode(DeliberationSettingsDTO.self).needSupportThreshold == NeedRules.defaultSupportThreshold)
            #expect(try await worker.send(.PUT, settings, json: ["needSupportThreshold": 0]).status == .unprocessableEntity)
            #expect(try await worker.send(.PUT, settings, json: ["needSupportThreshold": 2]).status == .ok)
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.PUT, settings, json: ["needSupportThreshold": 1]).status == .notFound)
            #expect(try await resident.send(.PUT, settings, json: ["needSupportThreshold": 1]).status == .forbidden)

            #expect(try await resident.send(.POST, path + "/support").status == .ok)
            let again = try await resident.send(.POST, path + "/support")
            let againCode = try again.content.decode(ErrorJSON.self).error.code
            #expect(again.status == .conflict && againCode == "already_supported")
            #expect(try await resident.send(.GET, path).content.decode(NeedDTO.self).supportCount == 1)
            // Staff do not support; a second resident does, and the need becomes a topic.
            #expect(try await worker.send(.POST, path + "/support").status == .forbidden)
            let household = try #require(try await HouseholdRecord.query(on: app.db).filter(\.$unit.$id == f.unitA.id!).first())
            try await OwnerVotesTests.resident(app, username: "neighbour", household: household, relation: .tenant, community: f.communityA, seed: 31)
            var neighbour = try await TestClient.api(app, as: "neighbour")
            let topic = try await neighbour.send(.POST, path + "/support").content.decode(NeedDTO.self)
            #expect(topic.state == .topic && topic.supportCount == 2 && topic.topicAt != nil)
            let detail = try await neighbour.send(.GET, path).content.decode(NeedDTO.self)
            #expect(detail.supportedByMe == true && detail.supportThreshold == 2 && detail.cases == nil)

            // Another community's resident and worker: not found, not listed.
            try await OwnerVotesTests.resident(app, username: "faraway", household: f.householdB, relation: .owner, community: f.communityB, seed: 32)
            var faraway = try await TestClient.api(app, as: "faraway")
            for client in [faraway, worker2] {
                var client = client
                #expect(try await client.send(.GET, path).status == .notFound)
                #expect(try await client.send(.POST, path + "/support").status == .notFound)
                #expect(try await client.send(.POST, path + "/take-up").status == .notFound)
                let listed = try await client.send(.GET, "/api/v1/needs").content.decode(ListPage<NeedDTO>.self).items
                #expect(!listed.contains { $0.id == need.id })
            }
            #expect(try await faraway.send(.GET, "/api/v1/needs").status == .ok)
            // The grid worker of the community sees it, but does not decide.
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.GET, path).status == .ok)
            let topics = try await grid.send(.GET, "/api/v1/needs?state=topic").content.decode(ListPage<NeedDTO>.self).items
            #expect(topics.contains { $0.id == need.id })
            #expect(try await grid.send(.POST, path + "/close", json: ["note": "x"]).status == .forbidden)
            #expect(try await grid.send(.GET, "/api/v1/needs?state=nonsense").status == .unprocessableEntity)

            // Declining needs a reason; a declined need takes no support.
            let other = try await worker.send(.POST, "/api/v1/needs", json: NewNeed(title: "在楼顶建球场", communityId: f.communityA.id)).content.decode(NeedDTO.self)
            #expect(other.origin == .staff)
            #expect(try await worker.send(.POST, "/api/v1/needs/\(other.id.uuidString)/decline", json: ["note": ""]).status == .unprocessableEntity)
            #expect(try await worker.send(.POST, "/api/v1/needs/\(other.id.uuidString)/decline", json: ["note": "屋面承重不允许"]).content.decode(NeedDTO.self).state == .declined)
            let late = try await resident.send(.POST, "/api/v1/needs/\(other.id.uuidString)/support")
            let lateCode = try late.content.decode(ErrorJSON.self).error.code
            #expect(late.status == .conflict && lateCode == "need_not_open")
            #expect(try await worker.send(.POST, "/api/v1/needs/\(other.id.uuidString)/take-up").status == .conflict)
            #expect(try await NeedRecord.find(other.id, on: app.db)?.supportCount == 0)
        }
    }

    @Test("repeated cases of one item in one compound are suggested, and become one need in one step, linked")
    func fromRepeatedCases() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            var ids: [UUID] = []
            for title in ["电梯又坏了", "电梯停运", "电梯困人"] {
                let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: title, buildingId: building, itemCode: "PRC-006"))
                #expect(created.status == .created, "\(created.body.string)")
                ids.append(try created.content.decode(CaseDTO.self).id)
            }
            let odd = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "路灯不亮", buildingId: building, itemCode: "PRC-002"))
            let oddID = try odd.content.decode(CaseDTO.self).id
            var worker = try await TestClient.api(app, as: "worker")
            let suggestions = try await worker.send(.GET, "/api/v1/needs/suggestions").content.decode([NeedSuggestionDTO].self)
            let group = try #require(suggestions.first { $0.itemCode == "PRC-006" })
            #expect(Set(group.caseIds) == Set(ids))
            #expect(try await resident.send(.GET, "/api/v1/needs/suggestions").content.decode([NeedSuggestionDTO].self).isEmpty)

            struct FromCases: Encodable, Sendable { let caseIds: [UUID]; var title: String? }
            let mixed = try await worker.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: [ids[0], oddID]))
            let mixedCode = try mixed.content.decode(ErrorJSON.self).error.code
            #expect(mixed.status == .unprocessableEntity && mixedCode == "cases_differ")
            #expect(try await worker.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: [ids[0]])).status == .unprocessableEntity)
            #expect(try await resident.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: ids)).status == .forbidden)
            var worker2 = try await TestClient.api(app, as: "worker2")
            // Another community's worker does not see these cases at all.
            #expect(try await worker2.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: ids)).status == .notFound)
            let made = try await worker.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: ids, title: "加装电梯维保"))
            #expect(made.status == .created, "\(made.body.string)")
            let need = try made.content.decode(NeedDTO.self)
            #expect(need.origin == .cases && need.itemCode == "PRC-006" && need.title == "加装电梯维保")
            #expect(try await NeedCaseRecord.query(on: app.db).filter(\.$needID == need.id).count() == 3)
            #expect(try await worker.send(.POST, "/api/v1/needs/from-cases", json: FromCases(caseIds: ids)).status == .conflict)
            let staffView = try await worker.send(.GET, "/api/v1/needs/\(need.id.uuidString)").content.decode(NeedDTO.self)
            #expect(staffView.cases?.count == 3 && staffView.caseCount == 3)
            let residentView = try await resident.send(.GET, "/api/v1/needs/\(need.id.uuidString)").content.decode(NeedDTO.self)
            #expect(residentView.cases == nil && residentView.caseCount == 3)
            let remaining = try await worker.send(.GET, "/api/v1/needs/suggestions").content.decode([NeedSuggestionDTO].self)
            #expect(remaining.allSatisfy { $0.itemCode != "PRC-006" })
        }
    }
}
