import Fluent
import SQLKit
import Vapor

/// Runs write transactions one batch at a time per process when the database is SQLite (group commit).
///
/// SQLite has one writer at a time, and the driver opens every transaction with a deferred `BEGIN`: two
/// transactions that both read and then write would fail with SQLITE_BUSY instead of waiting. The gate serialises
/// writers in the process, which removes that failure; readers are not affected (WAL).
///
/// Writes that arrive while a batch is committing wait together and then go in one transaction, each inside its
/// own savepoint: a write that throws is rolled back to its savepoint and gets its error, the others commit. A
/// caller hears of its write only after the batch's `COMMIT` has returned, so what is acknowledged is durable;
/// if the commit fails, every write of the batch gets that error. One commit (and one `fsync` under
/// `synchronous=FULL`) then carries many writes, and the pages they share are written to the WAL once.
/// Writes that only insert rows made ready beforehand and append audit entries (`RowWrite`: an intake) go further:
/// a batch of only such writes shares one statement per table and one audit append; if that is refused (a taken
/// case number), they are run again one by one, so that only the write at fault fails. Such a batch moves the audit
/// head from where the previous one left it without reading it first (`AuditLog.append(_:expecting:on:)`). A batch
/// with other writes in it runs every write in its own savepoint.
/// On PostgreSQL each write is its own transaction, and row locks order concurrent writers (see `AuditLog`): the
/// gate only limits how many run at once (`concurrentWrites`). Writes wait there for their turn without a
/// connection, not in a transaction waiting for the audit head's row lock while holding one: a burst of writes can
/// then never take every pooled connection of an event loop, and reads beside it go on.
actor WriteGate {
    /// The most writes one transaction carries (a long batch would hold the earliest caller's answer back).
    static let maxBatch = 32

    private let serialise: Bool
    private var committing = false
    private var queue: [PendingWrite] = []
    /// The audit head as the last batch of row writes left it (nil: unknown, read it).
    private var auditHead: AuditLog.Head?
    /// Batches committed and the writes they carried, in this gate (tests) and in `/metrics`.
    private(set) var batches = 0
    private(set) var writes = 0
    /// Row writes that went in together with others, and batches whose row writes had to be run one by one.
    private(set) var rowWritesTogether = 0
    private(set) var rowBatchesSeparated = 0
    private static let batchCounter = Observability.counter("gongzhi_sqlite_write_batches_total", help: "SQLite write transactions (each carries one or more writes: group commit)")
    private static let writeCounter = Observability.counter("gongzhi_sqlite_writes_total", help: "Writes carried by SQLite write transactions")
    /// Seconds the gate spent committing: its rate is the writer's utilisation (near 1, writes queue behind it).
    private static let busyCounter = Observability.counter("gongzhi_sqlite_write_busy_seconds_total", help: "Seconds SQLite write transactions held the one writer (rate near 1: writes wait for it)")

    /// `writer`: the database the gate writes on for a caller's database (its own connections; nil: the caller's).
    private let writer: (@Sendable (any Database) -> any Database)?

    /// Unserialised (PostgreSQL): the most write transactions of this process open at once. Below the pool's
    /// connections per event loop, so that writes waiting for a row lock leave some to the reads on every loop.
    nonisolated let concurrentWrites: Int
    /// A write waiting for its turn gives up (503 busy) when no write has ended for this long — the writes are stuck,
    /// say behind a lock nobody releases — or when it has waited `longestTurnWait` in all. While writes keep ending,
    /// it waits on: a burst drains as fast as the audit head's lock lets it, as it did when every write waited on
    /// that lock itself.
    nonisolated let turnWait: Duration
    nonisolated let longestTurnWait: Duration
    private var openWrites = 0
    private var waitingWrites: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var lastWaitID = 0
    /// When a write last ended (its turn passed on or came free).
    private var lastProgress = ContinuousClock.now
    /// Writes that waited for a turn (tests, `/metrics`).
    private(set) var writesWaited = 0
    private static let waitCounter = Observability.counter("gongzhi_writes_waited_total", help: "PostgreSQL writes that waited for one of the process's write turns (none held a connection meanwhile)")

    init(serialise: Bool, writer: (@Sendable (any Database) -> any Database)? = nil, concurrentWrites: Int = 4,
         turnWait: Duration = .seconds(10), longestTurnWait: Duration = .seconds(60)) {
        self.serialise = serialise
        self.writer = writer
        self.concurrentWrites = max(1, concurrentWrites)
        self.turnWait = turnWait
        self.longestTurnWait = longestTurnWait
    }

    func run<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard serialise else { return try await inTurn { try await db.transaction(body) } }
        return try await enqueue(db: writer?(db) ?? db, body: { try await body($0) }, rows: nil) as! T
    }

    /// Inserts ready rows and appends audit entries in one transaction (on SQLite together with the batch's other
    /// row writes).
    func run(on db: any Database, _ write: RowWrite) async throws {
        guard serialise else { return try await inTurn { try await db.transaction { try await write.run(on: $0) } } }
        _ = try await enqueue(db: writer?(db) ?? db, body: { try await write.run(on: $0) }, rows: write)
    }

    /// Runs `body` when fewer than `concurrentWrites` others run; the turn passes to the longest waiting write.
    /// A write that gives up waiting (see `turnWait`) throws `TurnTimeout` (503 busy) and has written nothing.
    func inTurn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if openWrites < concurrentWrites {
            openWrites += 1
        } else {
            writesWaited += 1
            Self.waitCounter.increment()
            lastWaitID += 1
            let id = lastWaitID, since = ContinuousClock.now
            try await withCheckedThrowingContinuation { continuation in  // resumed with the turn of a write that ended
                waitingWrites.append((id, continuation))
                check(id, since: since, after: min(turnWait, longestTurnWait))
            }
        }
        defer {
            lastProgress = .now
            if waitingWrites.isEmpty { openWrites -= 1 } else { waitingWrites.removeFirst().continuation.resume() }
        }
        return try await body()
    }

    /// Looks again at a waiting write after `delay`.
    private func check(_ id: Int, since: ContinuousClock.Instant, after delay: Duration) {
        Task {
            try? await Task.sleep(for: delay)
            self.giveUpIfStuck(id, since: since)
        }
    }

    private func giveUpIfStuck(_ id: Int, since: ContinuousClock.Instant) {
        guard let index = waitingWrites.firstIndex(where: { $0.id == id }) else { return }  // it has had its turn
        let now = ContinuousClock.now
        let stuckFor = now - lastProgress, waited = now - since
        if stuckFor < turnWait && waited < longestTurnWait {
            check(id, since: since, after: min(turnWait - stuckFor, longestTurnWait - waited))
            return
        }
        waitingWrites.remove(at: index).continuation.resume(throwing: TurnTimeout())
    }

    /// No write turn came free in time: overload, answered 503 busy like a pool's wait running out.
    struct TurnTimeout: Error {}

    private func enqueue(db: any Database, body: @escaping @Sendable (any Database) async throws -> any Sendable,
                         rows: RowWrite?) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            queue.append(PendingWrite(db: db, body: body, rows: rows, continuation: continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    /// Commits what is queued, batch after batch, until nothing waits.
    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(Self.maxBatch))
            queue.removeFirst(batch.count)
            batches += 1
            writes += batch.count
            Self.batchCounter.increment()
            Self.writeCounter.increment(by: Int64(batch.count))
            let started = ContinuousClock.now
            let outcome = await Self.commit(batch, auditHead: auditHead)
            auditHead = outcome.auditHead
            switch outcome.rowsTogether {
            case true?: rowWritesTogether += batch.count { $0.rows != nil }
            case false?: rowBatchesSeparated += 1
            case nil: break
            }
            let held = ContinuousClock.now - started
            Self.busyCounter.increment(by: Double(held.components.seconds) + Double(held.components.attoseconds) / 1e18)
        }
        committing = false
    }

    private struct BatchOutcome {
        /// Whether the batch's row writes went in together (nil: it was not a batch of row writes only).
        var rowsTogether: Bool?
        /// The audit head the batch left, when only its row writes moved it (see `AuditLog.append(_:expecting:on:)`).
        var auditHead: AuditLog.Head?
    }

    /// Commits one batch and answers its writers.
    private static func commit(_ batch: [PendingWrite], auditHead: AuditLog.Head?) async -> BatchOutcome {
        // Only row writes (intakes under load): together, in the transaction itself; if that is refused, the
        // transaction is rolled back and they go one by one below.
        if batch.count > 1, batch.allSatisfy({ $0.rows != nil }) {
            do {
                let head = try await batch[0].db.transaction { tx in
                    try await RowWrite.runTogether(batch.map { $0.rows! }, expecting: auditHead, on: tx)
                }
                for write in batch { write.continuation.resume(returning: ()) }
                return BatchOutcome(rowsTogether: true, auditHead: head)
            } catch {
                await commitOneByOne(batch)
                return BatchOutcome(rowsTogether: false, auditHead: nil)
            }
        }
        await commitOneByOne(batch)
        return BatchOutcome(rowsTogether: nil, auditHead: nil)
    }

    /// Commits a batch with a savepoint per write.
    private static func commitOneByOne(_ batch: [PendingWrite]) async {
        let outcomes = Outcomes(count: batch.count)
        do {
            try await batch[0].db.transaction { tx in
                guard batch.count > 1 else {
                    // Alone: the transaction itself rolls back if the write throws.
                    outcomes.set(0, .success(try await batch[0].body(tx)))
                    return
                }
                let sql = tx.sql()
                for (index, write) in batch.enumerated() {
                    try await sql.raw("SAVEPOINT gz_write").run()
                    do {
                        let value = try await write.body(tx)
                        try await sql.raw("RELEASE SAVEPOINT gz_write").run()
                        outcomes.set(index, .success(value))
                    } catch {
                        try await sql.raw("ROLLBACK TO SAVEPOINT gz_write").run()
                        try await sql.raw("RELEASE SAVEPOINT gz_write").run()
                        outcomes.set(index, .failure(error))
                    }
                }
            }
        } catch {
            // Nothing of the batch was committed: a write that had succeeded is told why; one that had failed keeps its own error.
            for index in batch.indices {
                if case .failure = outcomes[index] { continue }
                outcomes.set(index, .failure(error))
            }
        }
        for (index, write) in batch.enumerated() {
            write.continuation.resume(with: outcomes[index] ?? .failure(WriteGateError.notRun))
        }
    }

    private struct PendingWrite: Sendable {
        let db: any Database
        let body: @Sendable (any Database) async throws -> any Sendable
        let rows: RowWrite?
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    /// Each write's result, filled in order by the one task that runs the batch.
    private final class Outcomes: @unchecked Sendable {
        private var results: [Result<any Sendable, any Error>?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<any Sendable, any Error>) { results[index] = result }
        subscript(index: Int) -> Result<any Sendable, any Error>? { results[index] }
    }

    enum WriteGateError: Error { case notRun }
}

