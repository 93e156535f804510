import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Writes a generated `DemoDistrict` into the database: multi-row inserts in batches, all in one transaction
/// with the demo accounts and the audit entry, so a failure leaves nothing behind.
enum DemoWriter {
    static let batchSize = 400

    struct Summary: Sendable {
        var nodes = 0, compounds = 0, buildings = 0, units = 0, households = 0, persons = 0, members = 0, cases = 0
    }

    /// `casesPerCommunity`: at least so many cases in each community (the demo's comparison needs a few dozen).
    static func write(_ plan: DemoDistrict, seed: UInt64, app: Application, progress: Bool, casesPerCommunity: Int = 0) async throws -> Summary {
        let cipher = app.gongzhi.cipher
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
        let tables = TableRows()

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
        tables.add("org_nodes", ["id", "level", "name", "code", "parent_id", "path", "created_at", "updated_at"], nodeRows)

        let compoundIDs = plan.compounds.map { _ in uuid() }
        tables.add("compounds", ["id", "community_id", "org_path", "name", "address", "commercial", "created_at"],
                         plan.compounds.enumerated().map { i, c in
                             [compoundIDs[i], nodeIDs[c.community], nodePaths[c.community].rawValue, c.name, plan.nodes[c.community].name + c.name, c.commercial, now]
                         })
        let buildingIDs = plan.buildings.map { _ in uuid() }
        tables.add("buildings", ["id", "compound_id", "grid_id", "org_path", "name", "latitude", "longitude", "created_at"],
                         plan.buildings.enumerated().map { i, b in
                             [buildingIDs[i], compoundIDs[b.compound], nodeIDs[b.grid], nodePaths[b.grid].rawValue, b.name,
                              b.location.latitude, b.location.longitude, now]
                         })
        let unitIDs = plan.units.map { _ in uuid() }
        let unitPaths = plan.units.map { nodePaths[plan.buildings[$0.building].grid].rawValue }
        let personIDs = plan.persons.map { _ in uuid() }
        // Co-owners have designated the registered owner to cast their unit's ballot in owners' votes.
        var representative: [Int: UUID] = [:]
        let coOwned = Set(plan.members.filter { $0.relation == .coOwner }.map(\.household))
        for member in plan.members where member.relation == .owner && coOwned.contains(member.household) {
            representative[plan.households[member.household].unit] = personIDs[member.person]
        }
        tables.add("units", ["id", "building_id", "org_path", "number", "area_centi", "developer_held", "vote_representative_id", "created_at"],
                         plan.units.enumerated().map { i, u in
                             [unitIDs[i], buildingIDs[u.building], unitPaths[i], u.number, u.area.centiSquareMetres, u.developerHeld, representative[i], now]
                         })
        let householdIDs = plan.households.map { _ in uuid() }
        tables.add("households", ["id", "unit_id", "org_path", "label", "created_at"],
                         plan.households.enumerated().map { i, h in [householdIDs[i], unitIDs[h.unit], unitPaths[h.unit], "", now] })
        // A person is registered at the grid of the first household they belong to.
        var personPath = [Int: String]()
        for member in plan.members where personPath[member.person] == nil {
            personPath[member.person] = unitPaths[plan.households[member.household].unit]
        }
        // Encrypting every ID and mobile number is the slow part of preparing the rows: it has its own bar.
        let sealing = progress ? ProgressLine(title: "encrypt", total: plan.persons.count) : nil
        var personRows: [[any Encodable & Sendable]] = []
        personRows.reserveCapacity(plan.persons.count)
        for (i, p) in plan.persons.enumerated() {
            personRows.append([personIDs[i], personPath[i] ?? "/", p.name,
                               cipher.seal(p.idNumber, field: .idNumber), cipher.blindIndex(p.idNumber, field: .idNumber), Masking.idNumber(p.idNumber),
                               cipher.seal(p.phone, field: .phone), cipher.blindIndex(p.phone, field: .phone), Masking.phone(p.phone), now, now])
            if i % 1_000 == 0 { sealing?.update(i) }
        }
        sealing?.finish()
        tables.add("persons", ["id", "org_path", "name", "id_number_enc", "id_number_hash", "id_number_mask", "phone_enc", "phone_hash", "phone_mask", "created_at", "updated_at"], personRows)
        tables.add("household_members", ["id", "household_id", "person_id", "relation", "resides"],
                         plan.members.map { m in [uuid(), householdIDs[m.household], personIDs[m.person], m.relation.rawValue, m.resides] })
        let summary = Summary(nodes: plan.nodes.count, compounds: plan.compounds.count, buildings: plan.buildings.count,
                              units: plan.units.count, households: plan.households.count, persons: plan.persons.count, members: plan.members.count)
        let districtID = nodeIDs[0].uuidString.lowercased()
        let accounts = DemoAccounts.rows(plan: plan, nodeIDs: nodeIDs, nodePaths: nodePaths, personIDs: personIDs, hash: app.gongzhi.passwords.hash(DemoAccounts.password), now: now)
        let bar = progress ? ProgressLine(title: "write", total: total) : nil
        try await app.write { tx in
            var done = 0
            for (table, columns, rows) in tables.all {
                for chunk in rows.chunked(batchSize) {
                    let builder = tx.sql().insert(into: table).columns(columns)
                    for row in chunk { builder.values(row.map { SQLBind($0) }) }
                    try await builder.run()
                    done += chunk.count
                    bar?.update(done)
                }
            }
            for user in accounts.users { try await user.create(on: tx) }
            for grant in accounts.grants { try await grant.create(on: tx) }
            try await AuditLog.append(AuditEvent(action: "demo.generate", objectType: "org_node", objectID: districtID,
                                                 summary: "seed=\(seed) nodes=\(summary.nodes) units=\(summary.units) households=\(summary.households) persons=\(summary.persons)"),
                                      context: .system, now: now, on: tx)
        }
        bar?.finish()
        // About one case a year for every ten households, in every state.
        var withCases = summary
        let buildingPlaces = plan.buildings.indices.map { (buildingIDs[$0], nodePaths[plan.buildings[$0].grid], Optional(plan.buildings[$0].location)) }
        let communities = plan.nodes.filter { $0.level == .community }.count
        withCases.cases = try await DemoCases.write(count: max(20, plan.households.count / 10, casesPerCommunity * communities),
                                                    buildings: buildingPlaces, seed: seed, app: app)
        return withCases
    }
}

/// The rows to insert, table by table, in order.
final class TableRows: @unchecked Sendable {
    private(set) var all: [(String, [String], [[any Encodable & Sendable]])] = []

    func add(_ table: String, _ columns: [String], _ rows: [[any Encodable & Sendable]]) {
        all.append((table, columns, rows))
    }
}
