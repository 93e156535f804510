import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Runs the built `gongzhi` executable, as an operator would, on SQLite files in a temporary directory.
@Suite("Command line: demo, audit verify, backup and restore", .serialized)
struct CommandLineTests {
    struct Run {
        let status: Int32
        let output: String
    }

    static let packageRoot: URL = {
        repositoryRoot
    }()

    static var binary: String {
        ProcessInfo.processInfo.environment["GONGZHI_BIN"] ?? packageRoot.appendingPathComponent(".build/debug/gongzhi").path
    }

    func run(_ arguments: [String], in directory: URL, database: String = "gongzhi.sqlite") throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = Self.packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DATABASE_URL")
        environment["GONGZHI_SQLITE_PATH"] = directory.appendingPathComponent(database).path
        environment["GONGZHI_KEY_FILE"] = directory.appendingPathComponent("gongzhi.key").path
        environment["GONGZHI_PASSWORD_ROUNDS"] = "1000"
        environment["LOG_LEVEL"] = "error"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Opens a SQLite file as a database administrator would, bypassing the app.
    func withDatabase(_ path: String, key: Data, _ body: (Application) async throws -> Void) async throws {
        TestLog.start()
        let app = try await Application.make(.testing)
        do {
            var config = try AppConfig.fromEnvironment(["GONGZHI_SQLITE_PATH": path, "GONGZHI_DATA_KEY": key.base64EncodedString()])
            config.passwordRounds = 1_000
            try configure(app, config: config)
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    @Test("demo, verify, backup, restore of the backup, and a tampered entry found by the verify command")
    func operatorRoundTrip() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let demo = try run(["demo", "--streets", "2", "--households", "300", "--seed", "5"], in: directory)
        #expect(demo.status == 0, "\(demo.output)")
        #expect(demo.output.contains("demo district written"))
        #expect(demo.output.contains("worker"))
        let keyPath = directory.appendingPathComponent("gongzhi.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try run(["demo", "--households", "10"], in: directory)
        #expect(again.status != 0 && again.output.contains("already"))

        let verify = try run(["audit", "verify"], in: directory)
        #expect(verify.status == 0)
        // The catalogue, the demo district, and the demo's deliberation written through its use cases (an entry each).
        let entries = try #require(Self.entries(verify.output))
        #expect(entries > 2, "\(verify.output)")

        // The restore drill: backup, restore into a scratch copy, every table and the audit chain checked.
        let drill = try run(["restore-drill"], in: directory)
        #expect(drill.status == 0, "\(drill.output)")
        #expect(drill.output.contains("every table restored identical; audit chain intact, \(entries) entries"), "\(drill.output)")
        #expect(drill.output.range(of: #"\d+ tables, \d{4,} rows"#, options: .regularExpression) != nil, "\(drill.output)")

        // The retention sweep by hand: the demo's cases closed within the last weeks, nothing of them is due.
        let sweep = try run(["retention-sweep"], in: directory)
        #expect(sweep.status == 0, "\(sweep.output)")
        #expect(sweep.output.contains("0 cases anonymised, 0 photos deleted"), "\(sweep.output)")

        let backupPath = directory.appendingPathComponent("backup.sqlite").path
        let backup = try run(["backup", backupPath], in: directory)
        #expect(backup.status == 0, "\(backup.output)")
        #expect(FileManager.default.fileExists(atPath: backupPath))
        #expect(try run(["backup", backupPath], in: directory).status != 0)

        // The database file and the backup hold no plaintext personal numbers.
        let key = Data(base64Encoded: try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        let plan = DemoDistrict.generate(streets: 2, households: 300, seed: 5)
        let backupBytes = try Data(contentsOf: URL(fileURLWithPath: backupPath))
        for person in plan.persons.prefix(20) {
            #expect(backupBytes.range(of: Data(person.idNumber.utf8)) == nil)
            #expect(backupBytes.range(of: Data(person.phone.utf8)) == nil)
        }

        // Tamper with the live database as an administrator would, byte by byte.
        try await withDatabase(directory.appendingPathComponent("gongzhi.sqlite").path, key: key) { app in
            try await AppendOnly.remove(AuditRecord.schema, on: app.db)
            try await app.db.sql().raw("UPDATE audit_log SET summary = summary || ' ' WHERE seq = 1").run()
        }
        let broken = try run(["audit", "verify"], in: directory)
        #expect(broken.status != 0)
        #expect(broken.output.contains("BROKEN: audit entry 1"))

        // The backup restores into a fresh database and its chain verifies.
        let restore = try run(["restore", backupPath], in: directory, database: "restored.sqlite")
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.output.contains("OK: audit chain intact, \(entries) entries"))
        let restoredVerify = try run(["audit", "verify"], in: directory, database: "restored.sqlite")
        #expect(restoredVerify.status == 0)
        try await withDatabase(directory.appendingPathComponent("restored.sqlite").path, key: key) { app in
            #expect(try await HouseholdRecord.query(on: app.db).count() == 300)
            let person = try #require(try await PersonRecord.query(on: app.db).first())
            #expect(try ResidentIDNumber(validating: try app.gongzhi.cipher.open(person.idNumberSealed, field: .idNumber), today: testNow).value.count == 18)
        }
        // Not a backup: refused.
        let notBackup = try run(["restore", keyPath], in: directory, database: "other.sqlite")
        #expect(notBackup.status != 0)
    }

    /// The number of entries `audit verify` found ("OK: audit chain intact, N entries").
    static func entries(_ output: String) -> Int? {
        output.firstMatch(of: /intact, (\d+) entries/).flatMap { Int($0.output.1) }
    }

    @Test("audit keygen, checkpoint and verify: a chain rewritten as a whole passes the chain check, not the signed checkpoint")
    func signedCheckpoints() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["demo", "--streets", "1", "--households", "40", "--seed", "3"], in: directory).status == 0)

