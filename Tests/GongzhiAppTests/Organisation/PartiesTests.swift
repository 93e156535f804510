import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The real parties (issue 27): registered through the API, routed to by intake, working their own cases, their
/// figures counted from their cases, reports hidden from the body they accuse, the move of their area.
@Suite("Parties: routing, workbenches, figures, reports")
struct PartiesTests {
    struct Setup {
        let district: OrgNodeRecord
        let department: UUID
        let companyA: UUID
        let companyB: UUID
        let compound: CompoundRecord
        let building: UUID
        let propertyItem: String
        let departmentItem: String
    }

    struct NewParty: Encodable, Sendable {
        var kind: String
        var areaId: UUID
        var name: String
        var functions: [String]? = nil
        var contactName: String? = nil
        var contactPhone: String? = nil
    }

    struct NewContract: Encodable, Sendable {
        var compoundId: UUID
        var startsOn: String
        var endsOn: String
        var serviceLevel = "二级"
        var feeCenti = 250
    }

    static func day(_ offset: Int) -> String { CivilDate(testNow.addingTimeInterval(Double(offset) * 86_400)).description }

    /// A staff account of a party node.
    static func staff(_ username: String, at nodeID: UUID, _ app: Application) async throws {
        let node = try #require(try await OrgNodeRecord.find(nodeID, on: app.db))
        let user = UserRecord(id: UUID(), username: username, displayName: username, passwordHash: app.gongzhi.passwords.hash(demoPassword), now: testNow)
        try await user.create(on: app.db)
        try await RoleGrantRecord(userID: user.id!, role: .partyStaff, nodeID: nodeID, path: node.orgPath, grantedBy: nil).create(on: app.db)
    }

    static func register(_ client: inout TestClient, _ party: NewParty) async throws -> UUID {
        let response = try await client.send(.POST, "/api/v1/parties", json: party)
        #expect(response.status == .created, "\(party.name): \(response.body.string)")
        return try response.content.decode(PartiesAPIController.PartyDTO.self).id
    }

    /// A department for 城市管理, two property companies, the resident's compound made commercial and served by the first.
    static func setUp(_ app: Application, _ f: Fixture) async throws -> Setup {
        let db = app.db
        let district = try #require(try await OrgNodeRecord.find(UUID(uuidString: f.communityA.orgPath.segments[0])!, on: db))
        var admin = try await TestClient.api(app, as: "admin")
        let department = try await register(&admin, NewParty(kind: "department", areaId: district.id!, name: "区城市管理委员会", functions: ["城市管理"]))
        let companyA = try await register(&admin, NewParty(kind: "property_company", areaId: district.id!, name: "安居物业", contactName: "管家 张明", contactPhone: "010-6523 8800"))
        let companyB = try await register(&admin, NewParty(kind: "property_company", areaId: district.id!, name: "恒泰物业"))
        // A party takes cases once someone works there.
        try await staff("chengguan", at: department, app)
        try await staff("wuye-a", at: companyA, app)
        try await staff("wuye-b", at: companyB, app)
        let building = try await residentBuilding(app)
        let buildingRecord = try #require(try await BuildingRecord.find(building, on: db))
        let compound = try #require(try await CompoundRecord.find(buildingRecord.$compound.id, on: db))
        compound.commercial = true
        try await compound.update(on: db)
        var worker = try await TestClient.api(app, as: "worker")
        let contract = try await worker.send(.POST, "/api/v1/parties/\(companyA)/contracts", json: NewContract(compoundId: compound.id!, startsOn: day(-30), endsOn: day(300)))
        #expect(contract.status == .created, "\(contract.body.string)")
        let catalogue = try #require(try await CatalogueStore.current(on: db))
        let propertyItem = try #require(catalogue.items.first { $0.responsible == .propertyCompany && $0.questions.isEmpty && $0.emergency == nil }).code
        let departmentItem = try #require(catalogue.items.first { $0.department == "城市管理" && $0.questions.isEmpty && $0.emergency == nil }).code
        return Setup(district: district, department: department, companyA: companyA, companyB: companyB, compound: compound, building: building,
                     propertyItem: propertyItem, departmentItem: departmentItem)
    }

