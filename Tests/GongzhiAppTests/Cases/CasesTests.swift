import Crypto
import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Cases: intake, routing, time limits, the workflow over HTTP")
struct CasesTests {
    struct NewCase: Encodable, Sendable {
        var title: String
        var description: String = ""
        var buildingId: UUID?
        var itemCode: String?
        var overrideReason: String?
        var channel: String?
        var anonymous: Bool?
        var `public`: Bool?
    }

    struct Act: Encodable, Sendable {
        var note: String?
        var handlerNodeId: UUID?
        var extraDays: Int?
        var solved: Bool?
        var satisfaction: String?
    }

    func act(_ client: inout TestClient, _ id: UUID, _ action: String, _ body: Act = Act()) async throws -> TestingHTTPResponse {
        try await client.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/\(action)", json: body)
    }

    @Test("a resident's request is classified, routed to the community, timed on the working calendar and audited")
    func intake() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let audits = try await app.auditCount()
            let response = try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道里堆满杂物", description: "三楼楼道堆放杂物影响通行", buildingId: building))
            #expect(response.status == .created, "\(response.body.string)")
            let dto = try response.content.decode(CaseDTO.self)
            #expect(dto.itemCode == "PRC-002" && dto.category == "PROPERTY_COMMERCIAL" && dto.catalogueVersion == 1)
            #expect(dto.proposals?.count ?? 0 >= 1 && dto.proposals?.first?.itemCode == "PRC-002")
            #expect(dto.handlerNodeId == f.communityA.id && dto.handlerParty == .propertyCompany)
            #expect(dto.state == .submitted && dto.channel == "resident")
            // Opened Wednesday 18 November 2026 at 19:06: 8 working hours from Thursday morning; 13 working days.
            let calendar = app.gongzhi.calendar
            #expect(dto.responseDueAt == calendar.deadline(from: testNow, workingHours: 8))
            #expect(CivilDate(dto.completionDueAt) == CivilDate(iso: "2026-12-07"))
            #expect(try await app.auditCount() == audits + 1)
            let detail = try await resident.send(.GET, "/api/v1/cases/\(dto.id.uuidString)")
            let read = try detail.content.decode(CaseDTO.self)
            #expect(read.timeline?.map(\.action) == ["submit"])
            #expect(read.actions == [])
            #expect(!detail.body.string.contains("submitter"))
        }
    }

    @Test("accept, dispatch, sign, start, reply, rate: the case closes, every step in the timeline")
    func fullFlow() async throws {
        try await withApp { app, f in
            _ = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            var worker = try await TestClient.api(app, as: "worker")
            let created = try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道灯不亮", description: "声控灯坏了", buildingId: try await residentBuilding(app)))
            let id = try created.content.decode(CaseDTO.self).id
            for (action, state) in [("accept", CaseState.accepted), ("dispatch", .dispatched), ("sign", .signed), ("start", .inProgress), ("reply", .replied)] {
                let response = try await act(&worker, id, action, Act(note: "已处理"))
                #expect(response.status == .ok, "\(action): \(response.body.string)")
                #expect(try response.content.decode(CaseDTO.self).state == state, "\(action)")
            }
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await act(&grid, id, "rate", Act(solved: true, satisfaction: "satisfied")).status == .forbidden)
            #expect(try await act(&resident, id, "rate", Act(solved: true)).status == .unprocessableEntity)
            let rated = try await act(&resident, id, "rate", Act(solved: true, satisfaction: "basically_satisfied"))
            #expect(rated.status == .ok)
            let closed = try rated.content.decode(CaseDTO.self)
            #expect(closed.state == .closed && closed.closedAt != nil && closed.ratingSatisfaction == "basically_satisfied")
            let detail = try await worker.send(.GET, "/api/v1/cases/\(id.uuidString)").content.decode(CaseDTO.self)
            #expect(detail.timeline?.map(\.action) == ["submit", "accept", "dispatch", "sign", "start", "reply", "rate_satisfied"])
            #expect(detail.timeline?.map(\.seq) == Array(1...7))
            #expect(detail.signedAt != nil && detail.repliedAt != nil)
        }
    }

    @Test("an impossible action answers 409 naming the actions allowed to this user")
    func invalidTransition() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let id = try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道灯不亮", buildingId: try await residentBuilding(app))).content.decode(CaseDTO.self).id
            let events = try await CaseEventRecord.query(on: app.db).count()
            let response = try await act(&worker, id, "sign")
            #expect(response.status == .conflict)
            let error = try response.content.decode(ErrorJSONWithAllowed.self).error
            #expect(error.code == "invalid_transition")
            #expect(error.allowed == ["accept", "reject", "escalate", "merge"])
            #expect(try await CaseEventRecord.query(on: app.db).count() == events)
            let unknown = try await act(&worker, id, "teleport")
            #expect(unknown.status == .notFound)
            let noReason = try await act(&worker, id, "reject", Act(note: "  "))
            #expect(noReason.status == .unprocessableEntity)
            #expect(try noReason.content.decode(ErrorJSON.self).error.field == "note")
        }
    }

    @Test("a second return goes to the street for arbitration; its decision binds")
    func arbitration() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var street = try await TestClient.api(app, as: "street")
            let created = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道堆物", buildingId: f.unitA.$building.id, channel: "window"))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(CaseDTO.self).id
            for action in ["accept", "dispatch"] { #expect(try await act(&worker, id, action).status == .ok) }
            #expect(try await act(&worker, id, "return", Act(note: "不属于物业职责")).content.decode(CaseDTO.self).state == .returned)
            #expect(try await act(&worker, id, "dispatch").status == .ok)
            let second = try await act(&worker, id, "return", Act(note: "仍不属于"))
            #expect(try second.content.decode(CaseDTO.self).state == .arbitration)
            #expect(try await act(&worker, id, "arbitrate", Act(note: "自己定", handlerNodeId: f.communityA.id)).status == .forbidden)
            let decided = try await act(&street, id, "arbitrate", Act(note: "由社区承办", handlerNodeId: f.communityA.id))
            #expect(decided.status == .ok, "\(decided.body.string)")
            #expect(try decided.content.decode(CaseDTO.self).arbitrated == true)
            let again = try await act(&worker, id, "return", Act(note: "再退"))
            #expect(again.status == .conflict)
            #expect(try again.content.decode(ErrorJSON.self).error.code == "arbitration_binds")
        }
    }

    @Test("another community's worker gets 404 and never sees the case in lists")
    func crossCommunity() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "电梯故障", buildingId: f.unitA.$building.id, channel: "window")).content.decode(CaseDTO.self).id
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.GET, "/api/v1/cases/\(id.uuidString)").status == .notFound)
            #expect(try await act(&other, id, "accept").status == .notFound)
            let list = try await other.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self)
            #expect(!list.items.contains { $0.id == id })
            let own = try await worker.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self)
            #expect(own.items.contains { $0.id == id })
            // Staff cannot file cases at places outside their reach.
            let outside = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "电梯故障", buildingId: f.unitB.$building.id, channel: "window"))
            #expect(outside.status == .notFound)
        }
    }

    @Test("a report against the community goes to the district and is invisible to the community")
    func reportAgainstCommunity() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "举报社区工作人员吃拿卡要", buildingId: try await residentBuilding(app), public: true))
            let dto = try created.content.decode(CaseDTO.self)
            #expect(dto.itemCode == "ADM-022" && dto.handlerParty == .supervisoryOrg && dto.public == false)
            let district = try #require(try await OrgNodeRecord.query(on: app.db).filter(\.$level == .district).first())
            #expect(dto.handlerNodeId == district.id)
            for name in ["worker", "grid"] {
                var insider = try await TestClient.api(app, as: name)
                #expect(try await insider.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").status == .notFound, "\(name)")
                #expect(!(try await insider.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self).items.contains { $0.id == dto.id }), "\(name)")
            }
            var officer = try await TestClient.api(app, as: "district")
            #expect(try await officer.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").status == .ok)
            // Nor is it in the community's KPIs, once it is in the rollups; the district counts it.
            _ = try await KPIRollups.catchUpAll(app.context())
            let day = CivilDate(testNow).description
            func intake(_ client: inout TestClient, by: String) async throws -> Int {
                try await client.send(.GET, "/api/v1/kpis?from=\(day)&to=\(day)&by=\(by)").content.decode(KPIAPIController.Answer.self).total.intake
            }
            var worker = try await TestClient.api(app, as: "worker")
            for by in ["community", "category", "day"] {
                #expect(try await intake(&worker, by: by) == 0, "\(by)")
                #expect(try await intake(&officer, by: by) == 1, "\(by)")
            }
            _ = f
        }
    }

    @Test("an anonymous submitter gets a tracking code; the case never names them")
    func anonymous() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "高空抛物", description: "楼上扔瓶子", buildingId: try await residentBuilding(app), anonymous: true))
            let dto = try created.content.decode(CaseDTO.self)
            let code = try #require(dto.trackingCode)
            var worker = try await TestClient.api(app, as: "worker")
            let seen = try await worker.send(.GET, "/api/v1/cases/\(dto.id.uuidString)")
            #expect(seen.status == .ok)
            let read = try seen.content.decode(CaseDTO.self)
            #expect(read.anonymous && read.trackingCode == nil && read.timeline?.first?.actor == "anonymous")
            let residentName = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first()).displayName
            #expect(!seen.body.string.contains(residentName))
            var stranger = TestClient(app)
            let tracked = try await stranger.send(.GET, "/api/v1/cases/track/\(code)")
            #expect(tracked.status == .ok && tracked.body.string.contains(dto.number))
            #expect(try await stranger.send(.GET, "/api/v1/cases/track/WRONGCODE99").status == .notFound)
        }
    }

    @Test("a suspension pushes the deadline back; an extension adds working days; only the street approves them")
    func suspendAndExtend() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var street = try await TestClient.api(app, as: "street")
            let id = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "物业费纠纷", buildingId: f.unitA.$building.id, channel: "window")).content.decode(CaseDTO.self).id
            for action in ["accept", "dispatch", "sign"] { _ = try await act(&worker, id, action) }
            let due = try #require(try await CaseRecord.find(id, on: app.db)).completionDueAt
            // The handler asks; the street approves by suspending.
            let asked = try await act(&worker, id, "request_suspension", Act(note: "业主出国，需等待"))
            #expect(asked.status == .ok)
            #expect(try asked.content.decode(CaseDTO.self).state == .signed)
            #expect(try await act(&street, id, "request_suspension", Act(note: "x")).status == .forbidden)
            #expect(try await act(&worker, id, "suspend", Act(note: "等待业主回国")).status == .forbidden)
            #expect(try await act(&street, id, "suspend", Act(note: "等待业主回国")).content.decode(CaseDTO.self).state == .suspended)
            app.clock.advance(by: 7 * 24 * 3600)
            let resumed = try await act(&street, id, "resume", Act(note: "业主已回"))
            #expect(try resumed.content.decode(CaseDTO.self).state == .signed)
            let pushed = try resumed.content.decode(CaseDTO.self).completionDueAt
            #expect(app.gongzhi.calendar.workingSeconds(from: due, to: pushed) == app.gongzhi.calendar.workingSeconds(from: testNow, to: testNow.addingTimeInterval(7 * 24 * 3600)))
            let extended = try await act(&street, id, "extend", Act(note: "需要维修资金", extraDays: 5))
            #expect(extended.status == .ok)
            #expect(CivilDate(try extended.content.decode(CaseDTO.self).completionDueAt) > CivilDate(pushed))
            #expect(try await act(&street, id, "extend", Act(note: "x", extraDays: 99)).status == .unprocessableEntity)
        }
    }

    @Test("staff overriding the classification must say why; the catalogue is served")
    func overrideAndCatalogue() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let bare = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道堆物", buildingId: f.unitA.$building.id, itemCode: "PRO-003", channel: "window"))
            #expect(bare.status == .unprocessableEntity)
            #expect(try bare.content.decode(ErrorJSON.self).error.field == "overrideReason")
            let reasoned = try await worker.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道堆物", buildingId: f.unitA.$building.id, itemCode: "PRO-003", overrideReason: "老旧小区无物业", channel: "window"))
            #expect(try reasoned.content.decode(CaseDTO.self).itemCode == "PRO-003")
            #expect(try await CaseRecord.query(on: app.db).filter(\.$overrideReason == "老旧小区无物业").count() == 1)
            let catalogue = try await worker.send(.GET, "/api/v1/catalogue").content.decode(Catalogue.self)
            #expect(catalogue.version == 1 && catalogue.items.count >= 60)
            // An item chosen by hand asks its questions; the answers are kept with the case.
            struct Lift: Encodable, Sendable { let title = "电梯故障"; let buildingId: UUID; let itemCode = "PRC-001"; let channel = "hotline"; var answers: [String: [String]] }
            let unanswered = try await worker.send(.POST, "/api/v1/cases", json: Lift(buildingId: f.unitA.$building.id, answers: [:]))
            #expect(unanswered.status == .unprocessableEntity)
            #expect(try unanswered.content.decode(ErrorJSON.self).error.field == "attribute[trapped]")
            let answered = try await worker.send(.POST, "/api/v1/cases", json: Lift(buildingId: f.unitA.$building.id, answers: ["trapped": ["yes"]]))
            #expect(try answered.content.decode(CaseDTO.self).answers == ["trapped": ["yes"]])
        }
    }
}

