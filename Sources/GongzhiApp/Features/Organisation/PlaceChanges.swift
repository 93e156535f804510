import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Use cases for compounds, buildings and units.
enum PlaceChanges {
    static func createCompound(communityID: OrgNodeID, name: String, address: String, commercial: Bool, in context: UseCaseContext) async throws -> CompoundRecord {
        let actor = try context.account()
        return try await context.write { db in
            let community = try await Scoped.find(OrgNodeRecord.self, communityID.uuid, actor: actor, .viewOrganisation, on: db)
            guard community.isArea(.community) else { throw AppError.invalid("communityId", "wrong_parent_level") }
            try Scoped.require(.manageOrganisation, actor: actor, at: community.path)
            if try await CompoundRecord.query(on: db).filter(\.$community.$id == communityID.uuid).filter(\.$name == name).count() > 0 {
                throw AppError.conflict("duplicate", field: "name")
            }
            let compound = CompoundRecord(communityID: communityID.uuid, orgPath: community.orgPath, name: name, address: address, commercial: commercial)
            try await compound.create(on: db)
            try await context.audit(AuditEvent(action: "compound.create", objectType: "compound", objectID: compound.id!.uuidString.lowercased(),
                                               change: ["name": name, "address": address, "commercial": "\(commercial)"]), on: db)
            return compound
        }
    }

    static func updateCompound(id: UUID, name: String?, address: String?, commercial: Bool?, in context: UseCaseContext) async throws -> CompoundRecord {
        let actor = try context.account()
        return try await context.write { db in
            let compound = try await Scoped.find(CompoundRecord.self, id, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: compound.orgPath)
            if let name, name != compound.name {
                if try await CompoundRecord.query(on: db).filter(\.$community.$id == compound.$community.id).filter(\.$name == name).count() > 0 {
                    throw AppError.conflict("duplicate", field: "name")
                }
                compound.name = name
            }
            if let address { compound.address = address }
            if let commercial { compound.commercial = commercial }
            guard compound.hasChanges else { return compound }
            try await compound.update(on: db)
            try await context.audit(AuditEvent(action: "compound.update", objectType: "compound", objectID: id.uuidString.lowercased(),
                                               change: ["name": compound.name, "address": compound.address, "commercial": "\(compound.commercial)"]), on: db)
            return compound
        }
    }

    /// The grid must be in the compound's community.
    static func grid(_ gridID: UUID, for compound: CompoundRecord, actor: Actor, on db: any Database) async throws -> OrgNodeRecord {
        let grid = try await Scoped.find(OrgNodeRecord.self, gridID, actor: actor, .viewOrganisation, on: db)
        guard grid.isArea(.grid), grid.$parent.id == compound.$community.id else { throw AppError.invalid("gridId", "wrong_parent_level") }
        return grid
    }

    static func createBuilding(compoundID: UUID, gridID: OrgNodeID, name: String, location: GeoPoint? = nil, in context: UseCaseContext) async throws -> BuildingRecord {
        let actor = try context.account()
        return try await context.write { db in
            let compound = try await Scoped.find(CompoundRecord.self, compoundID, actor: actor, .viewOrganisation, on: db)
            let grid = try await grid(gridID.uuid, for: compound, actor: actor, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: grid.path)
            if try await BuildingRecord.query(on: db).filter(\.$compound.$id == compoundID).filter(\.$name == name).count() > 0 {
                throw AppError.conflict("duplicate", field: "name")
            }
            let building = BuildingRecord(compoundID: compoundID, gridID: gridID.uuid, orgPath: grid.orgPath, name: name, location: location)
            try await building.create(on: db)
            var change = ["name": name, "grid": gridID.uuid.uuidString]
            if let location { change["location"] = "\(location.latitude),\(location.longitude)" }
            try await context.audit(AuditEvent(action: "building.create", objectType: "building", objectID: building.id!.uuidString.lowercased(),
                                               change: change), on: db)
            return building
        }
    }

