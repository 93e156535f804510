import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// What can be done to an owners' vote, each in one transaction with its audit entry. The API and the pages both
/// call these.
enum OwnerVotes {
    // MARK: Who sees what

    /// What `actor` may do with `vote`: staff see the votes of their subtree; residents see the open and closed
    /// votes of the compounds they live in or own in. Anyone else gets 404.
    struct Access: Sendable {
        let manage: Bool
        let staff: Bool
        /// The person id of a resident account (who may be a voter).
        let personID: String?
    }

    static func access(_ actor: Actor, to vote: OwnerVoteRecord, residentCompounds: [UUID]) throws -> Access {
        let path = OrgPath(vote.orgPath) ?? .root
        // Staff who work anywhere in the community (a grid worker included) see its votes, like its other deliberation.
        if AccessPolicy.reaches(.viewDeliberation, actor: actor, place: path) {
            return Access(manage: AccessPolicy.allows(.manageDeliberation, actor: actor, at: path), staff: true, personID: actor.personID?.description)
        }
        if vote.state != .draft, residentCompounds.contains(vote.$compound.id) {
            return Access(manage: false, staff: false, personID: actor.personID?.description)
        }
        throw AppError.notFound
    }

    static func residentCompounds(_ actor: Actor, on db: any Database) async throws -> [UUID] {
        guard actor.roles.contains(.resident), let person = actor.personID?.uuid else { return [] }
        return try await OwnerVoteElectorate.compounds(of: person, on: db)
    }

    /// The vote with `id` if `actor` may see it, with what they may do; 404 otherwise.
    static func visible(_ id: UUID, actor: Actor, on db: any Database) async throws -> (OwnerVoteRecord, Access) {
        guard let vote = try await OwnerVoteRecord.find(id, on: db) else { throw AppError.notFound }
        return (vote, try access(actor, to: vote, residentCompounds: try await residentCompounds(actor, on: db)))
    }

