import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Audit chain in the database")
struct AuditTests {
    /// Stands for a database administrator who bypasses the app: drops the append-only triggers.
    func dropTriggers(_ app: Application) async throws {
        try await AppendOnly.remove(AuditRecord.schema, on: app.db)
    }

    @Test("the app cannot update or delete an audit entry")
    func appendOnly() async throws {
        try await withApp { app, _ in
            let count = try await app.auditCount()
            #expect(count > 0)
            await #expect(throws: (any Error).self) { try await app.db.sql().raw("UPDATE audit_log SET actor = 'x' WHERE seq = 1").run() }
            await #expect(throws: (any Error).self) { try await app.db.sql().raw("DELETE FROM audit_log WHERE seq = 1").run() }
            let result = try await AuditLog.verify(on: app.db)
            #expect(result == .intact(count: Int64(count)))
        }
    }

    @Test("changing one byte of one stored entry is found at exactly that entry")
    func tamperOneByte() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            for i in 0..<5 { _ = try await worker.send(.PATCH, "/api/v1/org/nodes/\(f.gridA.id!.uuidString)", json: ["name": "网格\(i)"]) }
            let count = try await app.auditCount()
            let intact = try await AuditLog.verify(on: app.db)
            #expect(intact == .intact(count: Int64(count)))
            try await dropTriggers(app)
            let target = Int64(count - 3)
            let entry = try #require(try await AuditRecord.find(target, on: app.db))
            var bytes = Array(entry.action.utf8)
            #expect(entry.action == "org.update")
            bytes[0] ^= 0x01
            try await app.db.sql().raw("UPDATE audit_log SET action = \(bind: String(decoding: bytes, as: UTF8.self)) WHERE seq = \(bind: target)").run()
            guard case .broken(let failure, _) = try await AuditLog.verify(on: app.db) else { Issue.record("tampering not detected"); return }
            #expect(failure == .alteredEntry(seq: target))
        }
    }

    @Test("deleting an entry, or the last one, is found")
    func deletions() async throws {
        try await withApp { app, _ in
            for name in ["worker", "worker2", "grid"] { _ = try await TestClient.api(app, as: name) }
            try await dropTriggers(app)
            let count = Int64(try await app.auditCount())
            try await app.db.sql().raw("DELETE FROM audit_log WHERE seq = \(bind: count)").run()
            guard case .broken = try await AuditLog.verify(on: app.db) else { Issue.record("truncation not detected"); return }
            try await app.db.sql().raw("DELETE FROM audit_log WHERE seq = 1").run()
            guard case .broken(let failure, _) = try await AuditLog.verify(on: app.db) else { Issue.record("deletion not detected"); return }
            #expect(failure == .gap(expected: 1, found: 2))
        }
    }

    /// More writers than the PostgreSQL pool has connections (16), few enough that a loaded machine (the suites
    /// run in parallel) does not hit the 10 s wait for a connection.
    static let concurrentWriters = 24

    @Test("refusals of signed-in actors are audited: a missing permission, a failed CSRF check, with who, where and why; 401s, 404s and strangers are not")
    func refusalsAudited() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.api(app, as: "worker")
            let workerID = try await UserRecord.query(on: app.db).filter(\.$username == "worker").first()!.requireID().uuidString.lowercased()
            let before = try await app.auditCount()
            #expect(try await worker.send(.GET, "/api/v1/audit").status == .forbidden)
            #expect(try await worker.send(.GET, "/api/v1/cases/\(UUID())").status == .notFound)
            var stranger = TestClient(app)
            #expect(try await stranger.send(.GET, "/api/v1/audit").status == .unauthorized)
            #expect(try await app.auditCount() == before + 1)
            let denied = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(denied.action == "access.denied" && denied.outcome == "failure")
            #expect(denied.actor == workerID && denied.objectID == "GET /api/v1/audit" && denied.summary == "code=forbidden")
            // A form posted without its CSRF token, from a signed-in browser.
            var browser = try await TestClient.browser(app, as: "worker")
            let signedIn = try await app.auditCount()
            let csrf = try await browser.send(.POST, "/logout", form: ["x": "1"], withCSRF: false)
            #expect(csrf.status == .forbidden)
            let last = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(last.action == "access.denied" && last.summary == "code=csrf")
            #expect(try await app.auditCount() == signedIn + 1)
            #expect(try await AuditLog.verify(on: app.db) == .intact(count: Int64(signedIn + 1)))
            // A stranger's form without a token is refused but not recorded: strangers cannot fill the log.
            var anonymous = TestClient(app)
            #expect(try await anonymous.send(.POST, "/login", form: ["username": "worker", "password": "x"], withCSRF: false).status == .forbidden)
            #expect(try await app.auditCount() == signedIn + 1)
        }
    }

    @Test("many concurrent writes make one unbroken chain, one entry each")
    func concurrentAppends() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let worker = try await TestClient.api(app, as: "worker")
            let before = try await app.auditCount()
            let gridID = f.gridA.id!.uuidString
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<Self.concurrentWriters {
                    group.addTask {
                        var client = worker
                        return try await client.send(.PATCH, "/api/v1/org/nodes/\(gridID)", json: ["code": "G\(i)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // A machine too loaded to lend a connection within the pool's wait answers 503 busy (and writes nothing).
            let done = statuses.filter { $0 == .ok }.count
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .serviceUnavailable }, "\(statuses.map(\.code))")
            #expect(done * 2 >= Self.concurrentWriters, "\(statuses.map(\.code))")
            #expect(try await app.auditCount() == before + done)
            let result = try await AuditLog.verify(on: app.db)
            #expect(result == .intact(count: Int64(before + done)))
        }
    }
}