/// A write that only inserts rows made ready before it and appends audit entries (an intake).
struct RowWrite: Sendable {
    var rows: [PreparedInsert]
    var audit: [AuditLog.Pending]

    func run(on db: any Database) async throws {
        try await PreparedInsert.run(rows, on: db)
        try await AuditLog.append(audit, on: db)
    }

    /// Several row writes as one: one statement per table, one audit append. Returns the new audit head.
    static func runTogether(_ writes: [RowWrite], expecting auditHead: AuditLog.Head?, on db: any Database) async throws -> AuditLog.Head? {
        try await PreparedInsert.run(writes.flatMap(\.rows), on: db)
        return try await AuditLog.append(writes.flatMap(\.audit), expecting: auditHead, on: db).head
    }
}

extension Application {
    struct WriteGateKey: StorageKey { typealias Value = WriteGate }

    var writeGate: WriteGate {
        get { storage[WriteGateKey.self] ?? WriteGate(serialise: false) }
        set { storage[WriteGateKey.self] = newValue }
    }

    /// A write transaction: everything in `body` commits together or not at all.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await writeGate.run(on: db, body)
    }
}

extension Request {
    /// A write transaction on behalf of this request (see `Application.write`).
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await application.writeGate.run(on: db, body)
    }

    /// Inserts ready rows and appends this request's audit entries in one write transaction (see `RowWrite`).
    func write(rows: [PreparedInsert], audit events: [AuditEvent]) async throws {
        try await context.write(rows: rows, audit: events)
    }
}
