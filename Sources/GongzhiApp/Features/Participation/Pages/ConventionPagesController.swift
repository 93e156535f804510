import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of the residents' convention: the community's conventions, writing one, and one convention with its
/// text, history, comments and pledges, and the forms each reader may use.
struct ConventionPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("conventions", use: list)
        routes.get("conventions", "new", use: newForm)
        routes.post("conventions", use: create)
        routes.get("conventions", ":id", use: show)
        routes.post("conventions", ":id", "step", use: step)
        routes.post("conventions", ":id", "comment", use: comment)
        routes.post("conventions", ":id", "pledge", use: pledge)
        routes.post("conventions", "comments", ":id", "moderate", use: moderate)
    }

    static let flashes = ["created", "revise", "consult", "adopt", "commented", "pledged", "moderated"]

    struct Row: Encodable {
        let href: String
        let title: String
        let state: String
        let pledges: Int
    }

    struct ListView: Encodable {
        let page: PageBase
        let community: String?
        let rows: [Row]
        let canCreate: Bool
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let lang = request.lang
        let community = try await DisclosurePagesController.community(request)
        var rows: [Row] = []
        if let community {
            for record in try await Conventions.list(community: community.id!, actor: request.current?.actor, on: request.db) {
                let dto = try await ConventionsAPIController.dto(record, on: request.db)
                rows.append(Row(href: "/conventions/\(record.id!.uuidString.lowercased())", title: record.title,
                                state: Strings.text("convention.state.\(record.state.rawValue)", lang), pledges: dto.pledges))
            }
        }
        return try await request.view.render("participation/conventions", ListView(
            page: await PageBase.make(for: request, title: Strings.text("convention.title", lang)), community: community?.name, rows: rows,
            canCreate: request.current.map { AccessPolicy.allowsAnywhere(.manageDeliberation, actor: $0.actor) } ?? false))
    }

    struct NewView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let title: String
        let text: String
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var communityId: String?
        var title: String?
        var text: String?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        return try await renderNew(request, actor: actor, form: NewForm())
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let communities = try await OrgNodeRecord.query(on: request.db).filter(\.$level == .community).filter(\.$party == nil)
            .visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
        return try await request.view.render("participation/convention-new", NewView(
            page: await PageBase.make(for: request, title: Strings.text("convention.new", request.lang)),
            communities: communities.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.communityId?.lowercased()) },
            title: form.title ?? "", text: form.text ?? "", messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(NewForm.self)
        do {
            let record = try await Conventions.create(communityID: try NeedPagesController.optionalUUID(form.communityId, field: "communityId").map(OrgNodeID.init), title: form.title,
                                                      text: form.text, in: request.context)
            return PageRedirect.to("/conventions/\(record.id!.uuidString.lowercased())?done=created", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct CommentRow: Encodable {
        let id: String
        let text: String
        let state: String
        let stateLabel: String
        let reason: String
        let day: String
        let pending: Bool
    }

    struct VersionRow: Encodable {
        let number: Int
        let day: String
        let note: String
    }

    struct ConventionView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let state: String
        let stateLabel: String
        let text: String
        let version: Int
        let commentUntil: String?
        let adoptedAt: String?
        let basis: String?
        let link: String?
        let pledges: Int
        let pledged: Bool
        let canPledge: Bool
        let canComment: Bool
        let manage: Bool
        let canConsult: Bool
        let canAdopt: Bool
        let history: [VersionRow]
        let comments: [CommentRow]
        let minUntil: String
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let flash = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? Strings.text("convention.done.\($0)", request.lang) : nil }
        return try await render(request, id: try request.uuidParameter(), flash: flash)
    }

    func render(_ request: Request, id: UUID, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let actor = request.current?.actor
        let db = request.db, lang = request.lang, now = request.now
        let record = try await Conventions.find(id, on: db)
        let access = try await Conventions.access(actor, record, on: db)
        let dto = try await ConventionsAPIController.detail(record, access: access, actor: actor, on: db)
        let current = dto.versions?.first { $0.number == record.version } ?? dto.versions?.first
        let context = ConventionView(
            page: await PageBase.make(for: request, title: record.title), id: id.uuidString.lowercased(), title: record.title, state: record.state.rawValue,
            stateLabel: Strings.text("convention.state.\(record.state.rawValue)", lang), text: current?.text ?? "", version: current?.number ?? record.version,
            commentUntil: record.commentUntil.map(PageDates.minute), adoptedAt: record.adoptedAt.map(PageDates.minute), basis: dto.adoptionBasis, link: dto.adoptionLink,
            pledges: dto.pledges, pledged: dto.pledgedByMe == true, canPledge: access.resident && record.state == .adopted && dto.pledgedByMe != true,
            canComment: access.resident && Convention.acceptsComments(record.state, until: record.commentUntil, now: now), manage: access.manage,
            canConsult: access.manage && record.state == .draft, canAdopt: access.manage && record.state != .adopted,
            history: (dto.versions ?? []).map { VersionRow(number: $0.number, day: PageDates.minute($0.createdAt), note: $0.note) },
            comments: (dto.comments ?? []).map {
                CommentRow(id: $0.id.uuidString.lowercased(), text: $0.text, state: $0.state.rawValue, stateLabel: Strings.text("convention.comment.\($0.state.rawValue)", lang),
                           reason: $0.reason, day: PageDates.minute($0.createdAt), pending: $0.state == .pending)
            },
            minUntil: PageDates.local(now.addingTimeInterval(7 * 86_400 + 3600)), flash: flash, messages: messages)
        return try await request.view.render("participation/convention", context).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, id: UUID, done: String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
            return PageRedirect.to("/conventions/\(id.uuidString.lowercased())?done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, id: id, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct StepForm: Content {
        var step: String?
        var text: String?
        var note: String?
        var until: String?
        var basis: String?
        var link: String?
    }

    @Sendable func step(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        let form = try request.content.decode(StepForm.self)
        let step = form.step.flatMap(Convention.Step.init(rawValue:))
        return try await act(request, id: id, done: step?.rawValue ?? "revise") {
            _ = try await Conventions.step(id, .init(step: step, text: form.text, note: form.note,
                                                     until: try AnnouncementPagesController.optionalDate(form.until, field: "until"), basis: form.basis, link: form.link),
                                           in: request.context)
        }
    }

    struct TextForm: Content {
        var text: String?
    }

    @Sendable func comment(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        let form = try request.content.decode(TextForm.self)
        return try await act(request, id: id, done: "commented") { _ = try await Conventions.comment(id, text: form.text, in: request.context) }
    }

    @Sendable func pledge(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        return try await act(request, id: id, done: "pledged") { _ = try await Conventions.pledge(id, in: request.context) }
    }

    struct ModerateForm: Content {
        var decision: String?
        var reason: String?
    }

    @Sendable func moderate(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let commentID = try request.uuidParameter()
        guard let comment = try await ConventionCommentRecord.find(commentID, on: request.db) else { throw AppError.notFound }
        let form = try request.content.decode(ModerateForm.self)
        let decision: Bool? = form.decision == "publish" ? true : form.decision == "reject" ? false : nil
        return try await act(request, id: comment.conventionID, done: "moderated") {
            _ = try await Conventions.moderate(commentID, publish: decision, reason: form.reason, in: request.context)
        }
    }
}