    /// Renames a building or moves it to another grid of its community (its units, households and the persons
    /// registered there follow).
    static func updateBuilding(id: UUID, name: String?, gridID: OrgNodeID?, location: GeoPoint? = nil, in context: UseCaseContext) async throws -> BuildingRecord {
        let actor = try context.account()
        return try await context.write { db in
            let building = try await Scoped.find(BuildingRecord.self, id, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: building.orgPath)
            var change: [String: String] = [:]
            if let name, name != building.name {
                if try await BuildingRecord.query(on: db).filter(\.$compound.$id == building.$compound.id).filter(\.$name == name).count() > 0 {
                    throw AppError.conflict("duplicate", field: "name")
                }
                building.name = name
                change["name"] = name
            }
            if let location, location != building.location {
                building.location = location
                change["location"] = "\(location.latitude),\(location.longitude)"
            }
            if let gridID, gridID.uuid != building.$grid.id {
                let compound = try await CompoundRecord.find(building.$compound.id, on: db)!
                let grid = try await grid(gridID.uuid, for: compound, actor: actor, on: db)
                try Scoped.require(.manageOrganisation, actor: actor, at: grid.path)
                let old = building.orgPath
                building.$grid.id = gridID.uuid
                building.orgPath = grid.path
                try await moveContents(ofBuilding: id, from: old, to: grid.path, on: db)
                change["grid"] = gridID.uuid.uuidString
            }
            guard !change.isEmpty else { return building }
            try await building.update(on: db)
            try await context.audit(AuditEvent(action: "building.update", objectType: "building", objectID: id.uuidString.lowercased(), change: change), on: db)
            return building
        }
    }

    static func moveContents(ofBuilding id: UUID, from old: String, to new: String, on db: any Database) async throws {
        let sql = db.sql()
        try await sql.raw("""
            UPDATE persons SET org_path = \(bind: new) WHERE org_path = \(bind: old) AND id IN (
              SELECT m.person_id FROM household_members m JOIN households h ON h.id = m.household_id
              JOIN units u ON u.id = h.unit_id WHERE u.building_id = \(bind: id))
            """).run()
        try await sql.raw("""
            UPDATE households SET org_path = \(bind: new) WHERE unit_id IN (SELECT id FROM units WHERE building_id = \(bind: id))
            """).run()
        try await sql.raw("UPDATE units SET org_path = \(bind: new) WHERE building_id = \(bind: id)").run()
    }

    static func createUnit(buildingID: UUID, number: String, area: Area, developerHeld: Bool, in context: UseCaseContext) async throws -> HousingUnitRecord {
        let actor = try context.account()
        return try await context.write { db in
            let building = try await Scoped.find(BuildingRecord.self, buildingID, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: building.orgPath)
            if try await HousingUnitRecord.query(on: db).filter(\.$building.$id == buildingID).filter(\.$number == number).count() > 0 {
                throw AppError.conflict("duplicate", field: "number")
            }
            let unit = HousingUnitRecord(buildingID: buildingID, orgPath: OrgPath(building.orgPath) ?? .root, number: number, area: area, developerHeld: developerHeld)
            try await unit.create(on: db)
            try await context.audit(AuditEvent(action: "unit.create", objectType: "unit", objectID: unit.id!.uuidString.lowercased(),
                                               change: ["number": number, "area": area.description, "developerHeld": "\(developerHeld)"]), on: db)
            return unit
        }
    }

    static func updateUnit(id: UUID, number: String?, area: Area?, developerHeld: Bool?, voteRepresentative: UUID? = nil,
                           in context: UseCaseContext) async throws -> HousingUnitRecord {
        let actor = try context.account()
        return try await context.write { db in
            let unit = try await Scoped.find(HousingUnitRecord.self, id, actor: actor, .viewOrganisation, on: db)
            try Scoped.require(.manageOrganisation, actor: actor, at: unit.orgPath)
            if let number, number != unit.number {
                if try await HousingUnitRecord.query(on: db).filter(\.$building.$id == unit.$building.id).filter(\.$number == number).count() > 0 {
                    throw AppError.conflict("duplicate", field: "number")
                }
                unit.number = number
            }
            if let area { unit.areaCenti = area.centiSquareMetres }
            if let developerHeld { unit.developerHeld = developerHeld }
            if let voteRepresentative, voteRepresentative != unit.voteRepresentativeID {
                // Only an owner or co-owner of this unit can cast its ballot.
                let owners = try await OwnerVoteElectorate.owners(ofUnits: [id], on: db)[id] ?? []
                guard owners.contains(voteRepresentative) else { throw AppError.invalid("voteRepresentativeId", "not_an_owner") }
                unit.voteRepresentativeID = voteRepresentative
            }
            guard unit.hasChanges else { return unit }
            try await unit.update(on: db)
            try await context.audit(AuditEvent(action: "unit.update", objectType: "unit", objectID: id.uuidString.lowercased(),
                                               change: ["number": unit.number, "area": unit.area.description, "developerHeld": "\(unit.developerHeld)",
                                                        "voteRepresentative": unit.voteRepresentativeID?.uuidString.lowercased() ?? ""]), on: db)
            return unit
        }
    }
}
