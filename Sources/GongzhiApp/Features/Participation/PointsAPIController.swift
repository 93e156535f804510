import Fluent
import Foundation
import GongzhiCore
import Vapor

extension Points.Statement: Content {}
extension Points.Totals: Content {}

/// `/api/v1/points`: a resident's statement, catalogue and reservations; a community's totals, rules, catalogue and
/// reservations for its staff; earning, correcting, stock and reservations.
struct PointsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let points = routes.grouped("api", "v1", "points")
        points.get("me", use: me)
        points.post("redemptions", use: redeem)
        points.post("redemptions", ":id", "collect", use: collect)
        points.post("redemptions", ":id", "release", use: release)
        points.get("communities", ":id", use: community)
        points.post("rules", use: setRule)
        points.post("awards", use: award)
        points.post("transfers", ":id", "correct", use: correct)
        points.post("items", use: addItem)
        points.post("items", ":id", "stock", use: addStock)
    }

    struct ItemDTO: Content {
        let id: UUID
        let name: String
        let description: String
        let points: Int64
        let perPersonLimit: Int
        let available: Int64
    }

    struct RedemptionDTO: Content {
        let id: UUID
        let itemId: UUID
        let item: String?
        let personId: UUID
        let state: RedemptionRecord.State
        let points: Int64?
        let expiresAt: Date
        let createdAt: Date
        let resolvedAt: Date?

        init(_ record: RedemptionRecord, item: RewardItemRecord?) {
            id = record.id!
            itemId = record.itemID
            self.item = item?.name
            personId = record.personID
            state = record.state
            points = item?.points
            expiresAt = record.expiresAt
            createdAt = record.createdAt
            resolvedAt = record.resolvedAt
        }
    }

    struct MeDTO: Content {
        let statement: Points.Statement
        let items: [ItemDTO]
        let reservations: [RedemptionDTO]
    }

    static func items(of community: UUID, on db: any Database) async throws -> [ItemDTO] {
        let items = try await RewardItemRecord.query(on: db).filter(\.$communityID == community).filter(\.$active == true).sort(\.$points).all()
        let stock = try await Points.available(items.compactMap(\.id), on: db)
        return items.map { ItemDTO(id: $0.id!, name: $0.name, description: $0.details, points: $0.points, perPersonLimit: $0.perPersonLimit, available: stock[$0.id!] ?? 0) }
    }

    static func redemptions(_ query: QueryBuilder<RedemptionRecord>, on db: any Database) async throws -> [RedemptionDTO] {
        let records = try await query.sort(\.$createdAt, .descending).limit(100).all()
        let items = Dictionary(uniqueKeysWithValues: try await RewardItemRecord.query(on: db).filter(\.$id ~~ Set(records.map(\.itemID))).all().map { ($0.id!, $0) })
        return records.map { RedemptionDTO($0, item: items[$0.itemID]) }
    }

    /// The caller's points: for a resident their statement, their community's catalogue and their reservations.
    static func mine(_ actor: Actor, on db: any Database) async throws -> MeDTO {
        guard actor.isResident, let personID = actor.personID?.uuid, let person = try await PersonRecord.find(personID, on: db),
              let community = try await Points.community(of: person, on: db) else {
            return MeDTO(statement: .init(available: 0, reserved: 0, earned: 0, entries: []), items: [], reservations: [])
        }
        return MeDTO(statement: try await Points.statement(person: person, on: db), items: try await items(of: community.id!, on: db),
                     reservations: try await redemptions(RedemptionRecord.query(on: db).filter(\.$personID == personID), on: db))
    }

    @Sendable func me(_ request: Request) async throws -> MeDTO {
        try await Self.mine(try request.requireActor(), on: request.db)
    }

    struct RedeemBody: Content {
        var itemId: UUID?
        var transferId: UUID?
    }

    @Sendable func redeem(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard actor.isResident else { throw AppError.forbidden }
        let body = try request.content.decode(RedeemBody.self)
        guard let item = body.itemId else { throw AppError.invalid("itemId", "required") }
        let record = try await Points.redeem(item, transferID: body.transferId, in: request.context)
        return try await RedemptionDTO(record, item: try await RewardItemRecord.find(record.itemID, on: request.db)).encodeResponse(status: .created, for: request)
    }

    struct NoteBody: Content {
        var note: String?
    }

    @Sendable func collect(_ request: Request) async throws -> RedemptionDTO {
        try await resolve(request, collect: true)
    }

    @Sendable func release(_ request: Request) async throws -> RedemptionDTO {
        try await resolve(request, collect: false)
    }

    func resolve(_ request: Request, collect: Bool) async throws -> RedemptionDTO {
        _ = try request.requireActor()
        let note = (try? request.content.decode(NoteBody.self))?.note
        let record = try await Points.resolve(try request.uuidParameter(), collect: collect, note: note, in: request.context)
        return RedemptionDTO(record, item: try await RewardItemRecord.find(record.itemID, on: request.db))
    }

    struct RuleDTO: Content {
        let earning: PointsRules.Earning
        let pointsPerUnit: Int
        let dailyCap: Int?
        let monthlyCap: Int?
        let effectiveFrom: String
        let inForce: Bool

        init(_ record: PointsRuleRecord, inForce: Bool) {
            earning = record.earning
            pointsPerUnit = record.pointsPerUnit
            dailyCap = record.dailyCap
            monthlyCap = record.monthlyCap
            effectiveFrom = record.effectiveFrom
            self.inForce = inForce
        }
    }

    struct CommunityDTO: Content {
        let totals: Points.Totals
        let rules: [RuleDTO]
        let items: [ItemDTO]
        let reservations: [RedemptionDTO]
    }

    /// Rules (each marked whether in force today), the in-force ones first.
    static func rules(of community: UUID, today: CivilDate, on db: any Database) async throws -> [RuleDTO] {
        let records = try await Points.rules(of: community, on: db)
        let cores = records.compactMap(\.core)
        let inForce = Set(PointsRules.Earning.allCases.compactMap { PointsRules.inForce($0, on: today, among: cores) }.map { "\($0.earning.rawValue)|\($0.effectiveFrom)|\($0.pointsPerUnit)" })
        return records.reversed().map { RuleDTO($0, inForce: inForce.contains("\($0.earning.rawValue)|\($0.effectiveFrom)|\($0.pointsPerUnit)")) }
    }

    @Sendable func community(_ request: Request) async throws -> CommunityDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        guard let node = try await OrgNodeRecord.find(id, on: request.db), node.isArea(.community),
              AccessPolicy.reaches(.viewDeliberation, actor: actor, place: node.orgPath) else { throw AppError.notFound }
        return CommunityDTO(totals: try await Points.totals(community: id, on: request.db),
                            rules: try await Self.rules(of: id, today: CivilDate(request.now), on: request.db),
                            items: try await Self.items(of: id, on: request.db),
                            reservations: try await Self.redemptions(RedemptionRecord.query(on: request.db).filter(\.$communityID == id).filter(\.$state == .reserved), on: request.db))
    }

    struct RuleBody: Content {
        var communityId: UUID?
        var earning: PointsRules.Earning?
        var pointsPerUnit: Int?
        var dailyCap: Int?
        var monthlyCap: Int?
        var effectiveFrom: String?
    }

    @Sendable func setRule(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let body = try request.content.decode(RuleBody.self)
        var from: CivilDate?
        if let raw = body.effectiveFrom, !raw.isEmpty {
            guard let day = CivilDate(iso: raw) else { throw AppError.invalid("effectiveFrom") }
            from = day
        }
        let record = try await Points.setRule(communityID: body.communityId.map(OrgNodeID.init), earning: body.earning, pointsPerUnit: body.pointsPerUnit, dailyCap: body.dailyCap,
                                              monthlyCap: body.monthlyCap, from: from, in: request.context)
        return try await RuleDTO(record, inForce: record.effectiveFrom <= CivilDate(request.now).description).encodeResponse(status: .created, for: request)
    }

    struct AwardBody: Content {
        var communityId: UUID?
        var personId: UUID?
        var earning: PointsRules.Earning?
        var units: Int?
        var note: String?
        var transferId: UUID?
    }

    struct TransferDTO: Content {
        let id: UUID
        let code: LedgerTransferRecord.Code
        let points: Int64
        let createdAt: Date

        init(_ record: LedgerTransferRecord) {
            id = record.id!
            code = record.code
            points = record.amount
            createdAt = record.createdAt
        }
    }

    @Sendable func award(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let body = try request.content.decode(AwardBody.self)
        guard let person = body.personId else { throw AppError.invalid("personId", "required") }
        let record = try await Points.award(communityID: body.communityId.map(OrgNodeID.init), personID: PersonID(person), earning: body.earning, units: body.units,
                                            note: body.note, transferID: body.transferId, in: request.context)
        return try await TransferDTO(record).encodeResponse(status: .created, for: request)
    }

    struct ReasonBody: Content {
        var reason: String?
    }

    @Sendable func correct(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let id = try request.uuidParameter()
        let reason = (try? request.content.decode(ReasonBody.self))?.reason
        return try await TransferDTO(try await Points.correct(id, reason: reason, in: request.context)).encodeResponse(status: .created, for: request)
    }

    struct ItemBody: Content {
        var communityId: UUID?
        var name: String?
        var description: String?
        var points: Int64?
        var perPersonLimit: Int?
    }

    @Sendable func addItem(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let body = try request.content.decode(ItemBody.self)
        let item = try await Points.addItem(communityID: body.communityId.map(OrgNodeID.init), name: body.name, description: body.description, points: body.points,
                                            perPersonLimit: body.perPersonLimit, in: request.context)
        return try await ItemDTO(id: item.id!, name: item.name, description: item.details, points: item.points, perPersonLimit: item.perPersonLimit, available: 0)
            .encodeResponse(status: .created, for: request)
    }

    struct StockBody: Content {
        var quantity: Int64?
        var note: String?
        var transferId: UUID?
    }

    struct StockDTO: Content {
        let itemId: UUID
        let available: Int64
    }

    @Sendable func addStock(_ request: Request) async throws -> StockDTO {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let id = try request.uuidParameter()
        guard try await RewardItemRecord.find(id, on: request.db) != nil else { throw AppError.notFound }
        let body = try request.content.decode(StockBody.self)
        let available = try await Points.addStock(id, quantity: body.quantity, note: body.note, transferID: body.transferId, in: request.context)
        return StockDTO(itemId: id, available: available)
    }
}
