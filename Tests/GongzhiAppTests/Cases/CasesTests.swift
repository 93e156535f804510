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
            let district = try #require(try await OrgNode.query(on: app.db).filter(\.$level == .district).first())
            #expect(dto.handlerNodeId == district.id)
            for name in ["worker", "grid"] {
                var insider = try await TestClient.api(app, as: name)
                #expect(try await insider.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").status == .notFound, "\(name)")
                #expect(!(try await insider.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self).items.contains { $0.id == dto.id }), "\(name)")
            }
            var officer = try await TestClient.api(app, as: "district")
            #expect(try await officer.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").status == .ok)
            // Nor is it in the community's KPIs, once it is in the rollups; the district counts it.
            _ = try await KPIRollups.catchUpAll(app)
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
            let residentName = try #require(try await User.query(on: app.db).filter(\.$username == "resident").first()).displayName
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

@Suite("Catalogue administration and versions")
struct CatalogueAdminTests {
    @Test("editing an item publishes a new version; an open case keeps the rules it was opened under")
    func versions() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var admin = try await TestClient.api(app, as: "admin")
            let first = try await worker.send(.POST, "/api/v1/cases", json: ["title": "电梯故障", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            #expect(first.catalogueVersion == 1)
            #expect(try await worker.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["completionDays": 2]).status == .forbidden)
            let edited = try await admin.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["completionDays": 2])
            #expect(edited.status == .ok, "\(edited.body.string)")
            let bad = try await admin.send(.PATCH, "/api/v1/catalogue/items/PRC-001", json: ["responseHours": 0])
            #expect(bad.status == .unprocessableEntity)
            #expect(try bad.content.decode(ErrorJSON.self).error.field == "responseHours")
            let second = try await worker.send(.POST, "/api/v1/cases", json: ["title": "电梯故障", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            #expect(second.catalogueVersion == 2)
            #expect(CivilDate(second.completionDueAt) == CivilDate(app.gongzhi.calendar.deadline(from: testNow, workingDays: 2)))
            let reread = try await worker.send(.GET, "/api/v1/cases/\(first.id.uuidString)").content.decode(CaseDTO.self)
            #expect(reread.catalogueVersion == 1 && reread.completionDueAt == first.completionDueAt)
            #expect(try await CatalogueStore.item("PRC-001", version: 1, on: app.db)?.completionDays == 0)
        }
    }

    @Test("export as JSON and CSV; importing the export publishes the next version; a broken import is refused")
    func importExport() async throws {
        try await withApp(seed: false) { app, _ in
            let security = try await app.write { db in try await makeAdmin(db, app) }
            _ = security
            var admin = try await TestClient.api(app, as: "sysadmin")
            let json = try await admin.send(.GET, "/api/v1/catalogue/export")
            let catalogue = try json.content.decode(Catalogue.self)
            let csv = try await admin.send(.GET, "/api/v1/catalogue/export?format=csv")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            #expect(lines.count == catalogue.items.count + 1)
            #expect(try CSV.parse(csv.body.string).dropFirst().map { $0[0] } == catalogue.items.map(\.code))
            let imported = try await admin.send(.POST, "/api/v1/catalogue", json: catalogue)
            #expect(imported.status == .created)
            #expect(try imported.content.decode(Catalogue.self).version == 2)
            let broken = Catalogue(version: 9, name: "x", categories: Array(catalogue.categories.dropFirst()), items: [])
            let refused = try await admin.send(.POST, "/api/v1/catalogue", json: broken)
            #expect(refused.status == .unprocessableEntity)
            #expect(try await CatalogueVersion.query(on: app.db).count() == 2)
        }
    }

    func makeAdmin(_ db: any Database, _ app: Application) async throws -> UUID {
        let user = User(username: "sysadmin", displayName: "系统管理员", passwordHash: app.gongzhi.passwords.hash(demoPassword), now: testNow)
        try await user.create(on: db)
        try await RoleGrantRecord(userID: user.id!, role: .systemAdmin, nodeID: nil, path: .root, grantedBy: nil).create(on: db)
        return user.id!
    }
}

@Suite("Duplicates and merging")
struct DuplicateTests {
    @Test("a second case of the same item at the same place is proposed as a duplicate and can be merged into the first")
    func duplicates() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let body = ["title": "井盖缺失", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"]
            let first = try await worker.send(.POST, "/api/v1/cases", json: body).content.decode(CaseDTO.self)
            let second = try await worker.send(.POST, "/api/v1/cases", json: body).content.decode(CaseDTO.self)
            #expect(second.possibleDuplicates?.contains(first.id) == true)
            #expect(second.possibleDuplicates?.contains(second.id) == false)
            struct Merge: Encodable, Sendable { let note: String; let mergeInto: UUID }
            let merged = try await worker.send(.POST, "/api/v1/cases/\(second.id.uuidString)/actions/merge", json: Merge(note: "重复诉求", mergeInto: first.id))
            #expect(merged.status == .ok, "\(merged.body.string)")
            let dto = try merged.content.decode(CaseDTO.self)
            #expect(dto.state == .merged && dto.mergedInto == first.id)
            let selfMerge = try await worker.send(.POST, "/api/v1/cases/\(first.id.uuidString)/actions/merge", json: Merge(note: "x", mergeInto: first.id))
            #expect(selfMerge.status == .unprocessableEntity)
            // Residents are not shown other people's cases as duplicates.
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let mine = try await resident.send(.POST, "/api/v1/cases", json: ["title": "井盖缺失", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            #expect(mine.possibleDuplicates == nil)
        }
    }
}

extension DuplicateTests {
    struct PlacedCase: Encodable, Sendable {
        var title = "井盖缺失"
        var gridId: UUID?
        var latitude: Double?
        var longitude: Double?
        var channel = "patrol"
    }

