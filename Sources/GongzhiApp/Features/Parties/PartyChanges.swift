import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// The use cases that register, change and remove parties and property contracts. Each loads through the actor's
/// scope, checks the rules, and writes the node, its profile and the audit entry in one transaction; pages and the
/// API both call them.
enum PartyChanges {
    /// A party as sent; `nil` fields are left as they are on an update.
    struct Input: Sendable {
        var name: String?
        var code: String?
        var contactName: String?
        var contactPhone: String?
        /// Catalogue item codes and department names, one per entry.
        var functions: [String]?
        var services: String?
        /// An owners' committee's compound, term and election.
        var compoundID: UUID?
        var termStarts: String?
        var termEnds: String?
        var electedByVoteID: UUID?
        var powers: [String]?
        var duties: [String]?
    }

    static func register(kind: PartyKind, areaID: UUID?, input: Input, in context: UseCaseContext) async throws -> OrgNodeRecord {
        let actor = try context.account()
        let name = try Validate.name(input.name), code = try Validate.code(input.code)
        return try await context.write { db in
            guard let areaID else { throw AppError.invalid("areaId", "required") }
            let area = try await Scoped.find(OrgNodeRecord.self, areaID, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: area.path)
            guard area.isArea(kind.homeLevel) else { throw AppError.invalid("areaId", "wrong_parent_level") }
            try await OrgTreeChanges.ensureUniqueName(name, parentID: areaID, except: nil, on: db)
            let node = OrgNodeRecord(level: area.level, name: name, code: code, parentID: areaID, parentPath: area.orgPath)
            node.party = kind
            try await node.create(on: db)
            let profile = PartyProfileRecord(nodeID: node.id!, orgPath: node.orgPath)
            try await apply(input, to: profile, kind: kind, area: area, actor: actor, on: db)
            try await profile.create(on: db)
            try await context.audit(AuditEvent(action: "party.create", objectType: "org_node", objectID: node.id!.uuidString.lowercased(),
                                               summary: kind.rawValue, change: change(node, profile)), on: db)
            return node
        }
    }

    static func update(id: UUID, input: Input, in context: UseCaseContext) async throws -> OrgNodeRecord {
        let actor = try context.account()
        let name = try input.name.map { try Validate.name($0) }, code = try input.code.map { try Validate.code($0) }
        return try await context.write { db in
            let (node, area) = try await managed(id, actor: actor, on: db)
            let profile = try await PartyProfileRecord.query(on: db).filter(\.$node.$id == id).first() ?? PartyProfileRecord(nodeID: id, orgPath: node.orgPath)
            if let name, name != node.name {
                try await OrgTreeChanges.ensureUniqueName(name, parentID: area.id, except: id, on: db)
                node.name = name
            }
            if let code { node.code = code }
            try await apply(input, to: profile, kind: node.party!, area: area, actor: actor, on: db)
            if node.hasChanges { try await node.update(on: db) }
            try await profile.save(on: db)
            try await context.audit(AuditEvent(action: "party.update", objectType: "org_node", objectID: id.uuidString.lowercased(),
                                               summary: node.party!.rawValue, change: change(node, profile)), on: db)
            return node
        }
    }

    /// Removes a party registered by mistake: one that never held a case and has no staff (their roles are the
    /// security administrator's to revoke); its contracts go with it.
    static func remove(id: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        try await context.write { db in
            let (node, _) = try await managed(id, actor: actor, on: db)
            let open = try await CaseRecord.query(on: db).filter(\.$handlerNodeID == id).filter(\.$state !~ [.closed, .rejected, .merged]).count()
            if open > 0 {
                var error = AppError.conflict("party_has_open_cases")
                error.detail = "\(open)"
                throw error
            }
            let staff = try await RoleGrantRecord.query(on: db).filter(\.$node.$id == id).count()
            if staff > 0 {
                var error = AppError.conflict("party_has_staff")
                error.detail = "\(staff)"
                throw error
            }
            // Its closed cases keep it as their handler (their history and the figures): it stays on record.
            let history = try await CaseRecord.query(on: db).filter(\.$handlerNodeID == id).count()
            if history > 0 {
                var error = AppError.conflict("party_has_history")
                error.detail = "\(history)"
                throw error
            }
            try await PropertyContractRecord.query(on: db).filter(\.$company.$id == id).delete()
            try await PartyProfileRecord.query(on: db).filter(\.$node.$id == id).delete()
            do {
                try await node.delete(on: db)
            } catch let error as any DatabaseError where error.isConstraintFailure {
                // Something else still names it (an Open311 key, a rectification item): refused, nothing removed.
                throw AppError.conflict("party_in_use")
            }
            try await context.audit(AuditEvent(action: "party.remove", objectType: "org_node", objectID: id.uuidString.lowercased(),
                                               summary: node.party?.rawValue ?? "", change: ["name": node.name, "path": node.path]), on: db)
        }
    }