    /// The votes `actor` may see, newest first.
    static func list(actor: Actor, offset: Int, limit: Int, on db: any Database) async throws -> (items: [OwnerVoteRecord], total: Int) {
        let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor)
        let above = AccessPolicy.ancestors(.viewDeliberation, actor: actor).map(\.rawValue)
        let compounds = try await residentCompounds(actor, on: db)
        guard !scopes.isEmpty || !compounds.isEmpty else { return ([], 0) }
        let query = OwnerVoteRecord.query(on: db).group(.or) { group in
            for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) }
            if !above.isEmpty { group.filter(\.$orgPath ~~ above) }
            if !compounds.isEmpty {
                group.group(.and) { $0.filter(\.$compound.$id ~~ compounds).filter(\.$state != .draft) }
            }
        }
        return try await query.sort(\.$createdAt, .descending).page(offset: offset, limit: limit)
    }

    // MARK: Running a vote

    struct Draft: Sendable {
        let compoundID: UUID
        /// As sent: `create` checks them.
        let title: String?
        let details: String?
        let matter: OwnersVote.Matter
        let closesAt: Date
    }

    static func create(_ draft: Draft, in context: UseCaseContext) async throws -> OwnerVoteRecord {
        let actor = try context.account()
        let title = try Validate.name(draft.title, field: "title")
        let details = try Validate.text(draft.details, field: "description", limit: 4_000)
        let now = context.now
        guard draft.closesAt > now else { throw AppError.invalid("closesAt", "not_in_future") }
        guard draft.closesAt <= now.addingTimeInterval(180 * 86_400) else { throw AppError.invalid("closesAt", "too_far") }
        let userID = actor.userID.uuid
        return try await context.write { db in
            let compound = try await Scoped.find(CompoundRecord.self, draft.compoundID, actor: actor, .viewDeliberation, on: db)
            try Scoped.require(.manageDeliberation, actor: actor, at: compound.orgPath)
            let vote = OwnerVoteRecord(compoundID: compound.id!, orgPath: compound.orgPath, title: title, details: details,
                                       matter: draft.matter, closesAt: draft.closesAt, createdBy: userID, now: now)
            try await vote.create(on: db)
            try await context.audit(AuditEvent(action: "owner_vote.create", objectType: "owner_vote", objectID: vote.id!.uuidString.lowercased(),
                                               change: ["matter": draft.matter.rawValue, "compound": compound.id!.uuidString.lowercased()]), on: db)
            return vote
        }
    }

    /// Fixes the electorate from the compound's units and owners and opens the vote for ballots.
    static func open(_ id: UUID, in context: UseCaseContext) async throws -> OwnerVoteRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (vote, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard vote.state == .draft else { throw AppError.conflict("vote_not_draft") }
            guard vote.closesAt > now else { throw AppError.invalid("closesAt", "not_in_future") }
            let loaded = try await OwnerVoteElectorate.load(compoundID: vote.$compound.id, on: db)
            let electorate = try OwnerVoteElectorate.electorate(of: loaded)
            guard electorate.headcount > 0 else { throw AppError.invalid("electorate", "empty_electorate") }
            for voter in electorate.voters {
                try await OwnerVoteVoterRecord(voteID: vote.id!, voter: voter, unitLabels: voter.units.map { loaded.labels[$0] ?? $0 }).create(on: db)
            }
            vote.state = .open
            vote.openedAt = now
            vote.totalAreaCenti = electorate.totalArea
            vote.totalHeadcount = electorate.headcount
            try await vote.update(on: db)
            try await context.audit(AuditEvent(action: "owner_vote.open", objectType: "owner_vote", objectID: id.uuidString.lowercased(),
                                               change: ["area": String(electorate.totalArea), "headcount": String(electorate.headcount)]), on: db)
            return vote
        }
    }

    /// Where a ballot comes from.
    enum BallotSource: Sendable {
        /// The owner's own, online; `voterKey` names which of their entries when they hold several (a unit of their
        /// own and one they represent for its co-owners), nil when they hold one.
        case online(voterKey: String?)
        /// A paper ballot staff enter for `voterKey`, with the photo of the signed ballot sheet as evidence.
        case paper(voterKey: String, evidence: CasePhoto)
    }

    /// Records a ballot (issue 24 findings 3 and 4). The vote's row is locked by taking the next sequence number,
    /// and the vote must still be open at that moment. A paper ballot is refused (409 `voted_online`) for an owner
    /// who has voted online — staff cannot replace it — keeps its evidence photo, and the owner's accounts are told.
    static func cast(_ id: UUID, choice: OwnersVote.Choice, from source: BallotSource, in context: UseCaseContext) async throws -> OwnerVoteBallotRecord {
        _ = try context.account()
        var evidence: [CasePhoto] = []
        if case .paper(_, let photo) = source { evidence = [photo] }
        var result: OwnerVoteBallotRecord?
        try await CasePhoto.writing(evidence, in: context) { files in
            result = try await cast(id, choice: choice, from: source, evidenceFiles: files, in: context)
        }
        return result!
    }

    static func cast(_ id: UUID, choice: OwnersVote.Choice, from source: BallotSource, evidenceFiles: [(id: UUID, path: String)], in context: UseCaseContext) async throws -> OwnerVoteBallotRecord {
        let actor = try context.account()
        let now = context.now
        let key = context.services.cipher.receiptKey
        let userID = actor.userID.uuid
        return try await context.write { db in
            let (vote, access) = try await visible(id, actor: actor, on: db)
            let voter: OwnerVoteVoterRecord?
            switch source {
            case .paper(let voterKey, _):
                guard access.manage else { throw AppError.forbidden }
                voter = try await OwnerVoteVoterRecord.query(on: db).filter(\.$voteID == id).filter(\.$voterKey == voterKey).first()
                guard voter != nil else { throw AppError.invalid("voterKey", "not_a_voter") }
            case .online(let voterKey):
                guard let person = access.personID else { throw AppError(status: .forbidden, code: "not_an_owner", messageKey: "error.not_an_owner", field: nil) }
                let mine = try await OwnerVoteVoterRecord.query(on: db).filter(\.$voteID == id).filter(\.$castBy == person).sort(\.$units).all()
                if let voterKey {
                    voter = mine.first { $0.voterKey == voterKey }
                    guard voter != nil else { throw AppError.invalid("voterKey", "not_your_entry") }
                } else {
                    guard mine.count <= 1 else { throw AppError.invalid("voterKey", "choose_entry") }
                    voter = mine.first
                }
            }
            guard vote.state == .open, now < vote.closesAt else { throw AppError.conflict("vote_not_open") }
            guard let voter else {
                // A co-owner who is not the unit's representative, a tenant, a family member: not a voter.
                throw AppError(status: .forbidden, code: "not_an_owner", messageKey: "error.not_an_owner", field: nil)
            }
            // The vote's row is locked first (the next number), so that an online ballot arriving at the same moment
            // is either seen here or comes after this one.
            let sequence = try await nextSequence(of: id, on: db)
            if case .paper = source, let online = try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == id)
                .filter(\.$voterKey == voter.voterKey).filter(\.$channel == .online).sort(\.$sequence, .descending).first() {
                var refusal = AppError.conflict("voted_online", field: "voterKey")
                refusal.detail = PageDates.minute(online.castAt)
                throw refusal
            }
            let millis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
            let castAt = Date(timeIntervalSince1970: Double(millis) / 1000)
            let code = BallotReceipt.code(vote: id.uuidString.lowercased(), voterKey: voter.voterKey, choice: choice, castAt: castAt, sequence: sequence, key: key)
            let channel: OwnerVoteBallotRecord.Channel = if case .paper = source { .paper } else { .online }
            let ballot = OwnerVoteBallotRecord(voteID: id, voterKey: voter.voterKey, choice: choice, castAtMillis: millis, sequence: sequence,
                                         receiptCode: code, channel: channel, recordedBy: userID)
            try await ballot.create(on: db)
            if case .paper(_, let photo) = source {
                try await DeliberationPhotos.save([photo], files: evidenceFiles, subject: .paperBallot, id: ballot.id!, uploadedBy: userID, now: now, on: db)
                try await VoteNotices.paperBallot(ballot, voter: voter, vote: vote, now: now, on: db)
            }
            // The choice is secret from the audit log; the receipt code binds it.
            try await context.audit(AuditEvent(action: "owner_vote.ballot", objectType: "owner_vote", objectID: id.uuidString.lowercased(),
                                               change: ["sequence": String(sequence), "channel": ballot.channel.rawValue, "receipt": code]), on: db)
            return ballot
        }
    }

    /// Takes the next ballot number of an open vote under the row's lock (PostgreSQL holds it to the commit; SQLite
    /// writers are serialised by the write gate), so ballots and the closing never interleave.
    static func nextSequence(of id: UUID, on db: any Database) async throws -> Int {
        let rows = try await db.sql().raw("""
            UPDATE owner_votes SET ballot_seq = ballot_seq + 1 WHERE id = \(bind: id) AND state = 'open' RETURNING ballot_seq
            """).all()
        guard let row = rows.first else { throw AppError.conflict("vote_not_open") }
        return try row.decode(column: "ballot_seq", as: Int.self)
    }

    /// Closes the vote once its time is over, tallies the stored ballots and publishes the result.
    static func close(_ id: UUID, in context: UseCaseContext) async throws -> OwnerVoteRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (seen, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard seen.state == .open else { throw AppError.conflict("vote_not_open") }
            guard now >= seen.closesAt else { throw AppError.conflict("vote_still_running") }
            return try await finish(id, in: context, on: db)
        }
    }

    /// The closing itself, in the caller's transaction (a staff member's request, or the background round when the
    /// time is over): lock the row (ballots in flight commit first; a second closer finds it closed and gets 409),
    /// read it again, count, publish, audit.
    static func finish(_ id: UUID, in context: UseCaseContext, on db: any Database) async throws -> OwnerVoteRecord {
        let now = context.now
        _ = try await nextSequence(of: id, on: db)
        guard let vote = try await OwnerVoteRecord.find(id, on: db) else { throw AppError.notFound }
        let tally = try await tally(of: vote, on: db)
        vote.state = .closed
        vote.closedAt = now
        vote.resultJSON = try OwnerVoteTallyDTO(tally).json()
        try await vote.update(on: db)
        try await context.audit(AuditEvent(action: "owner_vote.close", objectType: "owner_vote", objectID: id.uuidString.lowercased(),
                                             change: ["passed": String(tally.passed), "participatingHeadcount": String(tally.participatingHeadcount),
                                                      "participatingArea": String(tally.participatingArea)]), on: db)
        return vote
    }

    /// Closes and publishes every open vote whose time is over (run in the background; safe with two instances).
    static func closeDue(in context: UseCaseContext, batch: Int = 20) async throws -> Int {
        let now = context.now
        let due = try await OwnerVoteRecord.query(on: context.db).filter(\.$state == .open).filter(\.$closesAt <= now).limit(batch).all()
        var closed = 0
        for vote in due {
            do {
                _ = try await context.write { db in try await finish(vote.id!, in: context, on: db) }
                closed += 1
            } catch let error as AppError where error.status == .conflict {
                continue  // another instance closed it first
            }
        }
        return closed
    }

}
