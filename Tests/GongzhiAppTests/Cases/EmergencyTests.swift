import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Emergencies come first")
struct EmergencyTests {
    struct Report: Encodable, Sendable {
        let title: String
        let description: String
        let buildingId: UUID
        let itemCode: String
        let answers: [String: [String]]
    }

    @Test("someone trapped in a lift: due in 15 minutes, the resident told whom to call, first in the worker's queue, the community and the street alerted; signed for, the alert ends")
    func trappedInALift() async throws {
        try await withApp { app, _ in
            let building = try await residentBuilding(app)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: Report(
                title: "电梯坏了，有人被困在里面", description: "3单元电梯停在两层之间，里面有老人", buildingId: building, itemCode: "PRC-001",
                answers: ["trapped": ["yes"]]))
            #expect(created.status == .created, "\(created.body.string)")
            let dto = try created.content.decode(CaseDTO.self)
            #expect(abs(dto.responseDueAt.timeIntervalSince(app.clock.now) - 15 * 60) < 1)
            let record = try #require(try await CaseRecord.find(dto.id, on: app.db))
            #expect(record.emergencyMinutes == 15)
            // The alert is there at once, before any background round, where the community and the street see it.
            let warning = try #require(try await WarningRecord.query(on: app.db).filter(\.$kind == .emergency).first())
            #expect(warning.caseID == dto.id && warning.orgPath == record.placePath && warning.state == .open)
            for (who, sees) in [("worker", true), ("street", true), ("worker2", false)] {
                var client = try await TestClient.api(app, as: who)
                let list = try await client.send(.GET, "/api/v1/warnings").content.decode([WarningDTO].self)
                #expect(list.contains { $0.kind == .emergency && $0.caseId == dto.id } == sees, "\(who)")
            }
            // The resident's page says whom to call, first: on the form's second step already, and after sending.
            var residentPage = try await TestClient.browser(app, as: "resident")
            _ = try await residentPage.send(.GET, "/requests/new")
            let step2 = try await residentPage.send(.POST, "/requests/new", form: ["title": "电梯坏了，有人被困在里面", "description": "快来人"])
            #expect(step2.status == .ok && step2.body.string.contains("tel:96333"))
            let page = try await residentPage.send(.GET, "/requests/\(dto.id.uuidString.lowercased())")
            let body = page.body.string
            #expect(body.contains("tel:96333") && body.contains("tel:119") && body.contains("15 分钟内"))
            // The worker's queue starts with it, marked, whatever else is due sooner.
            var worker = try await TestClient.browser(app, as: "worker")
            let queue = try await worker.send(.GET, "/workbench").body.string
            let firstRow = try #require(queue.range(of: "<tbody>").map { String(queue[$0.upperBound...].prefix(600)) })
            #expect(firstRow.contains("urgent-mark") && firstRow.contains("电梯坏了"))
            let casePage = try await worker.send(.GET, "/cases/\(dto.id.uuidString.lowercased())").body.string
            #expect(casePage.contains("urgent-mark") && casePage.contains("15"))
            // Accepted and passed on is not yet help on the spot: the alert stays until the one responsible signs for it.
            var api = try await TestClient.api(app, as: "worker")
            for action in ["accept", "dispatch"] {
                #expect(try await api.send(.POST, "/api/v1/cases/\(dto.id.uuidString)/actions/\(action)", json: ["note": "已联系电梯公司"]).status == .ok)
            }
            _ = try await Warnings.evaluate(app.context())
            #expect(try await WarningRecord.find(warning.id, on: app.db)?.state == .open)
            #expect(try await worker.send(.GET, "/workbench").body.string.contains("urgent-mark"))
            #expect(try await api.send(.POST, "/api/v1/cases/\(dto.id.uuidString)/actions/sign", json: ["note": "维保人员已出发"]).status == .ok)
            _ = try await Warnings.evaluate(app.context())
            #expect(try await WarningRecord.find(warning.id, on: app.db)?.state == .resolved)
            #expect(!(try await worker.send(.GET, "/workbench").body.string.contains("urgent-mark")))
            #expect(!(try await residentPage.send(.GET, "/requests/\(dto.id.uuidString.lowercased())").body.string.contains("emergency-box")))
        }
    }

    @Test("the same item without danger is an ordinary case: working-hour limits, no alert, no mark")
    func notTrapped() async throws {
        try await withApp { app, _ in
            let building = try await residentBuilding(app)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: Report(
                title: "电梯坏了", description: "停在一楼不动", buildingId: building, itemCode: "PRC-001", answers: ["trapped": ["no"]]))
            let dto = try created.content.decode(CaseDTO.self)
            #expect(try await CaseRecord.find(dto.id, on: app.db)?.emergencyMinutes == nil)
            #expect(try await WarningRecord.query(on: app.db).filter(\.$kind == .emergency).count() == 0)
            _ = try await Warnings.evaluate(app.context())
            #expect(try await WarningRecord.query(on: app.db).filter(\.$kind == .emergency).count() == 0)
        }
    }
}

