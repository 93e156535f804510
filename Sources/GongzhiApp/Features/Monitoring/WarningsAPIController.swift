import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/warnings`: the early warnings at the caller's places; acknowledging and resolving them.
struct WarningsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let warnings = routes.grouped("api", "v1", "warnings")
        warnings.get(use: list)
        warnings.post(":id", ":step", use: step)
    }

    @Sendable func list(_ request: Request) async throws -> [WarningDTO] {
        let context = request.context
        let actor = try request.requireActor()
        var states: [WarningRules.State] = [.open, .acknowledged]
        if let raw = try? request.query.get(String.self, at: "state"), !raw.isEmpty {
            guard let state = WarningRules.State(rawValue: raw) else { throw AppError.invalid("state") }
            states = [state]
        }
        return try await Warnings.visible(actor: actor, states: states, on: context.db).map(WarningDTO.init)
    }

    struct NoteBody: Content {
        var note: String?
    }

    @Sendable func step(_ request: Request) async throws -> WarningDTO {
        let context = request.context
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        guard let step = request.parameters.get("step").flatMap(WarningRules.Step.init(rawValue:)) else { throw AppError.notFound }
        let body = (request.body.data?.readableBytes ?? 0) > 0 ? try request.content.decode(NoteBody.self) : NoteBody()
        return WarningDTO(try await Warnings.step(id, step, note: body.note, in: context))
    }
}
