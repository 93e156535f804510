import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/rectifications`: the rectification items (整改, SPEC §8) as JSON; the rules are `Rectifications`'.
struct RectificationsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let items = routes.grouped("api", "v1", "rectifications")
        items.get(use: list)
        items.post(use: create)
        items.get(":id", use: show)
        items.post(":id", ":step", use: step)
    }

    @Sendable func list(_ request: Request) async throws -> [RectificationDTO] {
        let actor = try request.requireActor()
        var state: RectificationRules.State?
        if let raw = try? request.query.get(String.self, at: "state"), !raw.isEmpty {
            guard let known = RectificationRules.State(rawValue: raw) else { throw AppError.invalid("state") }
            state = known
        }
        let now = request.now
        return try await Rectifications.list(actor: actor, state: state, on: request.db).map { RectificationDTO($0, now: now) }
    }

    @Sendable func show(_ request: Request) async throws -> RectificationDTO {
        let actor = try request.requireActor()
        return RectificationDTO(try await Rectifications.find(try request.uuidParameter(), actor: actor, on: request.db), now: request.now)
    }

    struct CreateBody: Content {
        var ownerNodeId: UUID?
        var finding: String?
        var plan: String?
        var deadline: String?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        _ = try request.require(.superviseCases)
        let body = try request.content.decode(CreateBody.self)
        let record = try await Rectifications.create(.init(ownerNodeID: body.ownerNodeId, finding: body.finding, plan: body.plan, deadline: body.deadline),
                                                     in: request.context)
        return try await RectificationDTO(record, now: request.now).encodeResponse(status: .created, for: request)
    }

    struct StepBody: Content {
        /// The evidence (submit) or the supervisor's note (verify, send back).
        var text: String?
    }

    @Sendable func step(_ request: Request) async throws -> RectificationDTO {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        guard let step = request.parameters.get("step").flatMap(RectificationRules.Step.init(rawValue:)) else { throw AppError.notFound }
        let body = try request.content.decode(StepBody.self)
        return RectificationDTO(try await Rectifications.step(id, step, text: body.text, in: request.context), now: request.now)
    }
}
