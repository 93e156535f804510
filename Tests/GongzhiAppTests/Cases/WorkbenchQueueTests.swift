import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// A worker's queue (issue 26): tabs per stage with counts, the deadline that matters now, several cases accepted
/// or dispatched at once, the org dispatched to in the timeline, the submitter on the case page.
@Suite("A worker's queue")
struct WorkbenchQueueTests {
    /// Three new cases raised by the demo resident in community A.
    static func threeNew(_ app: Application) async throws -> [CaseDTO] {
        var resident = try await TestClient.api(app, as: "resident")
        let building = try await residentBuilding(app)
        var made: [CaseDTO] = []
        for title in ["楼道灯不亮了", "楼下垃圾没人清", "门禁坏了打不开"] {
            let response = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: title, buildingId: building))
            made.append(try response.content.decode(CaseDTO.self))
        }
        return made
    }

    @Test("tabs per stage with their counts; the 'new' tab holds the new cases; each row says the deadline that matters now and who holds it")
    func tabs() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let made = try await Self.threeNew(app)
            var worker = try await TestClient.browser(app, as: "worker")
            let page = try await worker.send(.GET, "/workbench").body.string
            for label in ["全部未办结", "新的", "待派单", "待签收", "办理中", "待回访", "等别人"] { #expect(page.contains(label), "\(label)") }
            let newTab = try await worker.send(.GET, "/workbench?stage=new")
            #expect(newTab.status == .ok)
            let body = newTab.body.string
            #expect(body.contains("aria-current=\"page\">新的"))
            for dto in made { #expect(body.contains(dto.number)) }
            #expect(body.contains("签收期限") && body.contains("在谁手上") && body.contains("name=\"ids[]\""))
            // Once accepted elsewhere, a case leaves the "new" tab's rows.
            let bad = try await worker.send(.GET, "/workbench?stage=nonsense")
            #expect(bad.status == .unprocessableEntity)
            #expect(!body.contains("签收已超时"))
            // Past the response deadline, unsigned: marked late, whatever the completion deadline says.
            app.clock.advance(by: 3 * 86_400)
            var later = try await TestClient.browser(app, as: "worker")
            let late = try await later.send(.GET, "/workbench?stage=new").body.string
            #expect(late.contains("签收已超时"))
            // A community's cases, narrowed and said so above the list.
            let narrowed = try await later.send(.GET, "/workbench?grid=\(f.communityA.id!.uuidString.lowercased())&all=1").body.string
            #expect(narrowed.contains("只看：") && narrowed.contains(f.communityA.name))
        }
    }

    @Test("a worker accepts three new cases at once, then dispatches them together; the timeline names the org; a case of another community in the same request is refused and untouched")
    func bulk() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let made = try await Self.threeNew(app)
            // A case of community B, whose id a worker of A sends along.
            var stranger = try await TestClient.api(app, as: "worker2")
            let created = try await stranger.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道堆满杂物", buildingId: f.unitB.$building.id, channel: "window"))
            #expect(created.status == .created, "\(created.body.string)")
            let theirs = try await CaseRecord.find(try created.content.decode(CaseDTO.self).id, on: app.db)
            var worker = try await TestClient.browser(app, as: "worker")
            _ = try await worker.send(.GET, "/workbench?stage=new")
            var ids = made.map { $0.id.uuidString.lowercased() }
            if let theirs { ids.append(theirs.id!.uuidString.lowercased()) }
            let accepted = try await worker.sendForm("/workbench/bulk", fields: ids.map { ("ids[]", $0) } + [("action", "accept"), ("stage", "new")])
            #expect(accepted.status == .seeOther)
            let location = try #require(accepted.headers.first(name: .location))
            #expect(location.hasPrefix("/workbench?stage=new&") && location.contains("done=3"))
            let after = try await worker.follow(accepted).body.string
            #expect(after.contains("已受理 3 件"))
            for dto in made { #expect(try await CaseRecord.find(dto.id, on: app.db)?.state == .accepted) }
            // Accepted, they wait to be dispatched: on that tab, no longer among the new ones.
            let toDispatch = try await worker.send(.GET, "/workbench?stage=to_dispatch").body.string
            let stillNew = try await worker.send(.GET, "/workbench?stage=new").body.string
            for dto in made { #expect(toDispatch.contains(dto.number) && !stillNew.contains(dto.number)) }
            if let theirs {
                #expect(after.contains("1 件没有办成"))
                #expect(try await CaseRecord.find(theirs.id, on: app.db)?.state == .submitted)
            }
            // Dispatch needs an org.
            let noTarget = try await worker.sendForm("/workbench/bulk", fields: made.map { ("ids[]", $0.id.uuidString.lowercased()) } + [("action", "dispatch")])
            #expect(try await worker.follow(noTarget).body.string.contains("派给的单位"))
            let grid = f.gridA
            let dispatched = try await worker.sendForm("/workbench/bulk", fields: made.map { ("ids[]", $0.id.uuidString.lowercased()) }
                + [("action", "dispatch"), ("handlerNodeId", grid.id!.uuidString.lowercased())])
            #expect(try #require(dispatched.headers.first(name: .location)).contains("done=3"))
            for dto in made {
                let record = try #require(try await CaseRecord.find(dto.id, on: app.db))
                #expect(record.state == .dispatched && record.handlerNodeID == grid.id)
            }
            let casePage = try await worker.send(.GET, "/cases/\(made[0].id.uuidString.lowercased())").body.string
            #expect(casePage.contains("→ \(grid.name)"))
            // Nothing selected: said so, nothing done.
            let none = try await worker.sendForm("/workbench/bulk", fields: [("action", "accept")])
            #expect(try await worker.follow(none).body.string.contains("请先勾选"))
            // A resident cannot act in bulk.
            var resident = try await TestClient.browser(app, as: "resident")
            _ = try await resident.send(.GET, "/")
            let refused = try await resident.sendForm("/workbench/bulk", fields: [("ids[]", ids[0]), ("action", "accept")])
            #expect(refused.status == .forbidden)
        }
    }

    @Test("the case page names who raised it, masked, and shows the full number to those who may, for a reason, audited")
    func submitter() async throws {
        try await withApp { app, _ in
            let phone = "13912345681"
            var api = TestClient(app)
            _ = try await api.send(.POST, "/api/v1/auth/phone/code", json: ["phone": phone])
            let code = try #require(try PhoneSignInTests.codes(app, to: phone).last)
            let signedIn = try await api.send(.POST, "/api/v1/auth/phone/token", json: ["phone": phone, "code": code])
            api.bearer = try signedIn.content.decode(PhoneSignInController.PhoneToken.self).token
            let created = try await api.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼下垃圾没人清", buildingId: try await residentBuilding(app)))
            let id = try created.content.decode(CaseDTO.self).id.uuidString.lowercased()
            var worker = try await TestClient.browser(app, as: "worker")
            let page = try await worker.send(.GET, "/cases/\(id)").body.string
            #expect(page.contains("反映人") && page.contains("139****5681") && !page.contains(phone))
            #expect(page.contains("action=\"/cases/\(id)/submitter-number\""))
            let noReason = try await worker.send(.POST, "/cases/\(id)/submitter-number", form: ["reason": ""])
            #expect(noReason.status == .unprocessableEntity && !noReason.body.string.contains(phone))
            let shown = try await worker.send(.POST, "/cases/\(id)/submitter-number", form: ["reason": "电话回访"])
            #expect(shown.status == .ok && shown.body.string.contains("tel:\(phone)"))
            let audit = try #require(try await AuditRecord.query(on: app.db).filter(\.$action == "case.unmask_submitter").first())
            #expect(audit.summary.contains("电话回访") && !audit.summary.contains(phone))
            // A grid worker sees the case, not the way to the number.
            var grid = try await TestClient.browser(app, as: "grid")
            let gridPage = try await grid.send(.GET, "/cases/\(id)").body.string
            #expect(gridPage.contains("139****5681") && !gridPage.contains("submitter-number"))
            #expect(try await grid.send(.POST, "/cases/\(id)/submitter-number", form: ["reason": "想看看"]).status == .forbidden)
        }
    }
}
