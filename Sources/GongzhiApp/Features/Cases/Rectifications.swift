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
            .field("owner_node_id", .uuid, .required, .references(OrgNode.schema, .id))
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

/// `/api/v1/rectifications`: supervisors (street, district) open items for an org below them and verify the
/// evidence; the owner org's staff (who handle its cases) hand the evidence in. Everyone who sees cases at the
/// owner's place sees its items; anyone else gets 404.
struct RectificationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let items = routes.grouped("api", "v1", "rectifications")
        items.get(use: list)
        items.post(use: create)
        items.get(":id", use: show)
        items.post(":id", ":step", use: step)
    }

    @Sendable func list(_ request: Request) async throws -> [RectificationDTO] {
        let actor = try request.requireActor()
        var query = RectificationRecord.query(on: request.db).visible(to: actor, .viewCases)
        if let raw = try? request.query.get(String.self, at: "state"), !raw.isEmpty {
            guard let state = RectificationRules.State(rawValue: raw) else { throw AppError.invalid("state") }
            query = query.filter(\.$state == state)
        }
        let now = request.now
        return try await query.sort(\.$deadline).sort(\.$createdAt).limit(200).all().map { RectificationDTO($0, now: now) }
    }

    @Sendable func show(_ request: Request) async throws -> RectificationDTO {
        let actor = try request.requireActor()
        return RectificationDTO(try await Scoped.find(RectificationRecord.self, try request.uuidParameter(), actor: actor, .viewCases, on: request.db),
                                now: request.now)
    }

    struct CreateBody: Content {
        var ownerNodeId: UUID?
        var finding: String?
        var plan: String?
        var deadline: String?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.superviseCases)
        let body = try request.content.decode(CreateBody.self)
        let owner = try await Scoped.find(OrgNode.self, body.ownerNodeId, actor: actor, .superviseCases, on: request.db)
        let finding = (body.finding ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2_000).contains(finding.count) else { throw AppError.invalid("finding") }
        let plan = (body.plan ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard plan.count <= 2_000 else { throw AppError.invalid("plan") }
        guard let deadline = body.deadline.flatMap(CivilDate.init(iso:)), deadline >= CivilDate(request.now) else {
            throw AppError.invalid("deadline")
        }
        let record = RectificationRecord()
        record.id = UUID()
        record.ownerNodeID = try owner.requireID()
        record.orgPath = owner.path
        record.finding = finding
        record.plan = plan
        record.deadline = deadline.description
        record.evidence = ""
        record.state = .open
        record.createdBy = UUID(uuidString: actor.userID) ?? UUID()
        record.createdAt = request.now
        record.reviewNote = ""
        try await request.write { db in
            try await record.create(on: db)
            try await request.audit(AuditEvent(action: "rectification.create", objectType: "rectification", objectID: record.id!.uuidString.lowercased(),
                                               summary: "owner=\(owner.code) deadline=\(deadline)", change: ["finding": finding, "plan": plan]), on: db)
        }
        return try await RectificationDTO(record, now: request.now).encodeResponse(status: .created, for: request)
    }

    struct StepBody: Content {
        /// The evidence (submit) or the supervisor's note (verify, send back).
        var text: String?
    }

    @Sendable func step(_ request: Request) async throws -> RectificationDTO {
        let actor = try request.requireActor()
        let record = try await Scoped.find(RectificationRecord.self, try request.uuidParameter(), actor: actor, .viewCases, on: request.db)
        guard let step = request.parameters.get("step").flatMap(RectificationRules.Step.init(rawValue:)) else { throw AppError.notFound }
        // The owner's staff hand in evidence; a supervisor above the owner reviews it.
        try Scoped.require(step == .submit ? .handleCases : .superviseCases, actor: actor, at: record.orgPath)
        if step != .submit, actor.grants.contains(where: { $0.path.rawValue == record.orgPath }) { throw AppError.forbidden }
        let body = try request.content.decode(StepBody.self)
        let text = (body.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 4_000, step != .submit || !text.isEmpty else { throw AppError.invalid("text") }
        let next: RectificationRules.State
        do throws(RectificationRules.Error) { next = try RectificationRules.next(record.state, step) } catch {
            throw AppError.conflict("rectification_state")
        }
        let now = request.now, by = UUID(uuidString: actor.userID)
        record.state = next
        switch step {
        case .submit: record.evidence = text; record.submittedBy = by; record.submittedAt = now
        case .verify: record.reviewNote = text; record.verifiedBy = by; record.verifiedAt = now
        case .sendBack: record.reviewNote = text
        }
        try await request.write { db in
            try await record.update(on: db)
            try await request.audit(AuditEvent(action: "rectification.\(step.rawValue)", objectType: "rectification",
                                               objectID: record.id!.uuidString.lowercased(), summary: "state=\(next.rawValue)",
                                               change: ["text": text]), on: db)
        }
        return RectificationDTO(record, now: now)
    }
}
