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
    static func catchUp(_ app: Application, batch: Int = 2_000) async throws -> Int {
        try await app.write { db in try await catchUp(on: db, batch: batch) }
    }

    /// Catches up until nothing is dirty (or `limit` batches); returns the cases handled.
    static func catchUpAll(_ app: Application, batch: Int = 2_000, limit: Int = 100_000) async throws -> Int {
        var total = 0
        for _ in 0..<limit {
            let done = try await catchUp(app, batch: batch)
            total += done
            if done < batch { break }
        }
        return total
    }

    static func catchUp(on db: any Database, batch: Int) async throws -> Int {
        let sql = db.sql()
        // Two instances take different marks (SKIP LOCKED); SQLite writers are serialised anyway.
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        // raw SQL: `lock` is one of two fixed strings.
        let ids = try await sql.raw("SELECT case_id FROM kpi_dirty ORDER BY case_id LIMIT \(bind: batch)\(unsafeRaw: lock)").all()
            .map { try $0.decode(column: "case_id", as: UUID.self) }
        guard !ids.isEmpty else { return 0 }
        let records = Dictionary(uniqueKeysWithValues: try await load(CaseRecord.query(on: db).filter(\.$id ~~ ids)).all().map { ($0.id!, $0) })
        var old: [UUID: (Key, KPIRollup.Counters)] = [:]
        for row in try await sql.select().column("*").from(contributions).where("case_id", .in, SQLBind.group(ids)).all() {
            old[try row.decode(column: "case_id", as: UUID.self)] = (try Key(row: row), try counters(row))
        }
        var deltas: [Key: KPIRollup.Counters] = [:]
        for id in ids {
            if let (key, counters) = old[id] { deltas[key, default: .init()] = deltas[key, default: .init()] - counters }
            if let record = records[id] { deltas[Key(record), default: .init()] = deltas[Key(record), default: .init()] + KPIRollup.contribution(of: kpiRow(record)) }
        }
        // Many cells per statement (the keys are distinct, as PostgreSQL's ON CONFLICT requires).
        let names = KPIRollup.Counters.names
        let update = names.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
        for chunk in deltas.filter({ !$0.value.isZero }).map({ ($0.key, $0.value) }).chunked(200) {
            let rows = chunk.map { key, delta in
                SQLGroupExpression((key.binds + delta.values.map { $0 as any Encodable & Sendable }).map { SQLBind($0) })
            }
            // raw SQL: column names from the code's own lists (`keyColumns`, `KPIRollup.Counters.names`); values bound.
            try await sql.raw("""
                INSERT INTO kpi_rollups (\(unsafeRaw: (keyColumns + names).joined(separator: ", "))) VALUES \(SQLList(rows))
                ON CONFLICT (\(unsafeRaw: keyColumns.joined(separator: ", "))) DO UPDATE SET \(unsafeRaw: update)
                """).run()
        }
        try await sql.delete(from: contributions).where("case_id", .in, SQLBind.group(ids)).run()
        for chunk in ids.compactMap({ records[$0] }).chunked(200) {
            let insert = sql.insert(into: contributions).columns(["case_id"] + keyColumns + KPIRollup.Counters.names)
            for record in chunk {
                let values: [any Encodable & Sendable] = [record.id!] + Key(record).binds + KPIRollup.contribution(of: kpiRow(record)).values.map { $0 as any Encodable & Sendable }
                insert.values(values.map { SQLBind($0) })
            }
            try await insert.run()
        }
        try await sql.delete(from: dirty).where("case_id", .in, SQLBind.group(ids)).run()
        return ids.count
    }

    // MARK: Reading them

    struct Cell: Sendable {
        let key: Key
        var counters: KPIRollup.Counters
        var unsignedOverdue: Int
    }

    /// What a KPI answer groups by, so that the rollups are summed in the database to that grain: a place level
    /// (the place path cut after that level's segment), the category, the day (for days, weeks and months), the
    /// handler, or nothing (one total).
    struct Grain: Sendable, Equatable {
        var day = false
        var place: OrgLevel?
        var category = false
        var handler = false

        static let total = Grain()

        init(day: Bool = false, place: OrgLevel? = nil, category: Bool = false, handler: Bool = false) {
            self.day = day
            self.place = place
            self.category = category
            self.handler = handler
        }

        /// The grain a `by` of the KPI API needs.
        init(by: String?) {
            switch by {
            case nil: self.init()
            case "category": self.init(category: true)
            case "handler": self.init(handler: true)
            case let by? where KPIAPIController.periods.contains(by): self.init(day: true)
            case let by?: self.init(place: OrgLevel(rawValue: by))
            }
        }
    }

    /// The cells of the cases opened in the period that `actor` may see (placed or handled in their subtrees, not
    /// reports against their own org), exact at `now`: the rollups summed to `grain` in the database, corrected
    /// for cases still marked dirty, plus the unsigned cases past their response limit, counted live (those two
    /// with their whole keys; every grain's grouping reads what it needs from either).
    static func cells(actor: Actor, from: CivilDate, to: CivilDate, now: Date, grain: Grain = .total, on db: any Database) async throws -> [Cell] {
        let scopes = AccessPolicy.scopes(.viewCases, actor: actor).map(\.rawValue)
        guard !scopes.isEmpty else { return [] }
        let sql = db.sql()
        func visible(_ key: Key) -> Bool {
            guard scopes.contains(where: { key.placePath.hasPrefix($0) || key.handlerPath.hasPrefix($0) }) else { return false }
            // A report against an org is never shown inside that org.
            return key.accusedPath.isEmpty || !actor.grants.contains { $0.path.rawValue.hasPrefix(key.accusedPath) }
        }
        func scoped(_ builder: SQLSelectBuilder) -> SQLSelectBuilder {
            builder.where("day", .greaterThanOrEqual, SQLBind(from.description)).where("day", .lessThanOrEqual, SQLBind(to.description))
                .where { group in
                    for scope in scopes {
                        group.orWhere("place_path", .like, SQLBind(scope + "%")).orWhere("handler_path", .like, SQLBind(scope + "%"))
                    }
                    return group
                }
        }
        var cells: [Key: Cell] = [:]
        func add(_ key: Key, _ counters: KPIRollup.Counters, overdue: Int = 0) {
            var cell = cells[key] ?? Cell(key: key, counters: .init(), unsignedOverdue: 0)
            cell.counters = cell.counters + counters
            cell.unsignedOverdue += overdue
            cells[key] = cell
        }
        // Summed in the database to the grain asked for; the accused-org rule is applied there too: a report
        // against an org (or above one of the actor's grants) is left out.
        let none = SQLLiteral.string("")
        // Paths are "/" + 36-character ids each followed by "/": a level's prefix has a fixed length.
        let place: any SQLExpression = grain.place.map { level in
            SQLFunction("substr", args: SQLIdentifier("place_path"), SQLLiteral.numeric("1"), SQLLiteral.numeric("\(1 + 37 * (level.depth + 1))"))
        } ?? none
        let grouped: [(String, any SQLExpression)] = [
            ("day", grain.day ? SQLIdentifier("day") : none), ("place_path", place),
            ("category", grain.category ? SQLIdentifier("category") : none),
            ("handler_node_id", grain.handler ? SQLIdentifier("handler_node_id") : none),
        ]
        var select = scoped(sql.select().from(table))
        for (name, expression) in grouped { select = select.column(SQLAlias(expression, as: SQLIdentifier(name))) }
        select = select.column(SQLAlias(none, as: SQLIdentifier("handler_path"))).column(SQLAlias(none, as: SQLIdentifier("accused_path")))
        for name in KPIRollup.Counters.names {
            // raw SQL: `name` is one of the code's own counter names.
            select = select.column(SQLAlias(SQLRaw("CAST(SUM(\(name)) AS BIGINT)"), as: SQLIdentifier(name)))
        }
        for grant in Set(actor.grants.map(\.path.rawValue)) {
            select = select.where { $0.where("accused_path", .equal, SQLBind("")).orWhere(SQLBind(grant), .notLike, SQLRaw("accused_path || '%'")) }
        }
        for (index, _) in grouped.enumerated() { select = select.groupBy(SQLLiteral.numeric("\(index + 1)")) }
        for row in try await select.all() {
            add(try Key(row: row), try counters(row))
        }
        // Cases written since the last catch-up: take out what the rollups hold for them, add them as they are now.
        let dirtyIDs = try await sql.raw("SELECT case_id FROM kpi_dirty").all().map { try $0.decode(column: "case_id", as: UUID.self) }
        for chunk in dirtyIDs.chunked(500) {
            for row in try await scoped(sql.select().column("*").from(contributions)).where("case_id", .in, SQLBind.group(chunk)).all() {
                let key = try Key(row: row)
                guard visible(key) else { continue }
                add(key, KPIRollup.Counters() - (try counters(row)))
            }
            for record in try await load(CaseRecord.query(on: db).filter(\.$id ~~ chunk)).all() {
                let key = Key(record)
                guard key.day >= from.description, key.day <= to.description, visible(key) else { continue }
                add(key, KPIRollup.contribution(of: kpiRow(record)))
            }
        }
        // Unsigned cases past their response limit: all unsigned ones (`unsigned`, in the rollups) less those still
        // within their limit, which are recent cases only (found through the index on response_due_at).
        // Counted in SQL by key (a busy day has thousands of them; loading each case cost seconds).
        let day = sql.dialect.name == "postgresql"
            ? "CAST(floor((extract(epoch FROM opened_at) + 28800) / 86400) AS BIGINT)"
            : "CAST((opened_at + 28800) / 86400 AS INTEGER)"
        // Only the response limit is constrained in SQL, so that the index on it is the one used (with the opening
        // dates in the condition too, SQLite walked the whole period's cases by the index on opened_at: seconds at a
        // million cases); the period is applied to the few rows that come back.
        let firstDay = DayNumber(from).value, lastDay = DayNumber(to).value
        // raw SQL: `day` is one of the two fixed expressions above.
        let waiting = try await sql.raw("""
            SELECT \(unsafeRaw: day) AS day_number, place_path, category, handler_node_id, handler_path,
                   COALESCE(accused_path, '') AS accused_path, count(*) AS waiting
            FROM cases
            WHERE response_due_at > \(bind: now) AND signed_at IS NULL AND state NOT IN ('rejected', 'merged')
            GROUP BY 1, 2, 3, 4, 5, 6
            """).all()
        for row in waiting {
            let dayNumber = try row.decode(column: "day_number", as: Int.self)
            guard (firstDay...lastDay).contains(dayNumber) else { continue }
            let key = Key(day: DayNumber(dayNumber).civil.description,
                          placePath: try row.decode(column: "place_path", as: String.self),
                          category: try row.decode(column: "category", as: String.self),
                          handlerNodeID: try row.decode(column: "handler_node_id", as: UUID.self).uuidString.lowercased(),
                          handlerPath: try row.decode(column: "handler_path", as: String.self),
                          accusedPath: try row.decode(column: "accused_path", as: String.self))
            if visible(key) { add(key, .init(), overdue: -(try row.decode(column: "waiting", as: Int.self))) }
        }
        return cells.values.map { cell in
            var cell = cell
            cell.unsignedOverdue += cell.counters.unsigned
            return cell
        }
    }
}

