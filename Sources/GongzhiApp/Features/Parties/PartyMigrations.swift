import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// A node may be a party (`PartyKind`) registered under an area.
struct AddOrgNodeParty: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OrgNodeRecord.schema).field("party", .string).update()
        try await database.sql().create(index: "idx_org_nodes_party").on(OrgNodeRecord.schema).column("party").column("parent_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_org_nodes_party").run()
        try await database.schema(OrgNodeRecord.schema).deleteField("party").update()
    }
}

struct CreatePartyProfiles: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PartyProfileRecord.schema)
            .id()
            .field("node_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .cascade))
            .field("org_path", .string, .required)
            .field("contact_name", .string, .required)
            .field("contact_phone", .string, .required)
            .field("functions", .string, .required)
            .field("services", .string, .required)
            .field("compound_id", .uuid, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("term_starts", .string)
            .field("term_ends", .string)
            .field("elected_by_vote_id", .uuid)
            .field("powers", .string, .required)
            .field("duties", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "node_id")
            .create()
        try await database.sql().create(index: "idx_party_profiles_compound").on(PartyProfileRecord.schema).column("compound_id").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(PartyProfileRecord.schema).delete() }
}

struct CreatePropertyContracts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PropertyContractRecord.schema)
            .id()
            .field("company_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("compound_id", .uuid, .required, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("starts_on", .string, .required)
            .field("ends_on", .string, .required)
            .field("service_level", .string, .required)
            .field("fee_centi", .int, .required)
            .field("created_at", .datetime)
            .create()
        try await database.sql().create(index: "idx_property_contracts_compound").on(PropertyContractRecord.schema).column("compound_id").run()
        try await database.sql().create(index: "idx_property_contracts_company").on(PropertyContractRecord.schema).column("company_id").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(PropertyContractRecord.schema).delete() }
}

/// Before departments were nodes, a case for a district department was handled by the district node with the
/// department's name in `handler_department`. Each such name becomes a department node of that district (with the
/// name as its function), and the finished cases the district holds under that name pass to it, so that the
/// department's figures hold its history (the KPI rollups follow through the cases' dirty marks). Open cases stay
/// with the district's officers who are working them; new cases go to the department once it has staff
/// (`PartyDirectory`: a party without staff takes nothing).
struct MoveDepartmentTextsToNodes: AsyncMigration {
    static let finished: [CaseState] = [.closed, .rejected, .merged]

    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let pairs = try await sql.raw("""
            SELECT DISTINCT handler_node_id, handler_department FROM cases
            WHERE handler_department <> '' AND handler_party = 'district_department'
            """).all().map { (try $0.decode(column: "handler_node_id", as: UUID.self), try $0.decode(column: "handler_department", as: String.self)) }
        for (districtID, name) in pairs {
            guard let district = try await OrgNodeRecord.find(districtID, on: database), district.isArea(.district) else { continue }
            let department = try await Self.department(named: name, in: district, on: database)
            try await sql.update(CaseRecord.schema)
                .set("handler_node_id", to: SQLBind(department.id!)).set("handler_path", to: SQLBind(department.path))
                .where("handler_node_id", .equal, SQLBind(districtID)).where("handler_department", .equal, SQLBind(name))
                .where("handler_party", .equal, SQLBind(ResponsibleParty.districtDepartment.rawValue))
                .where("state", .in, SQLBind.group(Self.finished.map(\.rawValue)))
                .run()
        }
    }

    /// The district's department answering for `name`, made if there is none.
    static func department(named name: String, in district: OrgNodeRecord, on db: any Database) async throws -> OrgNodeRecord {
        let existing = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == district.id!).filter(\.$party == .department).all()
        let profiles = try await PartyProfileRecord.query(on: db).filter(\.$node.$id ~~ existing.compactMap(\.id)).all()
        if let match = existing.first(where: { node in profiles.first { $0.$node.id == node.id }?.functionList.contains(name) == true }) {
            return match
        }
        let node = OrgNodeRecord(level: .district, name: name, code: "", parentID: district.id, parentPath: district.orgPath)
        node.party = .department
        try await node.create(on: db)
        let profile = PartyProfileRecord(nodeID: node.id!, orgPath: node.orgPath)
        profile.functions = name
        try await profile.create(on: db)
        return node
    }

    func revert(on database: any Database) async throws {}
}
