import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of residents' polls: the list, drafting one (staff: options one per line), and a poll's page with
/// the voting form (radio buttons or checkboxes) and, once closed (staff: always), the result as a server-drawn
/// bar chart with its table.
struct PollPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("polls", use: list)
        routes.get("polls", "new", use: newForm)
        routes.post("polls", use: create)
        routes.get("polls", ":id", use: show)
        routes.post("polls", ":id", "vote", use: vote)
        routes.post("polls", ":id", "open", use: open)
        routes.post("polls", ":id", "close", use: close)
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let state: String
        let stateLabel: String
        let closes: String
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
        let canCreate: Bool
        let nextOffset: Int?
        let previousOffset: Int?
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let lang = request.lang
        let offset = request.pageOffset
        let found = try await Polls.list(actor: actor, offset: offset, limit: 20, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("poll.list_title", lang))
        return try await request.view.render("deliberation/polls/polls", ListView(
            page: page,
            rows: found.items.map {
                Row(href: "/polls/\($0.id!.uuidString.lowercased())", title: $0.title, state: $0.state.rawValue,
                    stateLabel: Strings.text("poll.state.\($0.state.rawValue)", lang), closes: PageDates.minute($0.closesAt))
            },
            canCreate: AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor),
            nextOffset: offset + 20 < found.total ? offset + 20 : nil, previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    struct NewView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let title: String
        let description: String
        let options: String
        let multipleChoice: Bool
        let household: Bool
        let closesAt: String
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var communityId: String?
        var title: String?
        var description: String?
        var options: String?
        var multipleChoice: String?
        var unit: String?
        var closesAt: String?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        return try await renderNew(request, actor: actor, form: NewForm(closesAt: PageDates.local(request.now.addingTimeInterval(7 * 86_400))))
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let communities = try await OrgNodeRecord.query(on: request.db).filter(\.$level == .community).filter(\.$party == nil).visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
        let page = await PageBase.make(for: request, title: Strings.text("poll.new", request.lang))
        return try await request.view.render("deliberation/polls/poll-new", NewView(
            page: page,
            communities: communities.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.communityId?.lowercased()) },
            title: form.title ?? "", description: form.description ?? "", options: form.options ?? "", multipleChoice: form.multipleChoice == "on",
            household: form.unit == "household", closesAt: form.closesAt ?? "", messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(NewForm.self)
        do {
            guard let community = form.communityId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("communityId", "required") }
            guard let closesAt = form.closesAt.flatMap(PageDates.parseLocal) else { throw AppError.invalid("closesAt", "required") }
            let options = (form.options ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let poll = try await Polls.create(.init(
                communityID: community, compoundID: nil, title: form.title,
                details: form.description, options: options,
                multipleChoice: form.multipleChoice == "on", unit: form.unit == "household" ? .household : .resident, closesAt: closesAt),
                in: request.context)
            return request.redirect(to: "/polls/\(poll.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct OptionView: Encodable {
        let index: Int
        let text: String
        let chosen: Bool
        let votes: Int?
    }

    struct PollView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let description: String
        let state: String
        let stateLabel: String
        let closes: String
        let rule: String
        let multipleChoice: Bool
        let options: [OptionView]
        let canVote: Bool
        let voted: Bool
        let canOpen: Bool
        let canClose: Bool
        let showResult: Bool
        let participants: Int
        let chart: String?
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let flash = request.query[String.self, at: "done"] == "vote" ? Strings.text("poll.voted", request.lang) : nil
        return try await render(request, actor: actor, id: try request.uuidParameter(), flash: flash)
    }

    func render(_ request: Request, actor: Actor, id: UUID, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let (poll, access) = try await Polls.visible(id, actor: actor, on: request.db)
        let dto = try await PollDTO.detail(poll, access: access, actor: actor, on: request.db)
        let mine = Set(dto.myChoices ?? [])
        let showResult = dto.options.first?.votes != nil
        let chart = showResult ? SVGChart.horizontalBars(
            title: poll.title, description: Strings.text("poll.chart_description", lang),
            bars: dto.options.map { SVGChart.Bar(label: $0.text, value: Double($0.votes ?? 0), text: String($0.votes ?? 0)) }) : nil
        let rule = Strings.text(poll.unit == .household ? "poll.rule_household" : "poll.rule_resident", lang)
            + (poll.multipleChoice ? " " + Strings.text("poll.rule_multiple", lang) : "")
        let context = PollView(
            page: await PageBase.make(for: request, title: poll.title), id: poll.id!.uuidString.lowercased(), title: poll.title,
            description: poll.details, state: poll.state.rawValue, stateLabel: Strings.text("poll.state.\(poll.state.rawValue)", lang),
            closes: PageDates.minute(poll.closesAt), rule: rule, multipleChoice: poll.multipleChoice,
            options: dto.options.map { OptionView(index: $0.index, text: $0.text, chosen: mine.contains($0.index), votes: $0.votes) },
            canVote: access.resident && poll.state == .open && request.now < poll.closesAt, voted: !mine.isEmpty,
            canOpen: access.manage && poll.state == .draft, canClose: access.manage && poll.state == .open,
            showResult: showResult, participants: dto.participants ?? 0, chart: chart, flash: flash, messages: messages)
        return try await request.view.render("deliberation/polls/poll", context).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, done: String? = nil, _ body: (Actor, UUID) async throws -> Void) async throws -> Response {
        try await request.objectFormWrite(base: "/polls", done: done, body) { actor, id, messages, status in
            try await render(request, actor: actor, id: id, messages: messages, status: status)
        }
    }

    struct VoteForm: Content {
        var choices: [Int]?
    }

    @Sendable func vote(_ request: Request) async throws -> Response {
        try await act(request, done: "vote") { actor, id in
            let form = try request.content.decode(VoteForm.self)
            _ = try await Polls.vote(id, choices: Array((form.choices ?? []).prefix(20)), in: request.context)
        }
    }

    @Sendable func open(_ request: Request) async throws -> Response {
        try await act(request) { actor, id in _ = try await Polls.move(id, to: .open, in: request.context) }
    }

    @Sendable func close(_ request: Request) async throws -> Response {
        try await act(request) { actor, id in _ = try await Polls.move(id, to: .closed, in: request.context) }
    }
}