    static func raise(_ client: inout TestClient, item: String, building: UUID, accused: UUID? = nil) async throws -> CaseDTO {
        struct Body: Encodable, Sendable {
            var title: String
            var buildingId: UUID
            var itemCode: String
            var overrideReason = "测试"
            var accusedNodeId: UUID?
        }
        let response = try await client.send(.POST, "/api/v1/cases", json: Body(title: "一件事 \(item)", buildingId: building, itemCode: item, accusedNodeId: accused))
        #expect(response.status == .created, "\(item): \(response.body.string)")
        return try response.content.decode(CaseDTO.self)
    }

    @Test("the routing table on live cases: the department, the company under contract, the community outside its dates or in an old compound")
    func routing() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await Self.raise(&worker, item: s.departmentItem, building: s.building).handlerNodeId == s.department)
            #expect(try await Self.raise(&worker, item: s.propertyItem, building: s.building).handlerNodeId == s.companyA)
            // Another company's contract over the same days is refused; one ending before it starts too.
            let overlap = try await worker.send(.POST, "/api/v1/parties/\(s.companyB)/contracts",
                                                json: NewContract(compoundId: s.compound.id!, startsOn: Self.day(200), endsOn: Self.day(900)))
            #expect(overlap.status == .conflict && overlap.body.string.contains("contract_overlaps"))
            let backwards = try await worker.send(.POST, "/api/v1/parties/\(s.companyB)/contracts",
                                                  json: NewContract(compoundId: s.compound.id!, startsOn: Self.day(900), endsOn: Self.day(800)))
            #expect(backwards.status == .unprocessableEntity)
            // The contract moved to last year: nothing routes to the company any more.
            try await app.db.sql().raw("UPDATE property_contracts SET starts_on = \(bind: Self.day(-400)), ends_on = \(bind: Self.day(-1))").run()
            #expect(try await Self.raise(&worker, item: s.propertyItem, building: s.building).handlerNodeId == f.communityA.id)
            // An old compound (of the other community) never has a company.
            var worker2 = try await TestClient.api(app, as: "worker2")
            let buildingB = f.unitB.$building.id
            let buildingRecordB = try #require(try await BuildingRecord.find(buildingB, on: app.db))
            let compoundB = try #require(try await CompoundRecord.find(buildingRecordB.$compound.id, on: app.db))
            compoundB.commercial = false
            try await compoundB.update(on: app.db)
            let refused = try await worker2.send(.POST, "/api/v1/parties/\(s.companyB)/contracts",
                                                 json: NewContract(compoundId: compoundB.id!, startsOn: Self.day(-1), endsOn: Self.day(100)))
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("not_commercial"))
            #expect(try await Self.raise(&worker2, item: s.propertyItem, building: buildingB).handlerNodeId == f.communityB.id)
            // The responsibility list names the department for its items at the worker's place.
            var browser = try await TestClient.browser(app, as: "worker")
            let list = try await browser.send(.GET, "/catalogue")
            #expect(list.status == .ok && list.body.string.contains("区城市管理委员会"))
            // A same-day item says so, not "0 working days".
            #expect(list.body.string.contains("当天办结") && !list.body.string.contains("0 个工作日"))
        }
    }

    @Test("a company's workbench: its own compounds' cases only; the other company's staff get 404 on them and on its compounds")
    func companyWorkbench() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            var worker = try await TestClient.api(app, as: "worker")
            let property = try await Self.raise(&worker, item: s.propertyItem, building: s.building)
            let other = try await Self.raise(&worker, item: s.departmentItem, building: s.building)
            var a = try await TestClient.api(app, as: "wuye-a")
            var b = try await TestClient.api(app, as: "wuye-b")
            let listed = try await a.send(.GET, "/api/v1/cases?limit=200").content.decode(ListPage<CaseDTO>.self)
            #expect(listed.items.map(\.id) == [property.id])
            #expect(try await a.send(.GET, "/api/v1/cases/\(other.id)").status == .notFound)
            // A company without a contract for the compound is no dispatch target.
            let wrong = try await worker.send(.POST, "/api/v1/cases/\(property.id)/actions/accept", json: CasesTests.Act())
            #expect(wrong.status == .ok)
            let misrouted = try await worker.send(.POST, "/api/v1/cases/\(property.id)/actions/dispatch", json: CasesTests.Act(handlerNodeId: s.companyB))
            #expect(misrouted.status == .unprocessableEntity)
            // The community dispatches it; the company signs it from its own workbench.
            #expect(try await worker.send(.POST, "/api/v1/cases/\(property.id)/actions/dispatch", json: CasesTests.Act()).status == .ok)
            #expect(try await a.send(.POST, "/api/v1/cases/\(property.id)/actions/sign", json: CasesTests.Act()).status == .ok)
            var browser = try await TestClient.browser(app, as: "wuye-a")
            let page = try await browser.send(.GET, "/workbench")
            #expect(page.status == .ok && page.body.string.contains(property.number) && !page.body.string.contains(other.number))
            // The other company: nothing of it, not the compound, and not its contracts through the company's page.
            #expect(try await b.send(.GET, "/api/v1/cases/\(property.id)").status == .notFound)
            #expect(try await b.send(.GET, "/api/v1/cases?limit=200").content.decode(ListPage<CaseDTO>.self).total == 0)
            #expect(try await b.send(.GET, "/api/v1/org/compounds/\(s.compound.id!)").status == .notFound)
            let seen = try await b.send(.GET, "/api/v1/parties/\(s.companyA)").content.decode(PartiesAPIController.PartyDTO.self)
            #expect(seen.contracts?.isEmpty == true)
            let own = try await a.send(.GET, "/api/v1/parties/\(s.companyA)").content.decode(PartiesAPIController.PartyDTO.self)
            #expect(own.contracts?.count == 1 && own.openCases == 1)
            // The resident reads who holds it in plain words, with the steward's name masked.
            var residentAPI = try await TestClient.api(app, as: "resident")
            var resident = try await TestClient.browser(app, as: "resident")
            let mine = try await residentAPI.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "电梯异响", buildingId: s.building, itemCode: s.propertyItem))
            let minted = try mine.content.decode(CaseDTO.self)
            #expect(minted.handlerNodeId == s.companyA)
            let request = try await resident.send(.GET, "/requests/\(minted.id)").body.string
            #expect(request.contains("小区物业：安居物业") && request.contains("管家 张*") && !request.contains("张明"))
        }
    }

    @Test("KPIs per party equal counting the cases each party handles")
    func figuresPerParty() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            var worker = try await TestClient.api(app, as: "worker")
            for _ in 0..<3 { _ = try await Self.raise(&worker, item: s.propertyItem, building: s.building) }
            for _ in 0..<2 { _ = try await Self.raise(&worker, item: s.departmentItem, building: s.building) }
            // Some existing cases pass to the department, as the migration or a dispatch would.
            let moved = try await CaseRecord.query(on: app.db).filter(\.$placePath =~ f.communityA.path).limit(4).all()
            let department = try #require(try await OrgNodeRecord.find(s.department, on: app.db))
            for record in moved {
                record.handlerNodeID = s.department
                record.handlerPath = department.path
                try await record.update(on: app.db)
            }
            var district = try await TestClient.api(app, as: "district")
            let from = Self.day(-360), to = CivilDate(testNow).description
            let answer = try await district.send(.GET, "/api/v1/kpis?by=party&from=\(from)&to=\(to)").content.decode(KPIAPIController.Answer.self)
            let cases = try await CaseRecord.query(on: app.db).all()
            let start = DayNumber.start(of: CivilDate(iso: from)!)
            for party in [s.department, s.companyA] {
                let group = try #require(answer.groups.first { $0.key == party.uuidString.lowercased() }, "\(party)")
                let counted = cases.filter { $0.handlerNodeID == party && $0.openedAt >= start }
                // The figures the rollups give are the Core's figures of exactly those cases.
                let expected = CaseKPIs.figures(counted.map(KPIRollups.kpiRow), now: testNow)
                #expect(group.figures.intake == counted.count && counted.count >= 3)
                #expect(group.figures.responseRate == expected.responseRate && group.figures.onTimeRate == expected.onTimeRate)
                #expect(group.figures.solveRate == expected.solveRate && group.figures.satisfactionRate == expected.satisfactionRate)
            }
            // Areas are not parties: no group for the community.
            #expect(!answer.groups.contains { $0.key == f.communityA.id!.uuidString.lowercased() })
            #expect(answer.groups.allSatisfy { $0.name.contains("（") })
        }
    }

    @Test("a report against a department: hidden from it, handled by the supervisory commission, seen by the district; an unrelated body is refused")
    func reportAgainstDepartment() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            let catalogueFirst = try #require(try await CatalogueStore.current(on: app.db))
            let reportCode = try #require(catalogueFirst.items.first { $0.responsible == .supervisoryOrg }).code
            // Without a supervisory commission a report against the district has nobody to go to: refused, nothing written.
            var early = try await TestClient.api(app, as: "resident")
            struct Early: Encodable, Sendable { var title = "举报区里"; var buildingId: UUID; var itemCode: String; var accusedNodeId: UUID }
            let before = try await CaseRecord.query(on: app.db).count()
            let nobody = try await early.send(.POST, "/api/v1/cases", json: Early(buildingId: s.building, itemCode: reportCode, accusedNodeId: s.district.id!))
            #expect(nobody.status == .unprocessableEntity && nobody.body.string.contains("no_supervisor"))
            #expect(try await CaseRecord.query(on: app.db).count() == before)
            var admin = try await TestClient.api(app, as: "admin")
            let commission = try await Self.register(&admin, NewParty(kind: "supervisory_body", areaId: s.district.id!, name: "区纪委监委"))
            try await Self.staff("jiwei", at: commission, app)
            let catalogue = try #require(try await CatalogueStore.current(on: app.db))
            let reportItem = try #require(catalogue.items.first { $0.responsible == .supervisoryOrg }).code
            var resident = try await TestClient.api(app, as: "resident")
            let report = try await Self.raise(&resident, item: reportItem, building: s.building, accused: s.department)
            #expect(report.handlerNodeId == commission)
            var dept = try await TestClient.api(app, as: "chengguan")
            var jiwei = try await TestClient.api(app, as: "jiwei")
            var district = try await TestClient.api(app, as: "district")
            #expect(try await dept.send(.GET, "/api/v1/cases/\(report.id)").status == .notFound)
            #expect(try await dept.send(.GET, "/api/v1/cases?limit=200").content.decode(ListPage<CaseDTO>.self).items.allSatisfy { $0.id != report.id })
            #expect(try await jiwei.send(.GET, "/api/v1/cases/\(report.id)").status == .ok)
            #expect(try await district.send(.GET, "/api/v1/cases/\(report.id)").status == .ok)
            // A report against the district itself is still handled by the commission, and hidden from the district's officers.
            let againstDistrict = try await Self.raise(&resident, item: reportItem, building: s.building, accused: s.district.id)
            #expect(try await jiwei.send(.GET, "/api/v1/cases/\(againstDistrict.id)").status == .ok)
            #expect(try await district.send(.GET, "/api/v1/cases/\(againstDistrict.id)").status == .notFound)
            // A property company is not a body one reports officials of; nor is a node of another street.
            struct Body: Encodable, Sendable { var title = "举报"; var buildingId: UUID; var itemCode: String; var accusedNodeId: UUID }
            let company = try await resident.send(.POST, "/api/v1/cases", json: Body(buildingId: s.building, itemCode: reportItem, accusedNodeId: s.companyA))
            #expect(company.status == .unprocessableEntity && company.body.string.contains("accusedNodeId"))
            let elsewhere = try await resident.send(.POST, "/api/v1/cases", json: Body(buildingId: s.building, itemCode: reportItem, accusedNodeId: f.communityB.id!))
            #expect(elsewhere.status == .unprocessableEntity)
            // The resident's form names the department among the place's bodies (shown again with the reason when
            // something is missing, the report still chosen).
            var browser = try await TestClient.browser(app, as: "resident")
            _ = try await browser.send(.GET, "/requests/new")
            let again = try await browser.send(.POST, "/requests", form: ["title": "", "description": "执法时索要好处", "item": reportItem,
                                                                       "buildingId": s.building.uuidString])
            #expect(again.status == .unprocessableEntity)
            #expect(again.body.string.contains("这件事反映的是哪个单位") && again.body.string.contains("区城市管理委员会"))
            let sent = try await browser.send(.POST, "/requests", form: ["title": "举报区城管工作人员", "description": "执法时索要好处", "item": reportItem,
                                                                      "buildingId": s.building.uuidString, "accused": s.department.uuidString,
                                                                      "accusedPerson": "城管队员 李某"])
            #expect(sent.status == .seeOther, "\(sent.body.string)")
            let last = try #require(try await CaseRecord.query(on: app.db).filter(\.$title == "举报区城管工作人员").first())
            #expect(last.accusedPath == (try await OrgNodeRecord.find(s.department, on: app.db))?.path)
            // The person named (issue 27 item 5): kept with the report, shown to the commission handling it, never inside the department.
            #expect(last.accusedPerson == "城管队员 李某")
            var commissionPages = try await TestClient.browser(app, as: "jiwei")
            let page = try await commissionPages.send(.GET, "/cases/\(last.id!)").body.string
            #expect(page.contains("区城市管理委员会 · 城管队员 李某"))
            #expect(try await dept.send(.GET, "/api/v1/cases/\(last.id!)").status == .notFound)
            // Only a report names a person; an invisible character is refused.
            struct Named: Encodable, Sendable { var title = "路灯不亮"; var buildingId: UUID; var itemCode: String; var accusedPerson: String }
            let ordinary = try #require(catalogue.items.first { $0.responsible != .supervisoryOrg }).code
            let notReport = try await resident.send(.POST, "/api/v1/cases", json: Named(buildingId: s.building, itemCode: ordinary, accusedPerson: "李某"))
            #expect(notReport.status == .unprocessableEntity && notReport.body.string.contains("accusedPerson"))
            let hidden = try await resident.send(.POST, "/api/v1/cases", json: Named(title: "举报", buildingId: s.building, itemCode: reportItem, accusedPerson: "李\u{202E}某"))
            #expect(hidden.status == .unprocessableEntity)
        }
    }

    @Test("department names of earlier cases become department nodes, and those cases pass to them")
    func departmentTextsMigrate() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let db = app.db
            let districtID = try #require(UUID(uuidString: f.communityA.orgPath.segments[0]))
            let district = try #require(try await OrgNodeRecord.find(districtID, on: db))
            let cases = try await CaseRecord.query(on: db).sort(\.$number).limit(6).all()
            for (index, record) in cases.enumerated() {
                record.handlerParty = .districtDepartment
                record.handlerDepartment = index < 4 ? "城市管理" : "市场监管"
                record.handlerNodeID = districtID
                record.handlerPath = district.path
                // The last one is still being worked by the district's officers.
                record.state = index == 5 ? .signed : .closed
                try await record.update(on: db)
            }
            // One of them was escalated elsewhere meanwhile: it stays where it is.
            cases[3].handlerNodeID = f.communityA.id!
            cases[3].handlerPath = f.communityA.path
            try await cases[3].update(on: db)
            try await MoveDepartmentTextsToNodes().prepare(on: db)
            try await MoveDepartmentTextsToNodes().prepare(on: db)
            let departments = try await OrgNodeRecord.query(on: db).filter(\.$party == .department).filter(\.$parent.$id == districtID).all()
            // (The fixture's own cases bring the names they were generated with, such as 公安.)
            #expect(Set(departments.map(\.name)).isSuperset(of: ["城市管理", "市场监管"]))
            #expect(departments.count == Set(departments.map(\.name)).count)
            let chengguan = try #require(departments.first { $0.name == "城市管理" })
            let after = try await CaseRecord.query(on: db).filter(\.$id ~~ cases.compactMap(\.id)).all()
            #expect(after.filter { $0.handlerNodeID == chengguan.id }.count == 3)
            #expect(after.first { $0.id == cases[3].id }?.handlerNodeID == f.communityA.id)
            #expect(after.first { $0.id == cases[4].id }?.handlerNodeID == departments.first { $0.name == "市场监管" }?.id)
            // The open one stays with the officers working it.
            #expect(after.first { $0.id == cases[5].id }?.handlerNodeID == districtID)
            // New cases of its items go to it once someone works there; until then, to the district as before.
            let catalogue = try #require(try await CatalogueStore.current(on: db))
            let item = try #require(catalogue.items.first { $0.department == "城市管理" && $0.questions.isEmpty && $0.emergency == nil }).code
            var worker = try await TestClient.api(app, as: "worker")
            let building = try await residentBuilding(app)
            #expect(try await Self.raise(&worker, item: item, building: building).handlerNodeId == districtID)
            try await Self.staff("chengguan", at: chengguan.id!, app)
            #expect(try await Self.raise(&worker, item: item, building: building).handlerNodeId == chengguan.id)
        }
    }

    @Test("a community moved to the other street carries its parties, their staff and cases; removing a party with open cases is refused with the count")
    func moveAndRemove() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let db = app.db
            var worker = try await TestClient.api(app, as: "worker")
            let organisation = try await Self.register(&worker, NewParty(kind: "social_organisation", areaId: f.communityA.id!, name: "阳光社工", functions: ["SRV-010"]))
            try await Self.staff("shegong", at: organisation, app)
            let counselling = try await Self.raise(&worker, item: "SRV-010", building: try await residentBuilding(app))
            #expect(counselling.handlerNodeId == organisation)
            var street = try await TestClient.api(app, as: "street")
            #expect(try await street.send(.GET, "/api/v1/parties/\(organisation)").status == .ok)
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, "/api/v1/parties/\(organisation)").status == .notFound)
            // Removing it is refused while it holds the case: the answer says how many.
            let refused = try await worker.send(.DELETE, "/api/v1/parties/\(organisation)")
            #expect(refused.status == .conflict && refused.body.string.contains("party_has_open_cases") && refused.body.string.contains("1"))
            // The community moves to the other street.
            let streetB = try #require(f.communityB.$parent.id)
            var admin = try await TestClient.api(app, as: "admin")
            let moved = try await admin.send(.POST, "/api/v1/org/nodes/\(f.communityA.id!)/move", json: ["parentId": streetB])
            #expect(moved.status == .ok, "\(moved.body.string)")
            let community = try #require(try await OrgNodeRecord.find(f.communityA.id!, on: db))
            let node = try #require(try await OrgNodeRecord.find(organisation, on: db))
            #expect(node.path.hasPrefix(community.path) && node.party == .socialOrganisation)
            #expect(try await PartyProfileRecord.query(on: db).filter(\.$node.$id == organisation).first()?.orgPath == node.path)
            #expect(try await CaseRecord.find(counselling.id, on: db)?.handlerPath == node.path)
            var shegong = try await TestClient.api(app, as: "shegong")
            #expect(try await shegong.send(.GET, "/api/v1/cases/\(counselling.id)").status == .ok)
            #expect(try await street.send(.GET, "/api/v1/parties/\(organisation)").status == .notFound)
            // Without cases and staff it can go.
            let empty = try await Self.register(&worker, NewParty(kind: "co_building_unit", areaId: f.communityA.id!, name: "区第一人民医院"))
            #expect(try await worker.send(.DELETE, "/api/v1/parties/\(empty)").status == .noContent)
            #expect(try await OrgNodeRecord.find(empty, on: db) == nil)
            // A party's area must be of its kind's level.
            let wrong = try await worker.send(.POST, "/api/v1/parties", json: NewParty(kind: "department", areaId: f.communityA.id!, name: "错的部门"))
            #expect(wrong.status == .unprocessableEntity)
        }
    }

    @Test("an owners' committee: one per compound at a time; it oversees its compound's property cases and the company's figures, without residents' words")
    func committee() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            struct Committee: Encodable, Sendable {
                var kind = "owners_committee"
                var areaId: UUID
                var name: String
                var compoundId: UUID?
                var termStarts: String?
                var termEnds: String?
                var powers: [String]? = ["监督物业服务企业履行物业服务合同"]
            }
            var worker = try await TestClient.api(app, as: "worker")
            let missing = try await worker.send(.POST, "/api/v1/parties", json: Committee(areaId: f.communityA.id!, name: "业委会", compoundId: s.compound.id!))
            #expect(missing.status == .unprocessableEntity && missing.body.string.contains("termStarts"))
            let created = try await worker.send(.POST, "/api/v1/parties", json: Committee(areaId: f.communityA.id!, name: "业委会", compoundId: s.compound.id!,
                                                                                       termStarts: Self.day(-100), termEnds: Self.day(1_000)))
            #expect(created.status == .created, "\(created.body.string)")
            let committee = try created.content.decode(PartiesAPIController.PartyDTO.self)
            #expect(committee.powers == ["监督物业服务企业履行物业服务合同"])
            let second = try await worker.send(.POST, "/api/v1/parties", json: Committee(areaId: f.communityA.id!, name: "业委会二", compoundId: s.compound.id!,
                                                                                      termStarts: Self.day(500), termEnds: Self.day(2_000)))
            #expect(second.status == .conflict && second.body.string.contains("committee_overlaps"))
            // Another community's compound is not this community's to give a committee.
            let buildingB = try #require(try await BuildingRecord.find(f.unitB.$building.id, on: app.db))
            let foreign = try await worker.send(.POST, "/api/v1/parties", json: Committee(areaId: f.communityA.id!, name: "业委会三", compoundId: buildingB.$compound.id,
                                                                                       termStarts: Self.day(-1), termEnds: Self.day(10)))
            #expect(foreign.status == .unprocessableEntity)
            try await Self.staff("yewei", at: committee.id, app)
            // Its seats: owners of the compound only, one seat each, one chair of each body.
            struct Seat: Encodable, Sendable { var personId: UUID; var seat: String }
            let owners = try await CommitteeMembers.owners(of: s.compound.id!, on: app.db).map(\.person)
            #expect(owners.count >= 2)
            let seats = "/api/v1/parties/\(committee.id)/members"
            let director = try await worker.send(.POST, seats, json: Seat(personId: owners[0], seat: "director"))
            #expect(director.status == .created, "\(director.body.string)")
            #expect(try await worker.send(.POST, seats, json: Seat(personId: owners[1], seat: "director")).body.string.contains("chair_taken"))
            #expect(try await worker.send(.POST, seats, json: Seat(personId: owners[0], seat: "supervisor")).body.string.contains("already_seated"))
            #expect(try await worker.send(.POST, seats, json: Seat(personId: f.personB.id!, seat: "member")).body.string.contains("not_an_owner"))
            let supervisor = try await worker.send(.POST, seats, json: Seat(personId: owners[1], seat: "supervisor"))
            #expect(supervisor.status == .created)
            var worker2API = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2API.send(.POST, seats, json: Seat(personId: owners[1], seat: "member")).status == .notFound)
            let roster = try await worker.send(.GET, "/api/v1/parties/\(committee.id)").content.decode(PartiesAPIController.PartyDTO.self).members ?? []
            #expect(roster.map(\.seat) == [.director, .supervisor])
            let unseat = try await worker.send(.DELETE, "\(seats)/\(try supervisor.content.decode(CommitteeMembers.Row.self).id)")
            #expect(unseat.status == .noContent)
            #expect(try await CommitteeMemberRecord.query(on: app.db).count() == 1)
            // Owners'-committee items of the compound go to it now.
            let catalogue = try #require(try await CatalogueStore.current(on: app.db))
            let item = try #require(catalogue.items.first { $0.responsible == .ownersCommittee && $0.questions.isEmpty }).code
            #expect(try await Self.raise(&worker, item: item, building: s.building).handlerNodeId == committee.id)
            // A property case of the compound, with words only the resident and the handlers read.
            var resident = try await TestClient.api(app, as: "resident")
            let raised = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼上漏水很久没人管", buildingId: s.building, itemCode: s.propertyItem))
            let property = try raised.content.decode(CaseDTO.self)
            var yewei = try await TestClient.browser(app, as: "yewei")
            let page = try await yewei.send(.GET, "/parties/\(committee.id)").body.string
            #expect(page.contains(property.number) && page.contains("安居物业") && !page.contains("楼上漏水很久没人管"))
            // The committee does not open the case itself, nor another community's worker the committee.
            var yeweiAPI = try await TestClient.api(app, as: "yewei")
            #expect(try await yeweiAPI.send(.GET, "/api/v1/cases/\(property.id)").status == .notFound)
            var worker2 = try await TestClient.browser(app, as: "worker2")
            #expect(try await worker2.send(.GET, "/parties/\(committee.id)").status == .notFound)
        }
    }
}
