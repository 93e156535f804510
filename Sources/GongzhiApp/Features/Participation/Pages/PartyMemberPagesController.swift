import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The member's side of dual registration (双报到): a resident who is a party member (or the staff of a co-building
/// unit) registers with the community's party organisation, shows the receipt, takes service posts and records
/// service; and the public page where a member's unit checks a receipt by its code.
struct PartyMemberPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("party", use: show)
        routes.post("party", "register", use: register)
        routes.post("party", "registrations", ":id", "withdraw", use: withdraw)
        routes.post("party", "posts", ":id", "claim", use: claim)
        routes.post("party", "posts", ":id", "release", use: release)
        routes.post("party", "service", use: logService)
        routes.get("party", "receipts", use: verify)
        routes.get("party", "receipts", ":code", use: receipt)
    }

    static let flashes = ["registered", "withdrawn", "claimed", "released", "logged"]

    struct RegistrationCard: Encodable {
        let id: String
        let state: String
        let stateLabel: String
        let kindLabel: String
        let name: String
        let unitName: String
        let branch: String
        let organisation: String
        let receipt: String?
        let reason: String
        let since: String
        let confirmed: Bool
        let active: Bool
    }

    struct PostRow: Encodable {
        let id: String
        let title: String
        let details: String
        let places: String
        let mine: Bool
        let canClaim: Bool
    }

    struct ServiceRow: Encodable {
        let day: String
        let hours: String
        let note: String
        let stateLabel: String
        let reason: String
    }

    struct MemberView: Encodable {
        let page: PageBase
        let registrations: [RegistrationCard]
        let canRegisterSelf: Bool
        let community: String?
        let hasOrganisation: Bool
        let units: [SelectOption]
        let unitsToRegister: [SelectOption]
        let posts: [PostRow]
        let service: [ServiceRow]
        let canLog: Bool
        let hourChoices: [SelectOption]
        let today: String
        let earliest: String
        let yearHours: String
        let manageLink: Bool
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let flash = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? Strings.text("party.done.\($0)", request.lang) : nil }
        // The organisation's staff and the street work from the organisation's page.
        let mine = try await DualRegistrations.mine(actor, on: request.db)
        let units = try await DualRegistrations.unitsStaffed(by: actor, on: request.db)
        let runsOrganisation = !(try await DualRegistrations.organisations(for: actor, on: request.db).isEmpty)
        if mine.isEmpty, units.isEmpty, !actor.isResident, runsOrganisation {
            return PageRedirect.to("/party/manage", for: request)
        }
        return try await render(request, actor: actor, runsOrganisation: runsOrganisation, flash: flash)
    }

    static func hourChoices(_ lang: Lang, selected: Int? = 120) -> [SelectOption] {
        stride(from: 30, through: DualRegistration.maxMinutes, by: 30).map {
            SelectOption(value: String($0), label: Strings.text("party.hours_n", lang).replacingOccurrences(of: "{n}", with: DualRegistration.hours($0)), selected: $0 == selected)
        }
    }

    /// "已认领 1 人（共 3 个名额）", or without a limit "已认领 1 人".
    static func places(_ post: DualRegistrationAPIController.PostDTO, _ lang: Lang) -> String {
        let text = Strings.text(post.capacity == nil ? "party.places_open" : "party.places", lang).replacingOccurrences(of: "{n}", with: "\(post.held)")
        return post.capacity.map { text.replacingOccurrences(of: "{m}", with: "\($0)") } ?? text
    }

    /// `runsOrganisation`: whether `actor` works at a party organisation (read here when the caller has not).
    func render(_ request: Request, actor: Actor, runsOrganisation: Bool? = nil, flash: String? = nil, messages: [FormMessage] = [],
                status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        let mine = try await DualRegistrations.mine(actor, on: db)
        let today = CivilDate(request.now)
        var cards: [RegistrationCard] = []
        let names = try await DualRegistrationAPIController.dtos(mine, reader: nil, on: db)
        for (record, dto) in zip(mine, names) {
            let organisation = try await OrgNodeRecord.find(record.organisationID, on: db)?.name ?? ""
            cards.append(RegistrationCard(
                id: record.id!.uuidString.lowercased(), state: record.state.rawValue, stateLabel: Strings.text("party.state.\(record.state.rawValue)", lang),
                kindLabel: Strings.text("party.kind.\(record.kind.rawValue)", lang), name: dto.name, unitName: record.unitName, branch: record.branch,
                organisation: organisation, receipt: dto.receipt, reason: record.reason, since: PageDates.minute(record.decidedAt ?? record.createdAt),
                confirmed: record.state == .confirmed, active: record.state.isActive))
        }
        // A resident registers themself while nothing of theirs is in force; a unit's staff register the unit.
        var community: OrgNodeRecord?, organisation: OrgNodeRecord?
        if actor.isResident, let (_, home) = try? await Activities.residentOf(actor, on: db) {
            community = home
            organisation = try await DualRegistrations.organisation(ofCommunity: home.id!, on: db)
        }
        let canRegisterSelf = community != nil && !mine.contains { $0.personID != nil && $0.state.isActive }
        let coUnits = community == nil ? [] : try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == community!.id!).filter(\.$party == .coBuildingUnit).sort(\.$name).all()
        let registeredUnits = Set(mine.filter { $0.kind == .unit && $0.state.isActive }.compactMap(\.unitID))
        let staffed = try await DualRegistrations.unitsStaffed(by: actor, on: db).filter { !registeredUnits.contains($0.id!) }
        // Posts and service of the registration in force.
        let confirmed = mine.first { $0.state == .confirmed }
        var posts: [PostRow] = [], service: [ServiceRow] = []
        var yearMinutes = 0
        if let confirmed {
            let records = try await PartyServicePostRecord.query(on: db).filter(\.$organisationID == confirmed.organisationID).sort(\.$createdAt, .descending).limit(100).all()
            for dto in try await DualRegistrationAPIController.postDTOs(records, registration: confirmed.id, on: db) where dto.open || dto.mine {
                posts.append(PostRow(id: dto.id.uuidString.lowercased(), title: dto.title, details: dto.details, places: Self.places(dto, lang), mine: dto.mine,
                                     canClaim: dto.open && !dto.mine && (dto.capacity.map { dto.held < $0 } ?? true)))
            }
            let logs = try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID ~~ mine.compactMap(\.id)).sort(\.$day, .descending).sort(\.$createdAt, .descending).limit(50).all()
            service = logs.map {
                ServiceRow(day: $0.day, hours: DualRegistration.hours($0.minutes), note: $0.note, stateLabel: Strings.text("party.service.\($0.state.rawValue)", lang), reason: $0.reason)
            }
            yearMinutes = try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID == confirmed.id!).filter(\.$state == .confirmed)
                .filter(\.$day >= "\(today.year)-01-01").all().reduce(0) { $0 + $1.minutes }
        }
        let earliest = CivilDate(request.now.addingTimeInterval(-Double(DualRegistration.loggableDays) * 86_400)).description
        var manageLink = runsOrganisation ?? false
        if runsOrganisation == nil { manageLink = !(try await DualRegistrations.organisations(for: actor, on: db).isEmpty) }
        let view = MemberView(
            page: await PageBase.make(for: request, title: Strings.text("party.title", lang)), registrations: cards, canRegisterSelf: canRegisterSelf,
            community: community?.name, hasOrganisation: organisation != nil,
            units: coUnits.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: false) },
            unitsToRegister: staffed.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: false) },
            posts: posts, service: service, canLog: confirmed != nil, hourChoices: Self.hourChoices(lang), today: today.description, earliest: earliest,
            yearHours: DualRegistration.hours(yearMinutes),
            manageLink: manageLink, flash: flash, messages: messages)
        return try await request.view.render("participation/party", view).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, done: String, _ body: () async throws -> Void) async throws -> Response {
        let actor = try request.requireActor()
        do {
            try await body()
            return PageRedirect.to("/party?done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct RegisterForm: Content {
        var kind: String?
        var unitId: String?
        var unitName: String?
        var branch: String?
        var offer: String?
    }

    @Sendable func register(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let form = try request.content.decode(RegisterForm.self)
        return try await act(request, done: "registered") {
            let unit = try NeedPagesController.optionalUUID(form.unitId, field: "unitId")
            _ = try await DualRegistrations.register(.init(kind: form.kind.flatMap(DualRegistration.Kind.init(rawValue:)), unitID: unit, unitName: form.unitName,
                                                           branch: form.branch, offer: form.offer), in: request.context)
        }
    }

    struct ReasonForm: Content {
        var reason: String?
    }

    @Sendable func withdraw(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let form = try request.content.decode(ReasonForm.self)
        let record = try await DualRegistrations.find(id, on: request.db)
        // The organisation's staff end registrations from their own page, and go back there.
        if try await DualRegistrations.standing(actor, record, on: request.db) != .own {
            return try await PartyOrganisationPagesController().act(request, organisation: record.organisationID, done: "withdrawn") {
                _ = try await DualRegistrations.withdraw(id, reason: form.reason, in: request.context)
            }
        }
        return try await act(request, done: "withdrawn") { _ = try await DualRegistrations.withdraw(id, reason: form.reason, in: request.context) }
    }

    @Sendable func claim(_ request: Request) async throws -> Response {
        let id = try request.uuidParameter()
        return try await act(request, done: "claimed") { _ = try await PartyService.claim(id, in: request.context) }
    }

    @Sendable func release(_ request: Request) async throws -> Response {
        let id = try request.uuidParameter()
        return try await act(request, done: "released") { try await PartyService.release(id, in: request.context) }
    }

    struct ServiceForm: Content {
        var postId: String?
        var day: String?
        var minutes: String?
        var note: String?
    }

    @Sendable func logService(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let form = try request.content.decode(ServiceForm.self)
        return try await act(request, done: "logged") {
            let post = try NeedPagesController.optionalUUID(form.postId, field: "postId")
            let day = try form.day.flatMap { $0.isEmpty ? nil : $0 }.map { text in
                guard let day = CivilDate(iso: text) else { throw AppError.invalid("day") }
                return day
            }
            let minutes = try form.minutes.flatMap { $0.isEmpty ? nil : $0 }.map { text in
                guard let value = Int(text) else { throw AppError.invalid("minutes") }
                return value
            }
            _ = try await PartyService.log(.init(registrationID: nil, postID: post, day: day, minutes: minutes, note: form.note), in: request.context)
        }
    }

    struct ReceiptView: Encodable {
        let page: PageBase
        let code: String
        let found: Bool
        let searched: Bool
        let holder: String
        let kindLabel: String
        let stateLabel: String
        let inForce: Bool
        let unitName: String
        let organisation: String
        let community: String
        let confirmedAt: String
        let endedAt: String?
        let service: [ServiceYear]
    }

    struct ServiceYear: Encodable {
        let year: Int
        let hours: String
    }

    /// The verification page: a form for the code, and what the code shows.
    @Sendable func verify(_ request: Request) async throws -> Response {
        try await renderReceipt(request, code: try request.queryValue("code"))
    }

    @Sendable func receipt(_ request: Request) async throws -> Response {
        try await renderReceipt(request, code: request.parameters.get("code"))
    }

    func renderReceipt(_ request: Request, code: String?) async throws -> Response {
        let lang = request.lang
        let typed = String((code ?? "").prefix(40))
        var found: DualRegistrations.Receipt?
        if !typed.isEmpty { found = try? await DualRegistrations.receipt(typed, today: CivilDate(request.now), on: request.db) }
        let view = ReceiptView(
            page: await PageBase.make(for: request, title: Strings.text("party.receipt_title", lang)), code: found.map { DualRegistration.Receipt.display($0.code) } ?? typed,
            found: found != nil, searched: !typed.isEmpty, holder: found?.holder ?? "", kindLabel: found.map { Strings.text("party.kind.\($0.kind.rawValue)", lang) } ?? "",
            stateLabel: found.map { Strings.text("party.state.\($0.state.rawValue)", lang) } ?? "", inForce: found?.state == .confirmed,
            unitName: found?.unitName ?? "", organisation: found?.organisation ?? "", community: found?.community ?? "",
            confirmedAt: found?.confirmedAt.map { CivilDate($0).description } ?? "", endedAt: found?.endedAt.map { CivilDate($0).description },
            service: found?.minutesByYear.map { ServiceYear(year: $0.year, hours: DualRegistration.hours($0.minutes)) } ?? [])
        return try await request.view.render("participation/party-receipt", view).encodeResponse(status: typed.isEmpty || found != nil ? .ok : .notFound, for: request)
    }
}
