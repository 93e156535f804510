import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp

/// Group commit (checklist row 34): on SQLite, writes that arrive together share one transaction, each in its own
/// savepoint. A write that throws — by itself or through a failed statement — leaves nothing, the others commit,
/// each caller gets its own answer, and the audit chain they all extend stays whole. On PostgreSQL each write is
/// its own transaction, and the same outcomes must hold.
@Suite("Write gate: group commit with a savepoint per write")
struct WriteGateTests {
    struct Refused: Error, Equatable { let index: Int }

    @Test("60 writes at once: the refused ones leave nothing, the others commit once each, the chain is whole")
    func groupCommit() async throws {
        try await withApp(seed: false) { app, _ in
            let count = 60
            let batchesBefore = await app.writeGate.batches
            let writesBefore = await app.writeGate.writes
            // Every seventh write throws after appending (a Swift error); every seventh from 5 on breaks a key (an SQL error).
            @Sendable func refuses(_ i: Int) -> Bool { i % 7 == 3 }
            @Sendable func breaksKey(_ i: Int) -> Bool { i % 7 == 5 }
            // On PostgreSQL every write holds a pooled connection while it waits for the audit head's row lock, so the
            // writes go in waves no wider than the pool (8 per event loop): 60 at once would time out waiting for a
            // connection under a loaded test run, which says nothing about the writes. SQLite's all go at once.
            let wave = TestDatabase.isPostgres ? 8 : count
            var answers: [Int: Result<Int64, any Error>] = [:]
            for first in stride(from: 0, to: count, by: wave) {
                let indices = first..<min(first + wave, count)
                let waveAnswers = try await withThrowingTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
                    for i in indices {
                        group.addTask {
                            do {
                                let seq = try await app.write { db -> Int64 in
                                    let entry = try await AuditLog.append(AuditEvent(action: "test.group_commit", objectType: "test", objectID: "\(i)"),
                                                                          context: .system, now: Date(), on: db)
                                    // The first write holds the gate a moment, so the others queue behind it.
                                    if i == 0 { try await Task.sleep(for: .milliseconds(200)) }
                                    if refuses(i) { throw Refused(index: i) }
                                    if breaksKey(i) { try await db.sql().raw("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'x')").run() }
                                    return entry.fields.seq
                                }
                                return (i, .success(seq))
                            } catch {
                                return (i, .failure(error))
                            }
                        }
                    }
                    var answers: [Int: Result<Int64, any Error>] = [:]
                    for try await (i, answer) in group { answers[i] = answer }
                    return answers
                }
                answers.merge(waveAnswers) { first, _ in first }
            }
            #expect(answers.count == count)
            var acknowledged: [String: Int64] = [:]
            for (i, answer) in answers {
                switch answer {
                case .success(let seq):
                    #expect(!refuses(i) && !breaksKey(i), "write \(i) should have failed")
                    acknowledged["\(i)"] = seq
                case .failure(let error):
                    #expect(refuses(i) || breaksKey(i), "write \(i) failed: \(error)")
                    if refuses(i) { #expect(error as? Refused == Refused(index: i)) }
                }
            }
            #expect(acknowledged.count == (0..<count).filter { !refuses($0) && !breaksKey($0) }.count)
            // What was acknowledged is there, with the seq its caller was told; nothing of a failed write is.
            let rows = try await AuditRecord.query(on: app.db).filter(\.$action == "test.group_commit").all()
            #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.objectID, $0.id!) }) == acknowledged)
            #expect(try await AuditLog.verify(on: app.db) == .intact(count: Int64(try await AuditRecord.query(on: app.db).count())))
            let batches = await app.writeGate.batches - batchesBefore
            let writes = await app.writeGate.writes - writesBefore
            if TestDatabase.isPostgres {
                #expect(batches == 0 && writes == 0)
            } else {
                // All 60 went through the gate, and the ones queued behind the first shared transactions.
                #expect(writes == count)
                #expect(batches >= 2 && batches <= count / 2, "\(batches) transactions for \(writes) writes")
            }
        }
    }

    @Test("a write alone commits or rolls back as its own transaction")
    func alone() async throws {
        try await withApp(seed: false) { app, _ in
            let before = try await AuditRecord.query(on: app.db).count()
            await #expect(throws: Refused.self) {
                try await app.write { db in
                    try await AuditLog.append(AuditEvent(action: "test.alone", objectType: "test", objectID: "1"), context: .system, now: Date(), on: db)
                    throw Refused(index: 1)
                }
            }
            #expect(try await AuditRecord.query(on: app.db).count() == before)
            let entry = try await app.write { db in
                try await AuditLog.append(AuditEvent(action: "test.alone", objectType: "test", objectID: "2"), context: .system, now: Date(), on: db)
            }
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "test.alone").all().map(\.id) == [entry.fields.seq])
        }
    }
}
