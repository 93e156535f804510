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
/// keeps the statement's text per table, column list, NULL columns and dialect (it depends on nothing else: every other value is a bind),
/// and inside the write only sends the text and the values. The values are encoded by the same driver encoder
/// Fluent's own binds go through.
///
/// Only plain fields are supported (`@ID` set by the caller, `@Field`, `@OptionalField`, `@Timestamp` set by the
/// caller, `@Parent`): a value that is not a plain bind — a nested group, a native enum case (Fluent writes it as a literal), a custom expression — throws, so a model
/// that grows one is noticed at once (`PreparedInsertTests`).
struct PreparedInsert: SQLExpression, Sendable {
    let columns: [String]
    private let text: String
    private let values: [any Encodable & Sendable]

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
            case .null: values.append(nil) // an untyped NULL in the text, as Fluent writes it (PostgreSQL refuses a text-typed NULL bind for a uuid column)
            case .default: continue // the column's own default, as Fluent's DEFAULT would give
            default: throw Problem.unsupportedValue(field: column)
            }
            columns.append(column)
        }
        self.columns = columns
        self.values = values.compactMap { $0 }
        self.text = Self.text(table: M.schema, space: M.space, columns: columns, nulls: values.map { $0 == nil }, on: db.sql())
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(text)
        serializer.binds.append(contentsOf: values)
    }

    /// Runs the insert on `db` (inside a write).
    func run(on db: any Database) async throws {
        try await db.sql().execute(sql: self) { _ in }
    }

    /// The statement's text for a table, column list and which values are NULL, serialised once per dialect.
    private static func text(table: String, space: String?, columns: [String], nulls: [Bool], on sql: any SQLDatabase) -> String {
        let key = "\(sql.dialect.name)|\(space ?? "")|\(table)|\(columns.joined(separator: ","))|\(String(nulls.map { $0 ? "0" : "1" }))"
        if let known = cache.withLock({ $0[key] }) { return known }
        var insert = SQLInsert(table: SQLQualifiedTable(table, space: space))
        insert.columns = columns.map { SQLIdentifier($0) }
        insert.values = [nulls.map { $0 ? SQLLiteral.null as any SQLExpression : SQLBind(0) }]
        var serializer = SQLSerializer(database: sql)
        insert.serialize(to: &serializer)
        cache.withLock { $0[key] = serializer.sql }
        return serializer.sql
    }

    private static let cache = Mutex<[String: String]>([:])

    /// Field keys and values in the order the model gives them.
    private final class Collector: DatabaseInput {
        var pairs: [(FieldKey, DatabaseQuery.Value)] = []
        func set(_ value: DatabaseQuery.Value, at key: FieldKey) {
            if let index = pairs.firstIndex(where: { $0.0 == key }) { pairs[index].1 = value } else { pairs.append((key, value)) }
        }
    }
}
