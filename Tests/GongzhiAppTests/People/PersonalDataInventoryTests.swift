import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Personal-data inventory in step with the schema")
struct PersonalDataInventoryTests {
    static func inventory() throws -> DataInventory {
        let file = repositoryRoot.appendingPathComponent("Resources/PersonalData/inventory.tsv")
        return try DataInventory(tsv: String(contentsOf: file, encoding: .utf8))
    }

    /// Table → columns, as the migrated database has them (SQLite or PostgreSQL).
    static func schema(_ db: any Database) async throws -> [String: Set<String>] {
        let sql = db.sql()
        var tables: [String: Set<String>] = [:]
        if sql.dialect.name == "postgresql" {
            for row in try await sql.raw("""
                SELECT c.relname AS table_name, a.attname AS column_name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                """).all() {
                tables[try row.decode(column: "table_name", as: String.self), default: []].insert(try row.decode(column: "column_name", as: String.self))
            }
        } else {
            for row in try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() {
                let table = try row.decode(column: "name", as: String.self)
                for column in try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all() {
                    tables[table, default: []].insert(try column.decode(column: "name", as: String.self))
                }
            }
        }
        tables["_fluent_migrations"] = nil
        return tables
    }

    @Test("every column of every table is either a listed personal-data column or declared free of personal data")
    func inStep() async throws {
        let inventory = try Self.inventory()
        try await withApp(seed: false) { app, _ in
            let schema = try await Self.schema(app.db)
            #expect(schema.count >= 45 && schema["persons"]?.contains("id_number_enc") == true, "the schema was read")
            let listed = inventory.columns
            for (table, columns) in schema {
                let unclassified = columns.subtracting(listed[table] ?? [])
                #expect(unclassified.isEmpty, "\(table): \(unclassified.sorted()) not in Resources/PersonalData/inventory.tsv")
            }
            for (table, columns) in listed {
                let gone = columns.subtracting(schema[table] ?? [])
                #expect(gone.isEmpty, "\(table): \(gone.sorted()) listed but not in the schema")
            }
        }
    }

    /// Every foreign key to an account or a resident record, as "table.column" (SQLite or PostgreSQL).
    static func foreignKeys(to targets: Set<String>, _ db: any Database) async throws -> Set<String> {
        let sql = db.sql()
        var found = Set<String>()
        if sql.dialect.name == "postgresql" {
            // pg_catalog, not information_schema: the latter's joins take minutes on a server with many schemas.
            for row in try await sql.raw("""
                SELECT t.relname AS table_name, a.attname AS column_name, r.relname AS target
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
                WHERE c.contype = 'f' AND n.nspname = current_schema()
                """).all() where targets.contains(try row.decode(column: "target", as: String.self)) {
                found.insert("\(try row.decode(column: "table_name", as: String.self)).\(try row.decode(column: "column_name", as: String.self))")
            }
        } else {
            for table in try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all().map({ try $0.decode(column: "name", as: String.self) }) {
                for key in try await sql.raw("SELECT \"table\" AS target, \"from\" AS source FROM pragma_foreign_key_list(\(bind: table))").all()
                where targets.contains(try key.decode(column: "target", as: String.self)) {
                    found.insert("\(table).\(try key.decode(column: "source", as: String.self))")
                }
            }
        }
        return found
    }

    @Test("every foreign key to an account or a resident record is a subject column, so the export and erasure follow it")
    func subjectColumnsCoverTheForeignKeys() async throws {
        let inventory = try Self.inventory()
        let subjects = Set(inventory.personal.filter { $0.subject != nil }.map { "\($0.table).\($0.column)" })
        try await withApp(seed: false) { app, _ in
            let keys = try await Self.foreignKeys(to: ["users", "persons"], app.db)
            #expect(keys.count >= 8, "the schema's foreign keys were read: \(keys.sorted())")
            #expect(keys.subtracting(subjects).isEmpty, "not followed by the export: \(keys.subtracting(subjects).sorted())")
        }
    }

    @Test("the identifying and sensitive columns of residents are in it, sealed ones say how")
    func knownColumns() throws {
        let inventory = try Self.inventory()
        func row(_ table: String, _ column: String) -> DataInventory.Column? {
            inventory.personal.first { $0.table == table && $0.column == column }
        }
        #expect(row("persons", "id_number_enc")?.category == .sensitive)
        #expect(row("persons", "id_number_enc")?.protection.contains("AES-256-GCM") == true)
        #expect(row("persons", "phone_enc")?.category == .sensitive)
        #expect(row("users", "person_id")?.subject == .person)
        #expect(row("cases", "submitter_user_id")?.subject == .user)
        #expect(row("users", "password_hash")?.category == .credential)
        #expect(inventory.personal.count >= 70)
        #expect(inventory.personal.allSatisfy { !$0.purpose.isEmpty && !$0.retention.isEmpty })
    }

    @Test("the parser refuses what would let a column slip through")
    func parser() {
        let header = "table\tcolumn\tcategory\tsubject\tpurpose\tretention\tenforced\tprotection\n"
        #expect(throws: DataInventory.Problem.unknownCategory(line: 2, "secret")) {
            try DataInventory(tsv: header + "t\tc\tsecret\t-\tp\tr\te\t-\n")
        }
        #expect(throws: DataInventory.Problem.listedTwice(table: "t", column: "c")) {
            try DataInventory(tsv: header + "t\tc\tidentifying\t-\tp\tr\te\t-\nt\ta,c\n")
        }
        #expect(throws: DataInventory.Problem.missingPurposeOrRetention(line: 2)) {
            try DataInventory(tsv: header + "t\tc\tidentifying\tuser\t\tr\te\t-\n")
        }
        #expect(throws: DataInventory.Problem.malformedLine(2)) { try DataInventory(tsv: header + "t\tc\tx\n") }
    }
}