struct ErrorJSONWithAllowed: Decodable {
    struct Detail: Decodable {
        let code: String
        let allowed: [String]?
    }

    let error: Detail
}

@Suite("One channel rule for every way in")
struct IntakeChannelTests {
    @Test("staff on the resident's page and a resident naming another channel in the API are both told the channel is wrong; nothing is written")
    func sameRuleEverywhere() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let before = try await CaseRecord.query(on: app.db).count()
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app).uuidString
            let named = try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": building, "channel": "window"])
            #expect(named.status == .unprocessableEntity)
            #expect(try named.content.decode(ErrorJSON.self).error.field == "channel")
            var staffAPI = try await TestClient.api(app, as: "worker")
            let asResident = try await staffAPI.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": f.unitA.$building.id.uuidString,
                                                                                   "channel": "resident"])
            #expect(asResident.status == .unprocessableEntity)
            #expect(try asResident.content.decode(ErrorJSON.self).error.field == "channel")
            var staffPage = try await TestClient.browser(app, as: "worker")
            _ = try await staffPage.send(.GET, "/requests/new")
            let page = try await staffPage.sendForm("/requests", fields: [("title", "楼道灯不亮"), ("item", "other"), ("otherItem", "电梯故障"),
                                                                          ("q[trapped]", "no"), ("buildingId", f.unitA.$building.id.uuidString)])
            #expect(page.status == .unprocessableEntity, "\(page.status)")
            #expect(page.body.string.contains("窗口受理"), "staff are told where to enter it")
            #expect(try await CaseRecord.query(on: app.db).count() == before)
            // The resident's own channel needs no naming; the API's default for staff is `api`.
            #expect(try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": building]).status == .created)
            let staff = try await staffAPI.send(.POST, "/api/v1/cases", json: ["title": "井盖松动", "buildingId": f.unitA.$building.id.uuidString])
            #expect(try staff.content.decode(CaseDTO.self).channel == "api")
        }
    }
}
