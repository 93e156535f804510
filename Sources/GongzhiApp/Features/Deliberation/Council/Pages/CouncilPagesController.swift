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
        try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil).visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
            .map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name) }
    }

    @Sendable func council(_ request: Request) async throws -> Response {
        try await render(request, actor: try request.requireActor())
    }

    func render(_ request: Request, actor: Actor, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        var members: [CouncilMemberRecord] = []
        if let query = DeliberationScope.visible(CouncilMemberRecord.query(on: db), actor: actor, path: \.$orgPath) {
            members = try await query.filter(\.$active == true).sort(\.$orgPath).sort(\.$seat).limit(300).all()
        }
        let names = Dictionary(try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(Set(members.map(\.communityID)))).all().map { ($0.id!, $0.name) }) { a, _ in a }
        let meetings = try await Council.meetings(actor: actor, offset: 0, limit: 30, on: db).items
        let resources = try await Council.resources(actor: actor, offset: 0, limit: 50, on: db).items
        let canManage = AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor)
        let page = await PageBase.make(for: request, title: Strings.text("council.title", lang))
        return try await request.view.render("deliberation/council/council", CouncilView(
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
            kinds: ResourceOfferRecord.Kind.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("resource.kind.\($0.rawValue)", lang)) },
            providers: ResourceOfferRecord.Provider.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("resource.provider.\($0.rawValue)", lang)) },
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
                                                  name: form.name, organisation: form.organisation),
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
            guard let kind = form.kind.flatMap(ResourceOfferRecord.Kind.init(rawValue:)) else { throw AppError.invalid("kind", "required") }
            guard let provider = form.provider.flatMap(ResourceOfferRecord.Provider.init(rawValue:)) else { throw AppError.invalid("provider", "required") }
            var amount: Int?
            if let raw = form.amount, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let fen = Yuan.fen(parsing: raw) else { throw AppError.invalid("amount", "bad_amount") }
                amount = fen
            }
            _ = try await Council.offer(.init(communityID: form.communityId.flatMap(UUID.init(uuidString:)), kind: kind, provider: provider,
                                              providerName: form.providerName, title: form.title,
                                              details: form.description, amountFen: amount),
                                        in: request.context)
        }
    }

    // MARK: Meetings

}
