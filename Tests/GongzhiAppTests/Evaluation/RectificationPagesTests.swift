import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Rectification pages")
struct RectificationPagesTests {
    static func deadline(_ app: Application, days: Int) -> String {
        DayNumber(DayNumber(CivilDate(app.clock.now)).value + days).civil.description
    }

    @Test("on the pages: the street opens an item (a refused form comes back filled in), the community reports, the street sends back and verifies")
    func lifecycleOnPages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var street = try await TestClient.browser(app, as: "street")
            var worker = try await TestClient.browser(app, as: "worker")
            var other = try await TestClient.browser(app, as: "worker2")
            var resident = try await TestClient.browser(app, as: "resident")
            let communityA = f.communityA.id!.uuidString.lowercased()
            let deadline = Self.deadline(app, days: 5)

            // The form offers the street's own communities only.
            let list = try await street.send(.GET, "/rectifications")
            #expect(list.status == .ok)
            let listed = list.body.string
            #expect(listed.contains("开出整改事项") && listed.contains("value=\"\(communityA)\""))
            #expect(!listed.contains(f.communityB.id!.uuidString.lowercased()))

            // Refusals: the form again with the words kept and the field named; nothing written.
            let count = try await RectificationRecord.query(on: app.db).count()
            let empty = try await street.send(.POST, "/rectifications", form: ["ownerNodeId": communityA, "finding": " ", "plan": "补齐台账", "deadline": deadline])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.string.contains("发现的问题：必填。") && empty.body.string.contains("补齐台账"))
            let elsewhere = try await street.send(.POST, "/rectifications", form: ["ownerNodeId": f.communityB.id!.uuidString, "finding": "台账不全", "deadline": deadline])
            #expect(elsewhere.status == .unprocessableEntity && elsewhere.body.string.contains("责任单位：请从选项中选择。"))
            let past = try await street.send(.POST, "/rectifications", form: ["ownerNodeId": communityA, "finding": "台账不全", "deadline": Self.deadline(app, days: -1)])
            #expect(past.status == .unprocessableEntity && past.body.string.contains("整改期限："))
            #expect(try await worker.send(.GET, "/rectifications").status == .ok)  // (the page gives the form token)
            let notSupervisor = try await worker.send(.POST, "/rectifications", form: ["ownerNodeId": communityA, "finding": "台账不全", "deadline": deadline])
            #expect(notSupervisor.status == .forbidden && notSupervisor.body.string.contains("您没有权限"), "refused for its role, not for a missing token")
            #expect(try await RectificationRecord.query(on: app.db).count() == count)

            let created = try await street.send(.POST, "/rectifications", form: ["ownerNodeId": communityA, "finding": "居民议事会记录不全", "plan": "两周内补齐",
                                                                                 "deadline": deadline])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers.first(name: .location))
            #expect(location.hasSuffix("?done=create"))
            let path = String(location.prefix { $0 != "?" })
            let opened = try await street.send(.GET, location).body.string
            #expect(opened.contains("整改事项已开出") && opened.contains("居民议事会记录不全") && opened.contains("两周内补齐") && opened.contains(f.communityA.name))
            #expect(!opened.contains("核验通过</button>"), "nothing to review yet")

            // Seen at the owner's place and by the supervisor; by nobody else.
            #expect(try await worker.send(.GET, "/rectifications").body.string.contains("居民议事会记录不全"))
            #expect(!(try await other.send(.GET, "/rectifications").body.string.contains("居民议事会记录不全")))
            #expect(try await other.send(.GET, path).status == .notFound)
            #expect(try await other.send(.POST, path + "/submit", form: ["text": "x"]).status == .notFound)
            #expect(try await resident.send(.GET, path).status == .forbidden)
            #expect(try await resident.send(.GET, "/rectifications").status == .forbidden)

            // The community reports; it cannot verify its own report.
            let page = try await worker.send(.GET, path).body.string
            #expect(page.contains("提交整改情况") && !page.contains("开出整改事项") && !page.contains("核验通过</button>"))
            let blank = try await worker.send(.POST, path + "/submit", form: ["text": ""])
            #expect(blank.status == .unprocessableEntity && blank.body.string.contains("内容：必填。"))
            let reported = try await worker.send(.POST, path + "/submit", form: ["text": "已补齐 1—10 月记录"])
            #expect(reported.status == .seeOther && reported.headers.first(name: .location) == path + "?done=submit")
            #expect(try await worker.send(.POST, path + "/verify", form: ["text": "好了"]).status == .forbidden)

            // The street sends it back, it is reported again, and verified.
            let review = try await street.send(.GET, path).body.string
            #expect(review.contains("已补齐 1—10 月记录") && review.contains("核验通过</button>") && review.contains("退回重新整改</button>"))
            #expect(try await street.send(.POST, path + "/send_back", form: ["text": "缺 9 月签字"]).status == .seeOther)
            let back = try await worker.send(.GET, path).body.string
            #expect(back.contains("缺 9 月签字") && back.contains("待整改"))
            #expect(try await worker.send(.POST, path + "/submit", form: ["text": "已补签"]).status == .seeOther)
            #expect(try await street.send(.POST, path + "/verify", form: ["text": "核验通过"]).status == .seeOther)
            let done = try await worker.send(.GET, path).body.string
            #expect(done.contains("已核验，整改完成") && !done.contains("提交整改情况</h2>"))
            let again = try await street.send(.POST, path + "/verify", form: ["text": "again"])
            #expect(again.status == .conflict && again.body.string.contains("这项整改现在不能这样操作"))
            #expect(try await street.send(.POST, path + "/undo", form: ["text": ""]).status == .notFound)
            let stored = try #require(try await RectificationRecord.query(on: app.db).filter(\.$finding == "居民议事会记录不全").first())
            #expect(stored.state == .verified && stored.evidence == "已补签" && stored.reviewNote == "核验通过")
        }
    }

    @Test("the list filters by state, marks overdue items in words, and shows stored markup escaped")
    func listFiltersAndMarks() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var street = try await TestClient.api(app, as: "street")
            let x = AccessMatrixTests.xss
            let late = try await street.send(.POST, "/api/v1/rectifications", json: RectificationsTests.NewItem(
                ownerNodeId: f.communityA.id!, finding: "消防通道堵塞" + x, plan: "清理" + x, deadline: Self.deadline(app, days: 0)))
            #expect(late.status == .created)
            let item = try late.content.decode(RectificationsTests.Item.self)
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/rectifications/\(item.id)").status == .ok)
            #expect(try await worker.send(.POST, "/rectifications/\(item.id)/submit", form: ["text": "已清理" + x]).status == .seeOther)
            _ = try await street.send(.POST, "/api/v1/rectifications", json: RectificationsTests.NewItem(
                ownerNodeId: f.communityA.id!, finding: "井盖缺失", deadline: Self.deadline(app, days: 0)))
            app.clock.advance(by: 2 * 86_400)
            worker = try await TestClient.browser(app, as: "worker")  // the session has lapsed meanwhile

            let all = try await worker.send(.GET, "/rectifications").body.string
            #expect(all.contains("消防通道堵塞") && all.contains("井盖缺失") && all.contains("已逾期"))
            let open = try await worker.send(.GET, "/rectifications?state=open").body.string
            #expect(open.contains("井盖缺失") && !open.contains("消防通道堵塞"))
            let submitted = try await worker.send(.GET, "/rectifications?state=submitted").body.string
            #expect(submitted.contains("消防通道堵塞") && !submitted.contains("井盖缺失"))
            #expect(try await worker.send(.GET, "/rectifications?state=nonsense").status == .ok)
            for page in [all, try await worker.send(.GET, "/rectifications/\(item.id)").body.string] {
                #expect(!page.contains("<script>gzXSS") && !page.contains("<img src=x"))
                #expect(page.contains("&lt;script&gt;gzXSS()"))
            }
        }
    }
}
