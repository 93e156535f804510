import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The points pages: a resident's (balance, what points buy, their reservations, every movement with its reason),
/// and a community's for its staff (totals, reservations to hand over, confirming what a resident earned, the rules,
/// the catalogue and its stock, recent awards to correct).
struct PointsPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("points", use: mine)
        routes.post("points", "redeem", use: redeem)
        routes.post("points", "redemptions", ":id", "release", use: release)
        routes.post("points", "redemptions", ":id", "collect", use: collect)
        routes.get("points", "manage", use: manage)
        routes.post("points", "manage", "award", use: award)
        routes.post("points", "manage", "rule", use: rule)
        routes.post("points", "manage", "item", use: item)
        routes.post("points", "manage", "stock", use: stock)
        routes.post("points", "manage", "correct", use: correct)
    }

    static let flashes = ["reserved", "released", "collected", "awarded", "rule", "item", "stock", "corrected"]

    static func flash(_ request: Request) -> String? {
        request.query[String.self, at: "done"].flatMap { flashes.contains($0) ? Strings.text("points.done.\($0)", request.lang) : nil }
    }

    // MARK: A resident's points

    struct ItemRow: Encodable {
        let id: String
        let name: String
        let description: String
        let points: Int64
        let available: Int64
        let canRedeem: Bool
        let why: String?
    }

    struct ReservationRow: Encodable {
        let id: String
        let item: String
        let state: String
        let stateLabel: String
        let when: String
        let open: Bool
    }

    struct EntryRow: Encodable {
        let when: String
        let reason: String
        let note: String
        let points: String
        let plus: Bool
    }

    struct MineView: Encodable {
        let page: PageBase
        let available: Int64
        let reserved: Int64
        let items: [ItemRow]
        let reservations: [ReservationRow]
        let entries: [EntryRow]
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func mine(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        if !actor.isResident, AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) { return request.redirect(to: "/points/manage") }
        return try await renderMine(request, actor: actor, flash: Self.flash(request))
    }

    func renderMine(_ request: Request, actor: Actor, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let me = try await PointsAPIController.mine(actor, on: request.db)
        let items = me.items.map { item in
            let why: String? = item.available <= 0 ? Strings.text("points.sold_out", lang)
                : item.points > me.statement.available ? Strings.text("points.not_enough", lang) : nil
            return ItemRow(id: item.id.uuidString.lowercased(), name: item.name, description: item.description, points: item.points,
                           available: item.available, canRedeem: why == nil, why: why)
        }
        let context = MineView(
            page: await PageBase.make(for: request, title: Strings.text("points.title", lang)),
            available: me.statement.available, reserved: me.statement.reserved, items: items,
            reservations: me.reservations.map { Self.reservationRow($0, lang: lang) },
            entries: me.statement.entries.map { entry in
                EntryRow(when: PageDates.minute(entry.at),
                         reason: Strings.text(entry.kind == .pending ? "points.held" : entry.kind == .voidPending ? "points.given_back" : "points.code.\(entry.code.rawValue)", lang),
                         note: entry.code == .redemption || entry.code == .expiry ? "" : entry.note,
                         points: (entry.points > 0 ? "+" : "") + String(entry.points), plus: entry.points > 0)
            },
            flash: flash, messages: messages)
        return try await request.view.render("participation/points", context).encodeResponse(status: status, for: request)
    }

    static func reservationRow(_ r: PointsAPIController.RedemptionDTO, lang: Lang) -> ReservationRow {
        let when = r.state == .reserved ? Strings.text("points.collect_by", lang).replacingOccurrences(of: "{date}", with: PageDates.minute(r.expiresAt))
            : PageDates.minute(r.resolvedAt ?? r.createdAt)
        return ReservationRow(id: r.id.uuidString.lowercased(), item: r.item ?? "", state: r.state.rawValue,
                              stateLabel: Strings.text("points.state.\(r.state.rawValue)", lang), when: when, open: r.state == .reserved)
    }

    struct RedeemForm: Content {
        var itemId: String?
    }

    @Sendable func redeem(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard actor.isResident else { throw AppError.forbidden }
        let form = try request.content.decode(RedeemForm.self)
        do {
            guard let item = form.itemId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("itemId", "required") }
            _ = try await Points.redeem(item, transferID: nil, in: request.context)
            return PageRedirect.to("/points?done=reserved", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderMine(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct NoteForm: Content {
        var note: String?
    }

    @Sendable func release(_ request: Request) async throws -> Response {
        try await settle(request, collect: false)
    }

    @Sendable func collect(_ request: Request) async throws -> Response {
        try await settle(request, collect: true)
    }

    func settle(_ request: Request, collect: Bool) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let note = (try? request.content.decode(NoteForm.self))?.note
        do {
            let record = try await Points.resolve(id, collect: collect, note: note, in: request.context)
            let done = collect ? "collected" : "released"
            if actor.personID?.uuid == record.personID, !collect { return PageRedirect.to("/points?done=\(done)", for: request) }
            return PageRedirect.to("/points/manage?communityId=\(record.communityID.uuidString.lowercased())&done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            if actor.isResident { return try await renderMine(request, actor: actor, messages: request.formMessages(for: error), status: error.status) }
            return try await renderManage(request, actor: actor, communityID: nil, messages: request.formMessages(for: error), status: error.status)
        }
    }
}
