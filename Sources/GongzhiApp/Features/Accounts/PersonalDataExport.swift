import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// A person's own data (PIPL art. 45, the right to access and copy): every row of every table that names their
/// account or their resident record, found through the personal-data inventory (which a test keeps in step with
/// the schema, so no table can be forgotten). Their own sealed numbers are opened for them; credentials and
/// blind indexes are withheld.
enum PersonalDataExport {
    struct Subject: Sendable {
        let userID: UUID
        let personID: UUID?
    }

    struct Document: Content {
        let generatedAt: Date
        let userId: UUID
        let personId: UUID?
        /// Table → its rows that name the person, every column as text (nil: empty).
        let tables: [String: [[String: String?]]]
        /// Columns left out, as table.column: credentials, blind indexes, sealed answers of other requests.
        let withheld: [String]
        /// Tables cut at `rowLimit` rows.
        let truncated: [String]
    }

    /// At most this many rows per table (a resident has far fewer; the cut is reported).
    static let rowLimit = 5_000

    /// `fullNumbers`: the person's own ID and phone numbers whole — only after they re-entered their password (issue 24
    /// finding 2); otherwise masked like every page shows them.
    static func document(for subject: Subject, inventory: DataInventory, cipher: FieldCipher, fullNumbers: Bool, now: Date,
                         on db: any Database) async throws -> Document {
        var tables: [String: [[String: String?]]] = [:]
        var withheld = Set<String>()
        var truncated: [String] = []
        let typed = try await uuidColumns(on: db)
        for table in Set(inventory.personal.map(\.table)).union(["users", "persons"]).sorted() {
            let columns = inventory.columns(of: table)
            guard !columns.isEmpty, let filter = match(table: table, inventory: inventory, subject: subject, typed: typed) else { continue }
            let hidden = Set(inventory.personal.filter { $0.table == table && isWithheld($0) }.map(\.column))
            let shown = columns.filter { !hidden.contains($0) }
            withheld.formUnion(hidden.map { "\(table).\($0)" })
            let select = shown.map { SQLQueryString("CAST(\(ident: $0) AS TEXT) AS \(ident: $0)") }.joined(separator: ", ")
            let rows = try await db.sql().raw("SELECT \(select) FROM \(ident: table) WHERE \(filter) LIMIT \(literal: rowLimit + 1)").all()
            guard !rows.isEmpty else { continue }
            if rows.count > rowLimit { truncated.append(table) }
            tables[table] = try rows.prefix(rowLimit).map { row in
                var values: [String: String?] = [:]
                for column in shown { values[column] = readable(try row.decode(column: column, as: String?.self), column: column) }
                try open(&values, table: table, cipher: cipher, whole: fullNumbers)
                return values
            }
        }
        return Document(generatedAt: now, userId: subject.userID, personId: subject.personID, tables: tables, withheld: withheld.sorted(),
                        truncated: truncated)
    }

    /// On PostgreSQL the columns of type uuid, as "table.column" (the others that hold ids are text); on SQLite, ids
    /// are text anyway (upper-case as Fluent writes them, lower-case where the app writes an actor's id).
    static func uuidColumns(on db: any Database) async throws -> Set<String>? {
        guard db.sql().dialect.name == "postgresql" else { return nil }
        let rows = try await db.sql().raw("""
            SELECT c.relname AS table_name, a.attname AS column_name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND t.typname = 'uuid'
            """).all()
        return Set(try rows.map { "\(try $0.decode(column: "table_name", as: String.self)).\(try $0.decode(column: "column_name", as: String.self))" })
    }

    /// The condition that picks the subject's rows of `table`, or nil when no column of it names them. `typed`: see
    /// `uuidColumns` (nil on SQLite).
    static func match(table: String, inventory: DataInventory, subject: Subject, typed: Set<String>?) -> SQLQueryString? {
        var conditions: [SQLQueryString] = []
        if table == "users" { conditions.append(equals(table, "id", subject.userID, typed: typed)) }
        if table == "persons", let person = subject.personID { conditions.append(equals(table, "id", person, typed: typed)) }
        for column in inventory.personal where column.table == table {
            if let condition = names(column, subject, typed: typed) { conditions.append(condition) }
        }
        guard !conditions.isEmpty else { return nil }
        return "(" + conditions.joined(separator: " OR ") + ")"
    }

    /// The condition that `column` names the subject, or nil when it names nobody (or a resident record the subject
    /// does not have).
    static func names(_ column: DataInventory.Column, _ subject: Subject, typed: Set<String>?) -> SQLQueryString? {
        switch column.subject {
        case .user: equals(column.table, column.column, subject.userID, typed: typed)
        case .person: subject.personID.map { equals(column.table, column.column, $0, typed: typed) }
        case .userKey: accountKey(column.column, subject.userID)
        case .personKey: subject.personID.map { contains(column.column, $0) }
        case nil: nil
        }
    }

    /// An id column equal to `id`, whichever way the database keeps it.
    static func equals(_ table: String, _ column: String, _ id: UUID, typed: Set<String>?) -> SQLQueryString {
        guard let typed else { return "\(ident: column) IN (\(bind: id.uuidString), \(bind: id.uuidString.lowercased()))" }
        return typed.contains("\(table).\(column)") ? "\(ident: column) = \(bind: id)" : "LOWER(\(ident: column)) = \(bind: id.uuidString.lowercased())"
    }

    /// A text key naming an account: its id alone (an audit entry's actor) or "user:<id>" (an idempotency key's
    /// scope), in either case. Exact values, so that the column's index serves: the audit log grows without end,
    /// and a pattern would read all of it for every copy asked for.
    static func accountKey(_ column: String, _ id: UUID) -> SQLQueryString {
        let forms = [id.uuidString, id.uuidString.lowercased()].flatMap { [$0, "user:" + $0] }
        return "\(ident: column) IN (" + forms.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")"
    }

    /// A text key holding the id among others, in either case (the owners of a unit, "abc…+def…").
    static func contains(_ column: String, _ id: UUID) -> SQLQueryString {
        "LOWER(CAST(\(ident: column) AS TEXT)) LIKE \(bind: "%" + id.uuidString.lowercased() + "%")"
    }

    static func isWithheld(_ column: DataInventory.Column) -> Bool {
        switch column.category {
        case .credential, .sealedAnswer: true
        case .sensitive: column.column.hasSuffix("_hash")
        default: false
        }
    }

    /// SQLite keeps times as seconds since 1970: shown as ISO 8601 like PostgreSQL's.
    static func readable(_ value: String?, column: String) -> String? {
        guard let value, column.hasSuffix("_at") || column == "at", let seconds = Double(value) else { return value }
        return Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    /// The person's own sealed values, opened: their ID number, phone, the contact an API client sent with a case.
    static func open(_ values: inout [String: String?], table: String, cipher: FieldCipher, whole: Bool) throws {
        let sealed: [(String, FieldCipher.Field)] = switch table {
        case "persons": [("id_number_enc", .idNumber), ("phone_enc", .phone)]
        case "cases": [("contact_sealed", .caseContact)]
        default: []
        }
        for (column, field) in sealed {
            guard let value = values[column] ?? nil else { continue }
            let opened = try cipher.open(value, field: field)
            let masked: String = switch field {
            case .idNumber: Masking.idNumber(opened)
            case .phone: Masking.phone(opened)
            default: Masking.numbersInText(opened)
            }
            values[column] = whole ? opened : masked
        }
    }
}
