/// Who is really responsible for a kind of affair (权责清单, SPEC §3).
public enum ResponsibleParty: String, Codable, Sendable, CaseIterable {
    /// 物业服务企业
    case propertyCompany = "property_company"
    /// 业主委员会
    case ownersCommittee = "owners_committee"
    /// 社区居委会 / 社区工作站
    case community
    /// 社区服务站
    case communityServiceStation = "community_service_station"
    /// 社区党组织
    case partyOrganisation = "party_organisation"
    /// 志愿者、居民互助
    case volunteers
    /// 社会组织
    case socialOrganisation = "social_organisation"
    /// 街道办事处
    case streetOffice = "street_office"
    /// 区职能部门
    case districtDepartment = "district_department"
    /// 监督机构 (纪检监察): reports against officials go only here
    case supervisoryOrg = "supervisory_org"

    /// The level of the tree whose node holds this party for a case at a given place.
    public var level: OrgLevel {
        switch self {
        case .propertyCompany, .ownersCommittee, .community, .communityServiceStation, .partyOrganisation, .volunteers,
             .socialOrganisation:
            .community
        case .streetOffice: .street
        case .districtDepartment, .supervisoryOrg: .district
        }
    }
}

/// What kind of matter an item is; it sets the default time limits (SPEC §4, hotline practice).
public enum CaseKind: String, Codable, Sendable, CaseIterable {
    /// 紧急: the same day
    case urgent
    /// 咨询: 3 working days
    case enquiry
    /// 求助: 3 working days
    case help
    /// 投诉: 13 working days
    case complaint
    /// 举报: 13 working days
    case report
}

/// A top-level category of the catalogue: the seven of SPEC §3.
public struct CatalogueCategory: Codable, Sendable, Equatable {
    public let code: String
    public let name: String
    public let nameEn: String
    public let defaultResponsible: ResponsibleParty

    public static let requiredCodes = ["ADMIN", "SERVICE", "PROPERTY_COMMERCIAL", "PROPERTY_OTHER", "MUTUAL_AID", "ORGANISATION", "TEMPORARY"]
}

/// One kind of affair (事项) with its responsible party, time limits and keywords.
public struct CatalogueItem: Codable, Sendable, Equatable {
    public let code: String
    public let category: String
    public let name: String
    public let nameEn: String
    public let responsible: ResponsibleParty
    /// The district department, where the responsible party is one ("城市管理", "市场监管"…).
    public let department: String
    public let kind: CaseKind
    /// Sign within this many working hours (响应时限).
    public let responseHours: Int
    /// Complete within this many working days (办结时限); 0: the same day.
    public let completionDays: Int
    public let keywords: [String]
    /// Urban-management event/component code (GB/T 30428 style), if any.
    public let eventCode: String
    /// Whether the community may handle it itself.
    public let communityMayHandle: Bool
    /// Extra questions asked when a case is raised (Open311 attributes); most items ask none.
    public let questions: [CatalogueQuestion]
    /// Danger to people (someone trapped, gas, a fall…): whom to call and how soon someone must take the case.
    public let emergency: EmergencyRule?
    /// The item in the words residents use, for residents' pages ("水发黄、水箱脏" for 二次供水); empty: the name.
    public let plainName: String
    /// How residents word it (data): what the classifier learns from before any case is confirmed.
    public let phrases: [String]

    /// The item's name on residents' pages.
    public var everydayName: String { plainName.isEmpty ? name : plainName }

    public init(code: String, category: String, name: String, nameEn: String, responsible: ResponsibleParty, department: String = "",
                kind: CaseKind, responseHours: Int, completionDays: Int, keywords: [String], eventCode: String = "",
                communityMayHandle: Bool, questions: [CatalogueQuestion] = [], emergency: EmergencyRule? = nil,
                plainName: String = "", phrases: [String] = []) {
        self.code = code
        self.category = category
        self.name = name
        self.nameEn = nameEn
        self.responsible = responsible
        self.department = department
        self.kind = kind
        self.responseHours = responseHours
        self.completionDays = completionDays
        self.keywords = keywords
        self.eventCode = eventCode
        self.communityMayHandle = communityMayHandle
        self.questions = questions
        self.emergency = emergency
        self.plainName = plainName
        self.phrases = phrases
    }

