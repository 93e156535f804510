import Fluent
import Foundation
import SQLKit
import Synchronization

/// The INSERT that Fluent's `create` would run for a model, made ready before a write begins.
///
/// On SQLite every write waits for the one writer (`WriteGate`); what a write does while holding it decides how many
/// writes a second the database takes. Fluent's `create` builds its query, converts and serialises it, every
/// identifier escaped, inside the write — about a millisecond per row on this machine, most of the time the writer
/// was held for an intake. This reads the model's fields the way Fluent does (`Fields.input(to:)`) before the write,
/// keeps the statement's head per table, column list and dialect, and inside the write only sends the text and the
/// values. The values are encoded by the same driver encoder Fluent's own binds go through.
///
/// Only plain fields are supported (`@ID` set by the caller, `@Field`, `@OptionalField`, `@Timestamp` set by the
/// caller, `@Parent`): a value that is not a plain bind — a nested group, a native enum case (Fluent writes it as a
/// literal), a custom expression — throws, so a model that grows one is noticed at once (`PreparedInsertTests`).
///
/// Rows of one table with the same columns can go in one statement (`run(_:on:)`): a group commit's intakes then cost
/// one statement per table, not one per row.
struct PreparedInsert: SQLExpression, Sendable {
    let table: String
    let columns: [String]
    /// `INSERT INTO "table" ("a", "b") VALUES `: rows with the same head can share a statement.
    private let head: String
    /// The row's values in column order; nil is an untyped NULL in the text, as Fluent writes it (PostgreSQL refuses
    /// a text-typed NULL bind for a uuid column).
    private let values: [(any Encodable & Sendable)?]

    enum Problem: Error, Equatable { case unsupportedValue(field: String), missingID(table: String) }

    init<M: Model>(_ model: M, on db: any Database) throws {
        guard model.id != nil else { throw Problem.missingID(table: M.schema) }
        let collected = Collector()
        model.input(to: collected)
        var columns: [String] = []
        var values: [(any Encodable & Sendable)?] = []
        for (key, value) in collected.pairs {
            let column = key.description
            switch value {
            case .bind(let encodable): values.append(encodable)
            case .null: values.append(nil)
            case .default: continue // the column's own default, as Fluent's DEFAULT would give
            default: throw Problem.unsupportedValue(field: column)
            }
            columns.append(column)
        }
        self.table = M.schema
        self.columns = columns
        self.values = values
        self.head = Self.head(table: M.schema, space: M.space, columns: columns, on: db.sql())
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(head)
        writeRow(to: &serializer)
    }

    private func writeRow(to serializer: inout SQLSerializer) {
        serializer.write("(")
        for (index, value) in values.enumerated() {
            if index > 0 { serializer.write(", ") }
            if let value { serializer.write(bind: value) } else { serializer.write("NULL") }
        }
        serializer.write(")")
    }

    /// Runs the insert on `db` (inside a write).
    func run(on db: any Database) async throws {
        try await db.sql().execute(sql: self) { _ in }
    }

    /// Runs inserts on `db` (inside a write) with one statement per table and column list, tables in the order they
    /// first appear (a row's parent, listed before it, is inserted before it).
    static func run(_ rows: [PreparedInsert], on db: any Database) async throws {
        var order: [(table: String, head: String)] = []
        var groups: [String: [PreparedInsert]] = [:]
        for row in rows {
            if groups[row.head] == nil {
                // Next to the table's other column lists, so that no later table's rows go before any of this table's.
                let at = (order.lastIndex { $0.table == row.table }).map { $0 + 1 } ?? order.endIndex
                order.insert((row.table, row.head), at: at)
            }
            groups[row.head, default: []].append(row)
        }
        for (_, head) in order {
            let group = groups[head]!
            // PostgreSQL takes at most 65 535 binds in a statement; SQLite (as built by SQLiteNIO) 250 000.
            let perStatement = max(1, maxBinds / max(1, group[0].columns.count))
            for start in stride(from: 0, to: group.count, by: perStatement) {
                try await db.sql().execute(sql: Rows(head: head, rows: group[start..<min(group.count, start + perStatement)])) { _ in }
            }
        }
    }

    static let maxBinds = 30_000

    /// Several rows with one head, as one statement.
    private struct Rows: SQLExpression {
        let head: String
        let rows: ArraySlice<PreparedInsert>
        func serialize(to serializer: inout SQLSerializer) {
            serializer.write(head)
            for (index, row) in rows.enumerated() {
                if index > 0 { serializer.write(", ") }
                row.writeRow(to: &serializer)
            }
        }
    }

    /// `INSERT INTO table (columns) VALUES `, serialised once per dialect, table and column list.
    private static func head(table: String, space: String?, columns: [String], on sql: any SQLDatabase) -> String {
        let key = HeadKey(dialect: sql.dialect.name, space: space, table: table, columns: columns)
        if let known = cache.withLock({ $0[key] }) { return known }
        var serializer = SQLSerializer(database: sql)
        serializer.write("INSERT INTO ")
        SQLQualifiedTable(table, space: space).serialize(to: &serializer)
        serializer.write(" (")
        SQLList(columns.map { SQLIdentifier($0) }).serialize(to: &serializer)
        serializer.write(") VALUES ")
        cache.withLock { $0[key] = serializer.sql }
        return serializer.sql
    }

    private struct HeadKey: Hashable {
        let dialect: String
        let space: String?
        let table: String
        let columns: [String]
    }

    private static let cache = Mutex<[HeadKey: String]>([:])

    /// Field keys and values in the order the model gives them.
    private final class Collector: DatabaseInput {
        var pairs: [(FieldKey, DatabaseQuery.Value)] = []
        private var index: [FieldKey: Int] = [:]
        func set(_ value: DatabaseQuery.Value, at key: FieldKey) {
            if let at = index[key] {
                pairs[at].1 = value
            } else {
                index[key] = pairs.count
                pairs.append((key, value))
            }
        }
    }
}
