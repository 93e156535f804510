import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/owner-votes`: owners' joint decisions under Civil Code Article 278 (SPEC §6).
struct OwnerVotesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let votes = routes.grouped("api", "v1", "owner-votes")
        votes.get(use: list)
        votes.post(use: create)
        votes.get(":id", use: show)
        votes.post(":id", "open", use: open)
        votes.post(":id", "close", use: close)
        votes.post(":id", "ballots", use: cast)
        votes.on(.POST, ":id", "paper-ballots", bodyUpTo: CasePhoto.maxFormSize, use: paper)
        votes.get(":id", "voters", use: voters)
        votes.get(":id", "receipts", ":code", use: receipt)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<OwnerVoteDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await OwnerVotes.list(actor: actor, offset: paging.offset, limit: paging.limit, on: request.db)
        return ListPage(items: page.items.map { OwnerVoteDTO($0) }, total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct CreateBody: Content {
        var compoundId: UUID?
        var title: String?
        var description: String?
        var matter: OwnersVote.Matter?
        var closesAt: Date?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(CreateBody.self)
        guard let compoundID = body.compoundId else { throw AppError.invalid("compoundId", "required") }
        guard let matter = body.matter else { throw AppError.invalid("matter", "required") }
        guard let closesAt = body.closesAt else { throw AppError.invalid("closesAt", "required") }
        let vote = try await OwnerVotes.create(.init(
            compoundID: compoundID, title: body.title,
            details: body.description, matter: matter, closesAt: closesAt),
            in: request.context)
        return try await OwnerVoteDTO(vote).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> OwnerVoteDTO {
        let actor = try request.requireActor()
        let (vote, access) = try await OwnerVotes.visible(try request.uuidParameter(), actor: actor, on: request.db)
        return try await Self.detail(vote, access: access, on: request.db)
    }

    static func detail(_ vote: OwnerVoteRecord, access: OwnerVotes.Access, on db: any Database) async throws -> OwnerVoteDTO {
        var participation: OwnerVoteDTO.Participation?
        if vote.state == .open {
            let so = try await OwnerVotes.participation(of: vote, on: db)
            participation = .init(headcount: so.headcount, areaCenti: so.areaCenti)
        }
        var mine: OwnerVoteDTO.Mine?
        if !access.staff || access.personID != nil {
            let parts = try await OwnerVotes.myParts(in: vote, personID: access.personID, on: db)
            let entries = parts.map { voter, last in
                OwnerVoteDTO.Entry(voterKey: voter.voterKey, units: voter.units, areaCenti: voter.areaCenti, choice: last?.choice,
                                   receiptCode: last?.receiptCode, castAt: last?.castAt, channel: last?.channel)
            }
            let first = entries.first
            mine = .init(eligible: first != nil, units: first?.units, areaCenti: first?.areaCenti, choice: first?.choice,
                         receiptCode: first?.receiptCode, castAt: first?.castAt, entries: entries)
        }
        return OwnerVoteDTO(vote, participation: participation, mine: mine)
    }

    @Sendable func open(_ request: Request) async throws -> OwnerVoteDTO {
        _ = try request.requireActor()
        return OwnerVoteDTO(try await OwnerVotes.open(try request.uuidParameter(), in: request.context))
    }

    @Sendable func close(_ request: Request) async throws -> OwnerVoteDTO {
        _ = try request.requireActor()
        return OwnerVoteDTO(try await OwnerVotes.close(try request.uuidParameter(), in: request.context))
    }

    struct BallotBody: Content {
        var choice: OwnersVote.Choice?
        var voterKey: String?
    }

    @Sendable func cast(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await OwnerVotes.visible(try request.uuidParameter(), actor: actor, on: request.db)
        let body = try request.content.decode(BallotBody.self)
        guard let choice = body.choice else { throw AppError.invalid("choice", "required") }
        let voterKey = try body.voterKey.map { key in
            guard !key.isEmpty, key.count <= 400 else { throw AppError.invalid("voterKey") }
            return key
        }
        let ballot = try await OwnerVotes.cast(try request.uuidParameter(), choice: choice, from: .online(voterKey: voterKey), in: request.context)
        return try await OwnerVoteBallotDTO(ballot).encodeResponse(status: .created, for: request)
    }

    /// A paper ballot: `multipart/form-data` with `voterKey`, `choice` and `photo`, the signed ballot sheet.
    struct PaperBody: Content {
        var choice: String?
        var voterKey: String?
        var photo: File?
    }

    @Sendable func paper(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        _ = try await OwnerVotes.visible(try request.uuidParameter(), actor: actor, on: request.db)
        let body = try request.content.decode(PaperBody.self)
        guard let choice = body.choice.flatMap(OwnersVote.Choice.init(rawValue:)) else { throw AppError.invalid("choice", "required") }
        guard let voterKey = body.voterKey, !voterKey.isEmpty, voterKey.count <= 400 else { throw AppError.invalid("voterKey", "required") }
        guard let file = body.photo, file.data.readableBytes > 0 else { throw AppError.invalid("photo", "evidence_required") }
        let evidence = try CasePhoto(checking: file, field: "photo")
        let ballot = try await OwnerVotes.cast(try request.uuidParameter(), choice: choice, from: .paper(voterKey: voterKey, evidence: evidence),
                                               in: request.context)
        return try await OwnerVoteBallotDTO(ballot).encodeResponse(status: .created, for: request)
    }

    /// The electorate with who has voted (not how), for the staff who run the vote.
    @Sendable func voters(_ request: Request) async throws -> [OwnerVoteVoterDTO] {
        let actor = try request.requireActor()
        let (vote, access) = try await OwnerVotes.visible(try request.uuidParameter(), actor: actor, on: request.db)
        guard access.manage else { throw AppError.forbidden }
        return try await OwnerVotes.roll(of: vote, on: request.db).map { voter, voted in
            OwnerVoteVoterDTO(voterKey: voter.voterKey, units: voter.units, areaCenti: voter.areaCenti,
                              developer: voter.voterKey == OwnersVote.developerKey, voted: voted)
        }
    }

    @Sendable func receipt(_ request: Request) async throws -> OwnerVoteReceiptDTO {
        let actor = try request.requireActor()
        let (vote, access) = try await OwnerVotes.visible(try request.uuidParameter(), actor: actor, on: request.db)
        guard let code = request.parameters.get("code"), code.count <= 40,
              let (ballot, status) = try await OwnerVotes.receipt(code, vote: vote, on: request.db) else { throw AppError.notFound }
        let mine = try await OwnerVotes.myParts(in: vote, personID: access.personID, on: request.db).map(\.voter.voterKey)
        return OwnerVoteReceiptDTO(receiptCode: ballot.receiptCode, castAt: ballot.castAt, channel: ballot.channel, status: status,
                                   choice: mine.contains(ballot.voterKey) ? ballot.choice : nil)
    }
}
