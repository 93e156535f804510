import Foundation
import Testing
@testable import GongzhiCore

@Suite("Which party takes a case")
struct PartyRoutingTests {
    let district = OrgPath.root.appending("d")
    var street: OrgPath { district.appending("s") }
    var community: OrgPath { street.appending("c") }

    func item(_ responsible: ResponsibleParty, department: String = "", code: String = "X") -> CatalogueItem {
        CatalogueItem(code: code, category: "ADMIN", name: code, nameEn: code, responsible: responsible, department: department, kind: .help,
                      responseHours: 4, completionDays: 3, keywords: [], communityMayHandle: false)
    }

    func party(_ id: String, _ kind: PartyKind, _ functions: [String] = [], under parent: OrgPath? = nil) -> PartyRouting.Party {
        let home = parent ?? (kind.homeLevel == .district ? district : kind.homeLevel == .street ? street : community)
        return PartyRouting.Party(id: id, path: home.appending(id), kind: kind, name: id, functions: functions)
    }

    func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test("the routing table: item × compound kind × contract state → party")
    func table() {
        let company = party("wuye", .propertyCompany)
        let committee = party("yewei", .ownersCommittee)
        let contract = PropertyContractTerm(companyID: "wuye", starts: day("2026-01-01"), ends: day("2026-12-31"))
        func compound(commercial: Bool, on date: String?) -> PartyRouting.Compound {
            let serving = date.flatMap { PropertyContracts.serving(on: day($0), [contract]) }
            return .init(commercial: commercial, servingCompany: serving == "wuye" ? company : nil, committee: committee)
        }
        let registered = PartyRouting.Registered([
            party("chengguan", .department, ["城市管理"]), party("shichang", .department, ["市场监管", "ADMIN_FOOD"]),
            party("zonghe", .streetOffice, ["ADMIN_STALL"]), party("shegong", .socialOrganisation, ["SERVICE_ELDERLY"]),
            party("dangwei", .partyOrganisation), party("jiwei", .supervisoryBody),
        ])
        typealias Row = (CatalogueItem, PartyRouting.Compound?, PartyRouting.Handler)
        let rows: [Row] = [
            // Property items: the company under contract that day; otherwise the community.
            (item(.propertyCompany), compound(commercial: true, on: "2026-06-01"), .party(company)),
            (item(.propertyCompany), compound(commercial: true, on: "2027-01-01"), .area(.community)),  // after the contract
            (item(.propertyCompany), compound(commercial: true, on: "2025-12-31"), .area(.community)),  // before it
            (item(.propertyCompany), compound(commercial: false, on: "2026-06-01"), .area(.community)), // an old compound
            (item(.propertyCompany), nil, .area(.community)),                                             // no building
            (item(.ownersCommittee), compound(commercial: true, on: "2026-06-01"), .party(committee)),
            (item(.ownersCommittee), PartyRouting.Compound(commercial: true), .area(.community)),
            // Departments by the item's department, or by its code (which wins over a department name).
            (item(.districtDepartment, department: "城市管理"), nil, .party(registered.parties[0])),
            (item(.districtDepartment, department: "城市管理", code: "ADMIN_FOOD"), nil, .party(registered.parties[1])),
            (item(.districtDepartment, department: "水务"), nil, .area(.district)),
            (item(.streetOffice, code: "ADMIN_STALL"), nil, .party(registered.parties[2])),
            (item(.streetOffice, code: "OTHER"), nil, .area(.street)),
            (item(.socialOrganisation, code: "SERVICE_ELDERLY"), nil, .party(registered.parties[3])),
            (item(.communityServiceStation, code: "SERVICE_ELDERLY"), nil, .party(registered.parties[3])),
            (item(.communityServiceStation, code: "SERVICE_JOBS"), nil, .area(.community)),
            (item(.partyOrganisation), nil, .party(registered.parties[4])),
            (item(.supervisoryOrg), nil, .party(registered.parties[5])),
            (item(.community), compound(commercial: true, on: "2026-06-01"), .area(.community)),
            (item(.volunteers), nil, .area(.community)),
        ]
        for (index, (item, compound, expected)) in rows.enumerated() {
            #expect(PartyRouting.handler(for: item, compound: compound, registered: registered) == expected, "row \(index): \(item.responsible)")
        }
    }

    @Test("with nothing registered every item goes to its level's area, as before parties existed")
    func nothingRegistered() {
        for responsible in ResponsibleParty.allCases {
            let handler = PartyRouting.handler(for: item(responsible), compound: nil, registered: .init())
            #expect(handler == .area(responsible.level), "\(responsible)")
        }
    }

