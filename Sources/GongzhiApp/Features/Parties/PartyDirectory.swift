import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// Reads what `PartyRouting` needs for a case and turns its answer into a node: the parties registered at the
/// place's areas, the compound's contract and committee. Only what the item's responsible party calls for is read
/// (a street-office item reads the street's offices and nothing else), so that intake stays a few small queries.
/// A party takes cases once someone works there (it has a staff grant): a party registered before its staff would
/// otherwise hold cases nobody can sign for.
enum PartyDirectory {
    struct Handler: Sendable, Equatable {
        let id: UUID
        let path: String
        /// The party's kind; nil for an area.
        let party: PartyKind?
    }

    /// The node that takes a case of `item` at `placePath` (in `buildingID`'s compound, if any) on `day`.
    static func handler(for item: CatalogueItem, placePath: OrgPath, buildingID: UUID?, on day: CivilDate,
                        db: any Database) async throws -> Handler? {
        let segments = placePath.segments
        func area(_ level: OrgLevel) -> UUID? { segments.count > level.depth ? UUID(uuidString: segments[level.depth]) : nil }
        let kinds: [PartyKind] = switch item.responsible {
        case .districtDepartment: [.department]
        case .streetOffice: [.streetOffice]
        case .socialOrganisation, .communityServiceStation: [.socialOrganisation]
        case .partyOrganisation: [.partyOrganisation]
        case .supervisoryOrg: [.supervisoryBody]
        case .propertyCompany, .ownersCommittee, .community, .volunteers: []
        }
        var registered = PartyRouting.Registered()
        if let kind = kinds.first, let parentID = area(kind.homeLevel) {
            registered = PartyRouting.Registered(try await parties(kind, under: parentID, on: db))
        }
        var compound: PartyRouting.Compound?
        if [.propertyCompany, .ownersCommittee].contains(item.responsible), let buildingID {
            compound = try await compoundFacts(buildingID: buildingID, on: day, db: db)
        }
        switch PartyRouting.handler(for: item, compound: compound, registered: registered) {
        case .party(let party):
            guard let id = UUID(uuidString: party.id) else { return nil }
            return Handler(id: id, path: party.path.rawValue, party: party.kind)
        case .area(let level):
            guard let id = area(level),
                  let path = try await db.sql().select().column("path").from(OrgNodeRecord.schema).where("id", .equal, id).first()?
                      .decode(column: "path", as: String.self) else { return nil }
            return Handler(id: id, path: path, party: nil)
        }
    }

