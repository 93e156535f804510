import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Case pages: the resident portal")
struct ResidentPortalPagesTests {
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
            let building = try await residentBuilding(app)
            #expect(html.contains("value=\"\(building.uuidString.lowercased())\" selected"))
            let proposed = try #require(html.range(of: "name=\"item\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(html.contains("<datalist id=\"catalogue-items\">"))
            let created = try await resident.sendForm("/requests", fields: [
                ("title", "楼道灯不亮"), ("description", "三楼声控灯坏了好几天"), ("item", proposed), ("buildingId", building.uuidString),
                ("public", "on"),
            ], files: [("photos[]", "灯.png", "image/png", AttachmentTests.png)])
            #expect(created.status == .seeOther, "\(created.body.string.prefix(600))")
            #expect(try await resident.follow(created).body.string.contains("已提交，诉求编号"))
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$channel == "resident").sort(\.$openedAt, .descending).first())
            #expect(record.itemCode == proposed && record.isPublic && record.buildingID == building)
            let photos = try await CaseAttachmentRecord.query(on: app.db).filter(\.$caseID == record.id!).all()
            #expect(photos.count == 1 && photos.first?.eventSeq == 1)
            let page = try await resident.send(.GET, "/requests/\(record.id!.uuidString)")
            #expect(page.status == .ok && page.body.string.contains(record.number) && page.body.string.contains("提交了问题"))
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
            #expect(rated.status == .seeOther)
            #expect(try await resident.follow(rated).body.string.contains("感谢您的评价"))
            #expect(try await CaseRecord.find(record.id, on: app.db)?.state == .closed)
            // It is on the public board of the community, without the resident's name.
            // An absurd offset is clamped on pages and refused by the API; it never overflows.
            #expect(try await resident.send(.GET, "/board?offset=9223372036854775807").status == .ok)
            #expect(try await resident.send(.GET, "/requests?offset=9223372036854775807").status == .ok)
            var api = try await TestClient.api(app, as: "resident")
            #expect(try await api.send(.GET, "/api/v1/cases?offset=9223372036854775807").status == .unprocessableEntity)
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
            let building = try await residentBuilding(app).uuidString
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
            #expect(answered.status == .seeOther)
            // The tracking code is shown once, on the page the form leads to; reloading that page does not show it again.
            let shown = try await resident.follow(answered)
            let code = try #require(shown.body.string.range(of: "<p class=\"code\">").map { String(shown.body.string[$0.upperBound...].prefix(10)) })
            #expect(!(try await resident.follow(answered).body.string.contains("<p class=\"code\">")))
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
            // The case table is rendered with its own context: its headings follow the language too.
            var worker = try await TestClient.browser(app, as: "worker2")
            #expect(try await worker.send(.GET, "/workbench").body.string.contains("<th scope=\"col\">诉求</th>"))
            _ = try await worker.send(.GET, "/prefs/lang/en?next=/workbench")
            let table = try await worker.send(.GET, "/workbench").body.string
            #expect(table.contains("<th scope=\"col\">Case</th>") && !table.contains("诉求</th>"))
        }
    }
}

