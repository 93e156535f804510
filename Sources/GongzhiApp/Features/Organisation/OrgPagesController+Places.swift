import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Compound and building pages.
extension OrgPagesController {
    struct PlacePage: Encodable {
        let page: PageBase
        let id: String
        let name: String
        let parentHref: String
        let parentName: String
        let rows: [Row]
        let grids: [Option]
        let canManage: Bool
        let messages: [FormMessage]
        /// A compound's property service and owners' committee (nil on a building's page).
        var parties: CompoundParties? = nil
    }

    /// Who serves a compound: its property company under contract today, its owners' committee in office.
    struct CompoundParties: Encodable {
        let commercial: Bool
        let company: Row?
        let contracts: [Row]
        let committee: Row?
        let votes: [Option]
        let canRegisterCommittee: Bool
        let communityID: String
    }

    func renderCompound(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let compound = try await Scoped.find(CompoundRecord.self, id, actor: actor, .viewOrganisation, on: db)
        let community = try await OrgNodeRecord.find(compound.$community.id, on: db)!
        let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id == id).visible(to: actor, .viewOrganisation).with(\.$grid).sort(\.$name).all()
        let grids = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == community.id!).filter(\.$level == .grid).sort(\.$name).all()
        let today = CivilDate(request.now)
        let facts = try await PartyDirectory.compoundFacts(compound, on: today, db: db)
        let contracts = try await PropertyContractRecord.query(on: db).filter(\.$compound.$id == id).with(\.$company).sort(\.$startsOn).all()
        let committee = facts.committee.flatMap { UUID(uuidString: $0.id) }
        let canManage = AccessPolicy.allows(.manageOrganisation, actor: actor, at: OrgPath(compound.orgPath) ?? .root)
        let votes = canManage && committee == nil
            ? try await OwnerVoteRecord.query(on: db).filter(\.$compound.$id == id).sort(\.$title).limit(50).all()
                .map { Option(id: $0.id!.uuidString.lowercased(), label: $0.title) } : []
        let parties = CompoundParties(
            commercial: compound.commercial,
            company: facts.servingCompany.map { Row(id: $0.id, name: $0.name, detail: "", href: "/parties/\($0.id)") },
            contracts: contracts.map { Row(id: $0.id!.uuidString.lowercased(), name: $0.company.name, detail: "\($0.startsOn) — \($0.endsOn)",
                                           href: "/parties/\($0.$company.id.uuidString.lowercased())") },
            committee: facts.committee.map { Row(id: $0.id, name: $0.name, detail: "", href: "/parties/\($0.id)") },
            votes: votes, canRegisterCommittee: canManage && committee == nil, communityID: community.id!.uuidString.lowercased())
        var context = PlacePage(
            page: await PageBase.make(for: request, title: compound.name), id: id.uuidString, name: compound.name,
            parentHref: "/org?node=\(community.id!.uuidString)", parentName: community.name,
            rows: buildings.map { Row(id: $0.id!.uuidString, name: $0.name, detail: $0.grid.name, href: "/org/buildings/\($0.id!.uuidString)") },
            grids: grids.map { Option(id: $0.id!.uuidString, label: $0.name) },
            canManage: AccessPolicy.allows(.manageOrganisation, actor: actor, at: OrgPath(compound.orgPath) ?? .root), messages: messages)
        context.parties = parties
        return try await request.view.render("org/compound", context).encodeResponse(status: status, for: request)
    }

    @Sendable func compound(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewOrganisation)
        return try await renderCompound(request, actor: actor, id: try request.uuidParameter())
    }

    struct CompoundForm: Content {
        var communityId: String?
        var name: String?
        var address: String?
        var commercial: String?
    }

    @Sendable func createCompound(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let form = try request.content.decode(CompoundForm.self)
        let communityID = form.communityId.flatMap(UUID.init(uuidString:))
        return try await submit(request, redirect: { "/org?node=\(communityID?.uuidString ?? "")" },
                                page: { try await renderTree(request, actor: actor, nodeID: communityID, messages: $0, status: .unprocessableEntity) }) {
            guard let communityID else { throw AppError.invalid("communityId", "required") }
            _ = try await PlaceChanges.createCompound(communityID: OrgNodeID(communityID), name: try Validate.name(form.name),
                                                       address: try Validate.text(form.address, field: "address"),
                                                       commercial: form.commercial == "on" || form.commercial == "true", in: request.context)
        }
    }

    struct UnitRow: Encodable {
        let id: String
        let number: String
        let area: String
        let developerHeld: Bool
        /// Links to the unit's households.
        let households: [Row]
    }

    struct BuildingPage: Encodable {
        let page: PageBase
        let id: String
        let name: String
        let compoundHref: String
        let compoundName: String
        let gridName: String
        let units: [UnitRow]
        let canManage: Bool
        let messages: [FormMessage]
    }

    func renderBuilding(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let building = try await Scoped.find(BuildingRecord.self, id, actor: actor, .viewOrganisation, on: db)
        let compound = try await CompoundRecord.find(building.$compound.id, on: db)!
        let grid = try await OrgNodeRecord.find(building.$grid.id, on: db)!
        let units = try await HousingUnitRecord.query(on: db).filter(\.$building.$id == id).sort(\.$number).all()
        let unitIDs = units.compactMap(\.id)
        var households: [UUID: [Row]] = [:]
        if !unitIDs.isEmpty {
            for household in try await HouseholdRecord.query(on: db).filter(\.$unit.$id ~~ unitIDs).sort(\.$label).all() {
                let number = (households[household.$unit.id]?.count ?? 0) + 1
                households[household.$unit.id, default: []].append(Row(
                    id: household.id!.uuidString, name: "\(Strings.text("people.household", request.lang)) \(number)", detail: household.label,
                    href: "/households/\(household.id!.uuidString)"))
            }
        }
        let context = BuildingPage(
            page: await PageBase.make(for: request, title: "\(compound.name) \(building.name)"), id: id.uuidString, name: building.name,
            compoundHref: "/org/compounds/\(compound.id!.uuidString)", compoundName: compound.name, gridName: grid.name,
            units: units.map { UnitRow(id: $0.id!.uuidString, number: $0.number, area: $0.area.description, developerHeld: $0.developerHeld, households: households[$0.id!] ?? []) },
            canManage: AccessPolicy.allows(.manageOrganisation, actor: actor, at: OrgPath(building.orgPath) ?? .root), messages: messages)
        return try await request.view.render("org/building", context).encodeResponse(status: status, for: request)
    }

    @Sendable func building(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewOrganisation)
        return try await renderBuilding(request, actor: actor, id: try request.uuidParameter())
    }

    struct BuildingForm: Content {
        var compoundId: String?
        var gridId: String?
        var name: String?
    }

    @Sendable func createBuilding(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let form = try request.content.decode(BuildingForm.self)
        guard let compoundID = form.compoundId.flatMap(UUID.init(uuidString:)) else { throw AppError.notFound }
        return try await submit(request, redirect: { "/org/compounds/\(compoundID.uuidString)" },
                                page: { try await renderCompound(request, actor: actor, id: compoundID, messages: $0, status: .unprocessableEntity) }) {
            guard let gridID = form.gridId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("gridId", "required") }
            _ = try await PlaceChanges.createBuilding(compoundID: compoundID, gridID: OrgNodeID(gridID), name: try Validate.name(form.name), in: request.context)
        }
    }

    struct UnitForm: Content {
        var buildingId: String?
        var number: String?
        var area: String?
        var developerHeld: String?
    }

    @Sendable func createUnit(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let form = try request.content.decode(UnitForm.self)
        guard let buildingID = form.buildingId.flatMap(UUID.init(uuidString:)) else { throw AppError.notFound }
        return try await submit(request, redirect: { "/org/buildings/\(buildingID.uuidString)" },
                                page: { try await renderBuilding(request, actor: actor, id: buildingID, messages: $0, status: .unprocessableEntity) }) {
            _ = try await PlaceChanges.createUnit(buildingID: buildingID, number: try Validate.name(form.number, field: "number"),
                                                   area: try Validate.area(form.area.map(AreaInput.init)),
                                                   developerHeld: form.developerHeld == "on", in: request.context)
        }
    }

    @Sendable func editUnit(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let id = try request.uuidParameter()
        let form = try request.content.decode(UnitForm.self)
        let unit = try await Scoped.find(HousingUnitRecord.self, id, actor: actor, .viewOrganisation, on: request.db)
        let buildingID = unit.$building.id
        return try await submit(request, redirect: { "/org/buildings/\(buildingID.uuidString)" },
                                page: { try await renderBuilding(request, actor: actor, id: buildingID, messages: $0, status: .unprocessableEntity) }) {
            _ = try await PlaceChanges.updateUnit(id: id, number: try form.number.map { try Validate.name($0, field: "number") },
                                                   area: try form.area.map { try Validate.area(AreaInput($0)) },
                                                   developerHeld: form.developerHeld == "on", in: request.context)
        }
    }
}