    /// The parties of `kind` registered under the area `parentID` that have staff, with their functions.
    static func parties(_ kind: PartyKind, under parentID: UUID, staffed: Bool = true, on db: any Database) async throws -> [PartyRouting.Party] {
        var nodes = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == parentID).filter(\.$party == kind).all()
        if staffed { nodes = try await withStaff(nodes, on: db) }
        guard !nodes.isEmpty else { return [] }
        let profiles = try await PartyProfileRecord.query(on: db).filter(\.$node.$id ~~ nodes.compactMap(\.id)).all()
        let functions = Dictionary(profiles.map { ($0.$node.id, $0.functionList) }) { first, _ in first }
        return nodes.map { party($0, functions: functions[$0.id!] ?? []) }
    }

    /// Those of `nodes` that someone works at (a role granted at the node).
    static func withStaff(_ nodes: [OrgNodeRecord], on db: any Database) async throws -> [OrgNodeRecord] {
        guard !nodes.isEmpty else { return [] }
        let staffed = Set(try await RoleGrantRecord.query(on: db).filter(\.$node.$id ~~ nodes.compactMap(\.id)).all().compactMap { $0.$node.id })
        return nodes.filter { staffed.contains($0.id!) }
    }

    static func party(_ node: OrgNodeRecord, functions: [String] = []) -> PartyRouting.Party {
        PartyRouting.Party(id: node.id!.uuidString.lowercased(), path: node.orgPath, kind: node.party ?? .department, name: node.name,
                           functions: functions)
    }

    /// The compound of a building: commercial or not, the company whose contract covers `day`, the committee in office.
    static func compoundFacts(buildingID: UUID, on day: CivilDate, staffed: Bool = true, db: any Database) async throws -> PartyRouting.Compound? {
        guard let building = try await BuildingRecord.find(buildingID, on: db),
              let compound = try await CompoundRecord.find(building.$compound.id, on: db) else { return nil }
        return try await compoundFacts(compound, on: day, staffed: staffed, db: db)
    }

    static func compoundFacts(_ compound: CompoundRecord, on day: CivilDate, staffed: Bool = false, db: any Database) async throws -> PartyRouting.Compound {
        let contracts = try await PropertyContractRecord.query(on: db).filter(\.$compound.$id == compound.id!).all()
        var company: OrgNodeRecord?
        if let id = PropertyContracts.serving(on: day, contracts.compactMap(\.term)).flatMap(UUID.init(uuidString:)) {
            company = try await OrgNodeRecord.find(id, on: db)
        }
        var committee = try await committee(of: compound.id!, on: day, db: db)
        if staffed {
            let working = Set(try await withStaff([company, committee].compactMap { $0 }, on: db).compactMap(\.id))
            if let id = company?.id, !working.contains(id) { company = nil }
            if let id = committee?.id, !working.contains(id) { committee = nil }
        }
        return PartyRouting.Compound(commercial: compound.commercial, servingCompany: company.map { party($0) }, committee: committee.map { party($0) })
    }

    /// The owners' committee of a compound whose term covers `day`.
    static func committee(of compoundID: UUID, on day: CivilDate, db: any Database) async throws -> OrgNodeRecord? {
        let profiles = try await PartyProfileRecord.query(on: db).filter(\.$compoundID == compoundID).all()
        let today = day.description
        guard let current = profiles.first(where: { ($0.termStarts ?? "") <= today && today <= ($0.termEnds ?? "") }) else { return nil }
        return try await OrgNodeRecord.query(on: db).filter(\.$id == current.$node.id).filter(\.$party == .ownersCommittee).first()
    }

    /// The parties a case may be dispatched to, by name: those registered at its place's areas that serve it —
    /// the district's departments, the street's offices, the community's organisations, the company under
    /// contract with the case's compound and that compound's committee (not the supervisory body: reports reach it
    /// by routing only).
    static func dispatchable(for record: CaseRecord, on day: CivilDate, db: any Database) async throws -> [OrgNodeRecord] {
        let place = OrgPath(record.placePath) ?? .root
        let areas = place.segments.prefix(OrgLevel.community.depth + 1).compactMap(UUID.init(uuidString:))
        guard !areas.isEmpty else { return [] }
        let registered = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id ~~ areas).filter(\.$party != nil)
            .filter(\.$party !~ [.supervisoryBody, .propertyCompany, .ownersCommittee]).sort(\.$name).limit(200).all()
        var compoundParties: [OrgNodeRecord] = []
        if let building = record.buildingID, let facts = try await compoundFacts(buildingID: building, on: day, staffed: false, db: db) {
            let ids = [facts.servingCompany, facts.committee].compactMap { $0.flatMap { UUID(uuidString: $0.id) } }
            if !ids.isEmpty { compoundParties = try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).all() }
        }
        return compoundParties + registered
    }

    /// The bodies a report from `placePath` may be about: its community and street, and the public bodies
    /// registered at its areas (the district's departments, the street's offices, the community's party
    /// organisation), community first (the default).
    static func accusable(at placePath: OrgPath, on db: any Database) async throws -> [OrgNodeRecord] {
        let segments = placePath.segments
        let areaIDs = segments.prefix(OrgLevel.community.depth + 1).compactMap(UUID.init(uuidString:))
        guard areaIDs.count > OrgLevel.community.depth else { return [] }
        let areas = try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(areaIDs.dropFirst())).all()
            .sorted { $0.level.depth > $1.level.depth }
        let parties = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id ~~ areaIDs).filter(\.$party != nil).sort(\.$name).all()
            .filter { $0.party?.isAccusable == true }
        return areas + parties.sorted { $0.level.depth != $1.level.depth ? $0.level.depth > $1.level.depth : $0.name < $1.name }
    }
}
