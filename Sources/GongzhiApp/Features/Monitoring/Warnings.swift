import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// An early warning (SPEC §9) at a place of the tree: a red case, an overdue rectification, a hotspot, a repeat
/// complainant.
final class WarningRecord: Model, @unchecked Sendable {
    static let schema = "warnings"

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: WarningRules.Kind
    /// What it is about, once: "sla_red:<case>", "response:<case>", "rectification:<item>", "hotspot:<grid>:<category>:<window start>",
    /// "repeat:<person>:<item>".
    @Field(key: "dedupe_key") var dedupeKey: String
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "case_id") var caseID: UUID?
    /// Words the same in every language: a case number, a count, a category code.
    @Field(key: "detail") var detail: String
    @Field(key: "state") var state: WarningRules.State
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "handled_by") var handledBy: UUID?
    @OptionalField(key: "handled_at") var handledAt: Date?
    @Field(key: "note") var note: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $kind, $dedupeKey, $orgPath, $caseID, $detail, $state, $createdAt, $handledBy, $handledAt, $note
        ]
    }

    init() {}
}

struct CreateWarnings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WarningRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("org_path", .string, .required)
            .field("case_id", .uuid)
            .field("detail", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .datetime, .required)
            .field("handled_by", .uuid)
            .field("handled_at", .datetime)
            .field("note", .string, .required)
            .unique(on: "dedupe_key")
            .create()
        try await database.sql().create(index: "idx_warnings_path").on(WarningRecord.schema).column("org_path").column("state").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(WarningRecord.schema).delete() }
}

enum Warnings {
    /// A new open warning (not yet saved).
    static func raised(_ kind: WarningRules.Kind, key: String, path: String, caseID: UUID?, detail: String, now: Date) -> WarningRecord {
        let w = WarningRecord()
        w.id = UUID(); w.kind = kind; w.dedupeKey = key; w.orgPath = path; w.caseID = caseID; w.detail = detail
        w.state = .open; w.createdAt = now; w.note = ""
        return w
    }

    /// The one warning of an emergency case.
    static func emergencyKey(_ caseID: UUID) -> String { "emergency:\(caseID.uuidString.lowercased())" }