/// The update trigger fires only for the columns a contribution depends on (`KPIRollups.sourceColumns`).
struct NarrowKPIDirtyTrigger: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let columns = KPIRollups.sourceColumns.joined(separator: ", ")
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
            // raw SQL: `columns` is the code's own list `KPIRollups.sourceColumns`.
            try await sql.raw("""
                CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE OF \(unsafeRaw: columns) ON cases
                FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()
                """).run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
            // raw SQL: `columns` is the code's own list `KPIRollups.sourceColumns`.
            try await sql.raw("""
                CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE OF \(unsafeRaw: columns) ON cases
                BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update ON cases").run()
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
        }
    }
}

/// Marks every written case dirty for the rollups, in the writing transaction; existing cases start dirty.
struct CreateKPIRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let counters = KPIRollup.Counters.names
        func keyed(_ builder: SQLCreateTableBuilder) -> SQLCreateTableBuilder {
            var b = builder
            for column in KPIRollups.keyColumns { b = b.column(column, type: .text, .notNull) }
            for column in counters { b = b.column(column, type: .bigint, .notNull) }
            return b
        }
        try await keyed(sql.create(table: KPIRollups.table)).run()
        try await sql.create(index: "idx_kpi_rollups_key").on(KPIRollups.table).unique().column("day").column("place_path").column("category")
            .column("handler_node_id").column("handler_path").column("accused_path").run()
        // raw SQL: the type name is one of two fixed strings.
        try await keyed(sql.create(table: KPIRollups.contributions).column("case_id", type: .custom(SQLRaw(sql.dialect.name == "postgresql" ? "UUID" : "BLOB")), .primaryKey(autoIncrement: false))).run()
        try await sql.create(table: KPIRollups.dirty).column("case_id", type: .custom(SQLRaw(sql.dialect.name == "postgresql" ? "UUID" : "BLOB")), .primaryKey(autoIncrement: false)).run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION kpi_mark_dirty() RETURNS trigger AS $$
                BEGIN INSERT INTO kpi_dirty (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING; RETURN NEW; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
        } else {
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_insert AFTER INSERT ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
        }
        try await sql.raw("INSERT INTO kpi_dirty (case_id) SELECT id FROM cases").run()
        // The live part of a KPI answer looks for unsigned cases still within their response limit.
        try await sql.create(index: "idx_cases_response_due").on("cases").column("response_due_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("DROP FUNCTION IF EXISTS kpi_mark_dirty()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_insert").run()
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
        }
        try await sql.drop(index: "idx_cases_response_due").run()
        for table in [KPIRollups.dirty, KPIRollups.contributions, KPIRollups.table] { try await sql.drop(table: table).run() }
    }
}

/// `gongzhi kpi check [--repair]`: recomputes every case's contribution from the cases and compares the sums with
/// the rollups, cell by cell; reports each difference and exits 1, or with `--repair` rebuilds the rollups.
struct KPICheckCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "repair", help: "Rebuild the rollups from the cases when they differ")
        var repair: Bool
    }

    var help: String { "Recomputes the KPI rollups from the cases and reports any difference." }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        _ = try await KPIRollups.catchUpAll(app)
        let differences = try await KPIRollups.differences(on: app.db)
        if differences.isEmpty {
            context.console.print("OK: KPI rollups equal the cases")
            return
        }
        for (key, stored, fresh) in differences.prefix(20) {
            context.console.error("DIFFERENT: \(key.day) \(key.placePath) \(key.category) handler \(key.handlerNodeID): stored \(stored.values), cases \(fresh.values)")
        }
        if signature.repair {
            try await KPIRollups.rebuild(app)
            context.console.print("repaired: \(differences.count) cells rebuilt from the cases")
        } else {
            throw Failure(description: "\(differences.count) KPI cells differ from the cases")
        }
    }
}

extension KPIRollups {
    /// The cells where the rollups differ from the sums of the cases' contributions, computed afresh.
    static func differences(on db: any Database) async throws -> [(Key, KPIRollup.Counters, KPIRollup.Counters)] {
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
        var stored: [Key: KPIRollup.Counters] = [:]
        for row in try await db.sql().select().column("*").from(table).all() { stored[try Key(row: row)] = try counters(row) }
        return Set(fresh.keys).union(stored.keys).compactMap { key in
            let a = stored[key] ?? .init(), b = fresh[key] ?? .init()
            return a == b ? nil : (key, a, b)
        }.sorted { $0.0.day < $1.0.day }
    }

    /// Throws the rollups away and builds them again from every case.
    static func rebuild(_ app: Application) async throws {
        try await app.write { db in
            let sql = db.sql()
            try await sql.delete(from: table).run()
            try await sql.delete(from: contributions).run()
            try await sql.raw("INSERT INTO kpi_dirty (case_id) SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM kpi_dirty)").run()
        }
        _ = try await catchUpAll(app)
    }
}
