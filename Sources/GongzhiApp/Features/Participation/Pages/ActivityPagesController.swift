import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of volunteer activities: the list (with the community's calendar to subscribe to), a new activity,
/// one activity (signing up, the waiting list; for its organiser the code to show at the venue and the hours to
/// confirm), checking in by code, the volunteer and expert pools, a printable record of a volunteer's hours.
struct ActivityPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("activities", use: list)
        routes.get("activities", "new", use: newForm)
        routes.post("activities", use: create)
        routes.get("activities", "checkin", use: checkInForm)
        routes.post("activities", "checkin", use: checkIn)
        routes.get("activities", ":id", use: show)
        routes.post("activities", ":id", "signup", use: signUp)
        routes.post("activities", ":id", "withdraw", use: withdraw)
        routes.post("activities", ":id", "checkout", use: checkOut)
        routes.post("activities", ":id", "cancel", use: cancel)
        routes.post("activities", "signups", ":id", "confirm", use: confirm)
        routes.get("volunteers", use: volunteers)
        routes.post("volunteers", use: register)
        routes.get("volunteers", "certificate", use: certificate)
        routes.get("communities", ":id", "activities.ics", use: calendar)
    }

    static let flashes = ["created", "signed_up", "withdrawn", "checked_in", "checked_out", "cancelled", "confirmed", "registered"]

    static func flash(_ request: Request) -> String? {
        request.query[String.self, at: "done"].flatMap { flashes.contains($0) ? Strings.text("activity.done.\($0)", request.lang) : nil }
    }

    static func calendarPath(_ community: UUID) -> String { "/communities/\(community.uuidString.lowercased())/activities.ics" }

    static func when(_ activity: ActivityRecord) -> String {
        PageDates.minute(activity.startsAt) + "–" + String(PageDates.minute(activity.endsAt).suffix(5))
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let when: String
        let place: String
        let status: String
        let past: Bool
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
        let canCreate: Bool
        let isResident: Bool
        let calendar: String?
        let flash: String?
    }

    static func status(_ dto: ActivitiesAPIController.ActivityDTO, lang: Lang) -> String {
        if dto.cancelled { return Strings.text("activity.cancelled", lang) }
        if dto.mine == "place" { return Strings.text("activity.mine_place", lang) }
        if dto.mine == "waiting" { return Strings.text("activity.mine_waiting", lang) }
        return dto.placesLeft > 0 ? Strings.text("activity.places_left", lang).replacingOccurrences(of: "{n}", with: String(dto.placesLeft))
            : Strings.text("activity.full", lang)
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = request.current?.actor
        let lang = request.lang
        let community = try AnnouncementsAPIController.community(request)
        var page = await PageBase.make(for: request, title: Strings.text("activity.list_title", lang))
        let found = try await ActivitiesAPIController.visible(actor: actor, community: community, now: request.now, on: request.db)
        var rows: [Row] = []
        for activity in found {
            let dto = try await ActivitiesAPIController.dto(activity, actor: actor, on: request.db)
            rows.append(Row(href: "/activities/\(activity.id!.uuidString.lowercased())", title: activity.title, when: Self.when(activity), place: activity.place,
                            status: Self.status(dto, lang: lang), past: activity.endsAt < request.now))
        }
        var home = community
        if home == nil, let person = actor?.personID?.uuid, let record = try await PersonRecord.find(person, on: request.db) {
            home = try await Points.community(of: record, on: request.db)?.id
        }
        if home == nil { home = Set(found.map(\.communityID)).count == 1 ? found.first?.communityID : nil }
        if let home { page.alternates = [.init(type: "text/calendar", title: Strings.text("activity.calendar", lang), href: Self.calendarPath(home))] }
        return try await request.view.render("participation/activities", ListView(
            page: page, rows: rows, canCreate: actor.map { AccessPolicy.allowsAnywhere(.manageDeliberation, actor: $0) } ?? false,
            isResident: actor?.isResident == true, calendar: home.map(Self.calendarPath), flash: Self.flash(request)))
    }

    // MARK: A new activity

    struct NewView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let form: NewForm
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var communityId: String?
        var title: String?
        var description: String?
        var place: String?
        var startsAt: String?
        var endsAt: String?
        var capacity: String?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        return try await renderNew(request, actor: actor, form: NewForm(capacity: "20"))
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let communities = try await OrgNodeRecord.query(on: request.db).filter(\.$level == .community).filter(\.$party == nil)
            .visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
        return try await request.view.render("participation/activity-new", NewView(
            page: await PageBase.make(for: request, title: Strings.text("activity.new", request.lang)),
            communities: communities.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.communityId?.lowercased()) },
            form: form, messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(NewForm.self)
        do {
            let activity = try await Activities.create(.init(
                communityID: try NeedPagesController.optionalUUID(form.communityId, field: "communityId"), title: form.title, details: form.description,
                place: form.place, starts: try AnnouncementPagesController.optionalDate(form.startsAt, field: "startsAt"),
                ends: try AnnouncementPagesController.optionalDate(form.endsAt, field: "endsAt"), capacity: form.capacity.flatMap { Int($0) }), in: request.context)
            return PageRedirect.to("/activities/\(activity.id!.uuidString.lowercased())?done=created", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: One activity

    struct SignUpRow: Encodable {
        let id: String
        let name: String
        let waiting: Bool
        let checkedIn: String?
        let checkedOut: String?
        let suggested: Int
        let hours: Int?
    }

    struct ActivityView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let description: String
        let when: String
        let place: String
        let status: String
        let cancelled: Bool
        let over: Bool
        let mine: String?
        let canSignUp: Bool
        let canWithdraw: Bool
        let canCheckIn: Bool
        let canCheckOut: Bool
        let manages: Bool
        let code: String?
        let checkInLink: String?
        let maxHours: Int
        let signUps: [SignUpRow]
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        try await render(request, id: try request.uuidParameter(), flash: Self.flash(request))
    }

    func render(_ request: Request, id: UUID, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let actor = request.current?.actor
        let db = request.db, lang = request.lang, now = request.now
        let activity = try await Activities.find(id, on: db)
        let dto = try await ActivitiesAPIController.dto(activity, actor: actor, on: db)
        var resident = false
        if let actor, let (_, community) = try? await Activities.residentOf(actor, on: db) { resident = community.id == activity.communityID }
        var mine: ActivitySignupRecord?
        if let person = actor?.personID?.uuid {
            mine = try await ActivitySignupRecord.query(on: db).filter(\.$activityID == id).filter(\.$personID == person).filter(\.$cancelledAt == nil).first()
        }
        let open = activity.cancelledAt == nil && now < activity.endsAt
        var page = await PageBase.make(for: request, title: activity.title)
        page.alternates = [.init(type: "text/calendar", title: Strings.text("activity.calendar", lang), href: Self.calendarPath(activity.communityID))]
        let context = ActivityView(
            page: page, id: id.uuidString.lowercased(), title: activity.title, description: activity.details, when: Self.when(activity), place: activity.place,
            status: Self.status(dto, lang: lang), cancelled: activity.cancelledAt != nil, over: now >= activity.endsAt, mine: dto.mine,
            canSignUp: resident && open && mine == nil, canWithdraw: mine != nil && now < activity.startsAt && mine?.checkedInAt == nil,
            canCheckIn: dto.mine == "place" && mine?.checkedInAt == nil && Activity.mayCheckIn(at: now, starts: activity.startsAt, ends: activity.endsAt),
            canCheckOut: mine?.checkedInAt != nil && mine?.checkedOutAt == nil && Activity.mayCheckOut(at: now, starts: activity.startsAt, ends: activity.endsAt),
            manages: dto.checkInCode != nil, code: dto.checkInCode, checkInLink: dto.checkInCode.map { "/activities/checkin?code=\($0)" },
            maxHours: Activity.maxHours(starts: activity.startsAt, ends: activity.endsAt),
            signUps: (dto.signUps ?? []).map { SignUpRow(id: $0.id.uuidString.lowercased(), name: $0.name, waiting: $0.waiting, checkedIn: $0.checkedInAt.map(PageDates.minute),
                                                         checkedOut: $0.checkedOutAt.map(PageDates.minute), suggested: $0.suggestedHours, hours: $0.hours) },
            flash: flash, messages: messages)
        return try await request.view.render("participation/activity", context).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, done: String, _ body: (UUID) async throws -> Void) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        do {
            try await body(id)
            return PageRedirect.to("/activities/\(id.uuidString.lowercased())?done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, id: id, messages: request.formMessages(for: error), status: error.status)
        }
    }

    @Sendable func signUp(_ request: Request) async throws -> Response {
        try await act(request, done: "signed_up") { _ = try await Activities.signUp($0, in: request.context) }
    }

    @Sendable func withdraw(_ request: Request) async throws -> Response {
        try await act(request, done: "withdrawn") { try await Activities.withdraw($0, in: request.context) }
    }

    @Sendable func checkOut(_ request: Request) async throws -> Response {
        try await act(request, done: "checked_out") { _ = try await Activities.checkOut($0, in: request.context) }
    }

    @Sendable func cancel(_ request: Request) async throws -> Response {
        try await act(request, done: "cancelled") { _ = try await Activities.cancel($0, in: request.context) }
    }

    struct HoursForm: Content {
        var hours: String?
    }

    @Sendable func confirm(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        guard let row = try await ActivitySignupRecord.find(id, on: request.db) else { throw AppError.notFound }
        let form = try request.content.decode(HoursForm.self)
        do {
            _ = try await Activities.confirm(id, hours: form.hours.flatMap { Int($0) }, in: request.context)
            return PageRedirect.to("/activities/\(row.activityID.uuidString.lowercased())?done=confirmed", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, id: row.activityID, messages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: Checking in by code

    struct CheckInView: Encodable {
        let page: PageBase
        let code: String
        let messages: [FormMessage]
    }

    @Sendable func checkInForm(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        return try await renderCheckIn(request, code: (request.query[String.self, at: "code"] ?? "").filter(\.isNumber))
    }

    func renderCheckIn(_ request: Request, code: String, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        try await request.view.render("participation/checkin", CheckInView(
            page: await PageBase.make(for: request, title: Strings.text("activity.checkin_title", request.lang)), code: String(code.prefix(6)), messages: messages))
            .encodeResponse(status: status, for: request)
    }

    struct CodeForm: Content {
        var code: String?
    }

    @Sendable func checkIn(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let form = try request.content.decode(CodeForm.self)
        do {
            let activity = try await Activities.checkIn(code: form.code, in: request.context)
            return PageRedirect.to("/activities/\(activity.id!.uuidString.lowercased())?done=checked_in", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict || error.status == .forbidden {
            return try await renderCheckIn(request, code: (form.code ?? "").filter(\.isNumber), messages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: The calendar

    /// A community's activities of the last 30 days and to come, as an iCalendar feed.
    @Sendable func calendar(_ request: Request) async throws -> Response {
        let id = try request.uuidParameter()
        guard let community = try await OrgNodeRecord.find(id, on: request.db), community.isArea(.community) else { throw AppError.notFound }
        let activities = try await ActivityRecord.query(on: request.db).filter(\.$communityID == id).filter(\.$endsAt >= request.now.addingTimeInterval(-30 * 86_400))
            .sort(\.$startsAt).limit(500).all()
        let base = Open311Controller().baseURL(request)
        let calendar = ICalendar(name: Strings.text("activity.calendar_of", request.lang).replacingOccurrences(of: "{community}", with: community.name),
                                 events: activities.map { activity in
            ICalendar.Event(uid: activity.id!.uuidString.lowercased() + "@gongzhi", starts: activity.startsAt, ends: activity.endsAt, summary: activity.title,
                            location: activity.place, description: activity.details, url: base + "/activities/\(activity.id!.uuidString.lowercased())",
                            cancelled: activity.cancelledAt != nil, stamp: activity.cancelledAt ?? activity.createdAt)
        })
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: calendar.text))
    }
}
