import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// KPI counters per opening day × place (grid path) × category × handler × accused org, kept by the cases' own
/// contributions (`KPIRollup`), so that KPI queries cost what the number of such cells costs, not the number of
/// cases. A trigger on `cases` marks every inserted or updated case dirty in the writing transaction (whatever
/// wrote it: the workflow, a merge, an org move, the demo); `catchUp` turns dirty marks into counter deltas in
/// batches (background, safe with several instances), and a KPI answer adds the still-dirty cases live, so it
/// is always exact.
enum KPIRollups {
    static let table = "kpi_rollups"
    static let contributions = "kpi_contributions"
    static let dirty = "kpi_dirty"
    static let keyColumns = ["day", "place_path", "category", "handler_node_id", "handler_path", "accused_path"]

    /// Where a case's contribution goes.
    struct Key: Hashable, Sendable {
        let day: String
        let placePath: String
        let category: String
        let handlerNodeID: String
        let handlerPath: String
        /// "" when the case is not a report against an org.
        let accusedPath: String

        init(day: String, placePath: String, category: String, handlerNodeID: String, handlerPath: String, accusedPath: String) {
            self.day = day
            self.placePath = placePath
            self.category = category
            self.handlerNodeID = handlerNodeID
            self.handlerPath = handlerPath
            self.accusedPath = accusedPath
        }

        init(_ record: CaseRecord) {
            day = CivilDate(record.openedAt).description
            placePath = record.placePath
            category = record.category
            handlerNodeID = record.handlerNodeID.uuidString.lowercased()
            handlerPath = record.handlerPath
            accusedPath = record.accusedPath ?? ""
        }

        init(row: any SQLRow) throws {
            day = try row.decode(column: "day", as: String.self)
            placePath = try row.decode(column: "place_path", as: String.self)
            category = try row.decode(column: "category", as: String.self)
            handlerNodeID = try row.decode(column: "handler_node_id", as: String.self)
            handlerPath = try row.decode(column: "handler_path", as: String.self)
            accusedPath = try row.decode(column: "accused_path", as: String.self)
        }

        var binds: [any Encodable & Sendable] { [day, placePath, category, handlerNodeID, handlerPath, accusedPath] }
    }

    static func counters(_ row: any SQLRow) throws -> KPIRollup.Counters {
        KPIRollup.Counters(values: try KPIRollup.Counters.names.map { try row.decode(column: $0, as: Int64.self) })
    }

    static func kpiRow(_ r: CaseRecord) -> CaseKPIs.Row {
        CaseKPIs.Row(state: r.state, openedAt: r.openedAt, responseDueAt: r.responseDueAt, signedAt: r.signedAt,
                     completionDueAt: r.completionDueAt, closedAt: r.closedAt, returns: r.returns, reopens: r.reopens,
                     ratingSolved: r.ratingSolved, ratingSatisfaction: r.ratingSatisfaction)
    }

    /// The cases' columns a case's contribution depends on (its key and `CaseKPIs.Row`): only an update of one of
    /// them marks the case dirty. The time-limit round rewrites `sla_level` of every open case whose level moved,
    /// which at millions of cases made tens of thousands of marks a minute for nothing.
    static let sourceColumns = [
        "opened_at", "place_path", "category", "handler_node_id", "handler_path", "accused_path", "state", "response_due_at",
        "signed_at", "completion_due_at", "closed_at", "returns", "reopens", "rating_solved", "rating_satisfaction",
    ]

    /// The cases' columns the rollups need: the id and `sourceColumns` (one list, so that the trigger and the loading
    /// cannot drift apart; a column missing here stops `row(from:)` at once).
    static func load(_ query: QueryBuilder<CaseRecord>) -> QueryBuilder<CaseRecord> {
        sourceColumns.reduce(query.field(\.$id)) { $0.field(.path([FieldKey(stringLiteral: $1)], schema: CaseRecord.schema)) }
    }

    // MARK: Keeping them

