import Fluent
import SQLKit
import Vapor

/// Runs write transactions one at a time per process when the database is SQLite.
///
/// SQLite has one writer at a time, and the driver opens every transaction with a deferred `BEGIN`: two
/// transactions that both read and then write would fail with SQLITE_BUSY instead of waiting. Serialising
/// writers in the process removes that failure; readers are not affected (WAL). On PostgreSQL the gate is
/// open, and row locks order concurrent writers (see `AuditLog`).
actor WriteGate {
    private let serialise: Bool
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(serialise: Bool) { self.serialise = serialise }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard serialise else { return try await body() }
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
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
        let db = self.db
        return try await writeGate.run { try await db.transaction(body) }
    }
}

extension Request {
    /// A write transaction on behalf of this request (see `Application.write`).
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let db = self.db
        return try await application.writeGate.run { try await db.transaction(body) }
    }
}
