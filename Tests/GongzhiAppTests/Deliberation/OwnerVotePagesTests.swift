import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Owners' vote pages")
struct OwnerVotePagesTests {
    @Test("staff draft and open a vote on the pages; an owner votes with one button and checks the receipt; the result is published with its margins")
    func voteOnPages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let compound = try await OwnerVotesTests.residentCompound(app)
            var worker = try await TestClient.browser(app, as: "worker")
            let form = try await worker.send(.GET, "/votes/new")
            #expect(form.status == .ok && form.body.string.contains(compound.name) && form.body.string.contains("改建、重建建筑物及其附属设施"))
            // A closing time in the past is refused with the form shown again.
            let past = try await worker.send(.POST, "/votes", form: ["compoundId": compound.id!.uuidString, "title": "加装电梯", "matter": "rebuild",
                                                                    "closesAt": "2020-01-01T18:00", "description": "1号楼加装电梯"])
            #expect(past.status == .unprocessableEntity && past.body.string.contains("截止时间必须晚于现在") && past.body.string.contains("1号楼加装电梯"))
            let closes = PageDates.local(testNow.addingTimeInterval(3 * 86_400))
            let created = try await worker.send(.POST, "/votes", form: ["compoundId": compound.id!.uuidString, "title": "加装电梯", "matter": "rebuild",
                                                                       "closesAt": closes, "description": "1号楼加装电梯"])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            let opened = try await worker.send(.POST, location + "/open", form: [:])
            #expect(opened.status == .seeOther)
            let staffPage = try await worker.send(.GET, location)
            #expect(staffPage.body.string.contains("录入书面表决票") && staffPage.body.string.contains("四分之三以上"))

            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/votes").body.string.contains("加装电梯"))
            let home = try await resident.send(.GET, "/").body.string
            #expect(home.contains("正在进行的业主表决") && home.contains("加装电梯"))
            let page = try await resident.send(.GET, location)
            #expect(page.status == .ok && page.body.string.contains("name=\"choice\" value=\"yes\""))
            // The demo resident votes for more than one home here: each has its own buttons, naming its entry.
            let pageHTML = page.body.string
            let key = try #require(pageHTML.range(of: "name=\"voterKey\" value=\"").map { start in
                String(pageHTML[start.upperBound...].prefix { $0 != "\"" })
            })
            // Three equal choices, none chosen beforehand; picking one asks to confirm it and writes nothing yet.
            #expect(pageHTML.contains("type=\"radio\" id=\"c-\(key)-yes\"") && !pageHTML.contains("value=\"yes\" required checked"))
            let picked = try await resident.send(.POST, location + "/ballot", form: ["choice": "abstain", "voterKey": key])
            #expect(picked.status == .ok && picked.body.string.contains("您选择的是：<strong>弃权</strong>") && picked.body.string.contains("name=\"confirm\" value=\"1\""))
            #expect(try await OwnerVoteBallotRecord.query(on: app.db).count() == 0)
            let cast = try await resident.send(.POST, location + "/ballot", form: ["choice": "abstain", "voterKey": key, "confirm": "1"])
            #expect(cast.status == .seeOther)
            let after = try await resident.send(.GET, location + "?done=ballot")
            let html = after.body.string
            #expect(html.contains("您的选票已收到") && html.contains("弃权"))
            let code = try #require(html.range(of: "<span class=\"code\">").map { String(html[$0.upperBound...].prefix(14)) })
            #expect(try await resident.send(.GET, location + "?receipt=\(code)").body.string.contains("这张选票已计入"))
            #expect(try await resident.send(.GET, location + "?receipt=XXXX-YYYY-ZZZZ").body.string.contains("没有找到这个回执码"))
            // A refused ballot shows the reason on the page.
            let bad = try await resident.send(.POST, location + "/ballot", form: ["choice": "maybe", "confirm": "1"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("form-messages"))
            // Another community's owner: not found.
            try await OwnerVotesTests.resident(app, username: "pageother", household: f.householdB, relation: .owner, community: f.communityB, seed: 21)
            var other = try await TestClient.browser(app, as: "pageother")
            #expect(try await other.send(.GET, location).status == .notFound)
            #expect(try await other.send(.POST, location + "/ballot", form: ["choice": "yes"]).status == .notFound)

            app.clock.advance(by: 3 * 86_400 + 60)
            // Three days later: sign in again (sessions end after idling).
            worker = try await TestClient.browser(app, as: "worker")
            resident = try await TestClient.browser(app, as: "resident")
            _ = try await worker.send(.GET, location)
            let closed = try await worker.send(.POST, location + "/close", form: [:])
            #expect(closed.status == .seeOther)
            let result = try await resident.send(.GET, location).body.string
            #expect(result.contains("表决结果") && result.contains("未通过") && result.contains("参与表决的业主不足法定比例"))
            #expect(!result.contains("name=\"choice\" value=\"yes\""))
        }
    }
}