    /// A party node the actor manages (at its area), with its area.
    static func managed(_ id: UUID, actor: Actor, on db: any Database) async throws -> (OrgNodeRecord, OrgNodeRecord) {
        let node = try await PartyScope.party(id, actor: actor, on: db)
        guard let areaID = node.$parent.id, let area = try await OrgNodeRecord.find(areaID, on: db) else { throw AppError.notFound }
        try Scoped.require(.manageOrganisation, actor: actor, at: area.path)
        return (node, area)
    }

    static func apply(_ input: Input, to profile: PartyProfileRecord, kind: PartyKind, area: OrgNodeRecord, actor: Actor, on db: any Database) async throws {
        if let value = input.contactName { profile.contactName = try Validate.text(value, field: "contactName", limit: 60) }
        if let value = input.contactPhone {
            let phone = try Validate.text(value, field: "contactPhone", limit: 30)
            guard phone.allSatisfy({ $0.isASCII && ($0.isNumber || "-+ ()".contains($0)) }) else { throw AppError.invalid("contactPhone") }
            profile.contactPhone = phone
        }
        if let value = input.functions { profile.functions = try lines(value, field: "functions") }
        if let value = input.services { profile.services = try Validate.text(value, field: "services", limit: 1_000) }
        if let value = input.powers { profile.powers = try lines(value, field: "powers") }
        if let value = input.duties { profile.duties = try lines(value, field: "duties") }
        guard kind == .ownersCommittee else { return }
        // An owners' committee: its compound (in its community), its term, the owners' vote that elected it.
        if let compoundID = input.compoundID {
            guard let compound = try await CompoundRecord.find(compoundID, on: db), compound.$community.id == area.id else {
                throw AppError.invalid("compoundId")
            }
            profile.compoundID = compound.id
        }
        guard profile.compoundID != nil else { throw AppError.invalid("compoundId", "required") }
        if let value = input.termStarts { profile.termStarts = try day(value, field: "termStarts").description }
        if let value = input.termEnds { profile.termEnds = try day(value, field: "termEnds").description }
        guard let starts = profile.termStarts, let ends = profile.termEnds else { throw AppError.invalid(profile.termStarts == nil ? "termStarts" : "termEnds", "required") }
        guard starts <= ends else { throw AppError.invalid("termEnds", "ends_before_start") }
        // Another committee of the same compound in office on some of these days: one committee at a time.
        try await lock(profile.compoundID!, on: db)
        let others = try await PartyProfileRecord.query(on: db).filter(\.$compoundID == profile.compoundID).filter(\.$node.$id != profile.$node.id).all()
        if others.contains(where: { ($0.termStarts ?? "") <= ends && starts <= ($0.termEnds ?? "") }) {
            throw AppError.conflict("committee_overlaps", field: "termStarts")
        }
        if let voteID = input.electedByVoteID {
            guard let vote = try await OwnerVoteRecord.find(voteID, on: db), vote.$compound.id == profile.compoundID else {
                throw AppError.invalid("electedByVoteId")
            }
            profile.electedByVoteID = vote.id
        }
    }

    /// Takes the compound's row lock in the transaction (PostgreSQL; SQLite has one writer), so that two
    /// contracts or committees written at once cannot both pass the overlap check.
    static func lock(_ compoundID: UUID, on db: any Database) async throws {
        try await db.sql().raw("UPDATE compounds SET name = name WHERE id = \(bind: compoundID)").run()
    }

    static func lines(_ values: [String], field: String) throws -> String {
        guard values.count <= 60 else { throw AppError.invalid(field, "too_long") }
        return try values.map { try Validate.text($0, field: field, limit: 200) }.filter { !$0.isEmpty }
            .map { $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }.joined(separator: "\n")
    }

