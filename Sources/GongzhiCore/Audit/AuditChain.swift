import Crypto
import Foundation

/// The fields of one audit entry that its hash covers (SPEC §12; checklist "tamper-evident audit log").
/// Pseudonymous ids only: no names, ID or phone numbers (PIPL art. 47 vs. an immutable log).
public struct AuditFields: Sendable, Equatable, Codable {
    /// Position in the chain, from 1, contiguous.
    public var seq: Int64
    /// Milliseconds since 1970 UTC: an integer, so the hash survives any database's timestamp rounding.
    public var atMillis: Int64
    /// The acting account's id, or "system".
    public var actor: String
    /// The actor's roles, comma-separated, as held at the time.
    public var roles: String
    /// What was done: "person.create", "person.unmask", "org.move", "login.failure"…
    public var action: String
    public var objectType: String
    public var objectID: String
    /// "success" or "failure".
    public var outcome: String
    public var ip: String
    public var requestID: String
    /// A short description without personal data: changed field names, counts, a reason's category.
    public var summary: String
    /// SHA-256 (hex) of the canonical form of the change itself.
    public var changeDigest: String
    /// The hash algorithm of this entry ("sha256"; room for "sm3").
    public var alg: String

    public init(
        seq: Int64, atMillis: Int64, actor: String, roles: String, action: String, objectType: String,
        objectID: String, outcome: String, ip: String, requestID: String, summary: String, changeDigest: String,
        alg: String = "sha256"
    ) {
        self.seq = seq
        self.atMillis = atMillis
        self.actor = actor
        self.roles = roles
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.outcome = outcome
        self.ip = ip
        self.requestID = requestID
        self.summary = summary
        self.changeDigest = changeDigest
        self.alg = alg
    }

    /// The exact bytes that are hashed: the fields in a fixed order, each NFC-normalised, separated by 0x1F.
    public var canonicalBytes: [UInt8] {
        let parts = [
            String(seq), String(atMillis), actor, roles, action, objectType, objectID, outcome, ip, requestID,
            summary, changeDigest, alg,
        ]
        return Array(parts.map { $0.precomposedStringWithCanonicalMapping }.joined(separator: "\u{1F}").utf8)
    }
}

/// One stored entry: its fields plus the chain links.
public struct AuditEntry: Sendable, Equatable {
    public var fields: AuditFields
    public var prevHash: String
    public var entryHash: String

    public init(fields: AuditFields, prevHash: String, entryHash: String) {
        self.fields = fields
        self.prevHash = prevHash
        self.entryHash = entryHash
    }
}

/// The hash chain: entry_hash = SHA-256(0x00 ‖ prev_hash ‖ canonical bytes), as RFC 6962 hashes a leaf.
public enum AuditChain {
    /// The previous hash of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func entryHash(prevHash: String, fields: AuditFields) -> String {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(prevHash.utf8))
        hasher.update(data: fields.canonicalBytes)
        return hex(hasher.finalize())
    }

    /// The entry that follows `head` (nil: the chain is empty).
    public static func append(_ fields: AuditFields, after head: (seq: Int64, hash: String)?) -> AuditEntry {
        var fields = fields
        fields.seq = (head?.seq ?? 0) + 1
        let prev = head?.hash ?? genesisHash
        return AuditEntry(fields: fields, prevHash: prev, entryHash: entryHash(prevHash: prev, fields: fields))
    }

    /// SHA-256 of a change given as field → value pairs, independent of their order.
    public static func digest(of change: [String: String]) -> String {
        let canonical = change.keys.sorted().map { key in
            key.precomposedStringWithCanonicalMapping + "\u{1E}" + change[key]!.precomposedStringWithCanonicalMapping
        }.joined(separator: "\u{1F}")
        return hex(SHA256.hash(data: Array(canonical.utf8)))
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        Hex.string(digest)
    }
}

/// Checks a chain entry by entry, in `seq` order, without holding it all in memory.
public struct AuditChainVerifier: Sendable {
    public enum Failure: Sendable, Equatable {
        /// `seq` is not the next number: an entry was deleted, inserted or reordered before this one.
        case gap(expected: Int64, found: Int64)
        /// The entry's previous hash is not the hash of the entry before it.
        case brokenLink(seq: Int64)
        /// The entry's stored hash does not match its content: the entry was altered.
        case alteredEntry(seq: Int64)

        public var seq: Int64 {
            switch self {
            case .gap(_, let found): found
            case .brokenLink(let seq), .alteredEntry(let seq): seq
            }
        }
    }

    public private(set) var count: Int64 = 0
    private var lastSeq: Int64 = 0
    private var lastHash: String = AuditChain.genesisHash

    public init() {}

    /// Resumes after an entry already verified (or signed in a checkpoint): `head` is its seq and hash.
    public init(resumingAfter head: (seq: Int64, hash: String)) {
        lastSeq = head.seq
        lastHash = head.hash
    }

    /// Checks the next entry; returns the failure, if any (the verifier should then stop).
    public mutating func check(_ entry: AuditEntry) -> Failure? {
        let expected = lastSeq + 1
        if entry.fields.seq != expected { return .gap(expected: expected, found: entry.fields.seq) }
        if AuditChain.entryHash(prevHash: entry.prevHash, fields: entry.fields) != entry.entryHash {
            return .alteredEntry(seq: entry.fields.seq)
        }
        if entry.prevHash != lastHash { return .brokenLink(seq: entry.fields.seq) }
        lastSeq = entry.fields.seq
        lastHash = entry.entryHash
        count += 1
        return nil
    }

    /// The head after the entries checked so far.
    public var head: (seq: Int64, hash: String) { (lastSeq, lastHash) }
}
