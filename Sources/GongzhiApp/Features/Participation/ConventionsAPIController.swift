import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/conventions`: the residents' convention — drafting, comments, adoption, pledges.
struct ConventionsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let conventions = routes.grouped("api", "v1", "conventions")
        conventions.get(use: list)
        conventions.post(use: create)
        conventions.get(":id", use: show)
        conventions.post(":id", "steps", use: step)
        conventions.post(":id", "comments", use: comment)
        conventions.post(":id", "pledge", use: pledge)
        conventions.post("comments", ":id", "moderate", use: moderate)
    }

    struct VersionDTO: Content {
        let number: Int
        let text: String
        let note: String
        let createdAt: Date
    }

    struct CommentDTO: Content {
        let id: UUID
        let version: Int
        let text: String
        let state: ConventionCommentRecord.State
        let reason: String
        let createdAt: Date
        let mine: Bool
    }

    struct ConventionDTO: Content {
        let id: UUID
        let communityId: UUID
        let title: String
        let state: Convention.State
        let version: Int
        let commentUntil: Date?
        let adoptedAt: Date?
        let adoptionBasis: String?
        let adoptionLink: String?
        let pledges: Int
        var pledgedByMe: Bool?
        var versions: [VersionDTO]?
        var comments: [CommentDTO]?
    }

    static func dto(_ record: ConventionRecord, on db: any Database) async throws -> ConventionDTO {
        ConventionDTO(id: record.id!, communityId: record.communityID, title: record.title, state: record.state, version: record.version,
                      commentUntil: record.commentUntil, adoptedAt: record.adoptedAt, adoptionBasis: record.state == .adopted ? record.adoptionBasis : nil,
                      adoptionLink: record.state == .adopted ? record.adoptionLink : nil,
                      pledges: try await ConventionPledgeRecord.query(on: db).filter(\.$conventionID == record.id!).filter(\.$version == record.version).count())
    }

    /// With its versions (residents: not a draft's), comments (staff all; others the published ones and their own) and the caller's pledge.
    static func detail(_ record: ConventionRecord, access: Conventions.Access, actor: Actor?, on db: any Database) async throws -> ConventionDTO {
        var dto = try await dto(record, on: db)
        let versions = try await ConventionVersionRecord.query(on: db).filter(\.$conventionID == record.id!).sort(\.$number, .descending).all()
        dto.versions = versions.filter { access.staff || $0.number < record.version || record.state != .draft }
            .map { VersionDTO(number: $0.number, text: $0.text, note: $0.note, createdAt: $0.createdAt) }
        let me = actor?.userID.uuid
        dto.comments = try await ConventionCommentRecord.query(on: db).filter(\.$conventionID == record.id!).sort(\.$createdAt).all()
            .filter { access.staff || $0.state == .published || $0.userID == me }
            .map { CommentDTO(id: $0.id!, version: $0.version, text: $0.text, state: $0.state, reason: $0.reason, createdAt: $0.createdAt, mine: $0.userID == me) }
        if let person = actor?.personID?.uuid {
            dto.pledgedByMe = try await ConventionPledgeRecord.query(on: db).filter(\.$conventionID == record.id!).filter(\.$version == record.version)
                .filter(\.$personID == person).first() != nil
        }
        return dto
    }

    @Sendable func list(_ request: Request) async throws -> [ConventionDTO] {
        guard let community = try await DisclosurePagesController.community(request) else { throw AppError.invalid("communityId", "required") }
        var found: [ConventionDTO] = []
        for record in try await Conventions.list(community: community.id!, actor: request.current?.actor, on: request.db) {
            found.append(try await Self.dto(record, on: request.db))
        }
        return found
    }

    struct CreateBody: Content {
        var communityId: UUID?
        var title: String?
        var text: String?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let body = try request.content.decode(CreateBody.self)
        let record = try await Conventions.create(communityID: body.communityId.map(OrgNodeID.init), title: body.title, text: body.text, in: request.context)
        return try await Self.dto(record, on: request.db).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> ConventionDTO {
        let actor = request.current?.actor
        let record = try await Conventions.find(try request.uuidParameter(), on: request.db)
        return try await Self.detail(record, access: try await Conventions.access(actor, record, on: request.db), actor: actor, on: request.db)
    }

    struct StepBody: Content {
        var step: Convention.Step?
        var text: String?
        var note: String?
        var until: Date?
        var basis: String?
        var link: String?
    }

    @Sendable func step(_ request: Request) async throws -> ConventionDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let body = try request.content.decode(StepBody.self)
        let record = try await Conventions.step(id, .init(step: body.step, text: body.text, note: body.note, until: body.until, basis: body.basis, link: body.link),
                                                in: request.context)
        return try await Self.detail(record, access: try await Conventions.access(actor, record, on: request.db), actor: actor, on: request.db)
    }

    struct TextBody: Content {
        var text: String?
    }

    @Sendable func comment(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        let body = try request.content.decode(TextBody.self)
        let comment = try await Conventions.comment(id, text: body.text, in: request.context)
        return try await CommentDTO(id: comment.id!, version: comment.version, text: comment.text, state: comment.state, reason: comment.reason,
                                    createdAt: comment.createdAt, mine: true).encodeResponse(status: .created, for: request)
    }

    struct ModerateBody: Content {
        var decision: String?
        var reason: String?
    }

    @Sendable func moderate(_ request: Request) async throws -> CommentDTO {
        _ = try request.requireActor()
        let body = try request.content.decode(ModerateBody.self)
        let decision: Bool? = body.decision == "publish" ? true : body.decision == "reject" ? false : nil
        let comment = try await Conventions.moderate(try request.uuidParameter(), publish: decision, reason: body.reason, in: request.context)
        return CommentDTO(id: comment.id!, version: comment.version, text: comment.text, state: comment.state, reason: comment.reason, createdAt: comment.createdAt, mine: false)
    }

    @Sendable func pledge(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Conventions.pledge(id, in: request.context)
        let record = try await Conventions.find(id, on: request.db)
        return try await Self.detail(record, access: try await Conventions.access(actor, record, on: request.db), actor: actor, on: request.db)
            .encodeResponse(status: .created, for: request)
    }
}
