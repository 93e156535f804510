import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The council's pages: `/council` (the 3+X roster, the meetings and the resources list, with the staff's forms
/// to add members and offers), scheduling a meeting, and a meeting's page (agenda, attendance and minutes, the
/// quorum in words, decisions, publication; residents see it once published).
struct CouncilPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("council", use: council)
        routes.post("council", "members", use: addMember)
        routes.post("council", "members", ":id", "retire", use: retire)
        routes.post("council", "resources", use: offer)
        routes.get("meetings", "new", use: newMeeting)
        routes.post("meetings", use: schedule)
        routes.get("meetings", ":id", use: meeting)
        routes.post("meetings", ":id", "record", use: record)
        routes.post("meetings", ":id", "decide", use: decide)
        routes.post("meetings", ":id", "publish", use: publish)
    }

    struct MemberRow: Encodable {
        let id: String
        let seat: String
        let core: Bool
        let name: String
        let organisation: String
        let community: String
    }

    struct MeetingRow: Encodable {
        let href: String
        let title: String
        let heldAt: String
        let published: Bool
    }

    struct ResourceRow: Encodable {
        let title: String
        let kind: String
        let provider: String
        let amount: String
    }

    struct CouncilView: Encodable {
        let page: PageBase
        let members: [MemberRow]
        let meetings: [MeetingRow]
        let resources: [ResourceRow]
        let canManage: Bool
        let communities: [SelectOption]
        let seats: [SelectOption]
        let kinds: [SelectOption]
        let providers: [SelectOption]
        let messages: [FormMessage]
    }

    static func communityOptions(_ actor: Actor, on db: any Database) async throws -> [SelectOption] {
        try await OrgNode.query(on: db).filter(\.$level == .community).visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
            .map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name) }
    }

    @Sendable func council(_ request: Request) async throws -> Response {
        try await render(request, actor: try request.requireActor())
    }

    func render(_ request: Request, actor: Actor, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        var members: [CouncilMember] = []
        if let query = DeliberationScope.visible(CouncilMember.query(on: db), actor: actor, path: \.$orgPath) {
            members = try await query.filter(\.$active == true).sort(\.$orgPath).sort(\.$seat).limit(300).all()
        }
        let names = Dictionary(try await OrgNode.query(on: db).filter(\.$id ~~ Array(Set(members.map(\.communityID)))).all().map { ($0.id!, $0.name) }) { a, _ in a }
        let meetings = try await Council.meetings(actor: actor, offset: 0, limit: 30, on: db).items
        let resources = try await Council.resources(actor: actor, offset: 0, limit: 50, on: db).items
        let canManage = AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor)
        let page = await PageBase.make(for: request, title: Strings.text("council.title", lang))
        return try await request.view.render("deliberation/council", CouncilView(
            page: page,
            members: members.sorted { ($0.seat.isCore ? 0 : 1, $0.seat.rawValue) < ($1.seat.isCore ? 0 : 1, $1.seat.rawValue) }.map {
                MemberRow(id: $0.id!.uuidString.lowercased(), seat: Strings.text("seat.\($0.seat.rawValue)", lang), core: $0.seat.isCore, name: $0.name,
                          organisation: $0.organisation, community: names[$0.communityID] ?? "")
            },
            meetings: meetings.map { MeetingRow(href: "/meetings/\($0.id!.uuidString.lowercased())", title: $0.title, heldAt: PageDates.minute($0.heldAt), published: $0.publishedAt != nil) },
            resources: resources.map {
                ResourceRow(title: $0.title, kind: Strings.text("resource.kind.\($0.kind.rawValue)", lang),
                            provider: $0.providerName, amount: $0.amountFen.map { Yuan.format($0) + " " + Strings.text("money.yuan", lang) } ?? "")
            },
            canManage: canManage, communities: canManage ? try await Self.communityOptions(actor, on: db) : [],
            seats: CouncilRules.Seat.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("seat.\($0.rawValue)", lang)) },
            kinds: ResourceOffer.Kind.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("resource.kind.\($0.rawValue)", lang)) },
            providers: ResourceOffer.Provider.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("resource.provider.\($0.rawValue)", lang)) },
            messages: messages)).encodeResponse(status: status, for: request)
    }

    /// Runs a staff write of the council page; a refusal shows the page again with the reason.
    func councilWrite(_ request: Request, _ body: (Actor) async throws -> Void) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        do {
            try await body(actor)
            return request.redirect(to: "/council", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound {
            return try await render(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct MemberForm: Content {
        var communityId: String?
        var seat: String?
        var name: String?
        var organisation: String?
    }

    @Sendable func addMember(_ request: Request) async throws -> Response {
        try await councilWrite(request) { actor in
            let form = try request.content.decode(MemberForm.self)
            guard let seat = form.seat.flatMap(CouncilRules.Seat.init(rawValue:)) else { throw AppError.invalid("seat", "required") }
            _ = try await Council.addMember(.init(communityID: form.communityId.flatMap(UUID.init(uuidString:)), compoundID: nil, seat: seat,
                                                  name: try Validate.name(form.name), organisation: try Validate.text(form.organisation, field: "organisation")),
                                            in: request.context)
        }
    }

    @Sendable func retire(_ request: Request) async throws -> Response {
        try await councilWrite(request) { actor in _ = try await Council.retireMember(try request.uuidParameter(), in: request.context) }
    }

    struct ResourceForm: Content {
        var communityId: String?
        var kind: String?
        var provider: String?
        var providerName: String?
        var title: String?
        var description: String?
        var amount: String?
    }

    @Sendable func offer(_ request: Request) async throws -> Response {
        try await councilWrite(request) { actor in
            let form = try request.content.decode(ResourceForm.self)
            guard let kind = form.kind.flatMap(ResourceOffer.Kind.init(rawValue:)) else { throw AppError.invalid("kind", "required") }
            guard let provider = form.provider.flatMap(ResourceOffer.Provider.init(rawValue:)) else { throw AppError.invalid("provider", "required") }
            var amount: Int?
            if let raw = form.amount, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let fen = Yuan.fen(parsing: raw) else { throw AppError.invalid("amount", "bad_amount") }
                amount = fen
            }
            _ = try await Council.offer(.init(communityID: form.communityId.flatMap(UUID.init(uuidString:)), kind: kind, provider: provider,
                                              providerName: try Validate.name(form.providerName, field: "providerName"), title: try Validate.name(form.title, field: "title"),
                                              details: try Validate.text(form.description, field: "description", limit: 4_000), amountFen: amount),
                                        in: request.context)
        }
    }

    // MARK: Meetings

    struct NewMeetingView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let topics: [SelectOption]
        let heldAt: String
        let messages: [FormMessage]
    }

    struct MeetingForm: Content {
        var communityId: String?
        var title: String?
        var heldAt: String?
        var place: String?
        var agenda: [String]?
    }

    @Sendable func newMeeting(_ request: Request) async throws -> Response {
        try await renderNewMeeting(request, actor: try request.require(.manageDeliberation))
    }

    func renderNewMeeting(_ request: Request, actor: Actor, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let topics = try await Needs.list(actor: actor, states: [.topic], offset: 0, limit: 100, on: request.db).items
        let page = await PageBase.make(for: request, title: Strings.text("meeting.new", request.lang))
        return try await request.view.render("deliberation/meeting-new", NewMeetingView(
            page: page, communities: try await Self.communityOptions(actor, on: request.db),
            topics: topics.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.title) },
            heldAt: PageDates.local(request.now.addingTimeInterval(7 * 86_400)), messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func schedule(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(MeetingForm.self)
        do {
            guard let heldAt = form.heldAt.flatMap(PageDates.parseLocal) else { throw AppError.invalid("heldAt", "required") }
            let agenda = (form.agenda ?? []).compactMap(UUID.init(uuidString:))
            let meeting = try await Council.schedule(.init(communityID: form.communityId.flatMap(UUID.init(uuidString:)), compoundID: nil,
                                                           title: try Validate.name(form.title, field: "title"), heldAt: heldAt,
                                                           place: try Validate.text(form.place, field: "place"), agenda: agenda), in: request.context)
            return request.redirect(to: "/meetings/\(meeting.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNewMeeting(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct AttendeeView: Encodable {
        let id: String
        let label: String
        let present: Bool
    }

    struct DecisionView: Encodable {
        let id: String
        let text: String
        let outcome: String
        let topic: String
        let agreed: Bool
    }

    struct MeetingView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let heldAt: String
        let place: String
        let agenda: [SelectOption]
        let attendees: [AttendeeView]
        let minutes: String
        let published: Bool
        let canManage: Bool
        let quorum: String?
        let canDecide: Bool
        let decisions: [DecisionView]
        let outcomes: [SelectOption]
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func meeting(_ request: Request) async throws -> Response {
        try await renderMeeting(request, actor: try request.requireActor(), id: try request.uuidParameter())
    }

    func renderMeeting(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        let (meeting, access) = try await Council.visibleMeeting(id, actor: actor, on: db)
        let topics = try await NeedRecord.query(on: db).filter(\.$id ~~ meeting.agendaIDs).all()
        let titles = Dictionary(uniqueKeysWithValues: topics.map { ($0.id!, $0.title) })
        let quorum = try await Council.quorum(meeting, on: db)
        let present = Set(meeting.presentIDs)
        let decisions = try await MeetingDecision.query(on: db).filter(\.$meetingID == id).sort(\.$createdAt).all()
        var quorumText: String?
        if access.staff {
            quorumText = quorum.canDecide ? Strings.text("meeting.quorum_ok", lang)
                : Strings.text("meeting.quorum_missing", lang) + quorum.missing.map { Strings.text("seat.\($0.rawValue)", lang) }.joined(separator: "、")
        }
        let page = await PageBase.make(for: request, title: meeting.title)
        let context = MeetingView(
            page: page, id: id.uuidString.lowercased(), title: meeting.title, heldAt: PageDates.minute(meeting.heldAt), place: meeting.place,
            agenda: meeting.agendaIDs.map { SelectOption(value: $0.uuidString.lowercased(), label: titles[$0] ?? "") },
            attendees: quorum.members.map {
                AttendeeView(id: $0.id!.uuidString.lowercased(), label: "\(Strings.text("seat.\($0.seat.rawValue)", lang)) \($0.name)" + ($0.organisation.isEmpty ? "" : "（\($0.organisation)）"),
                             present: present.contains($0.id!))
            },
            minutes: meeting.minutes, published: meeting.publishedAt != nil, canManage: access.manage && meeting.publishedAt == nil,
            quorum: quorumText, canDecide: quorum.canDecide,
            decisions: decisions.map {
                DecisionView(id: $0.id!.uuidString.lowercased(), text: $0.text, outcome: Strings.text("outcome.\($0.outcome.rawValue)", lang),
                             topic: $0.needID.flatMap { titles[$0] } ?? "", agreed: $0.outcome == .agreed)
            },
            outcomes: MeetingDecision.Outcome.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("outcome.\($0.rawValue)", lang)) },
            flash: nil, messages: messages)
        return try await request.view.render("deliberation/meeting", context).encodeResponse(status: status, for: request)
    }

    func meetingWrite(_ request: Request, _ body: (Actor, UUID) async throws -> Void) async throws -> Response {
        try await request.objectFormWrite(base: "/meetings", body) { actor, id, messages, status in
            try await renderMeeting(request, actor: actor, id: id, messages: messages, status: status)
        }
    }

    struct RecordForm: Content {
        var present: [String]?
        var minutes: String?
    }

    @Sendable func record(_ request: Request) async throws -> Response {
        try await meetingWrite(request) { actor, id in
            let form = try request.content.decode(RecordForm.self)
            _ = try await Council.record(id, present: Array((form.present ?? []).compactMap(UUID.init(uuidString:)).prefix(200)),
                                         minutes: try Validate.text(form.minutes, field: "minutes", limit: 20_000), in: request.context)
        }
    }

    struct DecideForm: Content {
        var needId: String?
        var text: String?
        var outcome: String?
    }

    @Sendable func decide(_ request: Request) async throws -> Response {
        try await meetingWrite(request) { actor, id in
            let form = try request.content.decode(DecideForm.self)
            guard let outcome = form.outcome.flatMap(MeetingDecision.Outcome.init(rawValue:)) else { throw AppError.invalid("outcome", "required") }
            let text = try Validate.text(form.text, field: "text", limit: 2_000)
            guard !text.isEmpty else { throw AppError.invalid("text", "required") }
            _ = try await Council.decide(id, needID: form.needId.flatMap(UUID.init(uuidString:)), text: text, outcome: outcome, in: request.context)
        }
    }

    @Sendable func publish(_ request: Request) async throws -> Response {
        try await meetingWrite(request) { actor, id in _ = try await Council.publish(id, in: request.context) }
    }
}
