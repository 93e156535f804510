import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// A rectification item (整改, SPEC §8): a supervisor's finding with an owner org, a plan and a deadline; the
/// owner's evidence; the supervisor's verification. Seen through the owner's place in the tree.
final class RectificationRecord: Model, @unchecked Sendable {
    static let schema = "rectifications"

    @ID(key: .id) var id: UUID?
    @Field(key: "owner_node_id") var ownerNodeID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "finding") var finding: String
    @Field(key: "plan") var plan: String
    /// The last day, "YYYY-MM-DD" (Beijing).
    @Field(key: "deadline") var deadline: String
    @Field(key: "evidence") var evidence: String
    @Field(key: "state") var state: RectificationRules.State
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "submitted_by") var submittedBy: UUID?
    @OptionalField(key: "submitted_at") var submittedAt: Date?
    @OptionalField(key: "verified_by") var verifiedBy: UUID?
    @OptionalField(key: "verified_at") var verifiedAt: Date?
    /// The supervisor's words when sending it back or verifying it.
    @Field(key: "review_note") var reviewNote: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $ownerNodeID, $orgPath, $finding, $plan, $deadline, $evidence, $state, $createdBy, $createdAt, $submittedBy, $submittedAt,
            $verifiedBy, $verifiedAt, $reviewNote,
        ]
    }

    init() {}
}

extension RectificationRecord: OrgScoped {
    static var pathKey: KeyPath<RectificationRecord, FieldProperty<RectificationRecord, String>> { \.$orgPath }
}

struct CreateRectifications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RectificationRecord.schema)
            .id()
            .field("owner_node_id", .uuid, .required, .references(OrgNodeRecord.schema, .id))
            .field("org_path", .string, .required)
            .field("finding", .string, .required)
            .field("plan", .string, .required)
            .field("deadline", .string, .required)
            .field("evidence", .string, .required)
            .field("state", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("submitted_by", .uuid)
            .field("submitted_at", .datetime)
            .field("verified_by", .uuid)
            .field("verified_at", .datetime)
            .field("review_note", .string, .required)
            .create()
        try await database.sql().create(index: "idx_rectifications_state_deadline").on(RectificationRecord.schema).column("state").column("deadline").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(RectificationRecord.schema).delete() }
}

struct RectificationDTO: Content {
    let id: UUID
    let ownerNodeId: UUID
    let orgPath: String
    let finding: String
    let plan: String
    let deadline: String
    let evidence: String
    let state: RectificationRules.State
    let overdue: Bool
    let createdAt: Date
    let submittedAt: Date?
    let verifiedAt: Date?
    let reviewNote: String

    init(_ r: RectificationRecord, now: Date) {
        id = r.id!; ownerNodeId = r.ownerNodeID; orgPath = r.orgPath; finding = r.finding; plan = r.plan; deadline = r.deadline
        evidence = r.evidence; state = r.state; createdAt = r.createdAt; submittedAt = r.submittedAt; verifiedAt = r.verifiedAt
        reviewNote = r.reviewNote
        overdue = CivilDate(iso: r.deadline).map { RectificationRules.isOverdue(deadline: $0, state: r.state, now: now) } ?? false
    }
}

/// Rectification items' reads, rules of access and writes, for the API and the pages alike. Everyone who sees
/// cases at the owner's place sees its items; anyone else gets 404. Supervisors (street, district) open items for
/// an org below them and review the evidence; the owner org's staff (who handle its cases) hand the evidence in.
enum Rectifications {
    struct Draft {
        var ownerNodeID: UUID?
        var finding: String?
        var plan: String?
        var deadline: String?
    }

    static func list(actor: Actor, state: RectificationRules.State?, limit: Int = 200, on db: any Database) async throws -> [RectificationRecord] {
        var query = RectificationRecord.query(on: db).visible(to: actor, .viewCases)
        if let state { query = query.filter(\.$state == state) }
        return try await query.sort(\.$deadline).sort(\.$createdAt).limit(limit).all()
    }

    static func find(_ id: UUID?, actor: Actor, on db: any Database) async throws -> RectificationRecord {
        try await Scoped.find(RectificationRecord.self, id, actor: actor, .viewCases, on: db)
    }

    /// Whether `actor` may take `step` on the item, its state apart: the owner's staff hand in evidence; a
    /// supervisor above the owner reviews it, and an org never reviews its own item.
    static func may(_ step: RectificationRules.Step, _ record: RectificationRecord, actor: Actor) -> Bool {
        guard let path = OrgPath(record.orgPath) else { return false }
        if step == .submit { return AccessPolicy.allows(.handleCases, actor: actor, at: path) }
        return AccessPolicy.allows(.superviseCases, actor: actor, at: path) && !actor.grants.contains { $0.path.rawValue == record.orgPath }
    }

