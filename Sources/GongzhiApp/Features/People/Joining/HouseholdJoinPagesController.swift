import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Joining one's household (issue 26): the resident's page (`/join`: by household code, or by name and ID number
/// for the community to confirm), the household code on the household's page, and the workers' list of requests.
struct HouseholdJoinPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("join", use: joinPage)
        routes.post("join", "code", use: joinByCode)
        routes.post("join", "request", use: requestJoin)
        routes.post("households", ":id", "code", use: issueCode)
        routes.get("joins", use: joins)
        routes.post("joins", ":id", "confirm", use: confirm)
        routes.post("joins", ":id", "refuse", use: refuse)
    }

    // MARK: Resident

    struct JoinPage: Encodable {
        let page: PageBase
        let code: String
        let name: String
        let idNumber: String
        let places: [RequestFormPagesController.PlaceGroup]
        /// The account's request: waiting, refused (with whom to ask), or nothing.
        let requestState: String
        let requestSent: Bool
        let codeMessages: [FormMessage]
        let requestMessages: [FormMessage]
    }

    struct JoinForm: Content {
        var code: String?
        var name: String?
        var idNumber: String?
        var buildingId: String?
    }

    func renderJoin(_ request: Request, actor: Actor, form: JoinForm = JoinForm(), codeMessages: [FormMessage] = [],
                    requestMessages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        guard actor.personID == nil || !codeMessages.isEmpty else { return request.redirect(to: "/", redirectType: .normal) }
        let open = try await HouseholdJoining.openRequest(of: actor, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("join.title", request.lang))
        return try await request.view.render("people/join", JoinPage(
            page: page, code: form.code ?? "", name: form.name ?? "", idNumber: form.idNumber ?? "",
            places: try await RequestFormPagesController().places(for: actor, selected: form.buildingId.flatMap(UUID.init(uuidString:)) ?? open?.buildingID,
                                                                  on: request.db),
            requestState: open?.state.rawValue ?? "", requestSent: (try? request.query.get(String.self, at: "sent")) != nil,
            codeMessages: codeMessages, requestMessages: requestMessages)).encodeResponse(status: status, for: request)
    }

    @Sendable func joinPage(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard actor.isResident else { throw AppError.forbidden }
        return try await renderJoin(request, actor: actor)
    }

    @Sendable func joinByCode(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(JoinForm.self)
        do {
            _ = try await HouseholdJoining.join(code: form.code, name: form.name, in: request.context)
            return request.redirect(to: "/?joined=1", redirectType: .normal)
        } catch let error as AppError where error.status != .forbidden {
            let response = try await renderJoin(request, actor: actor, form: form, codeMessages: request.formMessages(for: error), status: error.status)
            for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
    }

    @Sendable func requestJoin(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(JoinForm.self)
        do {
            _ = try await HouseholdJoining.request(buildingID: form.buildingId.flatMap(UUID.init(uuidString:)), name: form.name,
                                                   idNumber: form.idNumber, in: request.context)
            return request.redirect(to: "/join?sent=1", redirectType: .normal)
        } catch let error as AppError where error.status != .forbidden {
            return try await renderJoin(request, actor: actor, form: form, requestMessages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: Workers

    @Sendable func issueCode(_ request: Request) async throws -> Response {
        _ = try request.require(.manageResidents)
        let id = try request.uuidParameter()
        _ = try await HouseholdJoining.issueCode(householdID: HouseholdID(id), in: request.context)
        return request.redirect(to: "/households/\(id.uuidString.lowercased())#join-code", redirectType: .normal)
    }

    struct JoinsPage: Encodable {
        let page: PageBase
        let rows: [Row]
        let messages: [FormMessage]
    }

    struct Row: Encodable {
        let id: String
        let name: String
        let idNumber: String
        let place: String
        let account: String
        let asked: String
        /// The registered person it names, linked; empty when not registered yet (register first, then confirm).
        let personHref: String
        let householdHref: String
    }

    func renderJoins(_ request: Request, actor: Actor, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let pending = try await HouseholdJoining.pending(for: actor, on: db)
        let buildings = try await BuildingRecord.query(on: db).filter(\.$id ~~ pending.map(\.buildingID)).with(\.$compound).all()
        let buildingNames = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id!, "\($0.compound.name) \($0.name)") })
        let accounts = Dictionary(uniqueKeysWithValues: try await UserRecord.query(on: db).filter(\.$id ~~ pending.map(\.userID)).all()
            .map { ($0.id!, $0.phoneMask ?? $0.displayName) })
        var rows: [Row] = []
        for join in pending {
            let person = try await HouseholdJoining.registeredPerson(for: join, on: db)
            var household: HouseholdMemberRecord?
            if let person { household = try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == person.id!).first() }
            rows.append(Row(id: join.id!.uuidString.lowercased(), name: join.name, idNumber: join.idNumberMask,
                            place: buildingNames[join.buildingID] ?? "", account: accounts[join.userID] ?? "",
                            asked: PageDates.minute(join.createdAt), personHref: person.map { "/people/\($0.id!.uuidString)" } ?? "",
                            householdHref: household.map { "/households/\($0.$household.id.uuidString.lowercased())" } ?? ""))
        }
        let page = await PageBase.make(for: request, title: Strings.text("joins.title", request.lang))
        return try await request.view.render("people/joins", JoinsPage(page: page, rows: rows, messages: messages))
            .encodeResponse(status: status, for: request)
    }

    @Sendable func joins(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageResidents)
        return try await renderJoins(request, actor: actor)
    }

    @Sendable func confirm(_ request: Request) async throws -> Response { try await decide(request, confirm: true) }
    @Sendable func refuse(_ request: Request) async throws -> Response { try await decide(request, confirm: false) }

    func decide(_ request: Request, confirm: Bool) async throws -> Response {
        let actor = try request.require(.manageResidents)
        let id = try request.uuidParameter()
        do {
            try await HouseholdJoining.decide(joinID: id, confirm: confirm, in: request.context)
            return request.redirect(to: "/joins", redirectType: .normal)
        } catch let error as AppError where error.status == .conflict || error.status == .unprocessableEntity {
            return try await renderJoins(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }
}
