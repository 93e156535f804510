import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// Reads a compound's units and their owners from the database into `OwnersVote.Unit`s, and finds the places a
/// resident belongs to.
enum OwnerVoteElectorate {
    struct Loaded: Sendable {
        let units: [OwnersVote.Unit]
        /// Unit id → "3号楼 502".
        let labels: [String: String]
    }

    static let chunkSize = 500

    /// The owners and co-owners of each unit (through the households registered in it).
    static func owners(ofUnits units: [UUID], on db: any Database) async throws -> [UUID: [UUID]] {
        var owners: [UUID: [UUID]] = [:]
        for chunk in units.chunked(chunkSize) {
            let rows = try await db.sql().select()
                .column(SQLColumn("unit_id", table: "h")).column(SQLColumn("person_id", table: "m"))
                .from(SQLAlias(SQLIdentifier(HouseholdMemberRecord.schema), as: SQLIdentifier("m")))
                .join(SQLAlias(SQLIdentifier(HouseholdRecord.schema), as: SQLIdentifier("h")), on: SQLColumn("id", table: "h"), .equal, SQLColumn("household_id", table: "m"))
                .where(SQLColumn("unit_id", table: "h"), .in, SQLBind.group(chunk))
                .where(SQLColumn("relation", table: "m"), .in, SQLBind.group([HouseholdRelation.owner, .coOwner].map(\.rawValue)))
                .all()
            for row in rows {
                let unit = try row.decode(column: "unit_id", as: UUID.self), person = try row.decode(column: "person_id", as: UUID.self)
                if !(owners[unit]?.contains(person) ?? false) { owners[unit, default: []].append(person) }
            }
        }
        return owners
    }

    /// Every unit of the compound with its owners, ready for `OwnersVote.electorate`.
    static func load(compoundID: UUID, on db: any Database) async throws -> Loaded {
        let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id == compoundID).all()
        let names = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id!, $0.name) })
        var housing: [HousingUnitRecord] = []
        for chunk in buildings.map({ $0.id! }).chunked(chunkSize) {
            housing += try await HousingUnitRecord.query(on: db).filter(\.$building.$id ~~ chunk).all()
        }
        housing.sort { (names[$0.$building.id] ?? "", $0.number) < (names[$1.$building.id] ?? "", $1.number) }
        let owners = try await owners(ofUnits: housing.map { $0.id! }, on: db)
        var labels: [String: String] = [:]
        let units = housing.map { unit in
            let id = unit.id!.uuidString.lowercased()
            labels[id] = "\(names[unit.$building.id] ?? "") \(unit.number)"
            return OwnersVote.Unit(id: id, area: unit.area, owners: (owners[unit.id!] ?? []).map { $0.uuidString.lowercased() },
                                   developerHeld: unit.developerHeld, representative: unit.voteRepresentativeID?.uuidString.lowercased())
        }
        return Loaded(units: units, labels: labels)
    }

    /// The electorate, or a 422 that names the units to put right first.
    static func electorate(of loaded: Loaded) throws -> OwnersVote.Electorate {
        do {
            return try OwnersVote.electorate(loaded.units)
        } catch {
            // Report every unit with the same problem at once, not one per attempt.
            var missingOwner: [String] = [], missingRepresentative: [String] = []
            for unit in loaded.units where !unit.developerHeld {
                let owners = Set(unit.owners)
                if owners.isEmpty { missingOwner.append(loaded.labels[unit.id] ?? unit.id) }
                else if owners.count > 1, !(unit.representative.map(owners.contains) ?? false) { missingRepresentative.append(loaded.labels[unit.id] ?? unit.id) }
            }
            func list(_ labels: [String]) -> String { labels.prefix(20).joined(separator: "、") + (labels.count > 20 ? " …(\(labels.count))" : "") }
            if !missingOwner.isEmpty {
                var problem = AppError.invalid("electorate", "unit_without_owner")
                problem.detail = list(missingOwner)
                throw problem
            }
            var problem = AppError.invalid("electorate", "no_representative")
            problem.detail = list(missingRepresentative)
            throw problem
        }
    }

    /// The compounds where `personID` belongs to a household (as owner, co-owner, tenant or family).
    static func compounds(of personID: UUID, on db: any Database) async throws -> [UUID] {
        let rows = try await db.sql().select().distinct()
            .column(SQLColumn("compound_id", table: "b"))
            .from(SQLAlias(SQLIdentifier(HouseholdMemberRecord.schema), as: SQLIdentifier("m")))
            .join(SQLAlias(SQLIdentifier(HouseholdRecord.schema), as: SQLIdentifier("h")), on: SQLColumn("id", table: "h"), .equal, SQLColumn("household_id", table: "m"))
            .join(SQLAlias(SQLIdentifier(HousingUnitRecord.schema), as: SQLIdentifier("u")), on: SQLColumn("id", table: "u"), .equal, SQLColumn("unit_id", table: "h"))
            .join(SQLAlias(SQLIdentifier(BuildingRecord.schema), as: SQLIdentifier("b")), on: SQLColumn("id", table: "b"), .equal, SQLColumn("building_id", table: "u"))
            .where(SQLColumn("person_id", table: "m"), .equal, SQLBind(personID))
            .all()
        return try rows.map { try $0.decode(column: "compound_id", as: UUID.self) }
    }
}
