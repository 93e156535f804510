import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/activities` and `/api/v1/volunteers`: volunteer activities, sign-up, check-in by code, hours; the pools.
struct ActivitiesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let activities = routes.grouped("api", "v1", "activities")
        activities.get(use: list)
        activities.post(use: create)
        activities.post("checkin", use: checkIn)
        activities.get(":id", use: show)
        activities.post(":id", "cancel", use: cancel)
        activities.post(":id", "signup", use: signUp)
        activities.post(":id", "withdraw", use: withdraw)
        activities.post(":id", "checkout", use: checkOut)
        activities.post("signups", ":id", "confirm", use: confirm)
        let volunteers = routes.grouped("api", "v1", "volunteers")
        volunteers.get(use: volunteersList)
        volunteers.post(use: register)
    }

    struct ActivityDTO: Content {
        let id: UUID
        let communityId: UUID
        let title: String
        let description: String
        let place: String
        let startsAt: Date
        let endsAt: Date
        let capacity: Int
        let placesLeft: Int
        let waiting: Int
        let cancelled: Bool
        /// For the organiser and the community's staff.
        let checkInCode: String?
        /// The caller's own: "place", "waiting" or nil.
        let mine: String?
        var signUps: [SignUpDTO]?
    }

    struct SignUpDTO: Content {
        let id: UUID
        let personId: UUID
        let name: String
        let waiting: Bool
        let checkedInAt: Date?
        let checkedOutAt: Date?
        let suggestedHours: Int
        let hours: Int?
    }

    static func dto(_ activity: ActivityRecord, actor: Actor?, on db: any Database) async throws -> ActivityDTO {
        let rows = try await Activities.signUps(of: activity.id!, on: db)
        let places = Activity.places(rows.map(\.core), capacity: activity.capacity)
        let manages = Activities.manages(actor, activity)
        var mine: String?
        if let person = actor?.personID?.uuid, let row = rows.first(where: { $0.personID == person && $0.cancelledAt == nil }) {
            mine = places.confirmed.contains(row.id!.uuidString) ? "place" : "waiting"
        }
        var dto = ActivityDTO(id: activity.id!, communityId: activity.communityID, title: activity.title, description: activity.details, place: activity.place,
                              startsAt: activity.startsAt, endsAt: activity.endsAt, capacity: activity.capacity,
                              placesLeft: max(0, activity.capacity - places.confirmed.count), waiting: places.waiting.count, cancelled: activity.cancelledAt != nil,
                              checkInCode: manages ? activity.checkInCode : nil, mine: mine)
        if manages {
            let full = actor.map { AccessPolicy.allows(.viewFullNames, actor: $0, at: OrgPath(activity.orgPath) ?? .root) } ?? false
            let names = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ rows.map(\.personID)).all().map { ($0.id!, $0.name) })
            let order = places.confirmed + places.waiting
            dto.signUps = rows.filter { $0.cancelledAt == nil }.sorted { (order.firstIndex(of: $0.id!.uuidString) ?? 0) < (order.firstIndex(of: $1.id!.uuidString) ?? 0) }.map { row in
                let name = names[row.personID] ?? ""
                return SignUpDTO(id: row.id!, personId: row.personID, name: full ? name : Masking.name(name), waiting: places.waiting.contains(row.id!.uuidString),
                                 checkedInAt: row.checkedInAt, checkedOutAt: row.checkedOutAt,
                                 suggestedHours: max(1, Activity.hours(checkIn: row.checkedInAt, checkOut: row.checkedOutAt ?? activity.endsAt, starts: activity.startsAt, ends: activity.endsAt)),
                                 hours: row.hours)
            }
        }
        return dto
    }

    /// The caller's communities (as a resident or staff), or the one asked for: upcoming and recent activities.
    static func visible(actor: Actor?, community: UUID?, now: Date, on db: any Database) async throws -> [ActivityRecord] {
        var communities: [UUID] = []
        if let community { communities = [community] } else if let actor {
            if let person = actor.personID?.uuid, let record = try await PersonRecord.find(person, on: db), let home = try await Points.community(of: record, on: db) {
                communities.append(home.id!)
            }
            let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor).map(\.rawValue)
            if !scopes.isEmpty {
                communities += try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil)
                    .group(.or) { group in for scope in scopes { group.filter(\.$path =~ scope) } }.limit(300).all().compactMap(\.id)
            }
            let above = AccessPolicy.ancestors(.viewDeliberation, actor: actor)
            for path in above { if let id = path.segments.last.flatMap(UUID.init(uuidString:)) { communities.append(id) } }
        }
        guard !communities.isEmpty else { return [] }
        return try await ActivityRecord.query(on: db).filter(\.$communityID ~~ communities).filter(\.$endsAt >= now.addingTimeInterval(-30 * 86_400))
            .sort(\.$startsAt).limit(200).all()
    }

    @Sendable func list(_ request: Request) async throws -> [ActivityDTO] {
        let actor = request.current?.actor
        let community = try AnnouncementsAPIController.community(request)
        if actor == nil, community == nil { throw AppError.invalid("communityId", "required") }
        var found: [ActivityDTO] = []
        for activity in try await Self.visible(actor: actor, community: community, now: request.now, on: request.db) {
            found.append(try await Self.dto(activity, actor: actor, on: request.db))
        }
        return found
    }

    struct CreateBody: Content {
        var communityId: UUID?
        var title: String?
        var description: String?
        var place: String?
        var startsAt: Date?
        var endsAt: Date?
        var capacity: Int?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let body = try request.content.decode(CreateBody.self)
        let activity = try await Activities.create(.init(communityID: body.communityId, title: body.title, details: body.description, place: body.place,
                                                         starts: body.startsAt, ends: body.endsAt, capacity: body.capacity), in: request.context)
        return try await Self.dto(activity, actor: actor, on: request.db).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> ActivityDTO {
        try await Self.dto(try await Activities.find(try request.uuidParameter(), on: request.db), actor: request.current?.actor, on: request.db)
    }

    @Sendable func cancel(_ request: Request) async throws -> ActivityDTO {
        let actor = try request.requireActor()
        let activity = try await Activities.cancel(try request.uuidParameter(), in: request.context)
        return try await Self.dto(activity, actor: actor, on: request.db)
    }

    @Sendable func signUp(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Activities.signUp(id, in: request.context)
        return try await Self.dto(try await Activities.find(id, on: request.db), actor: actor, on: request.db).encodeResponse(status: .created, for: request)
    }

    @Sendable func withdraw(_ request: Request) async throws -> ActivityDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        try await Activities.withdraw(id, in: request.context)
        return try await Self.dto(try await Activities.find(id, on: request.db), actor: actor, on: request.db)
    }

    struct CodeBody: Content {
        var code: String?
    }

    @Sendable func checkIn(_ request: Request) async throws -> ActivityDTO {
        let actor = try request.requireActor()
        _ = try await Activities.residentOf(actor, on: request.db)
        let body = try request.content.decode(CodeBody.self)
        return try await Self.dto(try await Activities.checkIn(code: body.code, in: request.context), actor: actor, on: request.db)
    }

    @Sendable func checkOut(_ request: Request) async throws -> ActivityDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Activities.checkOut(id, in: request.context)
        return try await Self.dto(try await Activities.find(id, on: request.db), actor: actor, on: request.db)
    }

    struct HoursBody: Content {
        var hours: Int?
    }

    @Sendable func confirm(_ request: Request) async throws -> ActivityDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        guard let row = try await ActivitySignupRecord.find(id, on: request.db) else { throw AppError.notFound }
        guard Activities.manages(actor, try await Activities.find(row.activityID, on: request.db)) else { throw AppError.forbidden }
        let body = try request.content.decode(HoursBody.self)
        let confirmed = try await Activities.confirm(id, hours: body.hours, in: request.context)
        return try await Self.dto(try await Activities.find(confirmed.activityID, on: request.db), actor: actor, on: request.db)
    }

    struct VolunteerDTO: Content {
        let id: UUID
        let personId: UUID
        let name: String
        let pool: VolunteerRecord.Pool
        let skills: String
        let availability: String
    }

    /// The pools of a community (its staff), optionally one pool and a skill to look for.
    @Sendable func volunteersList(_ request: Request) async throws -> [VolunteerDTO] {
        let actor = try request.requireActor()
        guard let community = try AnnouncementsAPIController.community(request) else { throw AppError.invalid("communityId", "required") }
        guard let node = try await OrgNodeRecord.find(community, on: request.db), node.isArea(.community),
              AccessPolicy.reaches(.viewDeliberation, actor: actor, place: node.orgPath) else { throw AppError.notFound }
        return try await Self.volunteers(of: node, actor: actor, pool: request.query[String.self, at: "pool"].flatMap(VolunteerRecord.Pool.init(rawValue:)),
                                         skill: request.query[String.self, at: "skill"], on: request.db)
    }

    static func volunteers(of community: OrgNodeRecord, actor: Actor, pool: VolunteerRecord.Pool?, skill: String?, on db: any Database) async throws -> [VolunteerDTO] {
        let query = VolunteerRecord.query(on: db).filter(\.$communityID == community.id!)
        if let pool { query.filter(\.$pool == pool) }
        var rows = try await query.sort(\.$createdAt).limit(500).all()
        if let skill = skill?.trimmingCharacters(in: .whitespaces), !skill.isEmpty { rows = rows.filter { $0.skills.contains(skill) } }
        let full = AccessPolicy.allows(.viewFullNames, actor: actor, at: community.orgPath)
        let names = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ rows.map(\.personID)).all().map { ($0.id!, $0.name) })
        return rows.map { VolunteerDTO(id: $0.id!, personId: $0.personID, name: (names[$0.personID]).map { full ? $0 : Masking.name($0) } ?? "", pool: $0.pool,
                                       skills: $0.skills, availability: $0.availability) }
    }

    struct RegisterBody: Content {
        var pool: VolunteerRecord.Pool?
        var skills: String?
        var availability: String?
    }

    @Sendable func register(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await Activities.residentOf(actor, on: request.db)
        let body = try request.content.decode(RegisterBody.self)
        let record = try await Activities.register(pool: body.pool, skills: body.skills, availability: body.availability, in: request.context)
        return try await VolunteerDTO(id: record.id!, personId: record.personID, name: "", pool: record.pool, skills: record.skills, availability: record.availability)
            .encodeResponse(status: .created, for: request)
    }
}
