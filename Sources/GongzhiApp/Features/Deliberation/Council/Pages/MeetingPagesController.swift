import Fluent
import Foundation
import GongzhiCore
import Vapor

extension CouncilPagesController {
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
        return try await request.view.render("deliberation/council/meeting-new", NewMeetingView(
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
                                                           title: form.title, heldAt: heldAt,
                                                           place: form.place, agenda: agenda), in: request.context)
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
        let decisions = try await MeetingDecisionRecord.query(on: db).filter(\.$meetingID == id).sort(\.$createdAt).all()
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
            outcomes: MeetingDecisionRecord.Outcome.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("outcome.\($0.rawValue)", lang)) },
            flash: nil, messages: messages)
        return try await request.view.render("deliberation/council/meeting", context).encodeResponse(status: status, for: request)
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
                                         minutes: form.minutes, in: request.context)
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
            guard let outcome = form.outcome.flatMap(MeetingDecisionRecord.Outcome.init(rawValue:)) else { throw AppError.invalid("outcome", "required") }
            _ = try await Council.decide(id, needID: form.needId.flatMap(UUID.init(uuidString:)), text: form.text, outcome: outcome, in: request.context)
        }
    }

    @Sendable func publish(_ request: Request) async throws -> Response {
        try await meetingWrite(request) { actor, id in _ = try await Council.publish(id, in: request.context) }
    }
}