    /// Turns up to `batch` dirty marks into counter deltas, in one transaction; returns how many it handled.
    @discardableResult
    static func catchUp(_ context: UseCaseContext, batch: Int = 2_000) async throws -> Int {
        let now = context.now
        return try await context.write { db in try await catchUp(on: db, batch: batch, now: now) }
    }

    /// Catches up until nothing is dirty (or `limit` batches); returns the cases handled.
    static func catchUpAll(_ context: UseCaseContext, batch: Int = 2_000, limit: Int = 100_000) async throws -> Int {
        var total = 0
        for _ in 0..<limit {
            let done = try await catchUp(context, batch: batch)
            total += done
            if done < batch { break }
        }
        return total
    }

    static func catchUp(on db: any Database, batch: Int, now: Date) async throws -> Int {
        let sql = db.sql()
        // Two instances take different marks (SKIP LOCKED); SQLite writers are serialised anyway.
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        // raw SQL: `lock` is one of two fixed strings.
        let ids = try await sql.raw("SELECT case_id FROM kpi_dirty ORDER BY case_id LIMIT \(bind: batch)\(unsafeRaw: lock)").all()
            .map { try $0.decode(column: "case_id", as: UUID.self) }
        guard !ids.isEmpty else { return 0 }
        let records = Dictionary(uniqueKeysWithValues: try await load(CaseRecord.query(on: db).filter(\.$id ~~ ids)).all().map { ($0.id!, $0) })
        var old: [UUID: (Key, KPIRollup.Counters, Int?)] = [:]
        for row in try await sql.select().column("*").from(contributions).where("case_id", .in, SQLBind.group(ids)).all() {
            old[try row.decode(column: "case_id", as: UUID.self)] = (try Key(row: row), try counters(row), try row.decode(column: "waiting_due_minute", as: Int?.self))
        }
        var deltas: [Key: KPIRollup.Counters] = [:]
        var waiting: [WaitingKey: Int] = [:]
        for id in ids {
            if let (key, counters, minute) = old[id] {
                deltas[key, default: .init()] = deltas[key, default: .init()] - counters
                if let minute { waiting[WaitingKey(minute: minute, key: key), default: 0] -= 1 }
            }
            if let record = records[id] {
                deltas[Key(record), default: .init()] = deltas[Key(record), default: .init()] + KPIRollup.contribution(of: kpiRow(record))
                if let minute = KPIRollup.waitingMinute(kpiRow(record)) { waiting[WaitingKey(minute: minute, key: Key(record)), default: 0] += 1 }
            }
        }
        try await add(deltas, to: table, on: sql)
        try await addWaiting(waiting, on: sql)
        var monthlyDeltas: [Key: KPIRollup.Counters] = [:]
        for (key, delta) in deltas { monthlyDeltas[monthly(key), default: .init()] = monthlyDeltas[monthly(key), default: .init()] + delta }
        try await add(monthlyDeltas, to: monthlyTable, on: sql)
        try await sql.delete(from: contributions).where("case_id", .in, SQLBind.group(ids)).run()
        for chunk in ids.compactMap({ records[$0] }).chunked(200) {
            let insert = sql.insert(into: contributions).columns(["case_id"] + keyColumns + KPIRollup.Counters.names + ["waiting_due_minute"])
            for record in chunk {
                let values: [any Encodable & Sendable] = [record.id!] + Key(record).binds + KPIRollup.contribution(of: kpiRow(record)).values.map { $0 as any Encodable & Sendable }
                    + [KPIRollup.waitingMinute(kpiRow(record))]
                insert.values(values.map { SQLBind($0) })
            }
            try await insert.run()
        }
        try await sql.delete(from: dirty).where("case_id", .in, SQLBind.group(ids)).run()
        try await pruneWaiting(before: now, on: sql)
        return ids.count
    }

    // MARK: Reading them

    struct Cell: Sendable {
        let key: Key
        var counters: KPIRollup.Counters
        var unsignedOverdue: Int
    }