    /// Evaluates every rule and records the warnings not yet recorded (a unique key makes two instances harmless);
    /// red-case warnings whose case is no longer red resolve themselves. Returns the warnings it added.
    @discardableResult
    static func evaluate(_ context: UseCaseContext) async throws -> Int {
        // Hotspots read the rollups: bring them up to date first.
        _ = try await KPIRollups.catchUpAll(context, limit: 50)
        let now = context.now
        var candidates: [WarningRecord] = []
        func candidate(_ kind: WarningRules.Kind, key: String, path: String, caseID: UUID? = nil, detail: String) {
            candidates.append(raised(kind, key: key, path: path, caseID: caseID, detail: detail, now: now))
        }
        let db = context.db
        let settings = try await WarningSettingsStore.current(on: db)
        // Red cases.
        for record in try await CaseRecord.query(on: db).filter(\.$slaLevel == .red).filter(\.$state !~ [.closed, .rejected, .merged])
            .field(\.$id).field(\.$number).field(\.$placePath).limit(5_000).all() {
            candidate(.slaRed, key: "sla_red:\(record.id!.uuidString.lowercased())", path: record.placePath, caseID: record.id, detail: record.number)
        }
        // Emergencies the one responsible has not signed for yet (intake raised their warning already; this keeps it
        // open until then: accepting and passing it on is not yet help on the spot).
        for record in try await CaseRecord.query(on: db).filter(\.$emergencyMinutes != nil).filter(\.$signedAt == nil)
            .filter(\.$state !~ [.closed, .rejected, .merged])
            .field(\.$id).field(\.$number).field(\.$placePath).limit(5_000).all() {
            candidate(.emergency, key: Warnings.emergencyKey(record.id!), path: record.placePath, caseID: record.id, detail: record.number)
        }
        // Cases not signed by their response limit (a suspended case's limit is stopped; rejected and merged cases
        // are not waiting), read state by state through the index on (state, completion_due_at).
        for state in [CaseState.submitted, .accepted, .dispatched, .returned, .arbitration, .escalated] {
            for record in try await CaseRecord.query(on: db).filter(\.$state == state).filter(\.$signedAt == nil)
                .filter(\.$responseDueAt <= now).field(\.$id).field(\.$number).field(\.$placePath).limit(5_000).all() {
                candidate(.responseOverdue, key: "response:\(record.id!.uuidString.lowercased())", path: record.placePath, caseID: record.id,
                          detail: record.number)
            }
        }
        // Rectification items past their deadline day and not verified.
        let today = DayNumber(CivilDate(now))
        for item in try await RectificationRecord.query(on: db).filter(\.$state != .verified)
            .filter(\.$deadline < today.civil.description).field(\.$id).field(\.$orgPath).field(\.$deadline).limit(5_000).all() {
            candidate(.overdueRectification, key: "rectification:\(item.id!.uuidString.lowercased())", path: item.orgPath, detail: item.deadline)
        }
        // Hotspots, from the rollups: a category in a grid, the recent window against the baseline before it.
        let windowStart = DayNumber(today.value - settings.hotspotWindowDays + 1).civil.description
        let baselineStart = DayNumber(today.value - settings.hotspotWindowDays - settings.hotspotBaselineDays + 1).civil.description
        let rows = try await db.sql().raw("""
            SELECT place_path, category,
                   CAST(SUM(CASE WHEN day >= \(bind: windowStart) THEN intake ELSE 0 END) AS BIGINT) AS recent,
                   CAST(SUM(CASE WHEN day < \(bind: windowStart) THEN intake ELSE 0 END) AS BIGINT) AS before
            FROM kpi_rollups WHERE day >= \(bind: baselineStart) AND day <= \(bind: today.civil.description)
            GROUP BY place_path, category
            """).all()
        var counts: [WarningRules.Counts] = []
        for row in rows {
            counts.append(.init(grid: try row.decode(column: "place_path", as: String.self), category: try row.decode(column: "category", as: String.self),
                                window: try row.decode(column: "recent", as: Int.self), baseline: try row.decode(column: "before", as: Int.self)))
        }
        for hot in WarningRules.hotspots(counts, settings: settings) {
            candidate(.hotspot, key: "hotspot:\(hot.grid):\(hot.category):\(windowStart)", path: hot.grid,
                      detail: "\(hot.category) \(hot.window)/\(hot.baseline)")
        }
        // Repeat complainants: one person, one item, again and again within the window.
        let since = now.addingTimeInterval(-Double(settings.repeatDays) * 86_400)
        for group in try await repeatGroups(since: since, settings: settings, on: db) {
            candidate(.repeatComplainant, key: "repeat:\(group.person.uuidString.lowercased()):\(group.item)", path: group.place,
                      detail: "\(group.item) ×\(group.count) \(group.latest)")
        }
        let found = candidates
        return try await context.write { db in
            let known = Set(try await WarningRecord.query(on: db).filter(\.$dedupeKey ~~ found.map(\.dedupeKey)).all().map(\.dedupeKey))
            var added = 0
            for warning in found where !known.contains(warning.dedupeKey) {
                added += try await db.sql().raw("""
                    INSERT INTO warnings (id, kind, dedupe_key, org_path, case_id, detail, state, created_at, note)
                    VALUES (\(bind: warning.id!), \(bind: warning.kind.rawValue), \(bind: warning.dedupeKey), \(bind: warning.orgPath), \(bind: warning.caseID),
                            \(bind: warning.detail), 'open', \(bind: now), '')
                    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
                    """).all().count
            }
            // Red cases that are handled or no longer red, and late cases since signed (or closed): their warnings
            // are resolved by the system.
            let selfResolving: [WarningRules.Kind] = [.slaRed, .responseOverdue, .emergency]
            let current = Set(found.filter { selfResolving.contains($0.kind) }.map(\.dedupeKey))
            for warning in try await WarningRecord.query(on: db).filter(\.$kind ~~ selfResolving).filter(\.$state != .resolved).all()
            where !current.contains(warning.dedupeKey) {
                warning.state = .resolved
                warning.handledAt = now
                warning.note = "system"
                try await warning.update(on: db)
            }
            return added
        }
    }

