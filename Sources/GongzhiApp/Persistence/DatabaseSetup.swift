import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// Choosing the database and preparing its connections.
enum DatabaseSetup {
    static let postgresConnectionsPerEventLoop = 8

    /// Registers SQLite or PostgreSQL as the default database. Opens no connection: `restore` must be able to
    /// replace the SQLite file before anything reads it.
    static func register(_ app: Application, config: AppConfig, postgresSearchPath: String? = nil) throws {
        switch config.database {
        case .sqlite(let path):
            _ = ProcessMemory.countSQLiteMemory  // before the first connection (/metrics, the soak)
            app.databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(10)), as: .sqlite)
            // The write gate's own connections (one per event loop, the driver's fixed number), so that a write
            // transaction never holds the connection an event loop's reads wait for: readers go on beside the one
            // writer, as WAL allows.
            app.databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(10)), as: .sqliteWriter, isDefault: false)
            let databases = app.databases
            app.writeGate = WriteGate(serialise: true, writer: { db in
                databases.database(.sqliteWriter, logger: db.logger, on: db.eventLoop)!
            })
        case .postgres(let url):
            var configuration = try SQLPostgresConfiguration(url: url)
            if let postgresSearchPath { configuration.searchPath = [postgresSearchPath] }
            app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop,
                                        connectionPoolTimeout: .seconds(10)), as: .psql)
            // Half of one event loop's connections for writes of the whole process: they queue on the audit head's
            // row lock anyway, and the other half stays free for reads on every loop.
            app.writeGate = WriteGate(serialise: false, concurrentWrites: postgresConnectionsPerEventLoop / 2)
        }
    }

    /// Sets up every pooled connection and checks durability (checklist rule 10):
    /// SQLite: WAL (kept in the file), synchronous=FULL (or NORMAL when configured) and a 5 s busy timeout on each connection (the driver's
    /// own busy handler would wait forever); PostgreSQL: fsync, full_page_writes and synchronous_commit on.
    static func prepare(_ app: Application) async throws {
        switch app.gongzhi.config.database {
        case .sqlite:
            // Every connection of both pools: the requests' and the write gate's.
            for eventLoop in app.eventLoopGroup.makeIterator() {
                for id in [DatabaseID.sqlite, .sqliteWriter] {
                    let sql = app.databases.database(id, logger: app.logger, on: eventLoop)!.sql()
                    let mode = try await sql.raw("PRAGMA journal_mode=WAL").first()?.decode(column: "journal_mode", as: String.self)
                    guard mode?.lowercased() == "wal" else { throw DurabilityError(detail: "SQLite journal_mode is \(mode ?? "?"), not WAL") }
                    // raw SQL: `level` is a case of the configuration's enum (FULL, NORMAL), not the configured text itself.
                    let level = app.gongzhi.config.sqliteSynchronous.rawValue.uppercased()
                    try await sql.raw("PRAGMA synchronous=\(unsafeRaw: level)").run()
                    try await sql.raw("PRAGMA busy_timeout=5000").run()
                }
            }
        case .postgres:
            let sql = app.db.sql()
            for setting in ["fsync", "full_page_writes", "synchronous_commit"] {
                let value = try await sql.raw("SELECT current_setting(\(bind: setting)) AS v").first()?.decode(column: "v", as: String.self)
                if value != "on" { app.logger.warning("PostgreSQL \(setting) is \(value ?? "?"): acknowledged writes may be lost in a crash") }
            }
        }
    }

    struct DurabilityError: Error, CustomStringConvertible {
        let detail: String
        var description: String { "durability check failed: \(detail)" }
    }
}

extension DatabaseID {
    /// SQLite: the connections the write gate writes on (see `DatabaseSetup.register`).
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}

extension Database {
    /// The SQL interface of this database (both drivers implement it).
    func sql() -> any SQLDatabase { self as! any SQLDatabase }
}