    /// What a KPI answer groups by, so that the rollups are summed in the database to that grain: a place level
    /// (the place path cut after that level's segment), the category, the day or the month (periods of days and
    /// weeks need days; of months, months), the handler, or nothing (one total).
    struct Grain: Sendable, Equatable {
        enum Time: Sendable, Equatable { case none, day, month }

        var time = Time.none
        var place: OrgLevel?
        var category = false
        var handler = false

        static let total = Grain()

        init(time: Time = .none, place: OrgLevel? = nil, category: Bool = false, handler: Bool = false) {
            self.time = time
            self.place = place
            self.category = category
            self.handler = handler
        }

        /// The grain a `by` of the KPI API needs.
        init(by: String?) {
            switch by {
            case nil: self.init()
            case "category": self.init(category: true)
            case "handler", "party": self.init(handler: true)
            case "month": self.init(time: .month)
            case let by? where KPIAPIController.periods.contains(by): self.init(time: .day)
            case let by?: self.init(place: OrgLevel(rawValue: by))
            }
        }
    }

}

extension KPIRollups {
    /// A cell of `table` (daily, monthly or waiting counts) where the stored counts differ from the cases' own.
    struct Difference: Sendable {
        let table: String
        let key: Key
        let stored: KPIRollup.Counters
        let fresh: KPIRollup.Counters
    }

    /// The cells where the rollups (daily and monthly) or the waiting counts differ from the cases, computed afresh.
    static func differences(on db: any Database, now: Date) async throws -> [Difference] {
        var fresh: [Key: KPIRollup.Counters] = [:]
        var lastID: UUID?
        while true {
            var query = load(CaseRecord.query(on: db)).sort(\.$id).limit(5_000)
            if let lastID { query = query.filter(\.$id > lastID) }
            let page = try await query.all()
            for record in page { fresh[Key(record), default: .init()] = fresh[Key(record), default: .init()] + KPIRollup.contribution(of: kpiRow(record)) }
            guard let last = page.last?.id, page.count == 5_000 else { break }
            lastID = last
        }
        var freshMonthly: [Key: KPIRollup.Counters] = [:]
        for (key, counters) in fresh { freshMonthly[monthly(key), default: .init()] = freshMonthly[monthly(key), default: .init()] + counters }
        var found: [Difference] = []
        for (name, expected) in [(table, fresh), (monthlyTable, freshMonthly)] {
            var stored: [Key: KPIRollup.Counters] = [:]
            for row in try await db.sql().select().column("*").from(name).all() { stored[try Key(row: row)] = try counters(row) }
            found += Set(expected.keys).union(stored.keys).compactMap { key in
                let a = stored[key] ?? .init(), b = expected[key] ?? .init()
                return a == b ? nil : Difference(table: name, key: key, stored: a, fresh: b)
            }.sorted { $0.key.day < $1.key.day }
        }
        // The cases waiting to be signed, in the minutes still to come (the `unsigned` counter of the `Difference`).
        let freshWaiting = try await freshWaiting(after: now, on: db), storedWaiting = try await storedWaiting(after: now, on: db)
        for key in Set(freshWaiting.keys).union(storedWaiting.keys) where freshWaiting[key] != storedWaiting[key] {
            var stored = KPIRollup.Counters(), fresh = KPIRollup.Counters()
            stored.unsigned = storedWaiting[key] ?? 0
            fresh.unsigned = freshWaiting[key] ?? 0
            found.append(Difference(table: waitingTable, key: key.key, stored: stored, fresh: fresh))
        }
        return found
    }

    /// Throws the rollups away and builds them again from every case.
    static func rebuild(_ context: UseCaseContext) async throws {
        try await context.write { db in
            let sql = db.sql()
            try await sql.delete(from: table).run()
            try await sql.delete(from: monthlyTable).run()
            try await sql.delete(from: waitingTable).run()
            try await sql.delete(from: contributions).run()
            try await sql.raw("INSERT INTO kpi_dirty (case_id) SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM kpi_dirty)").run()
        }
        _ = try await catchUpAll(context)
    }
}