@Suite("Case pages: the staff workbench, the case page and window entry")
struct StaffCasePagesTests {
    @Test("the queue's count is exact up to 200 beyond the page's start, then says 200+; paging goes on past it")
    func queueCountCap() async throws {
        try await withApp { app, _ in
            _ = try await SyntheticCases.write(app: app, count: 600, days: 30, seed: 3)
            var district = try await TestClient.browser(app, as: "district")
            let visible = try await CaseRecord.visible(to: try #require(await Self.actor(app, "district")), on: app.db).count()
            #expect(visible > WorkbenchPagesController.countCap + 25)
            let first = try await district.send(.GET, "/workbench?all=1").body.string
            #expect(first.contains("共 \(WorkbenchPagesController.countCap)+ 件"))
            // Near the end the count is exact again, and counted from the page's start.
            let last = visible - 10
            let tail = try await district.send(.GET, "/workbench?all=1&offset=\(last)").body.string
            #expect(tail.contains("共 \(visible) 件"), "\(visible)")
            #expect(!tail.contains("offset=\(last + 25)"))
            let middle = try await district.send(.GET, "/workbench?all=1&offset=25").body.string
            #expect(middle.contains("offset=50"))
        }
    }

    @Test("each tab counts its stage's cases under the other filters, exactly up to 200; the open cases' tab is their sum")
    func queueTabCounts() async throws {
        try await withApp { app, _ in
            _ = try await SyntheticCases.write(app: app, count: 600, days: 30, seed: 4)
            let actor = try #require(await Self.actor(app, "district"))
            var district = try await TestClient.browser(app, as: "district")
            let open = try await CaseRecord.visible(to: actor, on: app.db).filter(\.$state ~~ CaseState.allCases.filter(\.isOpen)).all()
            func shown(_ n: Int) -> String { n > WorkbenchPagesController.countCap ? "\(WorkbenchPagesController.countCap)+" : String(n) }
            func tabCounts(_ page: String) -> [String] {
                page.components(separatedBy: "<span class=\"count\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
            }
            // Unfiltered, the open cases' tab says 200+; each stage its own count.
            let all = tabCounts(try await district.send(.GET, "/workbench").body.string)
            #expect(all == [shown(open.count)] + WorkStage.allCases.map { stage in shown(open.filter { stage.states.contains($0.state) }.count) })
            // Narrowed to one category, every count is narrowed with it, and the list's own count agrees with its tab.
            let category = try #require(Dictionary(grouping: open, by: \.category).max { $0.value.count < $1.value.count }?.key)
            let mine = open.filter { $0.category == category }
            let page = try await district.send(.GET, "/workbench?category=\(category)").body.string
            let narrowed = tabCounts(page)
            #expect(narrowed == [shown(mine.count)] + WorkStage.allCases.map { stage in shown(mine.filter { stage.states.contains($0.state) }.count) })
            #expect(page.contains("共 \(shown(mine.count)) 件"))
            let stage = try #require(WorkStage.allCases.first { stage in mine.contains { stage.states.contains($0.state) } })
            let staged = try await district.send(.GET, "/workbench?category=\(category)&stage=\(stage.rawValue)").body.string
            #expect(staged.contains("共 \(shown(mine.filter { stage.states.contains($0.state) }.count)) 件"))
        }
    }

    @Test("the queue's default order is the deadline that matters now (to sign for, then to complete) across every open state, page after page")
    func queueDeadlineOrder() async throws {
        try await withApp { app, _ in
            _ = try await SyntheticCases.write(app: app, count: 600, days: 30, seed: 5)
            let actor = try #require(await Self.actor(app, "district"))
            let open = try await CaseRecord.visible(to: actor, on: app.db).filter(\.$state ~~ CaseState.allCases.filter(\.isOpen)).all()
            #expect(Set(open.map(\.state)).count > 2, "the open cases should be in several states")
            func due(_ c: CaseRecord) -> Date { WorkStage.deadlineThatMatters(c.state) == .response ? c.responseDueAt : c.completionDueAt }
            let expected = open.sorted { (due($0), $0.number) < (due($1), $1.number) }
                .map { $0.id!.uuidString.lowercased() }
            #expect(expected.count > 75)
            var district = try await TestClient.browser(app, as: "district")
            var shown: [String] = []
            for offset in [0, 25, 50] {
                let html = try await district.send(.GET, "/workbench?offset=\(offset)").body.string
                shown += html.components(separatedBy: "href=\"/cases/").dropFirst().map { String($0.prefix(36)) }
            }
            #expect(shown == Array(expected.prefix(75)))
        }
    }

    @Test("unsigned emergencies come first, oldest first, found past a full batch of unsigned emergencies in states not shown")
    func queueEmergenciesFirst() async throws {
        try await withApp { app, _ in
            _ = try await SyntheticCases.write(app: app, count: 600, days: 30, seed: 5)
            let actor = try #require(await Self.actor(app, "district"))
            let visible = try await CaseRecord.visible(to: actor, on: app.db).all()
            func byOpening(_ a: CaseRecord, _ b: CaseRecord) -> Bool { (a.openedAt, a.number) < (b.openedAt, b.number) }
            // More closed emergencies nobody signed for than the queue reads in its first batch, all older than the
            // open ones: the queue must read on past them.
            let hidden = Array(visible.filter { !$0.state.isOpen }.sorted(by: byOpening).prefix(WorkbenchPagesController.urgentBatch + 10))
            let urgent = Array(visible.filter { $0.state.isOpen && $0.signedAt == nil }.sorted(by: byOpening).suffix(3))
            try #require(hidden.count == WorkbenchPagesController.urgentBatch + 10 && urgent.count == 3)
            try #require(urgent.allSatisfy { $0.openedAt > hidden.last!.openedAt })
            try await CaseRecord.query(on: app.db).filter(\.$id ~~ (hidden + urgent).map { $0.id! })
                .set(\.$emergencyMinutes, to: 15).set(\.$signedAt, to: nil).update()
            let open = try await CaseRecord.visible(to: actor, on: app.db).filter(\.$state ~~ CaseState.allCases.filter(\.isOpen)).all()
            func due(_ c: CaseRecord) -> Date { WorkStage.deadlineThatMatters(c.state) == .response ? c.responseDueAt : c.completionDueAt }
            let urgentIDs = Set(urgent.map(\.id!))
            let expected = (urgent.sorted(by: byOpening) + open.filter { !urgentIDs.contains($0.id!) }.sorted { (due($0), $0.number) < (due($1), $1.number) })
                .map { $0.id!.uuidString.lowercased() }
            var district = try await TestClient.browser(app, as: "district")
            let html = try await district.send(.GET, "/workbench").body.string
            let shown = html.components(separatedBy: "href=\"/cases/").dropFirst().map { String($0.prefix(36)) }
            #expect(shown == Array(expected.prefix(WorkbenchPagesController.pageSize)))
            #expect(html.components(separatedBy: "urgent-mark").count - 1 >= 3, "the three are marked as emergencies")
        }
    }

    static func actor(_ app: Application, _ username: String) async throws -> Actor? {
        guard let user = try await UserRecord.query(on: app.db).filter(\.$username == username).first() else { return nil }
        let grants = try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == user.id!).all().compactMap(\.grant)
        return Actor(userID: AccountID(user.id!), username: username, grants: grants)
    }

    @Test("the queue filters by level and state, refuses unknown filters with a message, and pages")
    func queue() async throws {
        try await withApp(households: 1_200) { app, _ in
            var worker = try await TestClient.browser(app, as: "worker")
            let all = try await worker.send(.GET, "/workbench?all=1")
            #expect(all.status == .ok && all.body.string.contains("诉求工作台"))
            let total = try #require(all.body.string.range(of: "共 ").map { Int(all.body.string[$0.upperBound...].prefix { $0.isNumber }) ?? 0 })
            #expect(total > 25, "\(total)")
            #expect(all.body.string.contains("offset=25"))
            let red = try await worker.send(.GET, "/workbench?sla=red&all=1")
            let html = red.body.string
            #expect(html.components(separatedBy: "class=\"sla sla-").count - 1 == html.components(separatedBy: "class=\"sla sla-red\"").count - 1)
            let bad = try await worker.send(.GET, "/workbench?state=nonsense")
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("form-messages"))
            // Another community's worker sees none of these cases.
            var other = try await TestClient.browser(app, as: "worker2")
            let theirs = try await other.send(.GET, "/workbench?all=1&sort=newest").body.string
            let first = try #require(html.range(of: "href=\"/cases/").map { String(html[$0.upperBound...].prefix(36)) })
            #expect(!theirs.contains(first))
        }
    }

