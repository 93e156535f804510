import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp
@testable import GongzhiCore

extension WriteGateTests {
    @Test("while writes keep ending, the ones behind them wait on past the turn's wait, however long the queue")
    func movingQueueWaitsOn() async throws {
        // The turns alone, without a database: 24 writes of 50 ms through one turn. The last waits 1.15 s, nearly
        // twice the turn's wait, but some write ends every 50 ms.
        let gate = WriteGate(serialise: false, concurrentWrites: 1, turnWait: .milliseconds(600))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    do {
                        try await gate.inTurn { try await Task.sleep(for: .milliseconds(50)) }
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 24 && outcomes.allSatisfy { $0 }, "\(outcomes)")
        #expect(await gate.writesWaited == 23)
        // Past the longest wait, a write gives up even while the others move.
        let capped = WriteGate(serialise: false, concurrentWrites: 1, turnWait: .seconds(2), longestTurnWait: .milliseconds(600))
        async let first: Void = capped.inTurn { try await Task.sleep(for: .milliseconds(500)) }
        async let second: Void = capped.inTurn { try await Task.sleep(for: .milliseconds(500)) }
        try await Task.sleep(for: .milliseconds(20))
        await #expect(throws: WriteGate.TurnTimeout.self) {
            // Behind two of 500 ms: its turn would come at ~1 s, past the longest wait of 600 ms.
            try await capped.inTurn { }
        }
        try await first
        try await second
    }

    @Test("a write whose turn does not come — no write ends for the turn's wait — is answered busy (503) and writes nothing; the turn then passes on")
    func turnWaitRunsOut() async throws {
        try await withApp(seed: false) { app, _ in
            let gate = WriteGate(serialise: false, concurrentWrites: 1, turnWait: .milliseconds(300))
            let (started, startedSignal) = AsyncStream<Void>.makeStream()
            let (finish, finishSignal) = AsyncStream<Void>.makeStream()
            async let first: Void = gate.run(on: app.db) { _ in
                startedSignal.yield()
                for await _ in finish { break }  // holds the one turn
            }
            for await _ in started { break }
            @Sendable func append(_ action: String) -> @Sendable (any Database) async throws -> Void {
                { db in _ = try await AuditLog.append(AuditEvent(action: action, objectType: "test", objectID: "1"), context: .system, now: Date(), on: db) }
            }
            let waited = ContinuousClock.now
            await #expect(throws: WriteGate.TurnTimeout.self) { try await gate.run(on: app.db, append("test.late")) }
            #expect(ContinuousClock.now - waited >= .milliseconds(300))
            #expect(GongzhiErrorMiddleware.isOverload(WriteGate.TurnTimeout()), "answered 503 busy with Retry-After")
            #expect(await gate.writesWaited == 1)
            finishSignal.yield()
            try await first
            try await gate.run(on: app.db, append("test.after"))  // the turn was given back
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "test.late").count() == 0)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "test.after").count() == 1)
        }
    }
}
