import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Council, meeting and project pages")
struct CouncilPagesTests {
    @Test("on the pages: roster, a resource, a meeting with attendance and a decision, publication, a project with its shortfall, progress")
    func councilToProjectOnPages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!.uuidString
            var api = try await TestClient.api(app, as: "worker")
            let need = try await api.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: "修缮凉亭", communityId: f.communityA.id)).content.decode(NeedDTO.self)
            _ = try await api.send(.POST, "/api/v1/needs/\(need.id.uuidString)/take-up")

            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/council").body.string.contains("增加成员"))
            for (seat, name) in [("community", "王书记"), ("owners_committee", "李主任"), ("property_company", "张经理")] {
                #expect(try await worker.send(.POST, "/council/members", form: ["communityId": community, "seat": seat, "name": name]).status == .seeOther)
            }
            let badMoney = try await worker.send(.POST, "/council/resources", form: ["communityId": community, "kind": "funds", "provider": "unit",
                                                                                   "providerName": "某公司", "title": "公益资金", "amount": "12.345"])
            #expect(badMoney.status == .unprocessableEntity && badMoney.body.string.contains("form-messages"))
            #expect(try await worker.send(.POST, "/council/resources", form: ["communityId": community, "kind": "funds", "provider": "unit",
                                                                            "providerName": "某公司", "title": "公益资金", "amount": "3,000"]).status == .seeOther)
            let roster = try await worker.send(.GET, "/council").body.string
            #expect(roster.contains("张经理") && roster.contains("3,000.00 元"))

            let form = try await worker.send(.GET, "/meetings/new").body.string
            #expect(form.contains("修缮凉亭"))
            let scheduled = try await worker.send(.POST, "/meetings", raw: [
                "communityId=\(community)", "title=%E8%AE%AE%E4%BA%8B%E4%BC%9A", "heldAt=\(PageDates.local(testNow))", "agenda[]=\(need.id.uuidString.lowercased())",
                "_csrf=\(worker.csrf ?? "")"].joined(separator: "&"), contentType: .urlEncodedForm)
            #expect(scheduled.status == .seeOther)
            let location = try #require(scheduled.headers.first(name: .location))
            let meetingPage = try await worker.send(.GET, location).body.string
            #expect(meetingPage.contains("还不能形成决定") && !meetingPage.contains("记录决定"))
            let memberIDs = try await CouncilMemberRecord.query(on: app.db).all().map { $0.id!.uuidString.lowercased() }
            let recorded = try await worker.send(.POST, location + "/record", raw: (memberIDs.map { "present[]=\($0)" } + ["minutes=ok", "_csrf=\(worker.csrf ?? "")"])
                .joined(separator: "&"), contentType: .urlEncodedForm)
            #expect(recorded.status == .seeOther)
            #expect(try await worker.send(.GET, location).body.string.contains("记录决定"))
            #expect(try await worker.send(.POST, location + "/decide", form: ["needId": need.id.uuidString, "text": "同意修缮", "outcome": "agreed"]).status == .seeOther)
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, location).status == .notFound)
            #expect(try await worker.send(.POST, location + "/publish", form: [:]).status == .seeOther)
            let published = try await resident.send(.GET, location).body.string
            #expect(published.contains("同意修缮") && published.contains("王书记") && !published.contains("记录决定"))

            let decision = try #require(try await MeetingDecisionRecord.query(on: app.db).first())
            let projectForm = try await worker.send(.GET, "/projects/new?decision=\(decision.id!.uuidString)")
            #expect(projectForm.status == .ok && projectForm.body.string.contains("同意修缮"))
            let created = try await worker.send(.POST, "/projects", raw: [
                "decisionId=\(decision.id!.uuidString)", "title=%E5%87%89%E4%BA%AD", "ownerOrg=%E5%B1%85%E5%A7%94%E4%BC%9A", "budget=10000",
                "source[]=government", "resourceId[]=", "amount[]=8000", "source[]=other", "resourceId[]=", "amount[]=",
                "milestone[]=%E6%96%BD%E5%B7%A5", "dueOn[]=2026-12-20", "_csrf=\(worker.csrf ?? "")"].joined(separator: "&"), contentType: .urlEncodedForm)
            #expect(created.status == .seeOther, "\(created.body.string.prefix(500))")
            let projectPath = try #require(created.headers.first(name: .location))
            let projectPage = try await resident.send(.GET, projectPath).body.string
            #expect(projectPage.contains("资金缺口：2,000.00 元") && projectPage.contains("施工") && !projectPage.contains("发布进度"))
            #expect(try await worker.send(.POST, projectPath + "/update", form: ["text": "材料进场", "percent": "20"]).status == .seeOther)
            #expect(try await resident.send(.GET, projectPath).body.string.contains("材料进场"))
            #expect(try await resident.send(.POST, projectPath + "/update", form: ["text": "x", "percent": "20"]).status == .forbidden)
        }
    }
}
