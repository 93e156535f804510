import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Needs pages")
struct NeedPagesTests {
    @Test("a resident raises and supports a need on the pages; the worker takes it up with a public note")
    func raiseSupportTakeUp() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/needs/new").status == .ok)
            let blank = try await resident.send(.POST, "/needs", form: ["title": "", "description": "没有标题"])
            #expect(blank.status == .unprocessableEntity && blank.body.string.contains("没有标题"))
            let raised = try await resident.send(.POST, "/needs", form: ["title": "<b>加装座椅</b>", "place": "中心花园", "compoundId": ""])
            #expect(raised.status == .seeOther)
            let location = try #require(raised.headers.first(name: .location))
            let page = try await resident.send(.GET, location).body.string
            #expect(page.contains("&lt;b&gt;加装座椅&lt;/b&gt;") && !page.contains("<b>加装座椅</b>") && page.contains("我也支持"))
            let supported = try await resident.send(.POST, location + "/support", form: [:])
            #expect(supported.status == .seeOther)
            let after = try await resident.send(.GET, location + "?done=support").body.string
            #expect(after.contains("感谢您的附议") && after.contains("您已附议") && !after.contains("我也支持（附议）</button>"))
            #expect(try await resident.send(.POST, location + "/support", form: [:]).status == .conflict)
            #expect(try await resident.send(.GET, "/needs").body.string.contains("加装座椅"))

            var worker = try await TestClient.browser(app, as: "worker")
            let staffPage = try await worker.send(.GET, location).body.string
            #expect(staffPage.contains("处理这条需求"))
            let noReason = try await worker.send(.POST, location + "/decide", form: ["decision": "decline", "note": ""])
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("form-messages"))
            let taken = try await worker.send(.POST, location + "/decide", form: ["decision": "take_up", "note": "下次议事会讨论"])
            #expect(taken.status == .seeOther)
            let now = try await resident.send(.GET, location).body.string
            #expect(now.contains("已列为议题") && now.contains("下次议事会讨论"))
        }
    }

    @Test("repeated cases show on the suggestions page and become a need from its form")
    func suggestionsPage() async throws {
        try await withApp { app, _ in
            var api = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            for title in ["电梯又坏了", "电梯停运", "电梯困人"] {
                #expect(try await api.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: title, buildingId: building, itemCode: "PRC-006")).status == .created)
            }
            var worker = try await TestClient.browser(app, as: "worker")
            let html = try await worker.send(.GET, "/needs/suggestions").body.string
            #expect(html.contains("电梯困人") && html.contains("name=\"caseIds[]\""))
            // The form of the lift group (the demo district may have other repeated groups).
            let form = try #require(html.components(separatedBy: "<form").first { $0.contains("电梯困人") })
            let ids = form.components(separatedBy: "name=\"caseIds[]\" value=\"").dropFirst().map { String($0.prefix(36)) }
            #expect(ids.count == 3)
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(try await resident.send(.GET, "/needs/suggestions").status == .forbidden)
            let made = try await worker.send(.POST, "/needs/from-cases", raw: (ids.map { "caseIds[]=\($0)" } + ["title=电梯维保", "_csrf=\(worker.csrf ?? "")"]).joined(separator: "&"),
                                            contentType: .urlEncodedForm)
            #expect(made.status == .seeOther)
            #expect(try await NeedRecord.query(on: app.db).filter(\.$origin == .cases).count() == 1)
            #expect(!(try await worker.send(.GET, "/needs/suggestions").body.string.contains("电梯困人")))
        }
    }
}