    /// The steps `actor` may take on the item now (for the page's forms).
    static func steps(_ record: RectificationRecord, actor: Actor) -> [RectificationRules.Step] {
        RectificationRules.Step.allCases.filter { (try? RectificationRules.next(record.state, $0)) != nil && may($0, record, actor: actor) }
    }

    /// The streets and communities `actor` supervises (an item may be opened for any of them; grids through the API).
    static func owners(actor: Actor, on db: any Database) async throws -> [OrgNodeRecord] {
        guard AccessPolicy.allowsAnywhere(.superviseCases, actor: actor) else { return [] }
        return try await OrgNodeRecord.query(on: db).visible(to: actor, .superviseCases).filter(\.$level ~~ [.street, .community]).filter(\.$party == nil)
            .sort(\.$path).limit(1_000).all()
    }

    static func create(_ draft: Draft, in context: UseCaseContext) async throws -> RectificationRecord {
        let actor = try context.account()
        let owner = try await Scoped.find(OrgNodeRecord.self, draft.ownerNodeID, actor: actor, .superviseCases, on: context.db)
        let finding = try Validate.text(draft.finding, field: "finding", limit: 2_000)
        guard !finding.isEmpty else { throw AppError.invalid("finding", "required") }
        let plan = try Validate.text(draft.plan, field: "plan", limit: 2_000)
        guard let raw = draft.deadline?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { throw AppError.invalid("deadline", "required") }
        guard let deadline = CivilDate(iso: raw), deadline >= CivilDate(context.now) else { throw AppError.invalid("deadline") }
        let record = RectificationRecord()
        record.id = UUID()
        record.ownerNodeID = try owner.requireID()
        record.orgPath = owner.path
        record.finding = finding
        record.plan = plan
        record.deadline = deadline.description
        record.evidence = ""
        record.state = .open
        record.createdBy = actor.userID.uuid
        record.createdAt = context.now
        record.reviewNote = ""
        try await context.write { db in
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "rectification.create", objectType: "rectification", objectID: record.id!.uuidString.lowercased(),
                                               summary: "owner=\(owner.code) deadline=\(deadline)", change: ["finding": finding, "plan": plan]), on: db)
        }
        return record
    }

    /// Takes `step` with `text` (the evidence when submitting, the supervisor's note otherwise). The item is read
    /// again inside the write and its state moved on the condition that it is still the one read, so two reviews
    /// at once cannot both apply: the second finds it moved on (409). (On PostgreSQL the second's UPDATE waits for
    /// the first's row lock, then matches nothing.)
    static func step(_ id: UUID, _ step: RectificationRules.Step, text raw: String?, in context: UseCaseContext) async throws -> RectificationRecord {
        let actor = try context.account()
        let seen = try await find(id, actor: actor, on: context.db)
        guard may(step, seen, actor: actor) else { throw AppError.forbidden }
        let text = try Validate.text(raw, field: "text", limit: 4_000)
        guard step != .submit || !text.isEmpty else { throw AppError.invalid("text", "required") }
        let now = context.now, by = actor.userID.uuid
        return try await context.write { db in
            let record = try await find(id, actor: actor, on: db)
            let before = record.state
            let next: RectificationRules.State
            do throws(RectificationRules.Error) { next = try RectificationRules.next(before, step) } catch {
                throw AppError.conflict("rectification_state")
            }
            let moved = try await db.sql().update(RectificationRecord.schema).set("state", to: SQLBind(next.rawValue))
                .where("id", .equal, SQLBind(id)).where("state", .equal, SQLBind(before.rawValue)).returning("id").all()
            guard !moved.isEmpty else { throw AppError.conflict("rectification_state") }
            record.state = next
            switch step {
            case .submit: record.evidence = text; record.submittedBy = by; record.submittedAt = now
            case .verify: record.reviewNote = text; record.verifiedBy = by; record.verifiedAt = now
            case .sendBack: record.reviewNote = text
            }
            try await record.update(on: db)
            try await context.audit(AuditEvent(action: "rectification.\(step.rawValue)", objectType: "rectification",
                                               objectID: record.id!.uuidString.lowercased(), summary: "state=\(next.rawValue)",
                                               change: ["text": text]), on: db)
            return record
        }
    }
}
