import Fluent
import Foundation
import GongzhiCore
import Vapor

struct CouncilMemberDTO: Content {
    let id: UUID
    let communityId: UUID
    let compoundId: UUID?
    let seat: CouncilRules.Seat
    let core: Bool
    let name: String
    let organisation: String
    let active: Bool

    init(_ member: CouncilMemberRecord) {
        id = member.id!
        communityId = member.communityID
        compoundId = member.compoundID
        seat = member.seat
        core = member.seat.isCore
        name = member.name
        organisation = member.organisation
        active = member.active
    }
}

struct MeetingDTO: Content {
    struct Decision: Content {
        let id: UUID
        let needId: UUID?
        let text: String
        let outcome: MeetingDecisionRecord.Outcome
    }

    let id: UUID
    let communityId: UUID
    let compoundId: UUID?
    let title: String
    let heldAt: Date
    let place: String
    let agenda: [UUID]
    let present: [UUID]?
    let minutes: String?
    let published: Bool
    /// Every core seat and more than half of the members present (staff only, before publication too).
    let canDecide: Bool?
    let missingCoreSeats: [CouncilRules.Seat]?
    let decisions: [Decision]?

    init(_ meeting: MeetingRecord, quorum: (Bool, [CouncilRules.Seat])? = nil, decisions: [MeetingDecisionRecord]? = nil, full: Bool = false) {
        id = meeting.id!
        communityId = meeting.communityID
        compoundId = meeting.compoundID
        title = meeting.title
        heldAt = meeting.heldAt
        place = meeting.place
        agenda = meeting.agendaIDs
        present = full ? meeting.presentIDs : nil
        minutes = full ? meeting.minutes : nil
        published = meeting.publishedAt != nil
        canDecide = quorum?.0
        missingCoreSeats = quorum?.1
        self.decisions = decisions?.map { Decision(id: $0.id!, needId: $0.needID, text: $0.text, outcome: $0.outcome) }
    }

    static func detail(_ meeting: MeetingRecord, access: DeliberationScope.Access, on db: any Database) async throws -> MeetingDTO {
        let decisions = try await MeetingDecisionRecord.query(on: db).filter(\.$meetingID == meeting.id!).sort(\.$createdAt).all()
        let quorum = access.staff ? try await Council.quorum(meeting, on: db) : nil
        return MeetingDTO(meeting, quorum: quorum.map { ($0.canDecide, $0.missing) }, decisions: decisions, full: true)
    }
}

struct ResourceDTO: Content {
    let id: UUID
    let communityId: UUID
    let kind: ResourceOfferRecord.Kind
    let provider: ResourceOfferRecord.Provider
    let providerName: String
    let title: String
    let description: String
    let amountFen: Int?
    let available: Bool

    init(_ resource: ResourceOfferRecord) {
        id = resource.id!
        communityId = resource.communityID
        kind = resource.kind
        provider = resource.provider
        providerName = resource.providerName
        title = resource.title
        description = resource.details
        amountFen = resource.amountFen
        available = resource.available
    }
}

