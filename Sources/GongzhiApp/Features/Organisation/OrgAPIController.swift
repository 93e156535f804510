import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/org/...`: nodes of the tree, compounds, buildings and units.
struct OrgAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let org = routes.grouped("api", "v1", "org")
        org.get("nodes", use: listNodes)
        org.post("nodes", use: createNode)
        org.get("nodes", ":id", use: getNode)
        org.patch("nodes", ":id", use: updateNode)
        org.post("nodes", ":id", "move", use: moveNode)
        org.get("compounds", use: listCompounds)
        org.post("compounds", use: createCompound)
        org.get("compounds", ":id", use: getCompound)
        org.patch("compounds", ":id", use: updateCompound)
        org.get("buildings", use: listBuildings)
        org.post("buildings", use: createBuilding)
        org.get("buildings", ":id", use: getBuilding)
        org.patch("buildings", ":id", use: updateBuilding)
        org.get("units", use: listUnits)
        org.post("units", use: createUnit)
        org.get("units", ":id", use: getUnit)
        org.patch("units", ":id", use: updateUnit)
    }

    // MARK: Nodes

    @Sendable func listNodes(_ request: Request) async throws -> ListPage<OrgNodeDTO> {
        let actor = try request.require(.viewOrganisation)
        let paging = try Paging(request)
        var query = OrgNodeRecord.query(on: request.db).visible(to: actor, .viewOrganisation)
        if let parent = try request.queryUUID("parentId") { query = query.filter(\.$parent.$id == parent) }
        if let raw = try? request.query.get(String.self, at: "level") {
            guard let level = OrgLevel(rawValue: raw) else { throw AppError.invalid("level") }
            // The areas of that level; the parties registered with them are listed by /api/v1/parties.
            query = query.filter(\.$level == level).filter(\.$party == nil)
        }
        return try await query.sort(\.$path).listPage(paging, OrgNodeDTO.init)
    }

    struct CreateNodeBody: Content {
        var parentId: UUID?
        var level: OrgLevel?
        var name: String?
        var code: String?
    }

    @Sendable func createNode(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(CreateNodeBody.self)
        let node = try await OrgTreeChanges.createNode(
            parentID: body.parentId.map(OrgNodeID.init), level: body.level,
            input: .init(name: body.name, code: body.code), in: request.context)
        return try await OrgNodeDTO(node).encodeResponse(status: .created, for: request)
    }

    @Sendable func getNode(_ request: Request) async throws -> OrgNodeDTO {
        let actor = try request.require(.viewOrganisation)
        return OrgNodeDTO(try await Scoped.find(OrgNodeRecord.self, try request.uuidParameter(), actor: actor, .viewOrganisation, on: request.db))
    }

    struct UpdateNodeBody: Content {
        var name: String?
        var code: String?
    }

    @Sendable func updateNode(_ request: Request) async throws -> OrgNodeDTO {
        _ = try request.require(.viewOrganisation)
        let id = try request.uuidParameter()
        let body = try request.content.decode(UpdateNodeBody.self)
        return OrgNodeDTO(try await OrgTreeChanges.updateNode(id: OrgNodeID(id), name: body.name, code: body.code, in: request.context))
    }

    struct MoveBody: Content {
        var parentId: UUID
    }

    @Sendable func moveNode(_ request: Request) async throws -> OrgNodeDTO {
        let actor = try request.require(.viewOrganisation)
        let id = try request.uuidParameter()
        // The node and the right to manage where it is first, before anything about the body.
        let node = try await Scoped.find(OrgNodeRecord.self, id, actor: actor, .viewOrganisation, on: request.db)
        try Scoped.require(.manageOrganisation, actor: actor, at: (node.orgPath.parent ?? .root).rawValue)
        let body = try request.content.decode(MoveBody.self)
        return OrgNodeDTO(try await OrgTreeChanges.moveNode(id: OrgNodeID(id), newParentID: OrgNodeID(body.parentId), in: request.context))
    }

    // MARK: Compounds

    @Sendable func listCompounds(_ request: Request) async throws -> ListPage<CompoundDTO> {
        let actor = try request.require(.viewOrganisation)
        let paging = try Paging(request)
        var query = CompoundRecord.query(on: request.db).visible(to: actor, .viewOrganisation)
        if let community = try request.queryUUID("communityId") { query = query.filter(\.$community.$id == community) }
        return try await query.sort(\.$name).listPage(paging, CompoundDTO.init)
    }

    struct CompoundBody: Content {
        var communityId: UUID?
        var name: String?
        var address: String?
        var commercial: Bool?
    }

    @Sendable func createCompound(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(CompoundBody.self)
        guard let communityID = body.communityId else { throw AppError.invalid("communityId", "required") }
        let compound = try await PlaceChanges.createCompound(
            communityID: OrgNodeID(communityID), name: try Validate.name(body.name), address: try Validate.text(body.address, field: "address"),
            commercial: body.commercial ?? false, in: request.context)
        return try await CompoundDTO(compound).encodeResponse(status: .created, for: request)
    }

    @Sendable func getCompound(_ request: Request) async throws -> CompoundDTO {
        let actor = try request.require(.viewOrganisation)
        return CompoundDTO(try await Scoped.find(CompoundRecord.self, try request.uuidParameter(), actor: actor, .viewOrganisation, on: request.db))
    }

    @Sendable func updateCompound(_ request: Request) async throws -> CompoundDTO {
        _ = try request.require(.viewOrganisation)
        let id = try request.uuidParameter()
        let body = try request.content.decode(CompoundBody.self)
        return CompoundDTO(try await PlaceChanges.updateCompound(
            id: id, name: try body.name.map { try Validate.name($0) },
            address: try body.address.map { try Validate.text($0, field: "address") }, commercial: body.commercial, in: request.context))
    }

    // MARK: Buildings

    @Sendable func listBuildings(_ request: Request) async throws -> ListPage<BuildingDTO> {
        let actor = try request.require(.viewOrganisation)
        let paging = try Paging(request)
        var query = BuildingRecord.query(on: request.db).visible(to: actor, .viewOrganisation)
        if let compound = try request.queryUUID("compoundId") { query = query.filter(\.$compound.$id == compound) }
        if let grid = try request.queryUUID("gridId") { query = query.filter(\.$grid.$id == grid) }
        return try await query.sort(\.$name).listPage(paging, BuildingDTO.init)
    }

    struct BuildingBody: Content {
        var compoundId: UUID?
        var gridId: UUID?
        var name: String?
        var latitude: Double?
        var longitude: Double?
    }

    @Sendable func createBuilding(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(BuildingBody.self)
        guard let compoundID = body.compoundId else { throw AppError.invalid("compoundId", "required") }
        guard let gridID = body.gridId else { throw AppError.invalid("gridId", "required") }
        let building = try await PlaceChanges.createBuilding(
            compoundID: compoundID, gridID: OrgNodeID(gridID), name: try Validate.name(body.name),
            location: try Validate.point(latitude: body.latitude, longitude: body.longitude), in: request.context)
        return try await BuildingDTO(building).encodeResponse(status: .created, for: request)
    }

    @Sendable func getBuilding(_ request: Request) async throws -> BuildingDTO {
        let actor = try request.require(.viewOrganisation)
        return BuildingDTO(try await Scoped.find(BuildingRecord.self, try request.uuidParameter(), actor: actor, .viewOrganisation, on: request.db))
    }

    @Sendable func updateBuilding(_ request: Request) async throws -> BuildingDTO {
        _ = try request.require(.viewOrganisation)
        let id = try request.uuidParameter()
        let body = try request.content.decode(BuildingBody.self)
        return BuildingDTO(try await PlaceChanges.updateBuilding(
            id: id, name: try body.name.map { try Validate.name($0) }, gridID: body.gridId.map(OrgNodeID.init),
            location: try Validate.point(latitude: body.latitude, longitude: body.longitude), in: request.context))
    }

    // MARK: Units

    @Sendable func listUnits(_ request: Request) async throws -> ListPage<UnitDTO> {
        let actor = try request.require(.viewOrganisation)
        let paging = try Paging(request)
        var query = HousingUnitRecord.query(on: request.db).visible(to: actor, .viewOrganisation)
        if let building = try request.queryUUID("buildingId") { query = query.filter(\.$building.$id == building) }
        return try await query.sort(\.$number).listPage(paging, UnitDTO.init)
    }

    struct UnitBody: Content {
        var buildingId: UUID?
        var number: String?
        var area: AreaInput?
        var developerHeld: Bool?
        var voteRepresentativeId: UUID?
    }

    @Sendable func createUnit(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(UnitBody.self)
        guard let buildingID = body.buildingId else { throw AppError.invalid("buildingId", "required") }
        let unit = try await PlaceChanges.createUnit(
            buildingID: buildingID, number: try Validate.name(body.number, field: "number"), area: try Validate.area(body.area),
            developerHeld: body.developerHeld ?? false, in: request.context)
        return try await UnitDTO(unit).encodeResponse(status: .created, for: request)
    }

    @Sendable func getUnit(_ request: Request) async throws -> UnitDTO {
        let actor = try request.require(.viewOrganisation)
        return UnitDTO(try await Scoped.find(HousingUnitRecord.self, try request.uuidParameter(), actor: actor, .viewOrganisation, on: request.db))
    }

    @Sendable func updateUnit(_ request: Request) async throws -> UnitDTO {
        _ = try request.require(.viewOrganisation)
        let id = try request.uuidParameter()
        let body = try request.content.decode(UnitBody.self)
        return UnitDTO(try await PlaceChanges.updateUnit(
            id: id, number: try body.number.map { try Validate.name($0, field: "number") },
            area: try body.area.map { try Validate.area($0) }, developerHeld: body.developerHeld,
            voteRepresentative: body.voteRepresentativeId, in: request.context))
    }
}
