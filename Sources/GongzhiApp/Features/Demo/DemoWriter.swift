import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Writes a generated `DemoDistrict` into the database in batches (multi-row inserts, one transaction per batch),
/// with the demo accounts, and one audit entry.
enum DemoWriter {
    static let batchSize = 400

    struct Summary: Sendable {
        var nodes = 0, compounds = 0, buildings = 0, units = 0, households = 0, persons = 0, members = 0
    }

    static func write(_ plan: DemoDistrict, seed: UInt64, app: Application, progress: Bool) async throws -> Summary {
        let cipher = app.gongzhi.cipher
        let db = app.db
        var rng = SeededGenerator(seed: seed ^ 0x5EED)
        func uuid() -> UUID {
            var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[6] = (bytes[6] & 0x0F) | 0x40
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
        let now = app.clock.now
        let total = plan.nodes.count + plan.compounds.count + plan.buildings.count + plan.units.count + plan.households.count
            + plan.persons.count + plan.members.count
        let bar = progress ? ProgressLine(title: "demo", total: total) : nil
        var done = 0

        func insert(_ table: String, _ columns: [String], _ rows: [[any Encodable & Sendable]]) async throws {
            for chunk in rows.chunked(batchSize) {
                try await app.write { tx in
                    let builder = tx.sql().insert(into: table).columns(columns)
                    for row in chunk { builder.values(row.map { SQLBind($0) }) }
                    try await builder.run()
                }
                done += chunk.count
                bar?.update(done)
            }
        }

        var nodeIDs: [UUID] = [], nodePaths: [OrgPath] = []
        var nodeRows: [[any Encodable & Sendable]] = []
        for node in plan.nodes {
            let id = uuid()
            let parentPath = node.parent.map { nodePaths[$0] } ?? .root
            let path = parentPath.appending(id.uuidString.lowercased())
            nodeIDs.append(id)
            nodePaths.append(path)
            nodeRows.append([id, node.level.rawValue, node.name, node.code, node.parent.map { nodeIDs[$0] }, path.rawValue, now, now])
        }
        try await insert("org_nodes", ["id", "level", "name", "code", "parent_id", "path", "created_at", "updated_at"], nodeRows)

        let compoundIDs = plan.compounds.map { _ in uuid() }
        try await insert("compounds", ["id", "community_id", "org_path", "name", "address", "commercial", "created_at"],
                         plan.compounds.enumerated().map { i, c in
                             [compoundIDs[i], nodeIDs[c.community], nodePaths[c.community].rawValue, c.name, plan.nodes[c.community].name + c.name, c.commercial, now]
                         })
        let buildingIDs = plan.buildings.map { _ in uuid() }
        try await insert("buildings", ["id", "compound_id", "grid_id", "org_path", "name", "created_at"],
                         plan.buildings.enumerated().map { i, b in [buildingIDs[i], compoundIDs[b.compound], nodeIDs[b.grid], nodePaths[b.grid].rawValue, b.name, now] })
        let unitIDs = plan.units.map { _ in uuid() }
        let unitPaths = plan.units.map { nodePaths[plan.buildings[$0.building].grid].rawValue }
        try await insert("units", ["id", "building_id", "org_path", "number", "area_centi", "developer_held", "created_at"],
                         plan.units.enumerated().map { i, u in [unitIDs[i], buildingIDs[u.building], unitPaths[i], u.number, u.area.centiSquareMetres, u.developerHeld, now] })
        let householdIDs = plan.households.map { _ in uuid() }
        try await insert("households", ["id", "unit_id", "org_path", "label", "created_at"],
                         plan.households.enumerated().map { i, h in [householdIDs[i], unitIDs[h.unit], unitPaths[h.unit], "", now] })
        // A person is registered at the grid of the first household they belong to.
        var personPath = [Int: String]()
        for member in plan.members where personPath[member.person] == nil {
            personPath[member.person] = unitPaths[plan.households[member.household].unit]
        }
        let personIDs = plan.persons.map { _ in uuid() }
        try await insert("persons", ["id", "org_path", "name", "id_number_enc", "id_number_hash", "id_number_mask", "phone_enc", "phone_hash", "phone_mask", "created_at", "updated_at"],
                         plan.persons.enumerated().map { i, p in
                             [personIDs[i], personPath[i] ?? "/", p.name,
                              cipher.seal(p.idNumber, field: .idNumber), cipher.blindIndex(p.idNumber, field: .idNumber), Masking.idNumber(p.idNumber),
                              cipher.seal(p.phone, field: .phone), cipher.blindIndex(p.phone, field: .phone), Masking.phone(p.phone), now, now]
                         })
        try await insert("household_members", ["id", "household_id", "person_id", "relation", "resides"],
                         plan.members.map { m in [uuid(), householdIDs[m.household], personIDs[m.person], m.relation.rawValue, m.resides] })
        bar?.finish()

        let summary = Summary(nodes: plan.nodes.count, compounds: plan.compounds.count, buildings: plan.buildings.count,
                              units: plan.units.count, households: plan.households.count, persons: plan.persons.count, members: plan.members.count)
        try await DemoAccounts.create(plan: plan, nodeIDs: nodeIDs, nodePaths: nodePaths, personIDs: personIDs, app: app)
        let districtID = nodeIDs[0].uuidString.lowercased()
        try await app.write { tx in
            try await AuditLog.append(AuditEvent(action: "demo.generate", objectType: "org_node", objectID: districtID,
                                                 summary: "seed=\(seed) nodes=\(summary.nodes) units=\(summary.units) households=\(summary.households) persons=\(summary.persons)"),
                                      context: .system, now: now, on: tx)
        }
        return summary
    }
}
