import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// The residents' convention: staff who run the community's deliberation write it, open it for comments, publish
/// or turn down comments with a reason, revise it and adopt it on a recorded basis; residents comment while it is
/// open and pledge to the adopted text (a pledge earns points by the community's rule, once). Residents see it once
/// it leaves the draft; staff who see the community's deliberation see it always.
enum Conventions {
    struct Access: Sendable {
        let manage: Bool
        let staff: Bool
        let resident: Bool
    }

    static func access(_ actor: Actor?, _ convention: ConventionRecord, on db: any Database) async throws -> Access {
        let place = OrgPath(convention.orgPath) ?? .root
        let staff = actor.map { AccessPolicy.reaches(.viewDeliberation, actor: $0, place: place) } ?? false
        let manage = actor.map { AccessPolicy.allows(.manageDeliberation, actor: $0, at: place) } ?? false
        var resident = false
        if let actor, let (_, community) = try? await Activities.residentOf(actor, on: db) { resident = community.id == convention.communityID }
        // Once public (under comment or adopted) anyone may read it, like the noticeboard; the draft is the staff's.
        guard staff || convention.state != .draft else { throw AppError.notFound }
        return Access(manage: manage, staff: staff, resident: resident)
    }

    static func find(_ id: UUID, on db: any Database) async throws -> ConventionRecord {
        guard let record = try await ConventionRecord.find(id, on: db) else { throw AppError.notFound }
        return record
    }

    /// A community's conventions the reader may see, newest first.
    static func list(community: UUID, actor: Actor?, on db: any Database) async throws -> [ConventionRecord] {
        var result: [ConventionRecord] = []
        for record in try await ConventionRecord.query(on: db).filter(\.$communityID == community).sort(\.$createdAt, .descending).limit(50).all() {
            if (try? await access(actor, record, on: db)) != nil { result.append(record) }
        }
        return result
    }

    static func text(_ raw: String?) throws -> String {
        let text = try Validate.text(raw, field: "text", limit: 20_000)
        guard !text.isEmpty else { throw AppError.invalid("text", "required") }
        return text
    }

    static func addVersion(_ convention: ConventionRecord, number: Int, text: String, note: String, by userID: UUID, now: Date, on db: any Database) async throws {
        let version = ConventionVersionRecord()
        version.id = UUID()
        version.conventionID = convention.id!
        version.number = number
        version.text = text
        version.note = note
        version.createdBy = userID
        version.createdAt = now
        try await version.create(on: db)
    }