    enum CodingKeys: String, CodingKey {
        case code, category, name, nameEn, responsible, department, kind, responseHours, completionDays, keywords, eventCode
        case communityMayHandle, questions, emergency, plainName, phrases
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        category = try c.decode(String.self, forKey: .category)
        name = try c.decode(String.self, forKey: .name)
        nameEn = try c.decode(String.self, forKey: .nameEn)
        responsible = try c.decode(ResponsibleParty.self, forKey: .responsible)
        department = try c.decodeIfPresent(String.self, forKey: .department) ?? ""
        kind = try c.decode(CaseKind.self, forKey: .kind)
        responseHours = try c.decode(Int.self, forKey: .responseHours)
        completionDays = try c.decode(Int.self, forKey: .completionDays)
        keywords = try c.decode([String].self, forKey: .keywords)
        eventCode = try c.decodeIfPresent(String.self, forKey: .eventCode) ?? ""
        communityMayHandle = try c.decode(Bool.self, forKey: .communityMayHandle)
        questions = try c.decodeIfPresent([CatalogueQuestion].self, forKey: .questions) ?? []
        emergency = try c.decodeIfPresent(EmergencyRule.self, forKey: .emergency)
        plainName = try c.decodeIfPresent(String.self, forKey: .plainName) ?? ""
        phrases = try c.decodeIfPresent([String].self, forKey: .phrases) ?? []
    }
}

/// A version of the affairs catalogue (事务清单). Cases keep the version they were opened under.
public struct Catalogue: Codable, Sendable, Equatable {
    public let version: Int
    public let name: String
    public let categories: [CatalogueCategory]
    public let items: [CatalogueItem]

    public init(version: Int, name: String, categories: [CatalogueCategory], items: [CatalogueItem]) {
        self.version = version
        self.name = name
        self.categories = categories
        self.items = items
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        case missingCategory(String)
        case unknownCategory(item: String, category: String)
        case duplicateCode(String)
        case invalidItem(code: String, field: String)
    }

    /// Checks the whole catalogue: the seven categories, unique codes, sensible limits and keywords.
    public func validated() throws(Error) -> Catalogue {
        let codes = Set(categories.map(\.code))
        for required in CatalogueCategory.requiredCodes where !codes.contains(required) { throw .missingCategory(required) }
        var seen = Set<String>()
        for item in items {
            guard seen.insert(item.code).inserted else { throw .duplicateCode(item.code) }
            guard codes.contains(item.category) else { throw .unknownCategory(item: item.code, category: item.category) }
            if item.code.isEmpty || item.code.count > 30 { throw .invalidItem(code: item.code, field: "code") }
            if item.name.isEmpty || item.name.count > 100 { throw .invalidItem(code: item.code, field: "name") }
            if !(1...720).contains(item.responseHours) { throw .invalidItem(code: item.code, field: "responseHours") }
            if !(0...120).contains(item.completionDays) { throw .invalidItem(code: item.code, field: "completionDays") }
            if item.keywords.isEmpty || item.keywords.contains(where: \.isEmpty) { throw .invalidItem(code: item.code, field: "keywords") }
            var questionCodes = Set<String>()
            for question in item.questions {
                guard !question.code.isEmpty, question.code.count <= 30, questionCodes.insert(question.code).inserted, !question.prompt.isEmpty,
                      question.datatype.isList == !question.choices.isEmpty,
                      Set(question.choices.map(\.key)).count == question.choices.count else {
                    throw .invalidItem(code: item.code, field: "questions")
                }
            }
            if let rule = item.emergency {
                guard (1...120).contains(rule.responseMinutes), rule.calls.allSatisfy({ !$0.isEmpty && $0.count <= 12 && $0.allSatisfy(\.isASCIIDigit) }),
                      rule.always || item.questions.contains(where: { $0.choices.contains(where: \.emergency) }) else {
                    throw .invalidItem(code: item.code, field: "emergency")
                }
            } else if item.questions.contains(where: { $0.choices.contains(where: \.emergency) }) {
                throw .invalidItem(code: item.code, field: "emergency")
            }
        }
        return self
    }

    public func item(_ code: String) -> CatalogueItem? { items.first { $0.code == code } }
}
