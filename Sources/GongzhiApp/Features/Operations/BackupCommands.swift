import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// `gongzhi backup <file>`: an online, consistent copy of the SQLite database (`VACUUM INTO`, safe while the
/// server runs). On PostgreSQL it runs `pg_dump --format=custom`.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "Where to write the backup (must not exist)")
        var file: String
    }

    var help: String { "Writes a consistent backup of the database to a file." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard !FileManager.default.fileExists(atPath: signature.file) else {
            throw DemoError(message: "\(signature.file) exists already: choose a new file")
        }
        switch app.gongzhi.config.database {
        case .sqlite:
            try await app.prepareAndMigrate()
            try await app.db.sql().raw("VACUUM INTO \(bind: signature.file)").run()
            context.console.print("backup written to \(signature.file)")
        case .postgres(let url):
            try PostgresTools.run("pg_dump", ["--format=custom", "--file=\(signature.file)", PostgresTools.libpqURL(url)])
            context.console.print("pg_dump written to \(signature.file)")
        }
    }
}

/// `gongzhi restore <file>`: replaces the SQLite database by a backup (stop the server first), then verifies the
/// audit chain of what was restored. On PostgreSQL it runs `pg_restore --clean`.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "A file written by gongzhi backup")
        var file: String
    }

    var help: String { "Restores the database from a backup and verifies its audit chain." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let manager = FileManager.default
        guard let handle = FileHandle(forReadingAtPath: signature.file) else { throw DemoError(message: "cannot read \(signature.file)") }
        let header = handle.readData(ofLength: 16)
        try handle.close()
        switch app.gongzhi.config.database {
        case .sqlite(let path):
            guard header == Data("SQLite format 3\u{0}".utf8) else { throw DemoError(message: "\(signature.file) is not a SQLite backup") }
            // Connections open lazily: nothing has opened the database yet, so the file can be swapped.
            let staging = path + ".restoring"
            try? manager.removeItem(atPath: staging)
            try manager.copyItem(atPath: signature.file, toPath: staging)
            for suffix in ["-wal", "-shm"] { try? manager.removeItem(atPath: path + suffix) }
            if manager.fileExists(atPath: path) {
                _ = try manager.replaceItemAt(URL(fileURLWithPath: path), withItemAt: URL(fileURLWithPath: staging))
            } else {
                try manager.moveItem(atPath: staging, toPath: path)
            }
        case .postgres(let url):
            try PostgresTools.run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--dbname=\(PostgresTools.libpqURL(url))", signature.file])
        }
        try await app.prepareAndMigrate()
        let key = app.gongzhi.config.auditPublicKey.flatMap(AuditCheckpoint.publicKey(base64:))
        let verified = try await AuditLog.verify(on: app.db, checkpointKey: key)
        guard case .intact = verified else { throw AuditChainBroken(seq: verified.failedAt ?? 0, explanation: verified.explanation) }
        context.console.print("restored from \(signature.file); OK: \(verified.explanation)")
    }
}

enum PostgresTools {
    /// libpq does not know `tls=`: it says `sslmode=`.
    static func libpqURL(_ url: String) -> String {
        url.replacingOccurrences(of: "tls=disable", with: "sslmode=disable")
            .replacingOccurrences(of: "tls=require", with: "sslmode=require")
            .replacingOccurrences(of: "tls=prefer", with: "sslmode=prefer")
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DemoError(message: "\(tool) failed with status \(process.terminationStatus)") }
    }
}
