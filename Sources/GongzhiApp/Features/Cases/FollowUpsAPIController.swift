import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// `/api/v1/follow-ups`: the follow-ups after closing due at the caller's places, and recording one's outcome.
struct FollowUpsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let followUps = routes.grouped("api", "v1", "follow-ups")
        followUps.get(use: list)
        followUps.post(":id", use: record)
    }

    @Sendable func list(_ request: Request) async throws -> [FollowUpDTO] {
        let context = request.context
        let actor = try request.requireActor()
        return try await CaseFollowUps.due(for: actor, on: context.db).map(FollowUpDTO.init)
    }

    struct RecordBody: Content {
        var reached: Bool?
        var residentSaid: String?
        var solved: Bool?
        var satisfaction: CaseActions.Satisfaction?
    }

    @Sendable func record(_ request: Request) async throws -> FollowUpDTO {
        let context = request.context
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        // Who may see it first: a stranger learns nothing from how the body is judged.
        _ = try await CaseFollowUps.visible(id, actor: actor, on: context.db)
        let body = try request.content.decode(RecordBody.self)
        guard let reached = body.reached else { throw AppError.invalid("reached", "required") }
        return FollowUpDTO(try await CaseFollowUps.record(id, reached: reached, residentSaid: body.residentSaid ?? "", solved: body.solved,
                                                          satisfaction: body.satisfaction, in: context))
    }
}
