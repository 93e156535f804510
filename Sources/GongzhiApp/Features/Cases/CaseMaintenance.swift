import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// The work the server does on its own: closing replied cases nobody rated within the rating period, and keeping
/// SLA levels current. Safe with several instances on one PostgreSQL: candidate rows are claimed with
/// `FOR UPDATE SKIP LOCKED`, and each case's state is checked again under the lock, so no case is closed twice.
enum CaseMaintenance {
    /// Closes every replied case whose rating period of `ratingDays` days has ended, counted as the Civil Code counts
    /// days (arts. 201–203: from the day after the reply, a last day on a rest day moved to the next working day, to
    /// 24:00 of the last day); returns how many this run closed.
    @discardableResult
    static func autoClose(in context: UseCaseContext, ratingDays: Int, batch: Int = 100) async throws -> Int {
        let now = context.now
        let calendar = context.services.calendar
        let cutoff = calendar.periodStartCutoff(days: ratingDays, endedBy: now)
        let followUpPerMille = context.services.config.followUpPerMille
        var closed = 0
        while true {
            let count = try await context.write { db -> Int in
                let ids = try await claim(state: .replied, before: cutoff, limit: batch, on: db)
                var done = 0
                for id in ids {
                    guard let record = try await CaseRecord.find(id, on: db), record.state == .replied,
                          let repliedAt = record.repliedAt, repliedAt < cutoff else { continue }
                    let before = record.state
                    record.snapshot = try CaseWorkflow.apply(.close, to: record.snapshot)
                    record.closedAt = now
                    record.eventCount += 1
                    try await record.update(on: db)
                    try await CaseEventRecord(caseID: id, seq: record.eventCount, action: "close", from: before, to: .closed,
                                              actorUserID: nil, actorName: "system", note: "auto_close", at: now).create(on: db)
                    try await CaseNotices.notify(record, kind: .closed, now: now, on: db)
                    try await CaseFollowUps.scheduleIfDrawn(record, perMille: followUpPerMille, calendar: calendar, now: now, on: db)
                    try await context.audit(AuditEvent(action: "case.close", objectType: "case", objectID: id.uuidString.lowercased(),
                                                       summary: "auto_close after \(ratingDays) days"), on: db)
                    done += 1
                }
                return done
            }
            closed += count
            if count < batch { return closed }
        }
    }

    /// Ids of up to `limit` cases in `state` replied before `cutoff`, locked for this transaction (PostgreSQL:
    /// rows another instance holds are skipped; SQLite: one writer at a time already).
    static func claim(state: CaseState, before cutoff: Date, limit: Int, on db: any Database) async throws -> [UUID] {
        let sql = db.sql()
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        // raw SQL: `lock` is one of two fixed strings.
        let rows = try await sql.raw("""
            SELECT id FROM cases WHERE state = \(bind: state.rawValue) AND replied_at < \(bind: cutoff)
            ORDER BY replied_at LIMIT \(bind: limit)\(unsafeRaw: lock)
            """).all()
        return try rows.map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// Recomputes the SLA level of open cases whose level may have changed; returns how many changed.
    @discardableResult
    static func refreshLevels(_ context: UseCaseContext, batch: Int = 500) async throws -> Int {
        let now = context.now
        let calendar = context.services.calendar
        var changed = 0
        var after: Date = .distantPast
        while true {
            let page = try await CaseRecord.query(on: context.db).filter(\.$state !~ [.closed, .rejected, .merged, .suspended])
                .filter(\.$slaLevel != .red).filter(\.$openedAt > after).sort(\.$openedAt).limit(batch).all()
            guard let last = page.last else { return changed }
            after = last.openedAt
            // One query for the page's suspensions, not one per case.
            let pausesByCase = try await CaseClock.pauses(of: page.compactMap(\.id), on: context.db)
            for record in page {
                let level = CaseDeadlines.compute(CaseClock.facts(record, pauses: pausesByCase[record.id!] ?? []), calendar: calendar, now: now).level
                guard level != record.slaLevel else { continue }
                let id = record.id!
                // Conditional: another instance may have moved the case meanwhile.
                try await context.write { db in
                    try await db.sql().raw("UPDATE cases SET sla_level = \(bind: level.rawValue) WHERE id = \(bind: id) AND sla_level = \(bind: record.slaLevel.rawValue)").run()
                }
                changed += 1
            }
            if page.count < batch { return changed }
        }
    }
}
