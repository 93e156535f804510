import Crypto
import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// What happened, as the caller describes it; `AuditLog.append` adds time, sequence and hashes.
struct AuditEvent: Sendable {
    var action: String
    var objectType: String
    var objectID: String
    var outcome: String = "success"
    var summary: String = ""
    /// The change itself (field → new value). Only its digest is stored; personal numbers go in sealed form.
    var change: [String: String] = [:]
}

/// Who did it and from where, taken from the request (or "system" for commands).
struct AuditContext: Sendable {
    var actor: String
    var roles: String
    var ip: String
    var requestID: String

    static let system = AuditContext(actor: "system", roles: "", ip: "", requestID: "")
}

/// The hash-chained audit log (SPEC §12).
enum AuditLog {
    enum Failure: Error {
        /// Another writer moved the head between our read and our write: the transaction must be retried.
        case headMoved
    }

    /// An entry waiting to be appended: what happened, by whom, when.
    struct Pending: Sendable {
        var event: AuditEvent
        var context: AuditContext
        var now: Date
    }

    /// Appends an entry in the caller's transaction (see `append(_:on:)`).
    @discardableResult
    static func append(_ event: AuditEvent, context: AuditContext, now: Date, on db: any Database) async throws -> AuditEntry {
        try await append([Pending(event: event, context: context, now: now)], on: db).entries[0]
    }

    /// The chain's last entry: its sequence number and hash.
    struct Head: Sendable, Equatable {
        var seq: Int64
        var hash: String
    }

    /// Appends entries, in order, in the caller's transaction: the head is read once, the entries go in one
    /// statement, the head moves once. The head row is locked (`FOR UPDATE` on PostgreSQL; SQLite writers are
    /// already serialised by the write gate), and the head update is conditional on the head read, so concurrent
    /// appends can never fork the chain; `prev_hash` is also UNIQUE.
    ///
    /// `expected`: the head as the caller last left it (the write gate, whose batches are the only writers while
    /// nothing else writes). The head is then moved from it without reading it first — one statement less in the
    /// one writer's time; if it has moved meanwhile, the update matches no row and the head is read after all.
    /// Returns the entries and the new head.
    @discardableResult
    static func append(_ pending: [Pending], expecting expected: Head? = nil, on db: any Database) async throws -> (entries: [AuditEntry], head: Head?) {
        guard !pending.isEmpty else { return ([], expected) }
        let sql = db.sql()
        if let expected {
            let (entries, rows, last) = try chain(pending, after: expected, on: db)
            if try await move(from: expected, to: last, on: sql) {
                try await PreparedInsert.run(rows, on: db)
                return (entries, last)
            }
        }
        // raw SQL: `lock` is one of two fixed strings.
        let lock = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        guard let row = try await sql.raw("SELECT seq, hash FROM audit_head WHERE id = 1\(unsafeRaw: lock)").first() else {
            throw Abort(.internalServerError, reason: "audit_head missing")
        }
        let head = Head(seq: try row.decode(column: "seq", as: Int64.self), hash: try row.decode(column: "hash", as: String.self))
        let (entries, rows, last) = try chain(pending, after: head, on: db)
        try await PreparedInsert.run(rows, on: db)
        guard try await move(from: head, to: last, on: sql) else { throw Failure.headMoved }
        return (entries, last)
    }

    /// The entries after `head`, their rows made ready, and the new head.
    private static func chain(_ pending: [Pending], after head: Head, on db: any Database) throws -> ([AuditEntry], [PreparedInsert], Head) {
        var last = head
        var entries: [AuditEntry] = []
        var rows: [PreparedInsert] = []
        for item in pending {
            let event = item.event, context = item.context
            let fields = AuditFields(
                seq: 0, atMillis: Int64((item.now.timeIntervalSince1970 * 1000).rounded(.down)), actor: context.actor,
                roles: context.roles, action: event.action, objectType: event.objectType, objectID: event.objectID,
                outcome: event.outcome, ip: context.ip, requestID: context.requestID, summary: event.summary,
                changeDigest: AuditChain.digest(of: event.change))
            let entry = AuditChain.append(fields, after: (last.seq, last.hash))
            entries.append(entry)
            rows.append(try PreparedInsert(AuditRecord(entry), on: db))
            last = Head(seq: entry.fields.seq, hash: entry.entryHash)
        }
        return (entries, rows, last)
    }

