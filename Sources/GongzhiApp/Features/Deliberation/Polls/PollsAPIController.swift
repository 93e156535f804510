import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/polls`: residents' polls.
struct PollsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let polls = routes.grouped("api", "v1", "polls")
        polls.get(use: list)
        polls.post(use: create)
        polls.get(":id", use: show)
        polls.post(":id", "open", use: open)
        polls.post(":id", "close", use: close)
        polls.post(":id", "votes", use: vote)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<PollDTO> {
        let context = request.context
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await Polls.list(actor: actor, offset: paging.offset, limit: paging.limit, on: context.db)
        return ListPage(items: page.items.map { PollDTO($0) }, total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct CreateBody: Content {
        var communityId: UUID?
        var compoundId: UUID?
        var title: String?
        var description: String?
        var options: [String]?
        var multipleChoice: Bool?
        var unit: ResidentPoll.Unit?
        var closesAt: Date?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let context = request.context
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(CreateBody.self)
        guard let community = body.communityId else { throw AppError.invalid("communityId", "required") }
        guard let closesAt = body.closesAt else { throw AppError.invalid("closesAt", "required") }
        let poll = try await Polls.create(.init(
            communityID: community, compoundID: body.compoundId, title: body.title,
            details: body.description, options: body.options ?? [],
            multipleChoice: body.multipleChoice ?? false, unit: body.unit ?? .resident, closesAt: closesAt), in: context)
        return try await PollDTO(poll).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> PollDTO {
        let context = request.context
        let actor = try request.requireActor()
        let (poll, access) = try await Polls.visible(try request.uuidParameter(), actor: actor, on: context.db)
        return try await PollDTO.detail(poll, access: access, actor: actor, on: context.db)
    }

    @Sendable func open(_ request: Request) async throws -> PollDTO {
        PollDTO(try await Polls.move(try request.uuidParameter(), to: .open, in: request.context))
    }

    @Sendable func close(_ request: Request) async throws -> PollDTO {
        PollDTO(try await Polls.move(try request.uuidParameter(), to: .closed, in: request.context))
    }

    struct VoteBody: Content {
        var choices: [Int]?
    }

    @Sendable func vote(_ request: Request) async throws -> Response {
        let context = request.context
        let actor = try request.requireActor()
        _ = try await Polls.visible(try request.uuidParameter(), actor: actor, on: context.db)
        let body = try request.content.decode(VoteBody.self)
        guard let choices = body.choices, choices.count <= 20 else { throw AppError.invalid("choices", "required") }
        let vote = try await Polls.vote(try request.uuidParameter(), choices: choices, in: context)
        let (poll, access) = try await Polls.visible(vote.pollID, actor: actor, on: context.db)
        return try await PollDTO.detail(poll, access: access, actor: actor, on: context.db).encodeResponse(status: .created, for: request)
    }
}
