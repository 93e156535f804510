import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A case's deadlines kept current (`CaseDeadlines`): after every action, in the level round, and for the open
/// cases whose deadlines were provisional when a year's holiday arrangement arrives.
enum CaseClock {
    static func facts(_ record: CaseRecord, pauses: [SLAClock.Pause]) -> CaseDeadlines.Facts {
        CaseDeadlines.Facts(openedAt: record.openedAt, responseHours: record.responseHours, completionDays: record.completionDays,
                            extensionDays: record.extensionDays, pauses: pauses, signedAt: record.signedAt, currentResponse: record.responseDueAt,
                            emergencyMinutes: record.emergencyMinutes)
    }

    static func pauses(of caseIDs: [UUID], on db: any Database) async throws -> [UUID: [SLAClock.Pause]] {
        guard !caseIDs.isEmpty else { return [:] }
        var result: [UUID: [SLAClock.Pause]] = [:]
        for pause in try await CasePauseRecord.query(on: db).filter(\.$caseID ~~ caseIDs).all() {
            result[pause.caseID, default: []].append(SLAClock.Pause(start: pause.startedAt, end: pause.endedAt))
        }
        return result
    }

    /// Sets `record`'s deadlines, whether they are provisional, and (while open) its level; does not save.
    static func apply(_ deadlines: CaseDeadlines, to record: CaseRecord) {
        record.responseDueAt = deadlines.response
        record.completionDueAt = deadlines.completion
        record.deadlinesProvisional = deadlines.provisional
        if record.state.isOpen { record.slaLevel = deadlines.level }
    }

    /// Recomputes `record`'s deadlines from its suspensions (read in the caller's transaction).
    static func refresh(_ record: CaseRecord, calendar: WorkingCalendar, now: Date, on db: any Database) async throws {
        let pauses = try await pauses(of: [record.id!], on: db)[record.id!] ?? []
        apply(CaseDeadlines.compute(facts(record, pauses: pauses), calendar: calendar, now: now), to: record)
    }

    /// Computes again the deadlines of the open cases marked provisional with an id after `after` (at most `limit` of
    /// them, in id order), in the caller's transaction; each one whose deadlines move gets a timeline entry saying from
    /// when to when. Returns how many moved and the last id read (nil: none left). Rows another instance holds are
    /// skipped (PostgreSQL `FOR UPDATE SKIP LOCKED`), so that two instances starting together never write one case
    /// twice. A suspended case is left until it resumes (its deadline moves with the running pause, and resuming
    /// computes it on the calendar then in force).
    static func recomputeProvisional(calendar: WorkingCalendar, now: Date, after: UUID? = nil, limit: Int = 500,
                                     on db: any Database) async throws -> (changed: Int, last: UUID?) {
        let sql = db.sql()
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let open = [CaseState.closed, .rejected, .merged, .suspended].map(\.rawValue)
        // raw SQL: `lock` is one of two fixed strings.
        let query: SQLQueryString = if let after {
            "SELECT id FROM cases WHERE deadlines_provisional = \(bind: true) AND state NOT IN (\(binds: open)) AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit)\(unsafeRaw: lock)"
        } else {
            "SELECT id FROM cases WHERE deadlines_provisional = \(bind: true) AND state NOT IN (\(binds: open)) ORDER BY id LIMIT \(bind: limit)\(unsafeRaw: lock)"
        }
        let ids = try await sql.raw(query).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return (0, nil) }
        let records = try await CaseRecord.query(on: db).filter(\.$id ~~ ids).all()
        let pausesByCase = try await pauses(of: records.compactMap(\.id), on: db)
        var changed = 0
        for record in records {
            let before = (response: record.responseDueAt, completion: record.completionDueAt)
            let deadlines = CaseDeadlines.compute(facts(record, pauses: pausesByCase[record.id!] ?? []), calendar: calendar, now: now)
            let moved = deadlines.response != before.response || deadlines.completion != before.completion
            guard moved || !deadlines.provisional else { continue }
            apply(deadlines, to: record)
            // Only the mark changes (the year's arrangement kept its dates): no timeline entry.
            guard moved else {
                try await record.update(on: db)
                continue
            }
            record.eventCount += 1
            try await record.update(on: db)
            let note = [before.response, record.responseDueAt, before.completion, record.completionDueAt].map(W3CDateTime.format).joined(separator: " ")
            try await CaseEventRecord(caseID: record.id!, seq: record.eventCount, action: recomputedAction, from: record.state, to: record.state,
                                      actorUserID: nil, actorName: "system", note: note, at: now).create(on: db)
            changed += 1
        }
        return (changed, ids.last)
    }

    /// The timeline action of a recomputation; its note holds the response and completion deadlines before and after.
    static let recomputedAction = CaseAction.recomputedEvent
}
