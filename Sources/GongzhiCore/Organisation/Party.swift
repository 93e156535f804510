/// A party that handles matters or answers for them (SPEC §1; seeds 002, 003: "权随责走"): a node of the tree that
/// sits under the area it serves, holds staff accounts and roles, and can be the handler of a case. Areas (district,
/// street, community, grid) are nodes without a kind.
public enum PartyKind: String, Codable, Sendable, CaseIterable {
    /// 区职能部门 (城管, 住建, 民政…, the police station serving the street): under the district.
    case department
    /// 街道内设机构 (街道综合执法队, 平安办…): under the street.
    case streetOffice = "street_office"
    /// 物业服务企业: registered once, under the district; serves the compounds it holds contracts for.
    case propertyCompany = "property_company"
    /// 业主委员会: under the community, for one compound.
    case ownersCommittee = "owners_committee"
    /// 社会组织: registered with a community.
    case socialOrganisation = "social_organisation"
    /// 共建单位: registered with a community (双报到).
    case coBuildingUnit = "co_building_unit"
    /// 社区党组织
    case partyOrganisation = "party_organisation"
    /// 纪检监察 (the district's supervisory commission or its office): reports against officials go here.
    case supervisoryBody = "supervisory_body"

    /// The level of the area node a party of this kind is registered under.
    public var homeLevel: OrgLevel {
        switch self {
        case .department, .propertyCompany, .supervisoryBody: .district
        case .streetOffice: .street
        case .ownersCommittee, .socialOrganisation, .coBuildingUnit, .partyOrganisation: .community
        }
    }

    /// Whether a resident may name it in a report against officials (举报): public bodies, not companies or owners.
    public var isAccusable: Bool {
        switch self {
        case .department, .streetOffice, .partyOrganisation: true
        case .propertyCompany, .ownersCommittee, .socialOrganisation, .coBuildingUnit, .supervisoryBody: false
        }
    }
}

/// Which concrete party takes a case of a catalogue item at a place (SPEC §3–§4): the one the catalogue names when
/// it is registered there, else the area node of the responsible party's level, as before parties existed.
public enum PartyRouting {
    /// A registered party, as routing needs it.
    public struct Party: Sendable, Equatable {
        public let id: String
        public let path: OrgPath
        public let kind: PartyKind
        public let name: String
        /// The catalogue functions it is responsible for: item codes ("ADMIN_ILLEGAL_PARKING") and department names
        /// as the catalogue writes them ("城市管理").
        public let functions: [String]

        public init(id: String, path: OrgPath, kind: PartyKind, name: String, functions: [String] = []) {
            self.id = id
            self.path = path
            self.kind = kind
            self.name = name
            self.functions = functions
        }

        /// How well it answers for `item`: 2 names the item itself, 1 its department, 0 not at all.
        func match(_ item: CatalogueItem) -> Int {
            if functions.contains(item.code) { return 2 }
            if !item.department.isEmpty, functions.contains(item.department) { return 1 }
            return 0
        }
    }

    /// The compound of the place, if the case has a building.
    public struct Compound: Sendable, Equatable {
        /// A commercial compound (商品房小区) can hold property contracts; an old one has none.
        public let commercial: Bool
        /// The company whose contract covers the day of the case (`PropertyContracts.serving`).
        public let servingCompany: Party?
        /// The owners' committee in office, if any.
        public let committee: Party?

        public init(commercial: Bool, servingCompany: Party? = nil, committee: Party? = nil) {
            self.commercial = commercial
            self.servingCompany = servingCompany
            self.committee = committee
        }
    }

    /// The parties registered at the place's district, street and community.
    public struct Registered: Sendable, Equatable {
        public var parties: [Party]
        public init(_ parties: [Party] = []) { self.parties = parties }
    }

    /// Where a case goes.
    public enum Handler: Sendable, Equatable {
        /// A registered party.
        case party(Party)
        /// The area node of this level above the place (the community, the street, the district).
        case area(OrgLevel)
    }

    public static func handler(for item: CatalogueItem, compound: Compound?, registered: Registered) -> Handler {
        func best(_ kinds: Set<PartyKind>, needsMatch: Bool) -> Party? {
            let candidates = registered.parties.filter { kinds.contains($0.kind) }
            let ranked = candidates.map { ($0, $0.match(item)) }.filter { !needsMatch || $0.1 > 0 }
            return ranked.sorted { a, b in a.1 != b.1 ? a.1 > b.1 : a.0.name != b.0.name ? a.0.name < b.0.name : a.0.id < b.0.id }.first?.0
        }
        switch item.responsible {
        case .districtDepartment:
            if let department = best([.department], needsMatch: true) { return .party(department) }
        case .streetOffice:
            if let office = best([.streetOffice], needsMatch: true) { return .party(office) }
        case .propertyCompany:
            // A compound without a company (an old one, or a contract ended or not yet begun) is served by the
            // community, or by the service the street has arranged, as the catalogue's PROPERTY_OTHER says.
            if let compound, compound.commercial, let company = compound.servingCompany { return .party(company) }
            return .area(.community)
        case .ownersCommittee:
            if let committee = compound?.committee { return .party(committee) }
            return .area(.community)
        case .socialOrganisation, .communityServiceStation:
            // A social organisation takes the service items it offers; the rest stay with the community.
            if let organisation = best([.socialOrganisation], needsMatch: true) { return .party(organisation) }
            return .area(.community)
        case .partyOrganisation:
            if let organisation = best([.partyOrganisation], needsMatch: false) { return .party(organisation) }
        case .supervisoryOrg:
            if let body = best([.supervisoryBody], needsMatch: false) { return .party(body) }
        case .community, .volunteers:
            break
        }
        return .area(item.responsible.level)
    }
}

/// A property service contract (物业服务合同) between a company and a compound, for a period of days (both inclusive).
public struct PropertyContractTerm: Sendable, Equatable {
    public let companyID: String
    public let starts: CivilDate
    public let ends: CivilDate

    public init(companyID: String, starts: CivilDate, ends: CivilDate) {
        self.companyID = companyID
        self.starts = starts
        self.ends = ends
    }

    public func covers(_ day: CivilDate) -> Bool { starts <= day && day <= ends }

    public func overlaps(_ other: PropertyContractTerm) -> Bool { starts <= other.ends && other.starts <= ends }
}

public enum PropertyContracts {
    public enum Problem: Error, Equatable, Sendable {
        /// It ends before it starts.
        case endsBeforeStart
        /// Another contract of the compound covers some of its days: a compound has one company at a time.
        case overlaps
    }

    /// Checks a new (or changed) contract against the compound's other contracts.
    public static func check(_ term: PropertyContractTerm, against others: [PropertyContractTerm]) throws(Problem) {
        guard term.starts <= term.ends else { throw .endsBeforeStart }
        if others.contains(where: { $0.overlaps(term) }) { throw .overlaps }
    }

    /// The company serving the compound on `day`: the contract covering it, or none (a contract outside its dates
    /// routes nothing).
    public static func serving(on day: CivilDate, _ contracts: [PropertyContractTerm]) -> String? {
        contracts.first { $0.covers(day) }?.companyID
    }
}
