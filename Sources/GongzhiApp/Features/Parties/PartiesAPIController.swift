import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/parties`: the parties registered with the tree (departments, property companies, owners' committees,
/// social organisations, co-building units, the party organisation, the supervisory body) and property contracts.
struct PartiesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let parties = routes.grouped("api", "v1", "parties")
        parties.get(use: list)
        parties.post(use: create)
        parties.get(":id", use: get)
        parties.patch(":id", use: update)
        parties.delete(":id", use: remove)
        parties.post(":id", "contracts", use: addContract)
        parties.post(":id", "members", use: seat)
        parties.delete(":id", "members", ":memberId", use: unseat)
        routes.delete("api", "v1", "contracts", ":id", use: removeContract)
    }

    struct ContractDTO: Content {
        let id: UUID
        let companyId: UUID
        let compoundId: UUID
        let startsOn: String
        let endsOn: String
        let serviceLevel: String
        /// Fee standard in fen per m² per month.
        let feeCenti: Int
        /// It covers today: the company takes the compound's property cases.
        let current: Bool

        init(_ record: PropertyContractRecord, today: CivilDate) {
            id = record.id!
            companyId = record.$company.id
            compoundId = record.$compound.id
            startsOn = record.startsOn
            endsOn = record.endsOn
            serviceLevel = record.serviceLevel
            feeCenti = record.feeCenti
            current = record.term?.covers(today) == true
        }
    }

    struct PartyDTO: Content {
        let id: UUID
        let kind: PartyKind
        let name: String
        let code: String
        /// The area it is registered with.
        let areaId: UUID?
        let contactName: String
        let contactPhone: String
        let functions: [String]
        let services: String
        let compoundId: UUID?
        let termStarts: String?
        let termEnds: String?
        let electedByVoteId: UUID?
        let powers: [String]
        let duties: [String]
        /// Only on a single party: its open cases, the contracts the caller may see, a committee's seats.
        var openCases: Int?
        var contracts: [ContractDTO]?
        var members: [CommitteeMembers.Row]?

        init(_ node: OrgNodeRecord, _ profile: PartyProfileRecord?) {
            id = node.id!
            kind = node.party ?? .department
            name = node.name
            code = node.code
            areaId = node.$parent.id
            contactName = profile?.contactName ?? ""
            contactPhone = profile?.contactPhone ?? ""
            functions = profile?.functionList ?? []
            services = profile?.services ?? ""
            compoundId = profile?.compoundID
            termStarts = profile?.termStarts
            termEnds = profile?.termEnds
            electedByVoteId = profile?.electedByVoteID
            powers = profile?.powerList ?? []
            duties = profile?.dutyList ?? []
        }
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<PartyDTO> {
        let actor = try request.require(.viewOrganisation)
        let paging = try Paging(request)
        var query = PartyScope.parties(visibleTo: actor, on: request.db)
        if let raw = try? request.query.get(String.self, at: "kind") {
            guard let kind = PartyKind(rawValue: raw) else { throw AppError.invalid("kind") }
            query = query.filter(\.$party == kind)
        }
        if let area = try request.queryUUID("areaId") { query = query.filter(\.$parent.$id == area) }
        let (rows, total) = try await query.sort(\.$name).sort(\.$id).page(offset: paging.offset, limit: paging.limit)
        let profiles = try await Self.profiles(rows.compactMap(\.id), on: request.db)
        return ListPage(items: rows.map { PartyDTO($0, profiles[$0.id!]) }, total: total, offset: paging.offset, limit: paging.limit)
    }

    static func profiles(_ ids: [UUID], on db: any Database) async throws -> [UUID: PartyProfileRecord] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await PartyProfileRecord.query(on: db).filter(\.$node.$id ~~ ids).all().map { ($0.$node.id, $0) }) { a, _ in a }
    }

    struct PartyBody: Content {
        var kind: PartyKind?
        var areaId: UUID?
        var name: String?
        var code: String?
        var contactName: String?
        var contactPhone: String?
        var functions: [String]?
        var services: String?
        var compoundId: UUID?
        var termStarts: String?
        var termEnds: String?
        var electedByVoteId: UUID?
        var powers: [String]?
        var duties: [String]?

        var input: PartyChanges.Input {
            PartyChanges.Input(name: name, code: code, contactName: contactName, contactPhone: contactPhone, functions: functions, services: services,
                               compoundID: compoundId, termStarts: termStarts, termEnds: termEnds, electedByVoteID: electedByVoteId,
                               powers: powers, duties: duties)
        }
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(PartyBody.self)
        guard let kind = body.kind else { throw AppError.invalid("kind", "required") }
        let node = try await PartyChanges.register(kind: kind, areaID: body.areaId, input: body.input, in: request.context)
        return try await (try await detail(node, request)).encodeResponse(status: .created, for: request)
    }

    @Sendable func get(_ request: Request) async throws -> PartyDTO {
        let actor = try request.require(.viewOrganisation)
        return try await detail(try await PartyScope.party(try request.uuidParameter(), actor: actor, on: request.db), request)
    }

    func detail(_ node: OrgNodeRecord, _ request: Request) async throws -> PartyDTO {
        let actor = try request.requireActor()
        let db = request.db
        var dto = PartyDTO(node, try await PartyProfileRecord.query(on: db).filter(\.$node.$id == node.id!).first())
        dto.openCases = try await CaseRecord.visible(to: actor, on: db).filter(\.$handlerNodeID == node.id!)
            .filter(\.$state !~ [.closed, .rejected, .merged]).count()
        if node.party == .ownersCommittee {
            dto.members = try await CommitteeMembers.rows(committee: node, compoundID: dto.compoundId, actor: actor, lang: request.lang, on: db)
        }
        if node.party == .propertyCompany {
            let today = CivilDate(request.now)
            dto.contracts = try await PartyScope.contracts(visibleTo: actor, on: db).filter(\.$company.$id == node.id!).sort(\.$startsOn).all()
                .map { ContractDTO($0, today: today) }
        }
        return dto
    }

    @Sendable func update(_ request: Request) async throws -> PartyDTO {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(PartyBody.self)
        if body.kind != nil || body.areaId != nil { throw AppError.invalid(body.kind != nil ? "kind" : "areaId", "not_changeable") }
        let node = try await PartyChanges.update(id: try request.uuidParameter(), input: body.input, in: request.context)
        return try await detail(node, request)
    }

    @Sendable func remove(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageOrganisation)
        try await PartyChanges.remove(id: try request.uuidParameter(), in: request.context)
        return .noContent
    }

    struct ContractBody: Content {
        var compoundId: UUID?
        var startsOn: String?
        var endsOn: String?
        var serviceLevel: String?
        var feeCenti: Int?
    }

    @Sendable func addContract(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let body = try request.content.decode(ContractBody.self)
        let contract = try await PartyChanges.addContract(
            companyID: try request.uuidParameter(),
            input: .init(compoundID: body.compoundId, startsOn: body.startsOn, endsOn: body.endsOn, serviceLevel: body.serviceLevel, feeCenti: body.feeCenti),
            in: request.context)
        return try await ContractDTO(contract, today: CivilDate(request.now)).encodeResponse(status: .created, for: request)
    }

    struct SeatBody: Content {
        var personId: UUID?
        var seat: String?
    }

    @Sendable func seat(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let body = try request.content.decode(SeatBody.self)
        let id = try request.uuidParameter()
        let record = try await CommitteeMembers.seat(committeeID: id, personID: body.personId.map(PersonID.init), seat: body.seat, in: request.context)
        let committee = try await PartyScope.party(id, actor: actor, on: request.db)
        let rows = try await CommitteeMembers.rows(committee: committee, compoundID: nil, actor: actor, lang: request.lang, on: request.db)
        return try await (rows.first { $0.id == record.id }!).encodeResponse(status: .created, for: request)
    }

    @Sendable func unseat(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageOrganisation)
        try await CommitteeMembers.unseat(committeeID: try request.uuidParameter(), memberID: try request.uuidParameter("memberId"), in: request.context)
        return .noContent
    }

    @Sendable func removeContract(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageOrganisation)
        try await PartyChanges.removeContract(id: try request.uuidParameter(), in: request.context)
        return .noContent
    }
}
