import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Residents' polls (民意调查): drafted, opened and closed by staff; residents of the community (or compound) vote,
/// one vote per resident or per household, and may change it while the poll is open.
enum Polls {
    typealias Access = DeliberationScope.Access

    /// Residents see a poll once it is open; staff of the community always.
    static func visible(_ id: UUID, actor: Actor, on db: any Database) async throws -> (PollRecord, Access) {
        guard let poll = try await PollRecord.find(id, on: db) else { throw AppError.notFound }
        return (poll, try DeliberationScope.access(actor, at: poll.orgPath, residents: poll.state != .draft))
    }

    static func list(actor: Actor, offset: Int, limit: Int, on db: any Database) async throws -> (items: [PollRecord], total: Int) {
        guard let query = DeliberationScope.visible(PollRecord.query(on: db), actor: actor, path: \.$orgPath,
                                                    residentFilter: { $0.filter(\.$state != .draft) }) else { return ([], 0) }
        return try await query.sort(\.$createdAt, .descending).page(offset: offset, limit: limit)
    }

    struct Draft: Sendable {
        let communityID: UUID
        let compoundID: UUID?
        /// As sent: `create` checks the title, the description and the options.
        let title: String?
        let details: String?
        let options: [String]
        let multipleChoice: Bool
        let unit: ResidentPoll.Unit
        let closesAt: Date
    }

    /// 2 to 20 options of 1–100 characters each, none twice.
    static func checkedOptions(_ raw: [String]) throws -> [String] {
        let options = try raw.map { try Validate.name($0, field: "options") }
        guard (2...20).contains(options.count), Set(options).count == options.count else { throw AppError.invalid("options", "bad_options") }
        return options
    }

    static func create(_ draft: Draft, in context: UseCaseContext) async throws -> PollRecord {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let now = context.now
        let title = try Validate.name(draft.title, field: "title")
        let details = try Validate.text(draft.details, field: "description", limit: 4_000)
        let options = try checkedOptions(draft.options)
        guard draft.closesAt > now else { throw AppError.invalid("closesAt", "not_in_future") }
        guard draft.closesAt <= now.addingTimeInterval(180 * 86_400) else { throw AppError.invalid("closesAt", "too_far") }
        return try await context.write { db in
            let community = try await Scoped.find(OrgNodeRecord.self, draft.communityID, actor: actor, .viewDeliberation, on: db)
            guard community.isArea(.community) else { throw AppError.invalid("communityId", "not_a_community") }
            try Scoped.require(.manageDeliberation, actor: actor, at: community.path)
            if let compound = draft.compoundID {
                guard try await CompoundRecord.find(compound, on: db)?.$community.id == community.id else { throw AppError.invalid("compoundId", "not_found") }
            }
            let poll = PollRecord(communityID: community.id!, orgPath: community.path, compoundID: draft.compoundID, title: title,
                                  details: details, options: options, multipleChoice: draft.multipleChoice, unit: draft.unit,
                                  closesAt: draft.closesAt, createdBy: userID, now: now)
            try await poll.create(on: db)
            try await context.audit(AuditEvent(action: "poll.create", objectType: "poll", objectID: poll.id!.uuidString.lowercased(),
                                               change: ["title": title, "options": String(options.count)]), on: db)
            return poll
        }
    }

    /// Opens a draft, or closes an open poll (early closing is allowed: polls are not binding).
    static func move(_ id: UUID, to state: PollRecord.State, in context: UseCaseContext) async throws -> PollRecord {
        let actor = try context.account()
        return try await context.write { db in
            let (_, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            return try await transition(id, to: state, in: context, on: db)
        }
    }

    /// Closes every open poll whose time is over (run in the background; safe with two instances).
    static func closeDue(in context: UseCaseContext, batch: Int = 50) async throws -> Int {
        let now = context.now
        var closed = 0
        for poll in try await PollRecord.query(on: context.db).filter(\.$state == .open).filter(\.$closesAt <= now).limit(batch).all() {
            do {
                _ = try await context.write { db in try await transition(poll.id!, to: .closed, in: context, on: db) }
                closed += 1
            } catch let error as AppError where error.status == .conflict {
                continue
            }
        }
        return closed
    }

    /// Moves a poll from draft to open or from open to closed under the row's lock (so that no vote slips in after
    /// the closing), in the caller's transaction; 409 when it is not in the state to move from.
    static func transition(_ id: UUID, to state: PollRecord.State, in context: UseCaseContext, on db: any Database) async throws -> PollRecord {
        let now = context.now
        let from: PollRecord.State = state == .open ? .draft : .open
        let moved = try await db.sql().raw("""
            UPDATE polls SET state = \(bind: state.rawValue), vote_seq = vote_seq + 1 WHERE id = \(bind: id) AND state = \(bind: from.rawValue) RETURNING vote_seq
            """).all()
        guard !moved.isEmpty, let poll = try await PollRecord.find(id, on: db) else { throw AppError.conflict("poll_state") }
        if state == .closed {
            poll.closedAt = now
            try await poll.update(on: db)
        }
        try await context.audit(AuditEvent(action: "poll.\(state.rawValue)", objectType: "poll", objectID: id.uuidString.lowercased()), on: db)
        return poll
    }

    /// The household of `personID` that votes in `poll` (in its community, and compound if set).
    static func household(of personID: UUID?, in poll: PollRecord, on db: any Database) async throws -> HouseholdRecord? {
        guard let personID else { return nil }
        let members = try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == personID).with(\.$household) { $0.with(\.$unit) { $0.with(\.$building) } }.all()
        return members.map(\.household).first { household in
            household.orgPath.hasPrefix(poll.orgPath) && (poll.compoundID == nil || household.unit.building.$compound.id == poll.compoundID)
        }
    }

