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
        guard !scopes.isEmpty else { return [] }
        let sql = db.sql()
        func visible(_ key: Key) -> Bool {
            guard scopes.contains(where: { key.placePath.hasPrefix($0) || key.handlerPath.hasPrefix($0) }) else { return false }
            // A report against an org is never shown inside that org.
            guard let accused = OrgPath(key.accusedPath), let handler = OrgPath(key.handlerPath) else { return true }
            return !CasePolicy.isInside(actor, accused, handler: handler)
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
            // (`CasePolicy.isInside`: the supervisory body handling a report against its own district sees it.)
            select = select.where {
                $0.where("accused_path", .equal, SQLBind("")).orWhere(SQLBind(grant), .notLike, SQLRaw("accused_path || '%'"))
                    .orWhere {
                        $0.where("handler_path", .notEqual, SQLIdentifier("accused_path")).where("handler_path", .like, SQLRaw("accused_path || '%'"))
                            .where(SQLBind(grant), .like, SQLRaw("handler_path || '%'"))
                    }
            }
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