    struct RepeatGroup: Sendable, Equatable {
        let person: UUID
        let item: String
        let count: Int
        let place: String
        let latest: String
    }

    /// One person's cases about one item opened since `since`, where `WarningRules.isRepeat` holds. The database
    /// counts (`HAVING`, the same threshold); the Core rule then has the last word (a test runs both on random data).
    static func repeatGroups(since: Date, settings: WarningRules.Settings, on db: any Database) async throws -> [RepeatGroup] {
        try await db.sql().raw("""
            SELECT submitter_person_id AS person, item_code AS item, COUNT(*) AS n, MAX(place_path) AS place, MAX(number) AS latest
            FROM cases WHERE submitter_person_id IS NOT NULL AND opened_at >= \(bind: since)
            GROUP BY submitter_person_id, item_code HAVING COUNT(*) >= \(bind: settings.repeatMinimum)
            """).all().map { row in
                RepeatGroup(person: try row.decode(column: "person", as: UUID.self), item: try row.decode(column: "item", as: String.self),
                            count: try row.decode(column: "n", as: Int.self), place: try row.decode(column: "place", as: String.self),
                            latest: try row.decode(column: "latest", as: String.self))
            }.filter { WarningRules.isRepeat($0.count, settings: settings) }
    }

    /// The warnings at `actor`'s places: every emergency (up to 200), then the 200 newest others.
    static func visible(actor: Actor, states: [WarningRules.State], on db: any Database) async throws -> [WarningRecord] {
        let scopes = AccessPolicy.scopes(.superviseCases, actor: actor) + AccessPolicy.scopes(.dispatchCases, actor: actor)
        guard !scopes.isEmpty else { return [] }
        func query() -> QueryBuilder<WarningRecord> {
            WarningRecord.query(on: db).group(.or) { group in
                for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) }
            }.filter(\.$state ~~ states)
        }
        // Emergencies first and all of them: a burst of other warnings never pushes one off the list.
        let emergencies = try await query().filter(\.$kind == .emergency).sort(\.$createdAt, .descending).limit(200).all()
        return emergencies + (try await query().filter(\.$kind != .emergency).sort(\.$createdAt, .descending).limit(200).all())
    }

    static func step(_ id: UUID, _ step: WarningRules.Step, note sent: String?, in context: UseCaseContext) async throws -> WarningRecord {
        let actor = try context.account()
        let note = try Validate.text(sent, field: "note", limit: 1_000)
        let now = context.now
        return try await context.write { db in
            guard let warning = try await WarningRecord.find(id, on: db), let path = OrgPath(warning.orgPath),
                  AccessPolicy.allows(.superviseCases, actor: actor, at: path) || AccessPolicy.allows(.dispatchCases, actor: actor, at: path)
            else { throw AppError.notFound }
            guard let next = WarningRules.next(warning.state, step) else { throw AppError.conflict("warning_state") }
            warning.state = next
            warning.handledBy = actor.userID.uuid
            warning.handledAt = now
            warning.note = note
            try await warning.update(on: db)
            try await context.audit(AuditEvent(action: "warning.\(step.rawValue)", objectType: "warning", objectID: id.uuidString.lowercased(),
                                               change: ["note": note]), on: db)
            return warning
        }
    }
}

struct WarningDTO: Content {
    let id: UUID
    let kind: WarningRules.Kind
    let orgPath: String
    let caseId: UUID?
    let detail: String
    let state: WarningRules.State
    let createdAt: Date
    let note: String

    init(_ w: WarningRecord) {
        id = w.id!; kind = w.kind; orgPath = w.orgPath; caseId = w.caseID; detail = w.detail; state = w.state; createdAt = w.createdAt; note = w.note
    }
}

