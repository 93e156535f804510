import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Case pages: the resident portal")
struct ResidentPortalPagesTests {
    func ownBuilding(_ app: Application) async throws -> UUID {
        let user = try #require(try await User.query(on: app.db).filter(\.$username == "resident").first())
        let member = try #require(try await HouseholdMember.query(on: app.db).filter(\.$person.$id == user.$person.id!).first())
        let household = try #require(try await Household.find(member.$household.id, on: app.db))
        return try #require(try await HousingUnit.find(household.$unit.id, on: app.db)).$building.id
    }

    @Test("a resident raises a request in two steps with a photo, sees it, and rates the reply; the case closes")
    func raiseAndRate() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.browser(app, as: "resident")
            let home = try await resident.send(.GET, "/")
            #expect(home.status == .ok && home.body.string.contains("我要反映问题"))
            #expect(try await resident.send(.GET, "/requests/new").body.string.contains("第一步"))
            let empty = try await resident.send(.POST, "/requests/new", form: ["title": " ", "description": ""])
            #expect(empty.status == .unprocessableEntity && empty.body.string.contains("form-messages"))
            let step2 = try await resident.send(.POST, "/requests/new", form: ["title": "楼道灯不亮", "description": "三楼声控灯坏了好几天"])
            #expect(step2.status == .ok)
            let html = step2.body.string
            let building = try await ownBuilding(app)
            #expect(html.contains("value=\"\(building.uuidString.lowercased())\" selected"))
            let proposed = try #require(html.range(of: "name=\"item\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(html.contains("<datalist id=\"catalogue-items\">"))
            let created = try await resident.sendForm("/requests", fields: [
                ("title", "楼道灯不亮"), ("description", "三楼声控灯坏了好几天"), ("item", proposed), ("buildingId", building.uuidString),
                ("public", "on"),
            ], files: [("photos[]", "灯.png", "image/png", AttachmentTests.png)])
            #expect(created.status == .created, "\(created.body.string.prefix(600))")
            #expect(created.body.string.contains("已提交，诉求编号"))
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$channel == "resident").sort(\.$openedAt, .descending).first())
            #expect(record.itemCode == proposed && record.isPublic && record.buildingID == building)
            let photos = try await CaseAttachment.query(on: app.db).filter(\.$caseID == record.id!).all()
            #expect(photos.count == 1 && photos.first?.eventSeq == 1)
            let page = try await resident.send(.GET, "/requests/\(record.id!.uuidString)")
            #expect(page.status == .ok && page.body.string.contains(record.number) && page.body.string.contains("提交诉求"))
            #expect(!page.body.string.contains("评价办理结果"))
            // Staff handle it through the API; the resident then rates it on the page.
            var worker = try await TestClient.api(app, as: "worker")
            for action in ["accept", "dispatch", "sign", "start", "reply"] {
                #expect(try await worker.send(.POST, "/api/v1/cases/\(record.id!.uuidString)/actions/\(action)", json: ["note": "已修好"]).status == .ok)
            }
            let replied = try await resident.send(.GET, "/requests/\(record.id!.uuidString)")
            #expect(replied.body.string.contains("评价办理结果"))
            let missing = try await resident.send(.POST, "/requests/\(record.id!.uuidString)/rate", form: ["solved": "yes"])
            #expect(missing.status == .unprocessableEntity)
            let rated = try await resident.send(.POST, "/requests/\(record.id!.uuidString)/rate", form: ["solved": "yes", "satisfaction": "satisfied"])
            #expect(rated.status == .ok && rated.body.string.contains("感谢您的评价"))
            #expect(try await CaseRecord.find(record.id, on: app.db)?.state == .closed)
            // It is on the public board of the community, without the resident's name.
            let board = try await resident.send(.GET, "/board")
            #expect(board.body.string.contains(record.number))
            let publicPage = try await resident.send(.GET, "/board/\(record.id!.uuidString)")
            #expect(publicPage.status == .ok && publicPage.body.string.contains("已修好"))
        }
    }

    @Test("a chosen item's required question is asked again; a wrong file is refused; nothing is written")
    func refusedForms() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.browser(app, as: "resident")
            _ = try await resident.send(.GET, "/requests/new")
            let building = try await ownBuilding(app).uuidString
            let before = try await CaseRecord.query(on: app.db).count()
            let unanswered = try await resident.sendForm("/requests", fields: [("title", "电梯坏了"), ("item", "PRC-001"), ("buildingId", building)])
            #expect(unanswered.status == .unprocessableEntity)
            #expect(unanswered.body.string.contains("是否有人被困在电梯内") && unanswered.body.string.contains("form-messages"))
            let script = try await resident.sendForm("/requests", fields: [("title", "电梯坏了"), ("item", "PRC-001"), ("q[trapped]", "no"), ("buildingId", building)],
                                                     files: [("photos[]", "x.jpg", "image/jpeg", Array("<?php ?>".utf8))])
            #expect(script.status == .unsupportedMediaType && script.body.string.contains("JPEG"))
            let unknown = try await resident.sendForm("/requests", fields: [("title", "电梯坏了"), ("item", "other"), ("otherItem", "不存在的类别"), ("buildingId", building)])
            #expect(unknown.status == .unprocessableEntity)
            #expect(try await CaseRecord.query(on: app.db).count() == before)
            let answered = try await resident.sendForm("/requests", fields: [
                ("title", "电梯坏了"), ("item", "other"), ("otherItem", "电梯故障"), ("q[trapped]", "yes"), ("buildingId", building), ("anonymous", "on"),
            ])
            #expect(answered.status == .created)
            let code = try #require(answered.body.string.range(of: "<p class=\"code\">").map { String(answered.body.string[$0.upperBound...].prefix(10)) })
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$itemCode == "PRC-001").filter(\.$anonymous == true).first())
            #expect(record.answers == ["trapped": ["yes"]])
            // The code finds it on the tracking page, for anyone; a wrong code says so.
            var stranger = TestClient(app)
            let tracked = try await stranger.send(.GET, "/track?code=\(code)")
            #expect(tracked.status == .ok && tracked.body.string.contains(record.number))
            #expect(try await stranger.send(.GET, "/track?code=WRONGCODE1").body.string.contains("没有找到"))
        }
    }

    @Test("pages in English; another community's resident and worker get 404 on the request and its public page")
    func languageAndIsolation() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker2 = try await TestClient.api(app, as: "worker2")
            struct Public: Encodable, Sendable { let title = "路灯不亮"; let buildingId: UUID; let channel = "window"; let `public` = true }
            let other = try await worker2.send(.POST, "/api/v1/cases", json: Public(buildingId: f.unitB.$building.id))
            let otherID = try other.content.decode(CaseDTO.self).id
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/requests/\(otherID.uuidString)").status == .notFound)
            #expect(try await resident.send(.GET, "/board/\(otherID.uuidString)").status == .notFound)
            #expect(!(try await resident.send(.GET, "/board").body.string.contains(otherID.uuidString.lowercased())))
            _ = try await resident.send(.GET, "/prefs/lang/en?next=/requests/new")
            let english = try await resident.send(.GET, "/requests/new")
            #expect(english.body.string.contains("Step 1: tell us what is wrong") && english.body.string.contains("lang=\"en\""))
        }
    }
}