    @Test("the case page offers only this user's actions; acting records the step with its photo; other users get 404")
    func casePage() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var api = try await TestClient.api(app, as: "worker")
            let id = try await api.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
                .content.decode(CaseDTO.self).id
            var worker = try await TestClient.browser(app, as: "worker")
            let page = try await worker.send(.GET, "/cases/\(id.uuidString)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("/act/accept") && page.body.string.contains("/act/reject") && !page.body.string.contains("/act/sign"))
            // A refusal needs its reason: the form comes back with the message; nothing changes.
            let refused = try await worker.sendForm("/cases/\(id.uuidString)/act/reject", fields: [("note", "")])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("form-messages"))
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .submitted)
            for action in ["accept", "dispatch", "sign", "start"] {
                let done = try await worker.sendForm("/cases/\(id.uuidString)/act/\(action)", fields: [("note", "")])
                #expect(done.status == .seeOther, "\(action)")
                #expect(try await worker.follow(done).body.string.contains("已完成"), "\(action)")
            }
            let replied = try await worker.sendForm("/cases/\(id.uuidString)/act/reply", fields: [("note", "已更换灯泡")],
                                                    files: [("photos[]", "after.png", "image/png", AttachmentTests.png)])
            #expect(replied.status == .seeOther)
            let photo = try #require(try await CaseAttachmentRecord.query(on: app.db).filter(\.$caseID == id).first())
            #expect(photo.eventSeq == 6)
            #expect(try await worker.follow(replied).body.string.contains("/attachments/\(photo.id!.uuidString.lowercased())"))
            // The phone follow-up (电话回访) is the worker's to record, with what the resident said; without it the
            // form comes back with the message and nothing changes.
            let unsaid = try await worker.sendForm("/cases/\(id.uuidString)/act/rate", fields: [("solved", "yes"), ("satisfaction", "basically_satisfied")])
            #expect(unsaid.status == .unprocessableEntity && unsaid.body.string.contains("请写下居民在电话里说了什么"))
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .replied)
            let rated = try await worker.sendForm("/cases/\(id.uuidString)/act/rate", fields: [("solved", "yes"), ("satisfaction", "basically_satisfied"),
                                                                                            ("note", "灯已经亮了，基本满意"), ("calledAt", "")])
            #expect(rated.status == .seeOther)
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .closed)
            let call = try #require(try await CaseFollowUpRecord.query(on: app.db).filter(\.$caseID == id).first())
            #expect(call.kind == .ratingCall && call.residentSaid == "灯已经亮了，基本满意" && call.satisfaction == "basically_satisfied")
            var other = try await TestClient.browser(app, as: "worker2")
            #expect(try await other.send(.GET, "/cases/\(id.uuidString)").status == .notFound)
            #expect(try await other.sendForm("/cases/\(id.uuidString)/act/reopen", fields: [("note", "x")]).status == .notFound)
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/cases/\(id.uuidString)").status == .seeOther)
        }
    }

    @Test("window entry finds a resident by exact phone, masked, and enters the case for them: it shows in their portal")
    func windowEntry() async throws {
        try await withApp { app, _ in
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let person = try #require(try await PersonRecord.find(user.$person.id!, on: app.db))
            let phone = try app.gongzhi.cipher.open(try #require(person.phoneSealed), field: .phone)
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/window").status == .ok)
            let found = try await worker.send(.POST, "/window/find", form: ["number": phone])
            #expect(found.status == .ok && found.body.string.contains(person.id!.uuidString.lowercased()))
            #expect(!found.body.string.contains(phone) && found.body.string.contains(Masking.phone(phone)))
            #expect(try await worker.send(.POST, "/window/find", form: ["number": "12345"]).status == .unprocessableEntity)
            let building = try await residentBuilding(app)
            let entered = try await worker.sendForm("/window", fields: [
                ("personId", person.id!.uuidString), ("channel", "hotline"), ("title", "楼道堆满杂物"), ("description", "电话反映"),
                ("item", ""), ("buildingId", building.uuidString),
            ])
            #expect(entered.status == .seeOther, "\(entered.body.string.prefix(400))")
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$channel == "hotline").filter(\.$title == "楼道堆满杂物").first())
            #expect(record.submitterPersonID == person.id && record.submitterUserID == user.id)
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/requests").body.string.contains(record.number))
            // A resident of another community cannot be entered by this worker.
            let f = try #require(try await makeFixture(app) as Fixture?)
            let outside = try await worker.sendForm("/window", fields: [("personId", f.personB.id!.uuidString), ("title", "x"), ("buildingId", building.uuidString)])
            #expect(outside.status == .unprocessableEntity)
        }
    }
}

