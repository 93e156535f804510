import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The rectification items' pages (整改, SPEC §8), beside the API and under the same rules (`Rectifications`):
/// `/rectifications` lists the items at the places the visitor sees cases, by state, overdue ones marked in words,
/// with the form a supervisor opens an item with; `/rectifications/:id` shows one item and offers the step the
/// visitor may take now — the owner's staff report what was done, the supervisor above verifies or sends it back.
struct RectificationPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("rectifications", use: list)
        routes.post("rectifications", use: create)
        routes.get("rectifications", ":id", use: show)
        routes.post("rectifications", ":id", ":step", use: step)
    }

    struct Row: Encodable {
        let href: String
        let finding: String
        let owner: String
        let deadline: String
        let overdue: Bool
        let stateLabel: String
    }

    struct OwnerGroup: Encodable {
        let street: String
        let options: [SelectOption]
    }

    /// What the create form shows again after a refusal.
    struct Draft: Encodable {
        var ownerNodeId = ""
        var finding = ""
        var plan = ""
        var deadline = ""
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
        let states: [SelectOption]
        let owners: [OwnerGroup]
        let draft: Draft
        let today: String
        let messages: [FormMessage]
    }

    /// What a redirect's `done=` may say (words: `rectification.done.<step>`).
    static let flashes = ["create"] + RectificationRules.Step.allCases.map(\.rawValue)

    @Sendable func list(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewCases)
        var state: RectificationRules.State?
        if let raw = request.query[String.self, at: "state"], !raw.isEmpty {
            state = RectificationRules.State(rawValue: raw)
        }
        return try await render(request, actor: actor, state: state)
    }

    func render(_ request: Request, actor: Actor, state: RectificationRules.State?, draft: Draft = Draft(), messages: [FormMessage] = [],
                status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang, now = request.now, db = request.db
        let items = try await Rectifications.list(actor: actor, state: state, on: db)
        let owners = try await Rectifications.owners(actor: actor, on: db)
        let names = try await Self.names(Set(items.map(\.ownerNodeID)).subtracting(owners.compactMap(\.id)), on: db)
            .merging(owners.map { ($0.id!, $0.name) }) { first, _ in first }
        let rows = items.map { item in
            Row(href: "/rectifications/\(item.id!.uuidString.lowercased())", finding: item.finding, owner: names[item.ownerNodeID] ?? "",
                deadline: item.deadline, overdue: RectificationDTO(item, now: now).overdue,
                stateLabel: Strings.text("rectification.state.\(item.state.rawValue)", lang))
        }
        let states = [SelectOption(value: "", label: Strings.text("rectification.state.all", lang), selected: state == nil)]
            + RectificationRules.State.allCases.map {
                SelectOption(value: $0.rawValue, label: Strings.text("rectification.state.\($0.rawValue)", lang), selected: $0 == state)
            }
        let page = await PageBase.make(for: request, title: Strings.text("rectification.title", lang))
        return try await request.view.render("evaluation/rectifications", ListView(
            page: page, rows: rows, states: states, owners: Self.groups(owners, selected: draft.ownerNodeId), draft: draft,
            today: CivilDate(now).description, messages: messages)).encodeResponse(status: status, for: request)
    }

    /// The streets with their communities under them, in the tree's order, for the owner's `select`.
    static func groups(_ owners: [OrgNodeRecord], selected: String) -> [OwnerGroup] {
        let streets = owners.filter { $0.isArea(.street) }
        func option(_ node: OrgNodeRecord) -> SelectOption {
            let id = node.id!.uuidString.lowercased()
            return SelectOption(value: id, label: node.name, selected: id == selected)
        }
        var groups = streets.map { street in
            OwnerGroup(street: street.name, options: [option(street)] + owners.filter { $0.isArea(.community) && $0.path.hasPrefix(street.path) }.map(option))
        }
        // Communities whose street the visitor does not supervise as a whole (not expected, but shown all the same).
        let placed = Set(groups.flatMap { $0.options.map(\.value) })
        let loose = owners.filter { !placed.contains($0.id!.uuidString.lowercased()) }.map(option)
        if !loose.isEmpty { groups.append(OwnerGroup(street: "", options: loose)) }
        return groups
    }

    static func names(_ ids: Set<UUID>, on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(ids)).all().map { ($0.id!, $0.name) })
    }

    struct NewForm: Content {
        var ownerNodeId: String?
        var finding: String?
        var plan: String?
        var deadline: String?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.superviseCases)
        let form = try request.content.decode(NewForm.self)
        do {
            guard let owner = form.ownerNodeId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("ownerNodeId", "required") }
            let record = try await Rectifications.create(.init(ownerNodeID: owner, finding: form.finding, plan: form.plan, deadline: form.deadline),
                                                         in: request.context)
            return request.redirect(to: "/rectifications/\(record.id!.uuidString.lowercased())?done=create", redirectType: .normal)
        } catch let error as AppError where error.status != .forbidden && error.status != .unauthorized {
            // An owner outside the supervisor's places is a wrong choice on the form, not a missing page.
            let refusal = error.status == .notFound ? AppError.invalid("ownerNodeId", "not_a_choice") : error
            return try await render(request, actor: actor, state: nil,
                                    draft: Draft(ownerNodeId: form.ownerNodeId ?? "", finding: form.finding ?? "", plan: form.plan ?? "",
                                                 deadline: form.deadline ?? ""),
                                    messages: request.formMessages(for: refusal), status: refusal.status)
        }
    }

    struct ItemView: Encodable {
        let page: PageBase
        let id: String
        /// The finding's first words, for the breadcrumb.
        let crumb: String
        let finding: String
        let plan: String
        let owner: String
        let deadline: String
        let overdue: Bool
        let state: String
        let stateLabel: String
        let createdAt: String
        let evidence: String
        let submittedAt: String?
        let reviewNote: String
        let verifiedAt: String?
        let canSubmit: Bool
        let canReview: Bool
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewCases)
        let done = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? $0 : nil }
        return try await render(request, actor: actor, id: try request.uuidParameter(),
                                flash: done.map { Strings.text("rectification.done.\($0)", request.lang) })
    }

    func render(_ request: Request, actor: Actor, id: UUID, flash: String? = nil, messages: [FormMessage] = [],
                status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let item = try await Rectifications.find(id, actor: actor, on: request.db)
        let dto = RectificationDTO(item, now: request.now)
        let steps = Rectifications.steps(item, actor: actor)
        let owner = try await Self.names([item.ownerNodeID], on: request.db)[item.ownerNodeID] ?? ""
        let title = Strings.text("rectification.item", lang)
        return try await request.view.render("evaluation/rectification", ItemView(
            page: await PageBase.make(for: request, title: title), id: id.uuidString.lowercased(),
            crumb: item.finding.count > 20 ? String(item.finding.prefix(20)) + "…" : item.finding, finding: item.finding, plan: item.plan,
            owner: owner, deadline: item.deadline, overdue: dto.overdue, state: item.state.rawValue,
            stateLabel: Strings.text("rectification.state.\(item.state.rawValue)", lang), createdAt: PageDates.minute(item.createdAt),
            evidence: item.evidence, submittedAt: item.submittedAt.map(PageDates.minute), reviewNote: item.reviewNote,
            verifiedAt: item.verifiedAt.map(PageDates.minute), canSubmit: steps.contains(.submit),
            canReview: steps.contains(.verify) || steps.contains(.sendBack), flash: flash, messages: messages))
            .encodeResponse(status: status, for: request)
    }

    struct StepForm: Content {
        var text: String?
    }

    @Sendable func step(_ request: Request) async throws -> Response {
        guard let step = request.parameters.get("step").flatMap(RectificationRules.Step.init(rawValue:)) else { throw AppError.notFound }
        return try await request.objectFormWrite(base: "/rectifications", done: step.rawValue, { actor, id in
            let form = try request.content.decode(StepForm.self)
            _ = try await Rectifications.step(id, step, text: form.text, in: request.context)
        }, rerender: { actor, id, messages, status in
            try await render(request, actor: actor, id: id, messages: messages, status: status)
        })
    }
}