        let keyFile = directory.appendingPathComponent("audit.key").path
        let keygen = try run(["audit", "keygen", "--out", keyFile], in: directory)
        #expect(keygen.status == 0, "\(keygen.output)")
        let publicKey = try #require(keygen.output.split(separator: "\n").first { $0.hasPrefix("GONGZHI_AUDIT_PUBLIC_KEY=") }?
            .dropFirst("GONGZHI_AUDIT_PUBLIC_KEY=".count)).trimmingCharacters(in: .whitespaces)
        #expect(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int == 0o600)
        #expect(try run(["audit", "keygen", "--out", keyFile], in: directory).status != 0, "an existing key is never overwritten")

        let entries = try #require(Self.entries(try run(["audit", "verify"], in: directory).output))
        let checkpoint = try run(["audit", "checkpoint", "--key", keyFile], in: directory)
        #expect(checkpoint.status == 0, "\(checkpoint.output)")
        #expect(checkpoint.output.contains("OK: checkpoint signed at entry \(entries)"), "\(checkpoint.output)")
        let verified = try run(["audit", "verify", "--public-key", publicKey], in: directory)
        #expect(verified.status == 0 && verified.output.contains("1 signed checkpoints confirmed"), "\(verified.output)")

        // Rewrite the chain as someone with write access to the database could: alter entry 1 and recompute every
        // hash after it, and the head. The chain alone holds together again.
        let key = Data(base64Encoded: try String(contentsOfFile: directory.appendingPathComponent("gongzhi.key").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        try await withDatabase(directory.appendingPathComponent("gongzhi.sqlite").path, key: key) { app in
            try await AppendOnly.remove(AuditRecord.schema, on: app.db)
            var previous = AuditChain.genesisHash
            for record in try await AuditRecord.query(on: app.db).sort(\.$id).all() {
                var fields = record.entry.fields
                if fields.seq == 1 { fields.summary = "rewritten" }
                let hash = AuditChain.entryHash(prevHash: previous, fields: fields)
                try await app.db.sql().raw("""
                    UPDATE audit_log SET summary = \(bind: fields.summary), prev_hash = \(bind: previous), entry_hash = \(bind: hash)
                    WHERE seq = \(bind: fields.seq)
                    """).run()
                previous = hash
            }
            try await app.db.sql().raw("UPDATE audit_head SET hash = \(bind: previous) WHERE id = 1").run()
        }
        #expect(try run(["audit", "verify"], in: directory).status == 0, "without the key only the chain is checked, and it holds")
        let caught = try run(["audit", "verify", "--public-key", publicKey], in: directory)
        #expect(caught.status != 0)
        #expect(caught.output.contains("BROKEN: audit entry \(entries): the chain differs from a signed checkpoint"), "\(caught.output)")
        let otherKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        let wrongKey = try run(["audit", "verify", "--public-key", otherKey], in: directory)
        #expect(wrongKey.status != 0 && wrongKey.output.contains("signature"), "\(wrongKey.output)")
        #expect(try run(["audit", "checkpoint", "--key", keyFile], in: directory).status != 0, "a rewritten chain is not signed")
    }

    @Test("api-key create prints a key once and keeps only its hash; list shows it; revoke ends it")
    func apiKeys() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["demo", "--streets", "1", "--households", "20", "--seed", "3"], in: directory).status == 0)
        let key = Data(base64Encoded: try String(contentsOfFile: directory.appendingPathComponent("gongzhi.key").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        let sqlite = directory.appendingPathComponent("gongzhi.sqlite").path
        var code = ""
        try await withDatabase(sqlite, key: key) { app in
            code = try #require(try await OrgNodeRecord.query(on: app.db).filter(\.$level == .community).first()).code
        }
        #expect(try run(["api-key", "create", "--org", "NOPE", "--name", "x"], in: directory).status != 0)
        let created = try run(["api-key", "create", "--org", code, "--name", "12345 热线 App"], in: directory)
        #expect(created.status == 0, "\(created.output)")
        let lines = created.output.split(separator: "\n").map(String.init)
        let value = try #require(lines.first { $0.hasPrefix("gz311_") })
        try await withDatabase(sqlite, key: key) { app in
            let stored = try #require(try await Open311KeyRecord.query(on: app.db).first())
            #expect(stored.keyHash == Tokens.digest(value) && stored.name == "12345 热线 App" && stored.revokedAt == nil)
            #expect(try await Open311KeyRecord.find(key: value, on: app.db) != nil)
        }
        #expect(FileManager.default.contents(atPath: sqlite)!.range(of: Data(value.utf8)) == nil)
        let list = try run(["api-key", "list"], in: directory)
        #expect(list.output.contains(String(value.prefix(12))) && list.output.contains("active") && !list.output.contains(value))
        #expect(try run(["api-key", "revoke", String(value.prefix(12))], in: directory).status == 0)
        try await withDatabase(sqlite, key: key) { app in
            let found = try await Open311KeyRecord.find(key: value, on: app.db)
            #expect(found == nil)
        }
        #expect(try run(["api-key", "list"], in: directory).output.contains("revoked"))
    }
}
