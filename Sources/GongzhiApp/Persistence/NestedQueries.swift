import FluentKit
import FluentSQL
import NIOConcurrencyHelpers
import SQLKit

/// Fluent queries nested in one SQL statement, so that a page asking several small questions of the same table
/// (the queue's counts per stage, its first rows per state) pays for one round trip and gets one row back per
/// answer, instead of one statement each and a decoded row per case read (at 200 rows per capped count, that
/// decoding was most of a count's cost).
///
/// The builders' filters are converted by Fluent's own `SQLQueryConverter`, so the nested query reads exactly what
/// the builder would (the same binds, the same custom filters); only the columns, order and limit are replaced.
enum NestedQueries {
    /// The builder's read as an SQLKit `SELECT` of `columns`, with the builder's filters and joins, in `order`,
    /// stopping after `limit` rows.
    static func select<M: Model>(_ builder: QueryBuilder<M>, columns: [any SQLExpression], order: [any SQLExpression] = [],
                                 limit: Int?) -> SQLSelect {
        var query = builder.query
        query.action = .read
        query.fields = []
        query.sorts = []
        query.limits = []
        query.offsets = []
        // The converter's only use of its delegate is for schema changes and nested JSON fields: any will do.
        guard var select = SQLQueryConverter(delegate: ReadOnly()).convert(query) as? SQLSelect else {
            preconditionFailure("a read converts to a SELECT")
        }
        select.columns = columns
        select.orderBy = order
        select.limit = limit
        return select
    }

    /// How many rows each builder reads, each counted up to its cap (a count equal to the cap means "that many or
    /// more"), in one statement: `SELECT (SELECT COUNT(*) FROM (… LIMIT cap) AS c0) AS n0, …`. A builder must not
    /// be `unique()`: its columns are replaced, so its DISTINCT would count one row.
    static func cappedCounts<M: Model>(_ builders: [(query: QueryBuilder<M>, cap: Int)], on db: any Database) async throws -> [Int] {
        guard !builders.isEmpty else { return [] }
        assert(builders.allSatisfy { !$0.query.query.isUnique }, "a unique() read cannot be counted by replacing its columns")
        var outer = SQLSelect()
        outer.columns = builders.enumerated().map { index, builder in
            var count = SQLSelect()
            count.columns = [SQLFunction("COUNT", args: SQLLiteral.all)]
            let inner = select(builder.query, columns: [SQLLiteral.numeric("1")], limit: builder.cap)
            count.tables = [SQLAlias(SQLGroupExpression(inner), as: SQLIdentifier("c\(index)"))]
            return SQLAlias(SQLGroupExpression(count), as: SQLIdentifier("n\(index)"))
        }
        let query = db.sql().select()
        query.select = outer
        guard let row = try await query.first() else { return builders.map { _ in 0 } }
        return try builders.indices.map { try row.decode(column: "n\($0)", as: Int.self) }
    }

    /// The rows of several selects one after the other (`UNION ALL`), each keeping its own order and limit; the
    /// selects must have the same columns.
    static func union(_ selects: [SQLSelect], on sql: any SQLDatabase) async throws -> [any SQLRow] {
        guard !selects.isEmpty else { return [] }
        // Each part is wrapped (`SELECT * FROM (…) AS pN`): both databases then keep a part's own ORDER BY and LIMIT.
        let parts: [any SQLExpression] = selects.enumerated().map { index, part in
            var wrapped = SQLSelect()
            wrapped.columns = [SQLLiteral.all]
            wrapped.tables = [SQLAlias(SQLGroupExpression(part), as: SQLIdentifier("p\(index)"))]
            return wrapped
        }
        let rows = NIOLockedValueBox<[any SQLRow]>([])
        try await sql.execute(sql: SQLKit.SQLList(parts, separator: SQLRaw(" UNION ALL "))) { row in rows.withLockedValue { $0.append(row) } }
        return rows.withLockedValue { $0 }
    }

    private struct ReadOnly: SQLConverterDelegate {
        func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? { nil }
    }
}