    @Test("coordinates place a case at the nearest building's grid; far-away coordinates are refused")
    func coordinatesToGrid() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let building = try #require(try await Building.find(f.unitA.$building.id, on: app.db))
            let spot = try #require(building.location).offset(north: 12, east: -5)
            let placed = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: spot.latitude, longitude: spot.longitude))
            #expect(placed.status == .created, "\(placed.body.string)")
            let record = try #require(try await CaseRecord.find(try placed.content.decode(CaseDTO.self).id, on: app.db))
            #expect(record.placePath == building.orgPath && record.latitude == spot.latitude)
            // The nearest building wins even when another is in reach.
            let nearest = try #require(try await CaseIntake.nearestBuilding(to: spot, on: app.db))
            #expect(nearest.id == building.id)
            let far = try #require(building.location).offset(north: 40_000, east: 0)
            let refused = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: far.latitude, longitude: far.longitude))
            #expect(refused.status == .unprocessableEntity)
            #expect(try refused.content.decode(ErrorJSON.self).error.field == "latitude")
            let half = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(latitude: spot.latitude))
            #expect(try half.content.decode(ErrorJSON.self).error.field == "longitude")
            // Buildings take a point through the API, both coordinates or neither.
            let patched = try await worker.send(.PATCH, "/api/v1/org/buildings/\(building.id!.uuidString)", json: ["latitude": 39.95, "longitude": 116.35])
            #expect(try patched.content.decode(BuildingDTO.self).latitude == 39.95)
            #expect(try await worker.send(.PATCH, "/api/v1/org/buildings/\(building.id!.uuidString)", json: ["latitude": 39.95]).status == .unprocessableEntity)
        }
    }

    @Test("a case within 50 m in another grid is a possible duplicate; one 80 m away is not")
    func withinFiftyMetres() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let other = OrgNode(level: .grid, name: "第九网格", code: "G9", parentID: f.communityA.id!, parentPath: f.communityA.orgPath)
            try await other.create(on: app.db)
            let spot = GeoPoint(latitude: 39.99, longitude: 116.30)!
            func submit(grid: UUID, _ point: GeoPoint) async throws -> CaseDTO {
                let response = try await worker.send(.POST, "/api/v1/cases", json: PlacedCase(gridId: grid, latitude: point.latitude, longitude: point.longitude))
                #expect(response.status == .created, "\(response.body.string)")
                return try response.content.decode(CaseDTO.self)
            }
            let first = try await submit(grid: f.gridA.id!, spot)
            let near = try await submit(grid: other.id!, spot.offset(north: 30, east: 30))
            #expect(near.possibleDuplicates == [first.id])
            let farther = try await submit(grid: other.id!, spot.offset(north: 80, east: 0))
            // Same grid as `near`, 80 m from `first`.
            #expect(farther.possibleDuplicates == [near.id])
        }
    }
}

