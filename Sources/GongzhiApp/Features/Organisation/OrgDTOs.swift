import Fluent
import Foundation
import GongzhiCore
import Vapor

struct OrgNodeDTO: Content {
    let id: UUID
    let level: OrgLevel
    let name: String
    let code: String
    let parentId: UUID?
    let path: String
    /// A party registered under an area (a department, a property company…); absent for an area.
    let party: PartyKind?

    init(_ node: OrgNodeRecord) {
        id = node.id!
        level = node.level
        name = node.name
        code = node.code
        parentId = node.$parent.id
        path = node.path
        party = node.party
    }
}

struct CompoundDTO: Content {
    let id: UUID
    let communityId: UUID
    let name: String
    let address: String
    let commercial: Bool

    init(_ compound: CompoundRecord) {
        id = compound.id!
        communityId = compound.$community.id
        name = compound.name
        address = compound.address
        commercial = compound.commercial
    }
}

struct BuildingDTO: Content {
    let id: UUID
    let compoundId: UUID
    let gridId: UUID
    let name: String
    let latitude: Double?
    let longitude: Double?

    init(_ building: BuildingRecord) {
        id = building.id!
        compoundId = building.$compound.id
        gridId = building.$grid.id
        name = building.name
        latitude = building.latitude
        longitude = building.longitude
    }
}

struct UnitDTO: Content {
    let id: UUID
    let buildingId: UUID
    let number: String
    /// Exact, in m² with two decimals ("89.50").
    let area: String
    let developerHeld: Bool
    /// For a co-owned unit: the co-owner who casts its ballot in owners' votes.
    let voteRepresentativeId: UUID?

    init(_ unit: HousingUnitRecord) {
        id = unit.id!
        buildingId = unit.$building.id
        number = unit.number
        area = unit.area.description
        developerHeld = unit.developerHeld
        voteRepresentativeId = unit.voteRepresentativeID
    }
}