/// `/api/v1/council-members`, `/api/v1/meetings`, `/api/v1/resources`: the "3+X" council, its meetings and the
/// resources list.
struct CouncilAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let v1 = routes.grouped("api", "v1")
        v1.get("council-members", use: members)
        v1.post("council-members", use: addMember)
        v1.post("council-members", ":id", "retire", use: retire)
        v1.get("meetings", use: meetings)
        v1.post("meetings", use: schedule)
        v1.get("meetings", ":id", use: meeting)
        v1.post("meetings", ":id", "record", use: record)
        v1.post("meetings", ":id", "decisions", use: decide)
        v1.post("meetings", ":id", "publish", use: publish)
        v1.get("resources", use: resources)
        v1.post("resources", use: offer)
    }

    @Sendable func members(_ request: Request) async throws -> [CouncilMemberDTO] {
        let actor = try request.requireActor()
        let community = try request.queryUUID("communityId")
        guard var query = DeliberationScope.visible(CouncilMemberRecord.query(on: request.db), actor: actor, path: \.$orgPath) else { return [] }
        if let community { query = query.filter(\.$communityID == community) }
        return try await query.filter(\.$active == true).sort(\.$seat).limit(500).all().map(CouncilMemberDTO.init)
    }

    struct MemberBody: Content {
        var communityId: UUID?
        var compoundId: UUID?
        var seat: CouncilRules.Seat?
        var name: String?
        var organisation: String?
    }

    @Sendable func addMember(_ request: Request) async throws -> Response {
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(MemberBody.self)
        guard let seat = body.seat else { throw AppError.invalid("seat", "required") }
        let member = try await Council.addMember(.init(
            communityID: body.communityId, compoundID: body.compoundId, seat: seat, name: body.name,
            organisation: body.organisation), in: request.context)
        return try await CouncilMemberDTO(member).encodeResponse(status: .created, for: request)
    }

    @Sendable func retire(_ request: Request) async throws -> CouncilMemberDTO {
        CouncilMemberDTO(try await Council.retireMember(try request.uuidParameter(), in: request.context))
    }

    @Sendable func meetings(_ request: Request) async throws -> ListPage<MeetingDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await Council.meetings(actor: actor, offset: paging.offset, limit: paging.limit, on: request.db)
        return ListPage(items: page.items.map { MeetingDTO($0) }, total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct MeetingBody: Content {
        var communityId: UUID?
        var compoundId: UUID?
        var title: String?
        var heldAt: Date?
        var place: String?
        var agenda: [UUID]?
    }

    @Sendable func schedule(_ request: Request) async throws -> Response {
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(MeetingBody.self)
        guard let heldAt = body.heldAt else { throw AppError.invalid("heldAt", "required") }
        let meeting = try await Council.schedule(.init(
            communityID: body.communityId, compoundID: body.compoundId, title: body.title, heldAt: heldAt,
            place: body.place, agenda: body.agenda ?? []), in: request.context)
        return try await MeetingDTO(meeting).encodeResponse(status: .created, for: request)
    }

    @Sendable func meeting(_ request: Request) async throws -> MeetingDTO {
        let actor = try request.requireActor()
        let (meeting, access) = try await Council.visibleMeeting(try request.uuidParameter(), actor: actor, on: request.db)
        return try await MeetingDTO.detail(meeting, access: access, on: request.db)
    }

    struct RecordBody: Content {
        var present: [UUID]?
        var minutes: String?
    }

    @Sendable func record(_ request: Request) async throws -> MeetingDTO {
        let actor = try request.requireActor()
        let body = try request.content.decode(RecordBody.self)
        guard (body.present?.count ?? 0) <= 200 else { throw AppError.invalid("present", "too_long") }
        let meeting = try await Council.record(try request.uuidParameter(), present: body.present ?? [],
                                               minutes: body.minutes, in: request.context)
        return try await MeetingDTO.detail(meeting, access: try DeliberationScope.access(actor, at: meeting.orgPath), on: request.db)
    }

    struct DecisionBody: Content {
        var needId: UUID?
        var text: String?
        var outcome: MeetingDecisionRecord.Outcome?
    }

    @Sendable func decide(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await Council.visibleMeeting(try request.uuidParameter(), actor: actor, on: request.db)
        let body = try request.content.decode(DecisionBody.self)
        guard let outcome = body.outcome else { throw AppError.invalid("outcome", "required") }
        let decision = try await Council.decide(try request.uuidParameter(), needID: body.needId, text: body.text, outcome: outcome, in: request.context)
        return try await MeetingDTO.Decision(id: decision.id!, needId: decision.needID, text: decision.text, outcome: decision.outcome)
            .encodeResponse(status: .created, for: request)
    }

    @Sendable func publish(_ request: Request) async throws -> MeetingDTO {
        MeetingDTO(try await Council.publish(try request.uuidParameter(), in: request.context))
    }

    @Sendable func resources(_ request: Request) async throws -> ListPage<ResourceDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await Council.resources(actor: actor, offset: paging.offset, limit: paging.limit, on: request.db)
        return ListPage(items: page.items.map(ResourceDTO.init), total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct ResourceBody: Content {
        var communityId: UUID?
        var kind: ResourceOfferRecord.Kind?
        var provider: ResourceOfferRecord.Provider?
        var providerName: String?
        var title: String?
        var description: String?
        var amountFen: Int?
    }

    @Sendable func offer(_ request: Request) async throws -> Response {
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(ResourceBody.self)
        guard let kind = body.kind else { throw AppError.invalid("kind", "required") }
        guard let provider = body.provider else { throw AppError.invalid("provider", "required") }
        let resource = try await Council.offer(.init(
            communityID: body.communityId, kind: kind, provider: provider, providerName: body.providerName,
            title: body.title, details: body.description,
            amountFen: body.amountFen), in: request.context)
        return try await ResourceDTO(resource).encodeResponse(status: .created, for: request)
    }
}
