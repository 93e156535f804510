import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// A follow-up (回访) of a case (`FollowUpRules`): the phone call in which staff recorded a rating for the resident,
/// or a follow-up after closing drawn for a sample of closed cases, due within five working days.
final class CaseFollowUpRecord: Model, @unchecked Sendable {
    static let schema = "case_follow_ups"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "kind") var kind: FollowUpRules.Kind
    @Field(key: "state") var state: FollowUpRules.State
    /// Where the case is (its place path): who may see and record the follow-up.
    @Field(key: "org_path") var orgPath: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "due_at") var dueAt: Date?
    /// The call: when, by whom, and what the resident said.
    @OptionalField(key: "called_at") var calledAt: Date?
    @OptionalField(key: "called_by") var calledBy: UUID?
    @Field(key: "called_by_name") var calledByName: String
    @Field(key: "resident_said") var residentSaid: String
    @OptionalField(key: "solved") var solved: Bool?
    @OptionalField(key: "satisfaction") var satisfaction: String?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [$id, $caseID, $kind, $state, $orgPath, $createdAt, $dueAt, $calledAt, $calledBy, $calledByName, $residentSaid, $solved, $satisfaction]
    }

    init() {}
}

struct CreateCaseFollowUps: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseFollowUpRecord.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, "id"))
            .field("kind", .string, .required)
            .field("state", .string, .required)
            .field("org_path", .string, .required)
            .field("created_at", .datetime, .required)
            .field("due_at", .datetime)
            .field("called_at", .datetime)
            .field("called_by", .uuid)
            .field("called_by_name", .string, .required)
            .field("resident_said", .string, .required)
            .field("solved", .bool)
            .field("satisfaction", .string)
            .create()
        try await database.sql().create(index: "idx_follow_ups_case").on(CaseFollowUpRecord.schema).column("case_id").run()
        try await database.sql().create(index: "idx_follow_ups_due").on(CaseFollowUpRecord.schema).column("state").column("due_at").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(CaseFollowUpRecord.schema).delete() }
}

enum CaseFollowUps {
    /// A phone follow-up that recorded the rating: who called (the acting account), when, and what the resident said.
    static func recordRatingCall(_ record: CaseRecord, calledAt: Date, residentSaid: String, actor: Actor, actorName: String, now: Date,
                                 on db: any Database) async throws {
        let call = CaseFollowUpRecord()
        call.id = UUID(); call.caseID = record.id!; call.kind = .ratingCall; call.state = .done; call.orgPath = record.placePath
        call.createdAt = now; call.calledAt = calledAt; call.calledBy = actor.userID.uuid; call.calledByName = actorName
        call.residentSaid = residentSaid; call.solved = record.ratingSolved; call.satisfaction = record.ratingSatisfaction
        try await call.create(on: db)
    }

    /// Schedules the follow-up after closing when the closed case is drawn (`FollowUpRules.isDrawn`).
    static func scheduleIfDrawn(_ record: CaseRecord, perMille: Int, calendar: WorkingCalendar, now: Date, on db: any Database) async throws {
        guard record.state == .closed, FollowUpRules.isDrawn(caseID: record.id!, perMille: perMille) else { return }
        // Once per case, even when it is reopened and closed again.
        guard try await CaseFollowUpRecord.query(on: db).filter(\.$caseID == record.id!).filter(\.$kind == .afterClose).count() == 0 else { return }
        let visit = CaseFollowUpRecord()
        visit.id = UUID(); visit.caseID = record.id!; visit.kind = .afterClose; visit.state = .due; visit.orgPath = record.placePath
        visit.createdAt = now; visit.dueAt = calendar.deadline(from: now, workingDays: FollowUpRules.afterCloseWorkingDays)
        visit.calledByName = ""; visit.residentSaid = ""
        try await visit.create(on: db)
    }

    /// The follow-ups after closing still due at the places where `actor` dispatches or supervises cases, soonest first.
    static func due(for actor: Actor, limit: Int = 50, on db: any Database) async throws -> [CaseFollowUpRecord] {
        let scopes = AccessPolicy.scopes(.dispatchCases, actor: actor) + AccessPolicy.scopes(.superviseCases, actor: actor)
        guard !scopes.isEmpty else { return [] }
        return try await CaseFollowUpRecord.query(on: db).filter(\.$state == .due).filter(\.$kind == .afterClose)
            .group(.or) { group in for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) } }
            .sort(\.$dueAt).limit(limit).all()
    }

    /// A follow-up at a place where `actor` dispatches or supervises cases, or 404.
    static func visible(_ id: UUID, actor: Actor, on db: any Database) async throws -> CaseFollowUpRecord {
        guard let visit = try await CaseFollowUpRecord.find(id, on: db), let path = OrgPath(visit.orgPath),
              AccessPolicy.allows(.dispatchCases, actor: actor, at: path) || AccessPolicy.allows(.superviseCases, actor: actor, at: path)
        else { throw AppError.notFound }
        return visit
    }

    /// Records the outcome of a follow-up after closing: reached (what the resident said, solved, satisfied) or not.
    static func record(_ id: UUID, reached: Bool, residentSaid: String, solved: Bool?, satisfaction: CaseActions.Satisfaction?,
                       in context: UseCaseContext) async throws -> CaseFollowUpRecord {
        let actor = try context.account(), now = context.now
        let actorName = context.actorName.isEmpty ? actor.username : context.actorName
        let words = residentSaid.trimmingCharacters(in: .whitespacesAndNewlines)
        if reached {
            guard words.count >= 2, words.count <= FollowUpRules.maxWords else { throw AppError.invalid("residentSaid", "required") }
            guard solved != nil, satisfaction != nil else { throw AppError.invalid("satisfaction", "required") }
        } else {
            guard words.count <= FollowUpRules.maxWords else { throw AppError.invalid("residentSaid", "too_long") }
        }
        return try await context.write { db in
            let visit = try await visible(id, actor: actor, on: db)
            guard visit.state == .due else { throw AppError.conflict("follow_up_recorded") }
            visit.state = reached ? .done : .unreachable
            visit.calledAt = now; visit.calledBy = actor.userID.uuid; visit.calledByName = actorName
            visit.residentSaid = words; visit.solved = reached ? solved : nil; visit.satisfaction = reached ? satisfaction?.rawValue : nil
            try await visit.update(on: db)
            try await context.audit(AuditEvent(action: "follow_up.record", objectType: "case", objectID: visit.caseID.uuidString.lowercased(),
                                               change: ["state": visit.state.rawValue, "satisfaction": visit.satisfaction ?? ""]), on: db)
            return visit
        }
    }
}

struct FollowUpDTO: Content {
    let id: UUID
    let caseId: UUID
    let kind: FollowUpRules.Kind
    let state: FollowUpRules.State
    let dueAt: Date?
    let calledAt: Date?
    let calledBy: String
    let residentSaid: String
    let solved: Bool?
    let satisfaction: String?

    init(_ f: CaseFollowUpRecord) {
        id = f.id!; caseId = f.caseID; kind = f.kind; state = f.state; dueAt = f.dueAt; calledAt = f.calledAt; calledBy = f.calledByName
        residentSaid = f.residentSaid; solved = f.solved; satisfaction = f.satisfaction
    }
}

