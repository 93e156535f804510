import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import GongzhiCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// `gongzhi restore-drill` (checklist row 35, rule 10: no release without a passing restore drill): backs the
/// database up as `gongzhi backup` does, restores the backup into a scratch database (SQLite: a copy of the file;
/// PostgreSQL: a new database and `pg_restore`), and checks that every table came back with the same rows (count
/// and an order-independent SHA-256 fingerprint) and that the restored audit chain verifies (and its signed
/// checkpoints, given `GONGZHI_AUDIT_PUBLIC_KEY`). Prints the time taken (the restore's RTO on this data) and
/// removes the scratch copy. Run it against a quiet database (no server writing), nightly or before a release.
struct RestoreDrillCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Backs up, restores into a scratch database, and checks every table and the audit chain." }

    static let scratchID = DatabaseID(string: "restore-drill")

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-drill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let live = try await DatabaseFingerprint.of(app.db)

        let started = Date()
        var dropScratch: String?
        switch app.gongzhi.config.database {
        case .sqlite:
            let backup = work.appendingPathComponent("backup.sqlite").path, restored = work.appendingPathComponent("restored.sqlite").path
            try await app.db.sql().raw("VACUUM INTO \(bind: backup)").run()
            try FileManager.default.copyItem(atPath: backup, toPath: restored)
            app.databases.use(.sqlite(.file(restored)), as: Self.scratchID)
        case .postgres(let url):
            let dump = work.appendingPathComponent("backup.dump").path
            try PostgresTools.run("pg_dump", ["--format=custom", "--file=\(dump)", PostgresTools.libpqURL(url)])
            guard var parts = URLComponents(string: url), let live = parts.path.split(separator: "/").first else {
                throw DemoError(message: "DATABASE_URL names no database")
            }
            let scratch = "\(live)_drill_\(UInt32.random(in: 0...UInt32.max))"
            try await app.db.sql().raw("CREATE DATABASE \(ident: scratch)").run()
            dropScratch = scratch
            parts.path = "/" + scratch
            guard let scratchURL = parts.string else { throw DemoError(message: "cannot form the scratch database's address") }
            try PostgresTools.run("pg_restore", ["--no-owner", "--dbname=\(PostgresTools.libpqURL(scratchURL))", dump])
            app.databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: scratchURL)), as: Self.scratchID)
        }
        let restoredAt = Date()
        let copy = app.db(Self.scratchID)
        let restored = try await DatabaseFingerprint.of(copy)
        let key = app.gongzhi.config.auditPublicKey.flatMap(AuditCheckpoint.publicKey(base64:))
        let audit = try await AuditLog.verify(on: copy, checkpointKey: key)
        let finished = Date()
        if let dropScratch {
            try? await app.db.sql().raw("DROP DATABASE IF EXISTS \(ident: dropScratch) WITH (FORCE)").run()
        }

        let differing = Set(live.keys).union(restored.keys).sorted().filter { live[$0] != restored[$0] }
        let rows = live.values.reduce(0) { $0 + $1.rows }
        func seconds(_ from: Date, _ to: Date) -> String { String(format: "%.1f s", to.timeIntervalSince(from)) }
        context.console.print("restore drill: \(live.count) tables, \(rows) rows; backup and restore \(seconds(started, restoredAt)), "
            + "checks \(seconds(restoredAt, finished)); RTO on this data \(seconds(started, finished))")
        guard differing.isEmpty else {
            for table in differing.prefix(10) {
                context.console.error("  \(table): live \(live[table]?.description ?? "missing"), restored \(restored[table]?.description ?? "missing")")
            }
            throw DemoError(message: "FAILED: \(differing.count) table(s) differ after the restore (was the database being written to?)")
        }
        guard case .intact = audit else { throw AuditChainBroken(seq: audit.failedAt ?? 0, explanation: audit.explanation) }
        context.console.print("OK: every table restored identical; \(audit.explanation)")
    }
}

/// The tables of a database and their rows as canonical text (SQLite's `quote()` of every column, PostgreSQL's
/// row-to-text cast), streamed; per-table fingerprints of them. Used by the restore drill, and by the tests that
/// prove a GET crawl writes nothing and that no canary is stored in clear.
enum DatabaseFingerprint {
    /// The tables of the current schema (PostgreSQL) or file (SQLite), by pg_catalog: information_schema takes
    /// minutes on a server with many schemas.
    static func tables(_ sql: any SQLDatabase) async throws -> [String] {
        let rows = if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r'
                """).all()
        } else {
            try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
        }
        return try rows.map { try $0.decode(column: "name", as: String.self) }.sorted()
    }

    /// Calls `body` with each row of `table` as one text (a NULL row text as "\0NULL").
    static func forEachRow(of table: String, _ sql: any SQLDatabase, _ body: @escaping @Sendable (String) -> Void) async throws {
        var query: SQLQueryString = "SELECT "
        if sql.dialect.name == "postgresql" {
            query.appendLiteral("CAST(t AS TEXT) AS r FROM ")
            query.appendInterpolation(ident: table)
            query.appendLiteral(" t")
        } else {
            let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
            for (index, column) in columns.enumerated() {
                query.appendLiteral(index == 0 ? "quote(" : " || char(31) || quote(")
                query.appendInterpolation(ident: column)
                query.appendLiteral(")")
            }
            query.appendLiteral(" AS r FROM ")
            query.appendInterpolation(ident: table)
        }
        try await sql.raw(query).run { row in
            body(((try? row.decode(column: "r", as: String?.self)) ?? nil) ?? "\u{0}NULL")
        }
    }

    static func of(_ db: any Database, excluding excluded: Set<String> = []) async throws -> [String: TableFingerprint] {
        let sql = db.sql()
        var result: [String: TableFingerprint] = [:]
        for table in try await tables(sql) where !excluded.contains(table) {
            let box = NIOLockedValueBox(TableFingerprint())
            try await forEachRow(of: table, sql) { row in box.withLockedValue { $0.add(row: row) } }
            result[table] = box.withLockedValue { $0 }
        }
        return result
    }
}
