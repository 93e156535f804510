import Fluent
import Foundation
import GongzhiCore

/// What a party node says of itself (`OrgNodeRecord.party`): whom to contact, what it answers for, and for an
/// owners' committee its compound, term, election and lists of powers and duties. One row per party node.
final class PartyProfileRecord: Model, @unchecked Sendable {
    static let schema = "party_profiles"

    @ID(key: .id) var id: UUID?
    @Parent(key: "node_id") var node: OrgNodeRecord
    /// The party node's path (moved with it).
    @Field(key: "org_path") var orgPath: String
    /// Whom residents and staff call: an office or a named contact ("服务热线 6512 3456", "管家 张明").
    @Field(key: "contact_name") var contactName: String
    /// The organisation's public service number (not a person's own mobile).
    @Field(key: "contact_phone") var contactPhone: String
    /// The catalogue functions it is responsible for, one per line: item codes and department names.
    @Field(key: "functions") var functions: String
    /// What it offers (a social organisation's services, a co-building unit's resources), in its own words.
    @Field(key: "services") var services: String
    /// An owners' committee's compound.
    @OptionalField(key: "compound_id") var compoundID: UUID?
    /// An owners' committee's term (YYYY-MM-DD, both inclusive).
    @OptionalField(key: "term_starts") var termStarts: String?
    @OptionalField(key: "term_ends") var termEnds: String?
    /// The owners' vote that elected the committee.
    @OptionalField(key: "elected_by_vote_id") var electedByVoteID: UUID?
    /// 权力清单 and 责任清单, one entry per line.
    @Field(key: "powers") var powers: String
    @Field(key: "duties") var duties: String
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [$id, $node, $orgPath, $contactName, $contactPhone, $functions, $services, $compoundID, $termStarts, $termEnds, $electedByVoteID,
         $powers, $duties, $updatedAt]
    }

    init() {}

    init(nodeID: UUID, orgPath: OrgPath) {
        id = UUID()
        $node.id = nodeID
        self.orgPath = orgPath.rawValue
        contactName = ""
        contactPhone = ""
        functions = ""
        services = ""
        powers = ""
        duties = ""
    }

    var functionList: [String] { Self.lines(functions) }
    var powerList: [String] { Self.lines(powers) }
    var dutyList: [String] { Self.lines(duties) }

    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A property service contract (物业服务合同): a company serves a compound from one day to another, at a service
/// level and a fee standard. A compound has one company at a time (`PropertyContracts.check`).
final class PropertyContractRecord: Model, @unchecked Sendable {
    static let schema = "property_contracts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "company_id") var company: OrgNodeRecord
    @Parent(key: "compound_id") var compound: CompoundRecord
    /// The compound's community path (moved with it).
    @Field(key: "org_path") var orgPath: String
    @Field(key: "starts_on") var startsOn: String
    @Field(key: "ends_on") var endsOn: String
    /// 服务等级 as the contract names it ("一级", "二级"…).
    @Field(key: "service_level") var serviceLevel: String
    /// 收费标准 in fen per m² per month.
    @Field(key: "fee_centi") var feeCenti: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $company, $compound, $orgPath, $startsOn, $endsOn, $serviceLevel, $feeCenti, $createdAt] }

    init() {}

    init(companyID: UUID, compound: CompoundRecord, starts: CivilDate, ends: CivilDate, serviceLevel: String, feeCenti: Int) {
        id = UUID()
        $company.id = companyID
        $compound.id = compound.id!
        orgPath = compound.orgPath
        startsOn = starts.description
        endsOn = ends.description
        self.serviceLevel = serviceLevel
        self.feeCenti = feeCenti
    }

    var term: PropertyContractTerm? {
        guard let starts = CivilDate(iso: startsOn), let ends = CivilDate(iso: endsOn) else { return nil }
        return PropertyContractTerm(companyID: $company.id.uuidString.lowercased(), starts: starts, ends: ends)
    }
}

extension PartyProfileRecord: OrgScoped { static var pathKey: KeyPath<PartyProfileRecord, FieldProperty<PartyProfileRecord, String>> { \.$orgPath } }
extension PropertyContractRecord: OrgScoped { static var pathKey: KeyPath<PropertyContractRecord, FieldProperty<PropertyContractRecord, String>> { \.$orgPath } }
