import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The volunteer and expert pools (志愿者人才库、专家人才库): a resident joins with their skills; staff find people by
/// skill; a volunteer prints the record of their confirmed hours.
extension ActivityPagesController {
    struct PoolView: Encodable {
        let page: PageBase
        let isResident: Bool
        let mine: [VolunteerRow]
        let staff: Bool
        let communities: [SelectOption]
        let pool: String
        let skill: String
        let found: [VolunteerRow]
        let totalHours: Int
        let flash: String?
        let messages: [FormMessage]
    }

    struct VolunteerRow: Encodable {
        let name: String
        let pool: String
        let skills: String
        let availability: String
    }

    @Sendable func volunteers(_ request: Request) async throws -> Response {
        try await renderPools(request, actor: try request.requireActor(), flash: Self.flash(request))
    }

    func renderPools(_ request: Request, actor: Actor, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        var mine: [VolunteerRow] = []
        var totalHours = 0
        if let person = actor.personID?.uuid {
            mine = try await VolunteerRecord.query(on: db).filter(\.$personID == person).all().map {
                VolunteerRow(name: "", pool: Strings.text("volunteer.pool.\($0.pool.rawValue)", lang), skills: $0.skills, availability: $0.availability)
            }
            totalHours = try await ActivitySignupRecord.query(on: db).filter(\.$personID == person).all().compactMap(\.hours).reduce(0, +)
        }
        let staff = AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor)
        var communities: [SelectOption] = []
        var found: [VolunteerRow] = []
        let pool = request.query[String.self, at: "pool"] ?? ""
        let skill = request.query[String.self, at: "skill"] ?? ""
        if staff {
            let nodes = try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil)
                .visible(to: actor, .viewDeliberation).sort(\.$name).limit(300).all()
            let chosen = try AnnouncementsAPIController.community(request).flatMap { id in nodes.first { $0.id == id } } ?? nodes.first
            communities = nodes.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id == chosen?.id) }
            if let chosen {
                found = try await ActivitiesAPIController.volunteers(of: chosen, actor: actor, pool: VolunteerRecord.Pool(rawValue: pool), skill: skill, on: db).map {
                    VolunteerRow(name: $0.name, pool: Strings.text("volunteer.pool.\($0.pool.rawValue)", lang), skills: $0.skills, availability: $0.availability)
                }
            }
        }
        return try await request.view.render("participation/volunteers", PoolView(
            page: await PageBase.make(for: request, title: Strings.text("volunteer.title", lang)), isResident: actor.isResident, mine: mine, staff: staff,
            communities: communities, pool: pool, skill: skill, found: found, totalHours: totalHours, flash: flash, messages: messages))
            .encodeResponse(status: status, for: request)
    }

    struct RegisterForm: Content {
        var pool: String?
        var skills: String?
        var availability: String?
    }

    @Sendable func register(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await Activities.residentOf(actor, on: request.db)
        let form = try request.content.decode(RegisterForm.self)
        do {
            _ = try await Activities.register(pool: form.pool.flatMap(VolunteerRecord.Pool.init(rawValue:)), skills: form.skills, availability: form.availability,
                                              in: request.context)
            return PageRedirect.to("/volunteers?done=registered", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderPools(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct CertificateRow: Encodable {
        let day: String
        let title: String
        let place: String
        let hours: Int
    }

    struct CertificateView: Encodable {
        let page: PageBase
        let name: String
        let community: String
        let rows: [CertificateRow]
        let total: Int
        let issued: String
    }

    /// A printable record of the resident's confirmed volunteer hours (志愿服务时长证明).
    @Sendable func certificate(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let (person, community) = try await Activities.residentOf(actor, on: request.db)
        let rows = try await ActivitySignupRecord.query(on: request.db).filter(\.$personID == person.id!).filter(\.$hours != nil).all()
        let activities = Dictionary(uniqueKeysWithValues: try await ActivityRecord.query(on: request.db).filter(\.$id ~~ rows.map(\.activityID)).all().map { ($0.id!, $0) })
        let lines = rows.compactMap { row -> (Date, CertificateRow)? in
            guard let activity = activities[row.activityID], let hours = row.hours else { return nil }
            return (activity.startsAt, CertificateRow(day: CivilDate(activity.startsAt).description, title: activity.title, place: activity.place, hours: hours))
        }.sorted { $0.0 < $1.0 }.map(\.1)
        return try await request.view.render("participation/certificate", CertificateView(
            page: await PageBase.make(for: request, title: Strings.text("volunteer.certificate", request.lang)), name: person.name, community: community.name,
            rows: lines, total: lines.reduce(0) { $0 + $1.hours }, issued: CivilDate(request.now).description)).encodeResponse(for: request)
    }
}