@Suite("Merged cases keep their submitters informed")
struct MergeNoticeTests {
    struct Merge: Encodable, Sendable { let note: String; let mergeInto: UUID }

    @Test("a merged duplicate's submitter is told, follows the master (sees it, cannot act), and hears of its reply")
    func followTheMaster() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            // The master: entered at the window for someone else, private, with words the resident must not read.
            let master = try await worker.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "description": "王阿姨家门口声控灯坏了，电话 138",
                                                                                "buildingId": building.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            let older = try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            let duplicate = try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯坏了", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            // Before any merge the resident cannot see the master.
            #expect(try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)").status == .notFound)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(older.id.uuidString)/actions/merge", json: Merge(note: "重复", mergeInto: duplicate.id)).status == .ok)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(duplicate.id.uuidString)/actions/merge", json: Merge(note: "重复", mergeInto: master.id)).status == .ok)
            // The earlier duplicate now follows the master too.
            #expect(try await CaseRecord.find(older.id, on: app.db)?.mergedInto == master.id)
            let notices = try await resident.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self)
            #expect(notices.items.map(\.caseNumber).filter { $0 == master.number }.count == 1)
            #expect(notices.items.first { $0.caseId == master.id }?.message.contains(master.number) == true)
            let followed = try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)")
            #expect(followed.status == .ok)
            let seen = try followed.content.decode(CaseDTO.self)
            #expect(seen.description == "" && seen.actions == [] && !followed.body.string.contains("王阿姨"))
            let list = try await resident.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self)
            #expect(list.items.contains { $0.id == master.id })
            #expect(try await resident.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/accept", json: ["note": ""]).status == .notFound)
            #expect(try await resident.sendMultipart("/api/v1/cases/\(master.id.uuidString)/attachments", fileName: "a.png", contentType: "image/png",
                                                     file: AttachmentTests.png).status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)/attachments").status == .notFound)
            // The master is answered: the follower hears of it.
            for action in ["accept", "dispatch", "sign", "start"] {
                #expect(try await worker.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/\(action)", json: ["note": ""]).status == .ok, "\(action)")
            }
            #expect(try await worker.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/reply", json: ["note": "已更换灯泡"]).status == .ok)
            let after = try await resident.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self)
            let replied = try #require(after.items.first { $0.kind == .replied && $0.caseId == master.id })
            #expect(!replied.read)
            #expect(try await resident.send(.POST, "/api/v1/notices/\(replied.id.uuidString)/read").content.decode(CaseNoticeDTO.self).read)
            // Nobody else reads or marks them.
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.POST, "/api/v1/notices/\(replied.id.uuidString)/read").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self).items.isEmpty)
            _ = f
        }
    }
}

@Suite("Case photos")
struct AttachmentTests {
    /// A PNG signature followed by filler bytes.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<200).map { UInt8($0) }

