import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

extension KPIRollups {
    /// The cells of the cases opened in the period that `actor` may see (placed or handled in their subtrees, not
    /// reports against their own org), exact at `now`: the rollups summed to `grain` in the database, corrected
    /// for cases still marked dirty, plus the unsigned cases past their response limit, counted live (those two
    /// with their whole keys; every grain's grouping reads what it needs from either).
    static func cells(actor: Actor, from: CivilDate, to: CivilDate, now: Date, grain: Grain = .total, on db: any Database) async throws -> [Cell] {
        let scopes = AccessPolicy.scopes(.viewCases, actor: actor).map(\.rawValue)
        guard !scopes.isEmpty, from <= to else { return [] }
        let sql = db.sql()
        func visible(_ key: Key) -> Bool {
            guard scopes.contains(where: { key.placePath.hasPrefix($0) || key.handlerPath.hasPrefix($0) }) else { return false }
            // A report against an org is never shown inside that org.
            guard let accused = OrgPath(key.accusedPath), let handler = OrgPath(key.handlerPath) else { return true }
            return !CasePolicy.isInside(actor, accused, handler: handler)
        }
        func scoped(_ builder: SQLSelectBuilder, _ days: ClosedRange<CivilDate>) -> SQLSelectBuilder {
            builder.where("day", .greaterThanOrEqual, SQLBind(days.lowerBound.description)).where("day", .lessThanOrEqual, SQLBind(days.upperBound.description))
                .where { group in
                    for scope in scopes {
                        group.orWhere("place_path", .like, SQLBind(scope + "%")).orWhere("handler_path", .like, SQLBind(scope + "%"))
                    }
                    return group
                }
        }
        /// The accused-org rule in SQL: a report against an org (or above one of the actor's grants) is left out;
        /// `accused` is the accused path's expression, "" for none (`CasePolicy.isInside`: the supervisory body
        /// handling a report against its own district sees it).
        func withoutReportsAgainstOwnOrg(_ builder: SQLSelectBuilder, accused: String) -> SQLSelectBuilder {
            var select = builder
            for grant in Set(actor.grants.map(\.path.rawValue)) {
                // raw SQL: `accused` is one of the code's two fixed expressions.
                select = select.where {
                    $0.where(SQLRaw(accused), .equal, SQLBind("")).orWhere(SQLBind(grant), .notLike, SQLRaw("\(accused) || '%'"))
                        .orWhere {
                            $0.where("handler_path", .notEqual, SQLRaw(accused)).where("handler_path", .like, SQLRaw("\(accused) || '%'"))
                                .where(SQLBind(grant), .like, SQLRaw("handler_path || '%'"))
                        }
                }
            }
            return select
        }
        var cells: [Key: Cell] = [:]
        func add(_ key: Key, _ counters: KPIRollup.Counters, overdue: Int = 0) {
            var cell = cells[key] ?? Cell(key: key, counters: .init(), unsignedOverdue: 0)
            cell.counters = cell.counters + counters
            cell.unsignedOverdue += overdue
            cells[key] = cell
        }
        // Summed in the database to the grain asked for; the accused-org rule is applied there too: a report
        // against an org (or above one of the actor's grants) is left out. Whole months from the monthly rollups
        // where they can answer (`monthlyServe`), the days around them from the daily ones.
        let none = SQLLiteral.string("")
        // Paths are "/" + 36-character ids each followed by "/": a level's prefix has a fixed length.
        let place: any SQLExpression = grain.place.map { level in
            SQLFunction("substr", args: SQLIdentifier("place_path"), SQLLiteral.numeric("1"), SQLLiteral.numeric("\(1 + 37 * (level.depth + 1))"))
        } ?? none
        let day: any SQLExpression = switch grain.time {
        case .none: none
        case .day: SQLIdentifier("day")
        case .month: SQLRaw("substr(day, 1, 7) || '-01'")
        }
        let grouped: [(String, any SQLExpression)] = [
            ("day", day), ("place_path", place),
            ("category", grain.category ? SQLIdentifier("category") : none),
            ("handler_node_id", grain.handler ? SQLIdentifier("handler_node_id") : none),
        ]
        var parts: [(table: String, days: ClosedRange<CivilDate>)] = [(table, from...to)]
        if monthlyServe(scopes: scopes, grain: grain) {
            let split = KPIPeriodSplit(from: from, to: to)
            parts = (split.months.map { [(monthlyTable, $0)] } ?? []) + split.days.map { (table, $0) }
        }
        /// `table`'s cells of `days` in the caller's scopes, summed to the grain (`sums`: name → SQL expression).
        func summed(_ table: String, _ days: ClosedRange<CivilDate>, _ sums: [(String, String)],
                    _ more: (SQLSelectBuilder) -> SQLSelectBuilder = { $0 }) async throws -> [any SQLRow] {
            var select = more(scoped(sql.select().from(table), days))
            for (name, expression) in grouped { select = select.column(SQLAlias(expression, as: SQLIdentifier(name))) }
            select = select.column(SQLAlias(none, as: SQLIdentifier("handler_path"))).column(SQLAlias(none, as: SQLIdentifier("accused_path")))
            // raw SQL: the expressions are the code's own.
            for (name, expression) in sums { select = select.column(SQLAlias(SQLRaw(expression), as: SQLIdentifier(name))) }
            select = withoutReportsAgainstOwnOrg(select, accused: "accused_path")
            for (index, _) in grouped.enumerated() { select = select.groupBy(SQLLiteral.numeric("\(index + 1)")) }
            return try await select.all()
        }
        let counterSums = KPIRollup.Counters.names.map { ($0, "CAST(SUM(\($0)) AS BIGINT)") }
        for part in parts {
            for row in try await summed(part.table, part.days, counterSums) { add(try Key(row: row), try counters(row)) }
        }
        // Unsigned cases past their response limit: all unsigned ones (`unsigned`, in the rollups) less those still
        // within their limit — counted by the minute of their limit (`kpi_waiting`): the minutes after the current
        // one from the counts, the current minute's cases themselves (few, through the index on response_due_at).
        let minute = KPIRollup.minute(of: now)
        for row in try await summed(waitingTable, from...to, [("waiting", "CAST(SUM(n) AS BIGINT)")], {
            $0.where("due_minute", .greaterThan, SQLBind(minute))
        }) {
            add(try Key(row: row), .init(), overdue: -(try row.decode(column: "waiting", as: Int.self)))
        }
        let dayNumber = sql.dialect.name == "postgresql"
            ? "CAST(floor((extract(epoch FROM opened_at) + 28800) / 86400) AS BIGINT)"
            : "CAST((opened_at + 28800) / 86400 AS INTEGER)"
        // raw SQL: `dayNumber` is one of the two fixed expressions above.
        var current = sql.select().from(CaseRecord.schema)
            .column(SQLAlias(grain.time == .none ? SQLLiteral.numeric("0") : SQLRaw(dayNumber), as: SQLIdentifier("day_number")))
        for (name, expression) in grouped.dropFirst() { current = current.column(SQLAlias(expression, as: SQLIdentifier(name))) }
        current = current.column(SQLAlias(SQLRaw("count(*)"), as: SQLIdentifier("waiting")))
            .where("response_due_at", .greaterThan, SQLBind(now))
            .where("response_due_at", .lessThan, SQLBind(Date(timeIntervalSince1970: Double(minute + 1) * 60)))
            .where(SQLRaw("signed_at IS NULL AND state NOT IN ('rejected', 'merged')"))
            // raw SQL: `dayNumber` is one of the two fixed expressions above.
            .where(SQLRaw(dayNumber), .greaterThanOrEqual, SQLBind(DayNumber(from).value))
            .where(SQLRaw(dayNumber), .lessThanOrEqual, SQLBind(DayNumber(to).value))
            .where { group in
                for scope in scopes {
                    group.orWhere("place_path", .like, SQLBind(scope + "%")).orWhere("handler_path", .like, SQLBind(scope + "%"))
                }
                return group
            }
        current = withoutReportsAgainstOwnOrg(current, accused: "COALESCE(accused_path, '')")
        for (index, _) in grouped.enumerated() { current = current.groupBy(SQLLiteral.numeric("\(index + 1)")) }
        for row in try await current.all() {
            // The cases' own column (a UUID) when grouped by handler, else "".
            let handler = try (try? row.decode(column: "handler_node_id", as: UUID.self))?.uuidString.lowercased()
                ?? row.decode(column: "handler_node_id", as: String.self)
            let key = Key(day: grain.time == .none ? "" : DayNumber(try row.decode(column: "day_number", as: Int.self)).civil.description,
                          placePath: try row.decode(column: "place_path", as: String.self),
                          category: try row.decode(column: "category", as: String.self),
                          handlerNodeID: handler, handlerPath: "", accusedPath: "")
            add(key, .init(), overdue: -(try row.decode(column: "waiting", as: Int.self)))
        }
        // Cases written since the last catch-up: take out what the rollups and waiting counts hold for them, add
        // them as they are now (their current minute's waiting is counted above, from the cases).
        let dirtyIDs = try await sql.raw("SELECT case_id FROM kpi_dirty").all().map { try $0.decode(column: "case_id", as: UUID.self) }
        for chunk in dirtyIDs.chunked(500) {
            for row in try await scoped(sql.select().column("*").from(contributions), from...to).where("case_id", .in, SQLBind.group(chunk)).all() {
                let key = try Key(row: row)
                guard visible(key) else { continue }
                let waited = try row.decode(column: "waiting_due_minute", as: Int?.self).map { $0 > minute } ?? false
                add(key, KPIRollup.Counters() - (try counters(row)), overdue: waited ? 1 : 0)
            }
            for record in try await load(CaseRecord.query(on: db).filter(\.$id ~~ chunk)).all() {
                let key = Key(record)
                guard key.day >= from.description, key.day <= to.description, visible(key) else { continue }
                let waits = KPIRollup.waitingMinute(kpiRow(record)).map { $0 > minute } ?? false
                add(key, KPIRollup.contribution(of: kpiRow(record)), overdue: waits ? -1 : 0)
            }
        }
        return cells.values.map { cell in
            var cell = cell
            cell.unsignedOverdue += cell.counters.unsigned
            return cell
        }
    }
}