@Suite("Case pages: supervision and the dashboard")
struct SupervisionPagesTests {
    @Test("the street sees its red cases and the arbitration queue; the dashboard draws three charts with tables; workers may not supervise")
    func pages() async throws {
        try await withApp(households: 400) { app, f in
            let f = try #require(f)
            // A twice-returned case goes to the street's arbitration queue.
            var api = try await TestClient.api(app, as: "worker")
            let id = try await api.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "patrol"])
                .content.decode(CaseDTO.self).id
            for action in ["accept", "dispatch", "return", "dispatch", "return"] {
                #expect(try await api.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/\(action)", json: ["note": "非本单位职责"]).status == .ok, "\(action)")
            }
            let number = try #require(try await CaseRecord.find(id, on: app.db)).number
            var street = try await TestClient.browser(app, as: "street")
            let supervise = try await street.send(.GET, "/supervise")
            #expect(supervise.status == .ok && supervise.body.string.contains("两次退单") && supervise.body.string.contains(number),
                    "\(supervise.status) \(supervise.body.string.prefix(1500))")
            let dashboard = try await street.send(.GET, "/dashboard")
            let html = dashboard.body.string
            #expect(dashboard.status == .ok)
            #expect(html.components(separatedBy: "<svg").count - 1 == 3 && html.components(separatedBy: "<caption>").count - 1 == 3)
            #expect(html.contains("role=\"img\"") && html.contains("受理量和按时办结率走势"))
            #expect(try await street.send(.GET, "/dashboard?from=2026-13-01").status == .unprocessableEntity)
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/supervise").status == .forbidden)
            #expect(try await worker.send(.GET, "/dashboard").status == .ok)
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/dashboard").status == .forbidden)
        }
    }
}