    static func day(_ text: String, field: String) throws -> CivilDate {
        guard let day = CivilDate(iso: text.trimmingCharacters(in: .whitespaces)) else { throw AppError.invalid(field) }
        return day
    }

    static func change(_ node: OrgNodeRecord, _ profile: PartyProfileRecord) -> [String: String] {
        ["name": node.name, "code": node.code, "contact": profile.contactName, "functions": profile.functions,
         "compound": profile.compoundID?.uuidString.lowercased() ?? "", "term": "\(profile.termStarts ?? "")..\(profile.termEnds ?? "")"]
    }

    // MARK: Property contracts

    struct ContractInput: Sendable {
        var compoundID: UUID?
        var startsOn: String?
        var endsOn: String?
        var serviceLevel: String?
        /// Fee standard in fen per m² per month.
        var feeCenti: Int?
    }

    /// Records a company's contract with a compound of its district; refused when it overlaps another of the
    /// compound's contracts, or the compound is an old one without property management.
    static func addContract(companyID: UUID, input: ContractInput, in context: UseCaseContext) async throws -> PropertyContractRecord {
        let actor = try context.account()
        return try await context.write { db in
            // The company first: one the actor cannot see is 404 whatever was sent.
            let seen = try await PartyScope.party(companyID, actor: actor, on: db)
            guard seen.party == .propertyCompany else { throw AppError.notFound }
            let level = try Validate.text(input.serviceLevel, field: "serviceLevel", limit: 30)
            guard let fee = input.feeCenti, (0...100_000).contains(fee) else { throw AppError.invalid("feeCenti") }
            let starts = try day(input.startsOn ?? "", field: "startsOn"), ends = try day(input.endsOn ?? "", field: "endsOn")
            guard let compoundID = input.compoundID else { throw AppError.invalid("compoundId", "required") }
            let compound = try await Scoped.find(CompoundRecord.self, compoundID, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: compound.orgPath)
            let company = try await company(companyID, servingDistrictOf: compound, on: db)
            guard compound.commercial else { throw AppError.invalid("compoundId", "not_commercial") }
            try await lock(compoundID, on: db)
            let others = try await PropertyContractRecord.query(on: db).filter(\.$compound.$id == compoundID).all().compactMap(\.term)
            let term = PropertyContractTerm(companyID: companyID.uuidString.lowercased(), starts: starts, ends: ends)
            do throws(PropertyContracts.Problem) {
                try PropertyContracts.check(term, against: others)
            } catch {
                switch error {
                case .endsBeforeStart: throw AppError.invalid("endsOn", "ends_before_start")
                case .overlaps: throw AppError.conflict("contract_overlaps", field: "startsOn")
                }
            }
            let contract = PropertyContractRecord(companyID: company.id!, compound: compound, starts: starts, ends: ends, serviceLevel: level, feeCenti: fee)
            try await contract.create(on: db)
            try await context.audit(AuditEvent(action: "contract.create", objectType: "property_contract", objectID: contract.id!.uuidString.lowercased(),
                                               summary: company.name, change: ["company": company.id!.uuidString.lowercased(), "compound": compound.name,
                                                                               "from": contract.startsOn, "to": contract.endsOn]), on: db)
            return contract
        }
    }

    static func removeContract(id: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        try await context.write { db in
            let contract = try await Scoped.find(PropertyContractRecord.self, id, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: contract.orgPath)
            try await contract.delete(on: db)
            try await context.audit(AuditEvent(action: "contract.remove", objectType: "property_contract", objectID: id.uuidString.lowercased(),
                                               change: ["company": contract.$company.id.uuidString.lowercased(), "from": contract.startsOn, "to": contract.endsOn]), on: db)
        }
    }

    /// A property company registered with the compound's district (companies are registered once, with the district).
    static func company(_ id: UUID, servingDistrictOf compound: CompoundRecord, on db: any Database) async throws -> OrgNodeRecord {
        let district = OrgPath(compound.orgPath)?.segments.first.flatMap(UUID.init(uuidString:))
        guard let node = try await OrgNodeRecord.find(id, on: db), node.party == .propertyCompany else { throw AppError.notFound }
        guard node.$parent.id == district else { throw AppError.invalid("compoundId", "other_district") }
        return node
    }
}
