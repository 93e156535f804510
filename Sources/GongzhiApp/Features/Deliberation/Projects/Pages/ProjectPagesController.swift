import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The projects' pages: the list, a project from an agreed decision (budget in yuan, up to three funding sources
/// and three milestones on the form), and the public progress page: budget and funding with the shortfall,
/// milestones, progress reports, acceptance and the residents' evaluation.
struct ProjectPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("projects", use: list)
        routes.get("projects", "new", use: newForm)
        routes.post("projects", use: create)
        routes.get("projects", ":id", use: show)
        routes.post("projects", ":id", "act", use: act)
        routes.post("projects", ":id", "milestones", ":milestoneId", "done", use: milestoneDone)
        routes.on(.POST, "projects", ":id", "update", bodyUpTo: CasePhoto.maxFormSize, use: update)
        routes.post("projects", ":id", "rate", use: rate)
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let state: String
        let budget: String
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let lang = request.lang
        let found = try await Projects.list(actor: actor, offset: 0, limit: 100, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("project.list_title", lang))
        return try await request.view.render("deliberation/projects/projects", ListView(page: page, rows: found.items.map {
            Row(href: "/projects/\($0.id!.uuidString.lowercased())", title: $0.title, state: Strings.text("project.state.\($0.state.rawValue)", lang),
                budget: Yuan.format($0.budgetFen) + " " + Strings.text("money.yuan", lang))
        }))
    }

    struct NewView: Encodable {
        let page: PageBase
        let decision: String
        let decisionText: String
        let sources: [SelectOption]
        let resources: [SelectOption]
        /// Three rows each of funding and milestones (more through the API).
        let slots: [Int]
        let messages: [FormMessage]
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        return try await renderNew(request, actor: actor, decision: request.query[String.self, at: "decision"].flatMap(UUID.init(uuidString:)))
    }

    func renderNew(_ request: Request, actor: Actor, decision id: UUID?, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        guard let id, let decision = try await MeetingDecisionRecord.find(id, on: request.db) else { throw AppError.notFound }
        let (meeting, access) = try await Council.visibleMeeting(decision.meetingID, actor: actor, on: request.db)
        guard access.manage else { throw AppError.forbidden }
        let resources = try await ResourceOfferRecord.query(on: request.db).filter(\.$communityID == meeting.communityID).filter(\.$available == true).all()
        let page = await PageBase.make(for: request, title: Strings.text("project.new", lang))
        return try await request.view.render("deliberation/projects/project-new", NewView(
            page: page, decision: id.uuidString.lowercased(), decisionText: decision.text,
            sources: ProjectFundingRecord.Source.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("funding.\($0.rawValue)", lang)) },
            resources: [SelectOption(value: "", label: "—")] + resources.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: "\($0.title)（\($0.providerName)）") },
            slots: [1, 2, 3], messages: messages)).encodeResponse(status: status, for: request)
    }

    struct NewForm: Content {
        var decisionId: String?
        var title: String?
        var description: String?
        var ownerOrg: String?
        var budget: String?
        var source: [String]?
        var resourceId: [String]?
        var amount: [String]?
        var milestone: [String]?
        var dueOn: [String]?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(NewForm.self)
        let decision = form.decisionId.flatMap(UUID.init(uuidString:))
        do {
            guard let decision else { throw AppError.invalid("decisionId", "required") }
            guard let budget = form.budget.flatMap(Yuan.fen(parsing:)) else { throw AppError.invalid("budget", "bad_amount") }
            var funding: [Projects.Funding] = []
            let sources = form.source ?? [], amounts = form.amount ?? [], resources = form.resourceId ?? []
            for index in sources.indices.prefix(20) where index < amounts.count && !amounts[index].trimmingCharacters(in: .whitespaces).isEmpty {
                guard let source = ProjectFundingRecord.Source(rawValue: sources[index]), let fen = Yuan.fen(parsing: amounts[index]) else {
                    throw AppError.invalid("funding", "bad_amount")
                }
                let resource = index < resources.count ? UUID(uuidString: resources[index]) : nil
                funding.append(.init(source: source, resourceID: resource, amountFen: fen, note: nil))
            }
            var milestones: [Projects.Milestone] = []
            let titles = form.milestone ?? [], days = form.dueOn ?? []
            for index in titles.indices.prefix(30) where !titles[index].trimmingCharacters(in: .whitespaces).isEmpty {
                milestones.append(.init(title: titles[index], dueOn: index < days.count ? days[index] : nil))
            }
            let project = try await Projects.create(.init(
                decisionID: decision, title: form.title, details: form.description, ownerOrg: form.ownerOrg,
                budgetFen: budget, funding: funding, milestones: milestones), in: request.context)
            return request.redirect(to: "/projects/\(project.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNew(request, actor: actor, decision: decision, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct FundingRow: Encodable {
        let source: String
        let amount: String
    }

    struct MilestoneRow: Encodable {
        let id: String
        let title: String
        let dueOn: String
        let done: Bool
    }

    struct UpdateRow: Encodable {
        let text: String
        let percent: Int
        let at: String
        let photos: [String]
    }

    struct ProjectView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let description: String
        let ownerOrg: String
        let state: String
        let stateLabel: String
        let budget: String
        let funding: [FundingRow]
        let shortfall: String?
        let milestones: [MilestoneRow]
        let updates: [UpdateRow]
        let percent: Int
        let evaluation: String?
        let acceptanceNote: String
        let canManage: Bool
        let actions: [SelectOption]
        let canReport: Bool
        let canRate: Bool
        let myRating: String
        let ratings: [SelectOption]
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        try await render(request, actor: try request.requireActor(), id: try request.uuidParameter())
    }

    func render(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let (project, access) = try await Projects.visible(id, actor: actor, on: request.db)
        let dto = try await ProjectDTO.detail(project, actor: actor, on: request.db)
        let yuan = Strings.text("money.yuan", lang)
        var evaluation: String?
        if let e = dto.evaluation, e.satisfied + e.basicallySatisfied + e.unsatisfied > 0 {
            let total = e.satisfied + e.basicallySatisfied + e.unsatisfied
            evaluation = Strings.text("project.evaluation_figures", lang)
                .replacingOccurrences(of: "{n}", with: String(total))
                .replacingOccurrences(of: "{rate}", with: e.satisfactionPerMille.map { "\($0 / 10).\($0 % 10)%" } ?? "—")
        }
        let actions = ProjectRules.Action.allCases.filter { (try? ProjectRules.next(project.state, $0)) != nil }
        let context = ProjectView(
            page: await PageBase.make(for: request, title: project.title), id: id.uuidString.lowercased(), title: project.title,
            description: project.details, ownerOrg: project.ownerOrg, state: project.state.rawValue,
            stateLabel: Strings.text("project.state.\(project.state.rawValue)", lang), budget: Yuan.format(project.budgetFen) + " " + yuan,
            funding: (dto.funding ?? []).map { FundingRow(source: Strings.text("funding.\($0.source.rawValue)", lang), amount: Yuan.format($0.amountFen) + " " + yuan) },
            shortfall: dto.shortfallFen.flatMap { $0 > 0 ? Strings.text("project.shortfall", lang) + Yuan.format($0) + " " + yuan : nil },
            milestones: (dto.milestones ?? []).map { MilestoneRow(id: $0.id.uuidString.lowercased(), title: $0.title, dueOn: $0.dueOn, done: $0.done) },
            updates: (dto.updates ?? []).map { UpdateRow(text: $0.text, percent: $0.percent, at: PageDates.minute($0.at), photos: $0.photos) },
            percent: project.state == .accepted ? 100 : dto.updates?.first?.percent ?? 0, evaluation: evaluation, acceptanceNote: project.acceptanceNote,
            canManage: access.manage, actions: access.manage ? actions.map { SelectOption(value: $0.rawValue, label: Strings.text("project.action.\($0.rawValue)", lang)) } : [],
            canReport: access.manage && (project.state == .planned || project.state == .inProgress),
            canRate: access.resident && project.state == .acceptance, myRating: dto.myRating?.rawValue ?? "",
            ratings: ProjectRules.Rating.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("satisfaction.\($0.rawValue)", lang), selected: $0 == dto.myRating) },
            messages: messages)
        return try await request.view.render("deliberation/projects/project", context).encodeResponse(status: status, for: request)
    }

    func write(_ request: Request, _ body: (Actor, UUID) async throws -> Void) async throws -> Response {
        try await request.objectFormWrite(base: "/projects", body) { actor, id, messages, status in
            try await render(request, actor: actor, id: id, messages: messages, status: status)
        }
    }

    struct ActForm: Content {
        var action: String?
        var note: String?
    }

    @Sendable func act(_ request: Request) async throws -> Response {
        try await write(request) { actor, id in
            let form = try request.content.decode(ActForm.self)
            guard let action = form.action.flatMap(ProjectRules.Action.init(rawValue:)) else { throw AppError.invalid("action", "required") }
            _ = try await Projects.act(id, action, note: form.note, in: request.context)
        }
    }

    @Sendable func milestoneDone(_ request: Request) async throws -> Response {
        try await write(request) { actor, id in
            _ = try await Projects.completeMilestone(id, milestone: try request.uuidParameter("milestoneId"), in: request.context)
        }
    }

    struct UpdateForm: Content {
        var text: String?
        var percent: String?
        var photos: [File]?
    }

    @Sendable func update(_ request: Request) async throws -> Response {
        try await write(request) { actor, id in
            let form = try request.content.decode(UpdateForm.self)
            guard let percent = form.percent.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { throw AppError.invalid("percent") }
            _ = try await Projects.report(id, text: form.text, percent: percent, photos: try DeliberationPhotos.checked(form.photos), in: request.context)
        }
    }

    struct RateForm: Content {
        var rating: String?
        var comment: String?
    }

    @Sendable func rate(_ request: Request) async throws -> Response {
        try await write(request) { actor, id in
            let form = try request.content.decode(RateForm.self)
            guard let rating = form.rating.flatMap(ProjectRules.Rating.init(rawValue:)) else { throw AppError.invalid("rating", "required") }
            _ = try await Projects.rate(id, rating: rating, comment: form.comment, in: request.context)
        }
    }
}