    static func create(communityID: OrgNodeID?, title raw: String?, text rawText: String?, in context: UseCaseContext) async throws -> ConventionRecord {
        let actor = try context.account()
        try Points.requireRunsSomeCommunity(actor)
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(communityID?.uuid, actor: actor, on: db)
            let title = try Validate.name(raw, field: "title")
            let text = try text(rawText)
            let record = ConventionRecord()
            record.id = UUID()
            record.communityID = community.id!
            record.orgPath = community.path
            record.title = title
            record.state = .draft
            record.version = 1
            record.adoptionBasis = ""
            record.createdAt = now
            try await record.create(on: db)
            try await addVersion(record, number: 1, text: text, note: "", by: actor.userID.uuid, now: now, on: db)
            try await context.audit(AuditEvent(action: "convention.create", objectType: "convention", objectID: record.id!.uuidString.lowercased()), on: db)
            return record
        }
    }

    struct StepInput: Sendable {
        let step: Convention.Step?
        /// `revise`: the new text and what changed.
        let text: String?
        let note: String?
        /// `consult`: when comments close.
        let until: Date?
        /// `adopt`: how residents adopted it, and a link to the meeting, poll or vote (optional).
        let basis: String?
        let link: String?
    }

    static func step(_ id: UUID, _ input: StepInput, in context: UseCaseContext) async throws -> ConventionRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let record = try await find(id, on: db)
            let access = try await access(actor, record, on: db)
            guard access.manage else { throw access.staff ? AppError.forbidden : AppError.notFound }
            guard let step = input.step else { throw AppError.invalid("step", "required") }
            let next: Convention.State
            do { next = try Convention.next(record.state, step) } catch { throw AppError.conflict("convention_state", field: "step") }
            switch step {
            case .revise:
                let text = try text(input.text)
                let note = try Validate.text(input.note, field: "note", limit: 500)
                record.version += 1
                do {
                    try await addVersion(record, number: record.version, text: text, note: note, by: actor.userID.uuid, now: now, on: db)
                } catch let error as any DatabaseError where error.isConstraintFailure { throw AppError.conflict("convention_state") }
                record.commentUntil = nil
            case .consult:
                guard let until = input.until else { throw AppError.invalid("until", "required") }
                do { try Convention.checkPeriod(until: until, now: now) } catch { throw AppError.invalid("until", "period_out_of_range") }
                record.commentUntil = until
            case .adopt:
                let basis = try Validate.text(input.basis, field: "basis", limit: 1_000)
                guard !basis.isEmpty else { throw AppError.invalid("basis", "required") }
                let link = try Validate.text(input.link, field: "link", limit: 200)
                guard link.isEmpty || (link.hasPrefix("/") && !link.hasPrefix("//") && !link.contains("\\")) else { throw AppError.invalid("link") }
                record.adoptionBasis = basis
                record.adoptionLink = link.isEmpty ? nil : link
                record.adoptedAt = now
            }
            record.state = next
            try await record.update(on: db)
            try await context.audit(AuditEvent(action: "convention.\(step.rawValue)", objectType: "convention", objectID: id.uuidString.lowercased(),
                                               change: ["version": String(record.version)]), on: db)
            return record
        }
    }

    /// A resident's comment while the convention is open for them: held until staff publish it.
    static func comment(_ id: UUID, text raw: String?, in context: UseCaseContext) async throws -> ConventionCommentRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let record = try await find(id, on: db)
            let access = try await access(actor, record, on: db)
            guard access.resident else { throw AppError(status: .forbidden, code: "residents_only", messageKey: "error.residents_only", field: nil) }
            guard Convention.acceptsComments(record.state, until: record.commentUntil, now: now) else { throw AppError.conflict("comments_closed") }
            let text = try Validate.text(raw, field: "text", limit: 2_000)
            guard !text.isEmpty else { throw AppError.invalid("text", "required") }
            let comment = ConventionCommentRecord()
            comment.id = UUID()
            comment.conventionID = id
            comment.version = record.version
            comment.userID = actor.userID.uuid
            comment.text = text
            comment.state = .pending
            comment.reason = ""
            comment.createdAt = now
            try await comment.create(on: db)
            return comment
        }
    }

    /// Publishes a comment, or turns it down with the reason its writer sees.
    static func moderate(_ commentID: UUID, publish: Bool?, reason raw: String?, in context: UseCaseContext) async throws -> ConventionCommentRecord {
        let actor = try context.account()
        return try await context.write { db in
            guard let comment = try await ConventionCommentRecord.find(commentID, on: db) else { throw AppError.notFound }
            let record = try await find(comment.conventionID, on: db)
            let access = try await access(actor, record, on: db)
            guard access.manage else { throw access.staff ? AppError.forbidden : AppError.notFound }
            guard let publish else { throw AppError.invalid("decision", "required") }
            let reason = try Validate.text(raw, field: "reason", limit: 500)
            guard publish || !reason.isEmpty else { throw AppError.invalid("reason", "required") }
            guard comment.state == .pending else { throw AppError.conflict("already_moderated") }
            comment.state = publish ? .published : .rejected
            comment.reason = reason
            comment.moderatedBy = actor.userID.uuid
            try await comment.update(on: db)
            try await context.audit(AuditEvent(action: "convention.moderate", objectType: "convention_comment", objectID: commentID.uuidString.lowercased(),
                                               change: ["published": String(publish)]), on: db)
            return comment
        }
    }

    /// The resident pledges to the adopted version (once); in the same transaction the community's rule for pledges
    /// credits points (none without a rule or past its caps).
    static func pledge(_ id: UUID, in context: UseCaseContext) async throws -> ConventionPledgeRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let record = try await find(id, on: db)
            let access = try await access(actor, record, on: db)
            guard access.resident, let person = actor.personID?.uuid else { throw AppError(status: .forbidden, code: "residents_only", messageKey: "error.residents_only", field: nil) }
            guard record.state == .adopted else { throw AppError.conflict("not_adopted") }
            if let done = try await ConventionPledgeRecord.query(on: db).filter(\.$conventionID == id).filter(\.$version == record.version).filter(\.$personID == person).first() {
                return done
            }
            let pledge = ConventionPledgeRecord()
            pledge.id = UUID()
            pledge.conventionID = id
            pledge.version = record.version
            pledge.personID = person
            pledge.pledgedAt = now
            do { try await pledge.create(on: db) } catch let error as any DatabaseError where error.isConstraintFailure { throw AppError.conflict("already_pledged") }
            if let community = try await OrgNodeRecord.find(record.communityID, on: db) {
                do {
                    // `no_rule` and `cap_reached` come before any transfer is written: the pledge stands without points.
                    _ = try await Points.credit(community: community, personID: PersonID(person), earning: .pledge, units: 1, note: record.title,
                                                id: LedgerStore.derivedID(pledge.id!, "pledge"), by: nil, now: now, in: context, on: db)
                } catch let error as AppError where error.code == "no_rule" || error.code == "cap_reached" {}
            }
            return pledge
        }
    }
}
