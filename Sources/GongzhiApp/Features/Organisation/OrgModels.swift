import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A node of the organisation tree: an area (district, street, community or grid) or a party registered under one
/// (`PartyKind`: a department, a property company…; its `level` is then its area's, and it has no children).
final class OrgNodeRecord: Model, @unchecked Sendable {
    static let schema = "org_nodes"

    @ID(key: .id) var id: UUID?
    @Field(key: "level") var level: OrgLevel
    @Field(key: "name") var name: String
    @Field(key: "code") var code: String
    @OptionalParent(key: "parent_id") var parent: OrgNodeRecord?
    /// The node's own path (its parent's path plus its id).
    @Field(key: "path") var path: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    /// What kind of party the node is; nil: an area.
    @OptionalField(key: "party") var party: PartyKind?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $level, $name, $code, $parent, $path, $createdAt, $updatedAt, $party] }

    init() {}

    init(id: UUID = UUID(), level: OrgLevel, name: String, code: String, parentID: UUID?, parentPath: OrgPath) {
        self.id = id
        self.level = level
        self.name = name
        self.code = code
        self.$parent.id = parentID
        self.path = parentPath.appending(id.uuidString.lowercased()).rawValue
    }

    var orgPath: OrgPath { OrgPath(path) ?? .root }

    var isArea: Bool { party == nil }

    /// Whether it is the area of `level` (a party registered at that level is not).
    func isArea(_ level: OrgLevel) -> Bool { self.level == level && party == nil }
}

/// A residential compound (小区), in a community.
final class CompoundRecord: Model, @unchecked Sendable {
    static let schema = "compounds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "community_id") var community: OrgNodeRecord
    @Field(key: "org_path") var orgPath: String
    @Field(key: "name") var name: String
    @Field(key: "address") var address: String
    /// A commercial compound has a property company (SPEC §3 PROPERTY_COMMERCIAL); an old one does not.
    @Field(key: "commercial") var commercial: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $community, $orgPath, $name, $address, $commercial, $createdAt] }

    init() {}

    init(id: UUID = UUID(), communityID: UUID, orgPath: OrgPath, name: String, address: String = "", commercial: Bool) {
        self.id = id
        self.$community.id = communityID
        self.orgPath = orgPath.rawValue
        self.name = name
        self.address = address
        self.commercial = commercial
    }
}

/// A building (楼栋): in one compound and one grid.
final class BuildingRecord: Model, @unchecked Sendable {
    static let schema = "buildings"

    @ID(key: .id) var id: UUID?
    @Parent(key: "compound_id") var compound: CompoundRecord
    @Parent(key: "grid_id") var grid: OrgNodeRecord
    /// The grid's path.
    @Field(key: "org_path") var orgPath: String
    @Field(key: "name") var name: String
    /// Where it stands (WGS 84), so that coordinates can be placed in a grid.
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $compound, $grid, $orgPath, $name, $latitude, $longitude, $createdAt] }

    init() {}

    init(id: UUID = UUID(), compoundID: UUID, gridID: UUID, orgPath: OrgPath, name: String, location: GeoPoint? = nil) {
        self.id = id
        self.$compound.id = compoundID
        self.$grid.id = gridID
        self.orgPath = orgPath.rawValue
        self.name = name
        self.location = location
    }

    var location: GeoPoint? {
        get { latitude.flatMap { lat in longitude.flatMap { GeoPoint(latitude: lat, longitude: $0) } } }
        set {
            latitude = newValue?.latitude
            longitude = newValue?.longitude
        }
    }
}

/// A unit (房屋 / 专有部分) with its registered exclusive area in hundredths of a m².
final class HousingUnitRecord: Model, @unchecked Sendable {
    static let schema = "units"

    @ID(key: .id) var id: UUID?
    @Parent(key: "building_id") var building: BuildingRecord
    @Field(key: "org_path") var orgPath: String
    @Field(key: "number") var number: String
    @Field(key: "area_centi") var areaCenti: Int
    /// Unsold or undelivered, held by the developer.
    @Field(key: "developer_held") var developerHeld: Bool
    /// For a co-owned unit: the co-owner who casts its ballot in owners' votes.
    @OptionalField(key: "vote_representative_id") var voteRepresentativeID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $building, $orgPath, $number, $areaCenti, $developerHeld, $voteRepresentativeID, $createdAt] }

    init() {}

    init(id: UUID = UUID(), buildingID: UUID, orgPath: OrgPath, number: String, area: Area, developerHeld: Bool = false) {
        self.id = id
        self.$building.id = buildingID
        self.orgPath = orgPath.rawValue
        self.number = number
        self.areaCenti = area.centiSquareMetres
        self.developerHeld = developerHeld
    }

    var area: Area { Area(centiSquareMetres: areaCenti) }
}

extension OrgNodeRecord: OrgScoped { static var pathKey: KeyPath<OrgNodeRecord, FieldProperty<OrgNodeRecord, String>> { \.$path } }
extension CompoundRecord: OrgScoped { static var pathKey: KeyPath<CompoundRecord, FieldProperty<CompoundRecord, String>> { \.$orgPath } }
extension BuildingRecord: OrgScoped { static var pathKey: KeyPath<BuildingRecord, FieldProperty<BuildingRecord, String>> { \.$orgPath } }
extension HousingUnitRecord: OrgScoped { static var pathKey: KeyPath<HousingUnitRecord, FieldProperty<HousingUnitRecord, String>> { \.$orgPath } }
