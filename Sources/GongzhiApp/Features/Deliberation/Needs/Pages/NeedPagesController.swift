import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of the needs list: the list (open needs, topics, all), raising a need, a need's page with the
/// support button and, for staff, taking it up, declining or closing it; and the repeated cases to turn into needs.
struct NeedPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("needs", use: list)
        routes.get("needs", "new", use: newForm)
        // Up to six photos of 5 MB with the form around them.
        routes.on(.POST, "needs", bodyUpTo: CasePhoto.maxFormSize, use: raise)
        routes.get("needs", "suggestions", use: suggestions)
        routes.post("needs", "from-cases", use: fromCases)
        routes.get("needs", ":id", use: show)
        routes.post("needs", ":id", "support", use: support)
        routes.post("needs", ":id", "decide", use: decide)
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let place: String
        let state: String
        let stateLabel: String
        let supports: Int
        let created: String
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
        let filters: [SelectOption]
        let filter: String
        let canSuggest: Bool
        let nextOffset: Int?
        let previousOffset: Int?
    }

    static func row(_ need: NeedRecord, reader: Actor, lang: Lang) -> Row {
        Row(href: "/needs/\(need.id!.uuidString.lowercased())", title: NeedText.shown(need.title, to: reader, of: need), place: need.place, state: need.state.rawValue,
            stateLabel: Strings.text("need.state.\(need.state.rawValue)", lang), supports: need.supportCount, created: PageDates.minute(need.createdAt))
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let lang = request.lang
        let filter = request.query[String.self, at: "state"].flatMap(NeedRules.State.init(rawValue:))
        let offset = request.pageOffset
        let found = try await Needs.list(actor: actor, states: filter.map { [$0] } ?? [], offset: offset, limit: 20, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("need.list_title", lang))
        let filters = [SelectOption(value: "", label: Strings.text("need.filter_all", lang), selected: filter == nil)]
            + NeedRules.State.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("need.state.\($0.rawValue)", lang), selected: $0 == filter) }
        return try await request.view.render("deliberation/needs/needs", ListView(
            page: page, rows: found.items.map { Self.row($0, reader: actor, lang: lang) }, filters: filters, filter: filter?.rawValue ?? "",
            canSuggest: AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) && AccessPolicy.allowsAnywhere(.viewCases, actor: actor),
            nextOffset: offset + 20 < found.total ? offset + 20 : nil, previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    // MARK: Raising

    struct NewView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let compounds: [SelectOption]
        let title: String
        let description: String
        let place: String
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var title: String?
        var description: String?
        var place: String?
        var communityId: String?
        var compoundId: String?
        var photos: [File]?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        try await renderNew(request, actor: try request.requireActor(), form: NewForm())
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let db = request.db
        // Staff choose the community; everyone may name a compound of theirs.
        var communities: [SelectOption] = []
        var compoundPaths = actor.grants.filter { $0.role == .resident }.map(\.path.rawValue)
        if AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) {
            let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor)
            let above = AccessPolicy.ancestors(.viewDeliberation, actor: actor).map(\.rawValue)
            let nodes = try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil).group(.or) { group in
                for scope in scopes { group.filter(\.$path =~ scope.rawValue) }
                if !above.isEmpty { group.filter(\.$path ~~ above) }
            }.sort(\.$name).limit(300).all()
            communities = nodes.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.communityId?.lowercased()) }
            compoundPaths += nodes.map(\.path)
        }
        var compounds = [SelectOption(value: "", label: Strings.text("need.no_compound", lang))]
        if !compoundPaths.isEmpty {
            compounds += try await CompoundRecord.query(on: db).filter(\.$orgPath ~~ compoundPaths).sort(\.$name).limit(500).all().map {
                SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.compoundId?.lowercased())
            }
        }
        let page = await PageBase.make(for: request, title: Strings.text("need.new", lang))
        return try await request.view.render("deliberation/needs/need-new", NewView(
            page: page, communities: communities, compounds: compounds, title: form.title ?? "", description: form.description ?? "",
            place: form.place ?? "", messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func raise(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Needs.requireMayRaise(actor)
        let form = try request.content.decode(NewForm.self)
        do {
            let compound = try Self.optionalUUID(form.compoundId, field: "compoundId")
            let community = try Self.optionalUUID(form.communityId, field: "communityId")
            let need = try await Needs.raise(Needs.Draft(title: form.title, details: form.description, place: form.place,
                                                         communityID: community, compoundID: compound),
                                             photos: try DeliberationPhotos.checked(form.photos), in: request.context)
            return request.redirect(to: "/needs/\(need.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    static func optionalUUID(_ raw: String?, field: String) throws -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.invalid(field) }
        return id
    }

    // MARK: A need's page

    struct NeedView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let description: String
        let place: String
        let state: String
        let stateLabel: String
        let supports: String
        let supportedByMe: Bool
        let canSupport: Bool
        let canManage: Bool
        let canTakeUp: Bool
        let canDecline: Bool
        let canClose: Bool
        let decisionNote: String
        let created: String
        let caseCount: Int
        let cases: [NeedDTO.LinkedCase]
        let photos: [String]
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let flash = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? Strings.text("need.done.\($0)", request.lang) : nil }
        return try await render(request, actor: actor, id: try request.uuidParameter(), flash: flash)
    }

    func render(_ request: Request, actor: Actor, id: UUID, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let (need, access) = try await Needs.visible(id, actor: actor, on: request.db)
        let dto = try await NeedDTO.detail(need, access: access, actor: actor, on: request.db)
        let supports = Strings.text("need.supports_of", lang).replacingOccurrences(of: "{n}", with: String(need.supportCount))
            .replacingOccurrences(of: "{threshold}", with: String(dto.supportThreshold ?? NeedRules.defaultSupportThreshold))
        let note = need.decisionNote.hasPrefix("support:") ? Strings.text("need.topic_by_support", lang) : need.decisionNote
        let context = NeedView(
            page: await PageBase.make(for: request, title: dto.title), id: need.id!.uuidString.lowercased(), title: dto.title,
            description: dto.description, place: need.place, state: need.state.rawValue, stateLabel: Strings.text("need.state.\(need.state.rawValue)", lang),
            supports: supports, supportedByMe: dto.supportedByMe == true,
            canSupport: access.resident && dto.supportedByMe != true && NeedRules.acceptsSupport(need.state),
            canManage: access.manage, canTakeUp: access.manage && need.state == .open, canDecline: access.manage && need.state == .open,
            canClose: access.manage && (need.state == .topic || need.state == .project), decisionNote: note,
            created: PageDates.minute(need.createdAt), caseCount: dto.caseCount ?? 0, cases: dto.cases ?? [], photos: dto.photos ?? [],
            flash: flash, messages: messages)
        return try await request.view.render("deliberation/needs/need", context).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, done: String, _ body: (Actor, UUID) async throws -> Void) async throws -> Response {
        try await request.objectFormWrite(base: "/needs", done: done, body) { actor, id, messages, status in
            try await render(request, actor: actor, id: id, messages: messages, status: status)
        }
    }

    @Sendable func support(_ request: Request) async throws -> Response {
        try await act(request, done: "support") { actor, id in _ = try await Needs.support(id, in: request.context) }
    }

    struct DecideForm: Content {
        var decision: String?
        var note: String?
    }

    /// What a redirect's `done=` may say after a step (words: `need.done.<step>`); anything else shows nothing.
    static let flashes = ["support", "take_up", "decline", "close", "from_cases"]

    @Sendable func decide(_ request: Request) async throws -> Response {
        let form = try request.content.decode(DecideForm.self)
        let event: NeedRules.Event? = switch form.decision {
        case "take_up": .takeUp
        case "decline": .decline
        case "close": .close
        default: nil
        }
        return try await act(request, done: form.decision ?? "") { actor, id in
            let (_, access) = try await Needs.visible(id, actor: actor, on: request.db)
            guard access.manage else { throw AppError.forbidden }
            guard let event else { throw AppError.invalid("decision", "required") }
            _ = try await Needs.decide(id, event, note: form.note, in: request.context)
        }
    }

    // MARK: Repeated cases

    struct SuggestionView: Encodable {
        let category: String
        let address: String
        let cases: [String]
        let ids: [String]
    }

    struct SuggestionsView: Encodable {
        let page: PageBase
        let groups: [SuggestionView]
        let messages: [FormMessage]
    }

    @Sendable func suggestions(_ request: Request) async throws -> Response {
        try await renderSuggestions(request, actor: try request.require(.manageDeliberation))
    }

    func renderSuggestions(_ request: Request, actor: Actor, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let found = try await Needs.suggestions(actor: actor, on: request.db, now: request.now)
        var groups: [SuggestionView] = []
        for (group, cases) in found {
            let item = try await CatalogueStore.item(group.itemCode, version: cases[0].catalogueVersion, on: request.db)
            groups.append(SuggestionView(category: (lang == .zh ? item?.name : item?.nameEn) ?? group.itemCode, address: cases[0].address,
                                         cases: cases.map { "\($0.number) \($0.title)" }, ids: cases.map { $0.id!.uuidString.lowercased() }))
        }
        let page = await PageBase.make(for: request, title: Strings.text("need.suggestions", lang))
        return try await request.view.render("deliberation/needs/need-suggestions", SuggestionsView(page: page, groups: groups, messages: messages))
            .encodeResponse(status: status, for: request)
    }

    struct FromCasesForm: Content {
        var caseIds: [String]?
        var title: String?
    }

    @Sendable func fromCases(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(FromCasesForm.self)
        do {
            let ids = try (form.caseIds ?? []).map { raw in
                guard let id = UUID(uuidString: raw) else { throw AppError.invalid("caseIds") }
                return id
            }
            let need = try await Needs.fromCases(ids.map(CaseID.init), title: try form.title.flatMap { $0.isEmpty ? nil : try Validate.name($0, field: "title") },
                                                 in: request.context)
            return request.redirect(to: "/needs/\(need.id!.uuidString.lowercased())?done=from_cases", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderSuggestions(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }
}