    /// Moves the head from `old` to `new` if it is still at `old`.
    private static func move(from old: Head, to new: Head, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE audit_head SET seq = \(bind: new.seq), hash = \(bind: new.hash)
            WHERE id = 1 AND seq = \(bind: old.seq) AND hash = \(bind: old.hash) RETURNING seq
            """).all().count == 1
    }

    /// Verifies the whole chain in `seq` order, in pages, and reports the first broken entry. With the audit
    /// administrator's public key, the signed checkpoints are checked on the way: each must be validly signed and
    /// name an entry of the chain with the hash signed (a chain rewritten as a whole, or cut short, fails there).
    static func verify(on db: any Database, checkpointKey: Curve25519.Signing.PublicKey? = nil, pageSize: Int = 5_000,
                       progress: (@Sendable (Int64) -> Void)? = nil) async throws -> VerifyResult {
        var verifier = AuditChainVerifier()
        var checkpoints: AuditCheckpointCheck?
        if let checkpointKey {
            let signed = try await AuditCheckpointRecord.query(on: db).sort(\.$id).all().map(\.checkpoint)
            do { checkpoints = try AuditCheckpointCheck(checkpoints: signed, key: checkpointKey) } catch {
                return .checkpoint(error, checked: 0)
            }
        }
        var after: Int64 = 0
        while true {
            let page = try await AuditRecord.query(on: db).filter(\.$id > after).sort(\.$id).limit(pageSize).all()
            for record in page {
                let entry = record.entry
                if let failure = verifier.check(entry) { return .broken(failure, checked: verifier.count) }
                do { try checkpoints?.passed(entry) } catch { return .checkpoint(error, checked: verifier.count) }
            }
            guard let last = page.last?.id else { break }
            after = last
            progress?(verifier.count)
        }
        // The head row must agree with the last entry: a truncated tail shows here.
        if let head = try await db.sql().raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() {
            let seq = try head.decode(column: "seq", as: Int64.self)
            let hash = try head.decode(column: "hash", as: String.self)
            if seq != verifier.head.seq || hash != verifier.head.hash {
                return .broken(.gap(expected: seq, found: verifier.head.seq), checked: verifier.count)
            }
        }
        do { try checkpoints?.finished() } catch { return .checkpoint(error, checked: verifier.count) }
        return .intact(count: verifier.count)
    }

    enum VerifyResult: Equatable {
        case intact(count: Int64)
        case broken(AuditChainVerifier.Failure, checked: Int64)
        /// The chain holds together but disagrees with a signed checkpoint (or a checkpoint's signature is bad).
        case checkpoint(AuditCheckpointCheck.Failure, checked: Int64)

        /// The entry where verification failed, if it did.
        var failedAt: Int64? {
            switch self {
            case .intact: nil
            case .broken(let failure, _): failure.seq
            case .checkpoint(.badSignature(let seq), _), .checkpoint(.rewritten(let seq), _), .checkpoint(.truncated(let seq), _): seq
            }
        }

        /// What failed, in words for an operator.
        var explanation: String {
            switch self {
            case .intact(let count): "audit chain intact, \(count) entries"
            case .broken(.gap, let checked): "missing or reordered entries (\(checked) entries before it verified)"
            case .broken(.brokenLink, let checked): "link to the previous entry broken (\(checked) entries before it verified)"
            case .broken(.alteredEntry, let checked): "entry altered (\(checked) entries before it verified)"
            case .checkpoint(.badSignature, _): "a signed checkpoint's signature is not the audit administrator's key"
            case .checkpoint(.rewritten, _): "the chain differs from a signed checkpoint: rewritten up to there"
            case .checkpoint(.truncated, _): "the chain ends before a signed checkpoint: entries were removed"
            }
        }
    }

    /// Signs the head of the chain as a checkpoint with the audit administrator's key and stores it, with its own
    /// audit entry, in one transaction. The chain is verified first (and its earlier checkpoints with this key's
    /// public half): a broken chain is never signed.
    static func checkpoint(with key: Curve25519.Signing.PrivateKey, now: Date, on app: Application) async throws -> AuditCheckpoint {
        let verified = try await verify(on: app.db, checkpointKey: key.publicKey)
        guard case .intact = verified else { throw AuditChainBroken(seq: verified.failedAt ?? 0, explanation: verified.explanation) }
        let keyBytes = key.rawRepresentation  // the key type is not Sendable; its bytes are
        return try await app.write { db in
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: keyBytes)
            guard let head = try await db.sql().raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() else {
                throw Abort(.internalServerError, reason: "audit_head missing")
            }
            let checkpoint = try AuditCheckpoint.sign(seq: try head.decode(column: "seq", as: Int64.self),
                                                      entryHash: try head.decode(column: "hash", as: String.self),
                                                      atMillis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)), with: key)
            try await AuditCheckpointRecord(checkpoint).create(on: db)
            try await append(AuditEvent(action: "audit.checkpoint", objectType: "audit", objectID: String(checkpoint.seq),
                                        summary: "seq=\(checkpoint.seq)"), context: .system, now: now, on: db)
            return checkpoint
        }
    }
}

extension Request {
    /// The audit context of this request's actor (see `UseCaseContext.audit`).
    var auditContext: AuditContext { context.audit }

    /// Appends an audit entry for this request inside the transaction `db`.
    func audit(_ event: AuditEvent, on db: any Database) async throws {
        try await context.audit(event, on: db)
    }
}

struct AuditChainBroken: Error, CustomStringConvertible {
    let seq: Int64
    var explanation = ""
    var description: String { "audit chain broken at entry \(seq)" + (explanation.isEmpty ? "" : ": " + explanation) }
}