    @Test("contracts: one company at a time, both ends inclusive")
    func contracts() throws {
        let first = PropertyContractTerm(companyID: "a", starts: day("2025-01-01"), ends: day("2025-12-31"))
        let next = PropertyContractTerm(companyID: "b", starts: day("2026-01-01"), ends: day("2028-12-31"))
        try PropertyContracts.check(next, against: [first])
        #expect(throws: PropertyContracts.Problem.overlaps) {
            try PropertyContracts.check(PropertyContractTerm(companyID: "b", starts: day("2025-12-31"), ends: day("2026-03-01")), against: [first])
        }
        #expect(throws: PropertyContracts.Problem.endsBeforeStart) {
            try PropertyContracts.check(PropertyContractTerm(companyID: "b", starts: day("2026-02-01"), ends: day("2026-01-31")), against: [])
        }
        #expect(PropertyContracts.serving(on: day("2025-12-31"), [first, next]) == "a")
        #expect(PropertyContracts.serving(on: day("2026-01-01"), [first, next]) == "b")
        #expect(PropertyContracts.serving(on: day("2029-01-01"), [first, next]) == nil)
    }

    @Test("a party's staff role goes on party nodes only, and no other role does")
    func staffRoleOnPartyNodes() throws {
        let admin = Actor(userID: "admin", username: "admin", grants: [RoleGrant(role: .securityAdmin, path: .root)])
        let path = district.appending("wuye")
        try RoleGrantRules.check(granter: admin, granteeID: "u", role: .partyStaff, at: path, level: .district, party: .propertyCompany, existing: [])
        #expect(throws: RoleGrantRules.Error.wrongKindOfNode) {
            try RoleGrantRules.check(granter: admin, granteeID: "u", role: .partyStaff, at: district, level: .district, party: nil, existing: [])
        }
        #expect(throws: RoleGrantRules.Error.wrongKindOfNode) {
            try RoleGrantRules.check(granter: admin, granteeID: "u", role: .districtOfficer, at: path, level: .district, party: .department, existing: [])
        }
    }

    @Test("a report against a department is hidden from it, seen by the district; the supervisory body sees one against its district")
    func reports() {
        let department = district.appending("chengguan")
        let body = district.appending("jiwei")
        func actor(_ role: Role, _ path: OrgPath) -> Actor { Actor(userID: "u", username: "u", grants: [RoleGrant(role: role, path: path)]) }
        let againstDepartment = CasePolicy.Facts(placePath: community.appending("g"), handlerPath: district, submitterUserID: "r", accusedPath: department)
        #expect(!CasePolicy.canView(actor(.partyStaff, department), againstDepartment))
        #expect(CasePolicy.canView(actor(.districtOfficer, district), againstDepartment))
        #expect(CasePolicy.can(.reply, actor(.districtOfficer, district), againstDepartment))
        let againstDistrict = CasePolicy.Facts(placePath: community.appending("g"), handlerPath: body, submitterUserID: "r", accusedPath: district)
        #expect(CasePolicy.canView(actor(.partyStaff, body), againstDistrict))
        #expect(CasePolicy.can(.sign, actor(.partyStaff, body), againstDistrict))
        #expect(!CasePolicy.canView(actor(.districtOfficer, district), againstDistrict))
        #expect(!CasePolicy.canView(actor(.partyStaff, department), againstDistrict))
        // The exception is for a handler strictly inside the accused org: a report against the district that the
        // district itself held (written before supervisory bodies existed) stays hidden from all of it.
        let heldByAccused = CasePolicy.Facts(placePath: community.appending("g"), handlerPath: district, submitterUserID: "r", accusedPath: district)
        #expect(!CasePolicy.canView(actor(.districtOfficer, district), heldByAccused))
        #expect(!CasePolicy.canView(actor(.streetSupervisor, street), heldByAccused))
        // A report against a community handled by the district stays hidden from the community (as before).
        let againstCommunity = CasePolicy.Facts(placePath: community.appending("g"), handlerPath: district, submitterUserID: "r", accusedPath: community)
        #expect(!CasePolicy.canView(actor(.communityWorker, community), againstCommunity))
        #expect(CasePolicy.canView(actor(.districtOfficer, district), againstCommunity))
    }
}

@Suite("Who sits on an owners' committee")
struct CommitteeRosterTests {
    @Test("owners only, each once (so no supervisor on the committee they supervise), one chair of each body")
    func roster() throws {
        typealias E = CommitteeRoster.Entry
        let roster = [E(person: "a", seat: .director), E(person: "b", seat: .member), E(person: "c", seat: .supervisor)]
        try CommitteeRoster.check(E(person: "d", seat: .deputy), isOwner: true, roster: roster)
        try CommitteeRoster.check(E(person: "d", seat: .supervisorChair), isOwner: true, roster: roster)
        #expect(throws: CommitteeRoster.Problem.notAnOwner) { try CommitteeRoster.check(E(person: "d", seat: .member), isOwner: false, roster: roster) }
        #expect(throws: CommitteeRoster.Problem.alreadySeated) { try CommitteeRoster.check(E(person: "c", seat: .member), isOwner: true, roster: roster) }
        #expect(throws: CommitteeRoster.Problem.chairTaken) { try CommitteeRoster.check(E(person: "d", seat: .director), isOwner: true, roster: roster) }
        #expect(CommitteeRoster.Seat.allCases.filter(\.isSupervisory) == [.supervisorChair, .supervisor])
    }
}
