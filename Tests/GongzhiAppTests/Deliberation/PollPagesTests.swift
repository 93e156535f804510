import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Poll pages and the deliberation hub")
struct PollPagesTests {
    @Test("staff draft a poll with options one per line; a resident answers; the result appears as a chart once closed")
    func pollOnPages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/polls/new").status == .ok)
            let closes = PageDates.local(testNow.addingTimeInterval(86_400))
            let one = try await worker.send(.POST, "/polls", form: ["communityId": f.communityA.id!.uuidString, "title": "活动时间", "options": "周六上午", "closesAt": closes])
            #expect(one.status == .unprocessableEntity && one.body.string.contains("2 到 20 个"))
            let created = try await worker.send(.POST, "/polls", form: ["communityId": f.communityA.id!.uuidString, "title": "活动时间",
                                                                        "options": "周六上午\n周日下午\n\n工作日晚上", "closesAt": closes])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            #expect(try await worker.send(.POST, location + "/open", form: [:]).status == .seeOther)

            var resident = try await TestClient.browser(app, as: "resident")
            let hub = try await resident.send(.GET, "/deliberation").body.string
            #expect(hub.contains("href=\"/polls\"") && hub.contains("href=\"/votes\"") && hub.contains("href=\"/needs\""))
            let page = try await resident.send(.GET, location).body.string
            // The hub's navigation item stays current on the pages it leads to.
            #expect(page.contains("href=\"/deliberation\" aria-current=\"page\""))
            #expect(page.contains("type=\"radio\"") && page.contains("工作日晚上") && !page.contains("<svg"))
            #expect(try await resident.send(.POST, location + "/vote", form: ["choices[]": "2"]).status == .seeOther)
            let after = try await resident.send(.GET, location + "?done=vote").body.string
            #expect(after.contains("您的意见已收到") && after.contains("value=\"2\" checked"))
            #expect(try await resident.send(.POST, location + "/vote", form: [:]).status == .unprocessableEntity)
            #expect(try await worker.send(.POST, location + "/close", form: [:]).status == .seeOther)
            let result = try await resident.send(.GET, location).body.string
            #expect(result.contains("<svg") && result.contains("已结束，结果已公布") && !result.contains("type=\"radio\""))
            #expect(try await resident.send(.GET, "/polls").body.string.contains("活动时间"))
        }
    }
}