@Suite("Notes between staff stay between staff")
struct InternalNoteTests {
    @Test("a dispatch instruction is on the staff page (marked internal) but not on the resident's page, the API for the resident, or tracking; the reply is on all")
    func dispatchNoteStaysInternal() async throws {
        try await withApp { app, _ in
            let building = try await residentBuilding(app)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮", buildingId: building, anonymous: true))
            let dto = try created.content.decode(CaseDTO.self)
            let code = try #require(dto.trackingCode)
            var worker = try await TestClient.api(app, as: "worker")
            let id = dto.id.uuidString
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id)/actions/accept", json: ["note": "今天下班前更换"]).status == .ok)
            for action in ["dispatch", "sign"] { _ = try await worker.send(.POST, "/api/v1/cases/\(id)/actions/\(action)", json: ["note": "内部安排"]) }
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id)/actions/reply", json: ["note": "已更换灯泡"]).status == .ok)
            var staffPage = try await TestClient.browser(app, as: "worker")
            let staff = try await staffPage.send(.GET, "/cases/\(id.lowercased())").body.string
            #expect(staff.contains("今天下班前更换") && staff.contains("internal-note") && staff.contains("已更换灯泡"))
            var residentPage = try await TestClient.browser(app, as: "resident")
            let mine = try await residentPage.send(.GET, "/requests/\(id.lowercased())").body.string
            #expect(!mine.contains("今天下班前更换") && !mine.contains("内部安排") && mine.contains("已更换灯泡"))
            let api = try await resident.send(.GET, "/api/v1/cases/\(id)").body.string
            #expect(!api.contains("今天下班前更换") && api.contains("已更换灯泡"))
            var visitor = TestClient(app)
            let tracked = try await visitor.send(.GET, "/api/v1/cases/track/\(code)").body.string
            #expect(!tracked.contains("今天下班前更换") && tracked.contains("已更换灯泡"))
            let trackPage = try await visitor.send(.GET, "/track?code=\(code)").body.string
            #expect(!trackPage.contains("今天下班前更换") && trackPage.contains("已更换灯泡"))
        }
    }
}

@Suite("The supervision page: warnings grouped, in words a supervisor acts on")
struct SupervisionGroupsTests {
    @Test("warnings grouped by kind, emergencies first, each with its title, its grid named with its community, how long overdue and who holds it; a case listed once")
    func grouped() async throws {
        try await withApp { app, _ in
            let building = try await residentBuilding(app)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: EmergencyTests.Report(
                title: "电梯坏了，有人被困在里面", description: "快来人", buildingId: building, itemCode: "PRC-001", answers: ["trapped": ["yes"]]))
            let dto = try created.content.decode(CaseDTO.self)
            app.clock.advance(by: 20 * 60)
            _ = try await Warnings.evaluate(app.context())
            var street = try await TestClient.browser(app, as: "street")
            let page = try await street.send(.GET, "/supervise").body.string
            let emergency = try #require(page.range(of: "warning-group warning-emergency"))
            let first = try #require(page.range(of: "warning-group"))
            #expect(first.lowerBound == emergency.lowerBound, "emergencies come first")
            let group = String(page[emergency.lowerBound...].prefix(3_000))
            #expect(group.contains("电梯坏了，有人被困在里面") && group.contains("5 分钟") && group.contains("社区 · "))
            #expect(group.components(separatedBy: dto.number).count - 1 == 1, "once in its group")
            let below = try #require(page.range(of: "aria-labelledby=\"sec-"))
            #expect(!page[below.lowerBound...].contains(dto.number), "not again in the lists below the warnings")
        }
    }
}