    @Test("photos are checked by content, counted, stored with a checksum and served only to those who see the case")
    func photos() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/cases", json: ["title": "路灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "patrol"]).content.decode(CaseDTO.self).id
            let path = "/api/v1/cases/\(id.uuidString)/attachments"
            // A PHP script named .jpg and declared image/jpeg is refused.
            let script = try await worker.sendMultipart(path, fileName: "shell.jpg", contentType: "image/jpeg", file: Array("<?php system($_GET['c']); ?>".utf8))
            #expect(script.status == .unsupportedMediaType)
            #expect(try script.content.decode(ErrorJSON.self).error.code == "unsupported_file_type")
            let uploaded = try await worker.sendMultipart(path, fileName: "../../etc/passwd.png", contentType: "application/octet-stream", file: Self.png)
            #expect(uploaded.status == .created, "\(uploaded.body.string)")
            let dto = try uploaded.content.decode(CaseAttachmentsAPIController.AttachmentDTO.self)
            #expect(dto.contentType == "image/png" && dto.size == Self.png.count)
            #expect(dto.sha256 == SHA256Hex.of(Self.png))
            // Stored under its random id, not the name given.
            let stored = app.gongzhi.config.storageDirectory + "/attachments/" + dto.id.uuidString.lowercased()
            #expect(FileManager.default.contents(atPath: stored).map(Array.init) == Self.png)
            let download = try await worker.send(.GET, "\(path)/\(dto.id.uuidString)")
            #expect(download.status == .ok && download.headers.contentType?.description == "image/png")
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(Array(download.body.readableBytesView) == Self.png)
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.GET, "\(path)/\(dto.id.uuidString)").status == .notFound)
            #expect(try await other.send(.GET, path).status == .notFound)
            #expect(try await other.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png).status == .notFound)
            for _ in 0..<5 { #expect(try await worker.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png).status == .created) }
            let seventh = try await worker.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png)
            #expect(seventh.status == .conflict)
            #expect(try seventh.content.decode(ErrorJSON.self).error.code == "too_many_attachments")
            #expect(try await worker.send(.GET, path).content.decode([CaseAttachmentsAPIController.AttachmentDTO].self).count == 6)
            // Photos go with a step of the timeline: the reply shows the finished work.
            struct Step: Encodable, Sendable { var note = "已修复"; var attachmentIds: [UUID] }
            let photoIDs = try await worker.send(.GET, path).content.decode([CaseAttachmentsAPIController.AttachmentDTO].self).map(\.id)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/accept", json: Step(attachmentIds: [photoIDs[0], photoIDs[1]])).status == .ok)
            // Used once only; unknown ids refused; the whole step is refused with them (nothing half-written).
            let reused = try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/dispatch", json: Step(attachmentIds: [photoIDs[0]]))
            let reusedField = try reused.content.decode(ErrorJSON.self).error.field
            #expect(reused.status == .unprocessableEntity && reusedField == "attachmentIds")
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .accepted)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/dispatch", json: Step(attachmentIds: [UUID()])).status == .unprocessableEntity)
            let detail = try await worker.send(.GET, "/api/v1/cases/\(id.uuidString)").content.decode(CaseDTO.self)
            #expect(Set(detail.timeline?.first { $0.action == "accept" }?.attachments ?? []) == Set(photoIDs.prefix(2)))
            #expect(detail.timeline?.first { $0.action == "submit" }?.attachments == [])
            // A broken multipart body (found by schemathesis) is a 400, not a server error.
            let broken = try await worker.send(.POST, path, raw: "--b\r\n--b--\r\n",
                                               contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"]))
            let brokenCode = try broken.content.decode(ErrorJSON.self).error.code
            #expect(broken.status == .badRequest && brokenCode == "malformed_body")
            // A non-ASCII header name crashed MultipartKit (the whole server): refused before parsing.
            let crashing = Data("--b\r\n".utf8) + Data([0xF2, 0x93, 0x8C, 0xB1]) + Data("r\"--b--\r\n".utf8)
            let refused = try await worker.send(.POST, path, rawData: crashing,
                                                contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"]))
            #expect(refused.status == .badRequest)
            // The same body sent to a JSON endpoint as multipart is refused the same way.
            #expect(try await worker.send(.POST, "/api/v1/cases", rawData: crashing,
                                          contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"])).status == .badRequest)
        }
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        var hasher = Crypto.SHA256()
        hasher.update(data: bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
