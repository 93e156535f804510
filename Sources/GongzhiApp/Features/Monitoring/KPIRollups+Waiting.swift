import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// The cases waiting to be signed, counted per minute of their response limit and per rollup cell
/// (`kpi_waiting`: `due_minute`, the rollups' key, `n`), kept by the catch-up like the rollups. A KPI answer needs
/// the unsigned cases still within their limit (to take them out of the unsigned ones); it reads the counts of the
/// minutes after the current one — at most a row per minute and cell, however many cases wait (80 000 waiting
/// cases of a million made 84 rows) — and the current minute's few cases themselves.
extension KPIRollups {
    static let waitingTable = "kpi_waiting"
    static let waitingKeyColumns = ["due_minute"] + keyColumns

    struct WaitingKey: Hashable, Sendable {
        let minute: Int
        let key: Key
    }

    /// Adds `deltas` to the waiting counts (inserting counts not there yet).
    static func addWaiting(_ deltas: [WaitingKey: Int], on sql: any SQLDatabase) async throws {
        let cells = deltas.filter { $0.value != 0 }.map { ([$0.key.minute as any Encodable & Sendable] + $0.key.key.binds, [Int64($0.value)]) }
        try await addCounts(cells, to: waitingTable, keyColumns: waitingKeyColumns, counters: ["n"], on: sql)
    }

    /// Counts of minutes an hour gone are never read again.
    static func pruneWaiting(before now: Date, on sql: any SQLDatabase) async throws {
        try await sql.delete(from: waitingTable).where("due_minute", .lessThan, SQLBind(KPIRollup.minute(of: now) - 60)).run()
    }

    /// The waiting counts afresh from the cases, for the minutes after `now`'s (what `differences` compares).
    static func freshWaiting(after now: Date, on db: any Database) async throws -> [WaitingKey: Int] {
        var found: [WaitingKey: Int] = [:]
        let records = try await load(CaseRecord.query(on: db)).filter(\.$signedAt == nil)
            .filter(\.$responseDueAt >= Date(timeIntervalSince1970: Double(KPIRollup.minute(of: now) + 1) * 60)).all()
        for record in records {
            guard let minute = KPIRollup.waitingMinute(kpiRow(record)) else { continue }
            found[WaitingKey(minute: minute, key: Key(record)), default: 0] += 1
        }
        return found
    }

    static func storedWaiting(after now: Date, on db: any Database) async throws -> [WaitingKey: Int] {
        var found: [WaitingKey: Int] = [:]
        for row in try await db.sql().select().column("*").from(waitingTable).where("due_minute", .greaterThan, SQLBind(KPIRollup.minute(of: now))).all() {
            let n = try row.decode(column: "n", as: Int.self)
            if n != 0 { found[WaitingKey(minute: try row.decode(column: "due_minute", as: Int.self), key: try Key(row: row)), default: 0] += n }
        }
        return found
    }
}
