import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// The rollups summed per calendar month and community (`kpi_rollups_monthly`): the daily rollups' cells with the
/// day cut to the first of its month and the place path cut after the community. They answer the whole months of a
/// period asked by whoever sees whole communities (or more), at the grain of a community or above: a year's figures
/// read about a twelfth of the rows. Kept with the daily ones in the same transaction (`catchUp`); a move of a node
/// below a community (a grid to another community) derives the two communities' rows again from the daily ones.
extension KPIRollups {
    static let monthlyTable = "kpi_rollups_monthly"

    /// Paths are "/" + 36-character ids each followed by "/": a community's path is this long.
    static let communityPathLength = 1 + 37 * (OrgLevel.community.depth + 1)

    /// The monthly key of a daily key (also of a case's key).
    static func monthly(_ key: Key) -> Key {
        let day = CivilDate(iso: key.day).map { KPIPeriodSplit.monthKey(of: $0).description } ?? key.day
        return Key(day: day, placePath: String(key.placePath.prefix(communityPathLength)), category: key.category,
                   handlerNodeID: key.handlerNodeID, handlerPath: key.handlerPath, accusedPath: key.accusedPath)
    }

    /// Adds `deltas` to the cells of `table` (inserting cells not there yet), many cells per statement.
    static func add(_ deltas: [Key: KPIRollup.Counters], to table: String, on sql: any SQLDatabase) async throws {
        try await addCounts(deltas.filter { !$0.value.isZero }.map { ($0.key.binds, $0.value.values) }, to: table, keyColumns: keyColumns,
                            counters: KPIRollup.Counters.names, on: sql)
    }

    /// Adds counts to the cells of `table` (its key `keyColumns`, its counts `counters`), inserting cells not there
    /// yet, 200 cells per statement. The keys are distinct, as PostgreSQL's ON CONFLICT requires.
    static func addCounts(_ cells: [(key: [any Encodable & Sendable], counts: [Int64])], to table: String, keyColumns: [String],
                          counters: [String], on sql: any SQLDatabase) async throws {
        let update = counters.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
        for chunk in cells.chunked(200) {
            let rows = chunk.map { cell in SQLGroupExpression((cell.key + cell.counts.map { $0 as any Encodable & Sendable }).map { SQLBind($0) }) }
            // raw SQL: the table and column names are the code's own (`table`, `keyColumns`, `counters`); values bound.
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: (keyColumns + counters).joined(separator: ", "))) VALUES \(SQLList(rows))
                ON CONFLICT (\(unsafeRaw: keyColumns.joined(separator: ", "))) DO UPDATE SET \(unsafeRaw: update)
                """).run()
        }
    }

    /// Derives the monthly rows of the places under `prefixes` (community paths, or shorter) from the daily rows
    /// again, in the caller's transaction.
    static func deriveMonthly(under prefixes: [String], on db: any Database) async throws {
        let sql = db.sql()
        let sums = KPIRollup.Counters.names.map { "SUM(\($0))" }.joined(separator: ", ")
        let columns = (keyColumns + KPIRollup.Counters.names).joined(separator: ", ")
        for prefix in Set(prefixes) {
            // raw SQL: table and column names are the code's own; the prefix is bound.
            try await sql.raw("DELETE FROM \(unsafeRaw: monthlyTable) WHERE place_path LIKE \(bind: prefix + "%")").run()
            // raw SQL: table and column names are the code's own; the prefix is bound.
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: monthlyTable) (\(unsafeRaw: columns)) SELECT substr(day, 1, 7) || '-01',
                substr(place_path, 1, \(unsafeRaw: String(communityPathLength))), category, handler_node_id, handler_path, accused_path,
                \(unsafeRaw: sums) FROM \(unsafeRaw: table) WHERE place_path LIKE \(bind: prefix + "%") GROUP BY 1, 2, 3, 4, 5, 6
                """).run()
        }
    }

    /// After `OrgPathColumns.rebase` moved the subtree at `old` to `new`: a node below a community took its cases'
    /// monthly counts out of one community and into another, which a rebase of the cut paths cannot do; the two
    /// communities' monthly rows are derived again. (A community or anything above it moves with its rows.)
    static func afterMove(from old: OrgPath, to new: OrgPath, on db: any Database) async throws {
        let communities = [old, new].filter { $0.rawValue.count > communityPathLength }.map { String($0.rawValue.prefix(communityPathLength)) }
        guard !communities.isEmpty else { return }
        try await deriveMonthly(under: communities, on: db)
    }

    /// Whether the monthly rollups can answer for `scopes` at `grain`: whole communities or more are seen, the
    /// answer is grouped no finer than communities, and by month at the finest.
    static func monthlyServe(scopes: [String], grain: Grain) -> Bool {
        grain.time != .day && (grain.place.map { $0.depth <= OrgLevel.community.depth } ?? true)
            && scopes.allSatisfy { $0.count <= communityPathLength }
    }
}