    static func vote(_ id: UUID, choices: [Int], in context: UseCaseContext) async throws -> PollVoteRecord {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let now = context.now
        return try await context.write { db in
            let (poll, access) = try await visible(id, actor: actor, on: db)
            guard access.resident else { throw AppError(status: .forbidden, code: "residents_only_poll", messageKey: "error.residents_only_poll", field: nil) }
            let chosen: [Int]
            do { chosen = try ResidentPoll.check(choices, rules: poll.rules) } catch { throw AppError.invalid("choices", "bad_choices") }
            let household = try await household(of: actor.personID?.uuid, in: poll, on: db)
            if poll.unit == .household || poll.compoundID != nil, household == nil {
                throw AppError(status: .forbidden, code: "no_household", messageKey: "error.no_household", field: nil)
            }
            guard poll.state == .open, now < poll.closesAt else { throw AppError.conflict("poll_not_open") }
            let rows = try await db.sql().raw("UPDATE polls SET vote_seq = vote_seq + 1 WHERE id = \(bind: id) AND state = 'open' RETURNING vote_seq").all()
            guard let sequence = try rows.first?.decode(column: "vote_seq", as: Int.self) else { throw AppError.conflict("poll_not_open") }
            let vote = PollVoteRecord(pollID: id, userID: userID, householdID: household?.id, choices: chosen, castAt: now, sequence: sequence)
            try await vote.create(on: db)
            return vote
        }
    }

    /// The counts, as `ResidentPoll.tally` makes them from the stored votes.
    static func result(of poll: PollRecord, on db: any Database) async throws -> ResidentPoll.Result {
        let votes = try await PollVoteRecord.query(on: db).filter(\.$pollID == poll.id!).all()
        return ResidentPoll.tally(votes.map(\.core), rules: poll.rules)
    }

    /// The caller's last vote (or their household's, in a per-household poll).
    static func mine(in poll: PollRecord, actor: Actor, on db: any Database) async throws -> PollVoteRecord? {
        let userID = actor.userID.uuid
        var query = PollVoteRecord.query(on: db).filter(\.$pollID == poll.id!)
        if poll.unit == .household, let household = try await household(of: actor.personID?.uuid, in: poll, on: db) {
            query = query.filter(\.$householdID == household.id!)
        } else {
            query = query.filter(\.$userID == userID)
        }
        return try await query.sort(\.$sequence, .descending).first()
    }
}

struct PollDTO: Content {
    struct Option: Content {
        let index: Int
        let text: String
        /// Shown once the poll is closed (to staff also while open).
        let votes: Int?
    }

    let id: UUID
    let communityId: UUID
    let compoundId: UUID?
    let title: String
    let description: String
    let multipleChoice: Bool
    let unit: ResidentPoll.Unit
    let state: PollRecord.State
    let closesAt: Date
    let options: [Option]
    let participants: Int?
    let myChoices: [Int]?

    init(_ poll: PollRecord, result: ResidentPoll.Result? = nil, mine: PollVoteRecord? = nil) {
        id = poll.id!
        communityId = poll.communityID
        compoundId = poll.compoundID
        title = poll.title
        description = poll.details
        multipleChoice = poll.multipleChoice
        unit = poll.unit
        state = poll.state
        closesAt = poll.closesAt
        options = poll.options.enumerated().map { index, text in
            Option(index: index, text: text, votes: result.map { index < $0.counts.count ? $0.counts[index] : 0 })
        }
        participants = result?.participants
        myChoices = mine?.chosen
    }

    static func detail(_ poll: PollRecord, access: Polls.Access, actor: Actor, on db: any Database) async throws -> PollDTO {
        let result = access.staff || poll.state == .closed ? try await Polls.result(of: poll, on: db) : nil
        return PollDTO(poll, result: result, mine: access.resident ? try await Polls.mine(in: poll, actor: actor, on: db) : nil)
    }
}

