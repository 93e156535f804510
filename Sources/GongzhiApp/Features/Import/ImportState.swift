import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// What an import already knows of the community (loaded once, kept up to date as rows are applied).
struct ImportState {
    struct Counts {
        var createdUnits = 0
        var updatedUnits = 0
        var createdPersons = 0
        var updatedPersons = 0
        var createdMembers = 0

        var isEmpty: Bool { createdUnits + updatedUnits + createdPersons + updatedPersons + createdMembers == 0 }
    }

    enum Outcome {
        case applied(Counts)
        case issues([ResidentImport.Issue])
    }

    let community: OrgNodeRecord
    var gridsByWord: [String: OrgNodeRecord] = [:]
    var onlyGrid: OrgNodeRecord?
    var compounds: [String: CompoundRecord] = [:]
    var buildings: [String: BuildingRecord] = [:]
    var units: [String: HousingUnitRecord] = [:]
    var households: [UUID: HouseholdRecord] = [:]
    var persons: [String: PersonRecord] = [:]
    var members: [String: HouseholdMemberRecord] = [:]

    static func load(community: OrgNodeRecord, rows: [ResidentImport.Row], cipher: FieldCipher, on db: any Database) async throws -> ImportState {
        var state = ImportState(community: community)
        let communityID = try community.requireID()
        let grids = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == communityID).filter(\.$level == .grid).all()
        for grid in grids {
            state.gridsByWord[grid.name] = grid
            if !grid.code.isEmpty { state.gridsByWord[grid.code] = grid }
        }
        state.onlyGrid = grids.count == 1 ? grids[0] : nil
        let compounds = try await CompoundRecord.query(on: db).filter(\.$community.$id == communityID).all()
        for compound in compounds { state.compounds[compound.name] = compound }
        let compoundIDs = compounds.compactMap(\.id)
        if !compoundIDs.isEmpty {
            let names = Dictionary(uniqueKeysWithValues: compounds.map { ($0.id!, $0.name) })
            let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id ~~ compoundIDs).all()
            for building in buildings { state.buildings[key(names[building.$compound.id]!, building.name)] = building }
            let buildingNames = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id!, key(names[$0.$compound.id]!, $0.name)) })
            for chunk in Array(buildingNames.keys).chunked(500) {
                for unit in try await HousingUnitRecord.query(on: db).filter(\.$building.$id ~~ chunk).all() {
                    state.units[key(buildingNames[unit.$building.id]!, unit.number)] = unit
                }
            }
            for chunk in state.units.values.compactMap(\.id).chunked(500) {
                for household in try await HouseholdRecord.query(on: db).filter(\.$unit.$id ~~ chunk).filter(\.$label == "").all() {
                    state.households[household.$unit.id] = household
                }
            }
        }
        let hashes = Set(rows.compactMap { $0.resident.map { cipher.blindIndex($0.idNumber.value, field: .idNumber) } })
        for chunk in Array(hashes).chunked(500) {
            for person in try await PersonRecord.query(on: db).filter(\.$idNumberHash ~~ chunk).all() { state.persons[person.idNumberHash] = person }
        }
        for chunk in state.households.values.compactMap(\.id).chunked(500) {
            for member in try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id ~~ chunk).all() {
                state.members[key(member.$household.id.uuidString, member.$person.id.uuidString)] = member
            }
        }
        return state
    }

    static func key(_ parts: String...) -> String { parts.joined(separator: "\u{1F}") }

    /// Applies one valid row: every check first, then the writes, so a refused row writes nothing.
    mutating func apply(_ row: ResidentImport.Row, actor: Actor, cipher: FieldCipher, on db: any Database) async throws -> Outcome {
        var counts = Counts()
        let buildingKey = Self.key(row.compound, row.building)
        let unitKey = Self.key(buildingKey, row.unit)
        let existingBuilding = buildings[buildingKey]
        // A named grid must exist (a typo is reported, not ignored); a new building needs one, unless the
        // community has a single grid.
        let named = row.grid.flatMap { gridsByWord[$0] }
        if row.grid != nil, named == nil { return .issues([.init(row: row.row, field: "grid", reason: .unknownGrid)]) }
        let grid = named ?? onlyGrid
        if existingBuilding == nil, grid == nil { return .issues([.init(row: row.row, field: "grid", reason: .unknownGrid)]) }
        let hash = row.resident.map { cipher.blindIndex($0.idNumber.value, field: .idNumber) }
        if let hash, let known = persons[hash] {
            // A person registered outside the actor's reach is not touched (nor revealed).
            guard let path = OrgPath(known.orgPath), AccessPolicy.allows(.manageResidents, actor: actor, at: path) else {
                return .issues([.init(row: row.row, field: "id_number", reason: .conflictingPerson)])
            }
            if known.name != row.resident!.name { return .issues([.init(row: row.row, field: "name", reason: .conflictingPerson)]) }
        }

        let communityID = try community.requireID()
        let compound: CompoundRecord
        if let known = compounds[row.compound] { compound = known } else {
            compound = CompoundRecord(communityID: communityID, orgPath: community.orgPath, name: row.compound, commercial: false)
            try await compound.create(on: db)
            compounds[row.compound] = compound
        }
        let building: BuildingRecord
        if let existingBuilding { building = existingBuilding } else {
            building = BuildingRecord(compoundID: compound.id!, gridID: grid!.id!, orgPath: grid!.orgPath, name: row.building)
            try await building.create(on: db)
            buildings[buildingKey] = building
        }
        let unit: HousingUnitRecord
        if let known = units[unitKey] {
            unit = known
            if unit.areaCenti != row.area.centiSquareMetres {
                unit.areaCenti = row.area.centiSquareMetres
                try await unit.update(on: db)
                counts.updatedUnits += 1
            }
        } else {
            unit = HousingUnitRecord(buildingID: building.id!, orgPath: OrgPath(building.orgPath) ?? .root, number: row.unit, area: row.area)
            try await unit.create(on: db)
            units[unitKey] = unit
            counts.createdUnits += 1
        }
        guard let resident = row.resident, let hash else { return .applied(counts) }

        let household: HouseholdRecord
        if let known = households[unit.id!] { household = known } else {
            household = HouseholdRecord(unitID: unit.id!, orgPath: unit.orgPath)
            try await household.create(on: db)
            households[unit.id!] = household
        }
        let person: PersonRecord
        if let known = persons[hash] {
            person = known
            let phoneHash = resident.phone.map { cipher.blindIndex($0.value, field: .phone) }
            if let phoneHash, phoneHash != person.phoneHash {
                person.setPhone(resident.phone, cipher: cipher)
                try await person.update(on: db)
                counts.updatedPersons += 1
            }
        } else {
            person = PersonRecord(orgPath: unit.orgPath, name: resident.name, idNumber: resident.idNumber, phone: resident.phone, cipher: cipher)
            try await person.create(on: db)
            persons[hash] = person
            counts.createdPersons += 1
        }
        let memberKey = Self.key(household.id!.uuidString, person.id!.uuidString)
        if let member = members[memberKey] {
            if member.relation != resident.relation {
                member.relation = resident.relation
                try await member.update(on: db)
                counts.updatedPersons += 1
            }
        } else {
            let member = HouseholdMemberRecord(householdID: household.id!, personID: person.id!, relation: resident.relation, resides: true)
            try await member.create(on: db)
            members[memberKey] = member
            counts.createdMembers += 1
        }
        return .applied(counts)
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
