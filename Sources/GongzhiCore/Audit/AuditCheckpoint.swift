import Crypto
import Foundation

/// A signed checkpoint of the audit chain (checklist row "tamper-evident audit log"): the audit administrator signs
/// the head (seq, hash) with an Ed25519 key only they hold. The chain alone proves that no single entry was changed;
/// checkpoints also prove that the chain was not rewritten as a whole (every hash recomputed), which whoever can
/// write the database could otherwise do unnoticed. The public key is configured outside the database.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public var seq: Int64
    public var entryHash: String
    /// When it was signed, milliseconds since 1970 UTC.
    public var atMillis: Int64
    /// The Ed25519 signature of `signedBytes`, base64.
    public var signature: String

    public init(seq: Int64, entryHash: String, atMillis: Int64, signature: String) {
        self.seq = seq
        self.entryHash = entryHash
        self.atMillis = atMillis
        self.signature = signature
    }

    /// What is signed: a fixed label (a signature over anything else cannot pass as a checkpoint), seq, hash, time.
    public static func signedBytes(seq: Int64, entryHash: String, atMillis: Int64) -> Data {
        Data((["gongzhi-audit-checkpoint-v1", String(seq), entryHash, String(atMillis)].joined(separator: "\u{1F}")).utf8)
    }

    /// Signs the head of the chain.
    public static func sign(seq: Int64, entryHash: String, atMillis: Int64, with key: Curve25519.Signing.PrivateKey) throws -> AuditCheckpoint {
        let signature = try key.signature(for: signedBytes(seq: seq, entryHash: entryHash, atMillis: atMillis))
        return AuditCheckpoint(seq: seq, entryHash: entryHash, atMillis: atMillis, signature: signature.base64EncodedString())
    }

    /// Whether `key` signed exactly this checkpoint.
    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: Self.signedBytes(seq: seq, entryHash: entryHash, atMillis: atMillis))
    }

    /// A key from its base64 text (32 raw bytes), as held in a key file or configuration.
    public static func publicKey(base64 text: String) -> Curve25519.Signing.PublicKey? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { try? .init(rawRepresentation: $0) }
    }

    public static func privateKey(base64 text: String) -> Curve25519.Signing.PrivateKey? {
        Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { try? .init(rawRepresentation: $0) }
    }
}

/// Checks a chain against its checkpoints while the `AuditChainVerifier` walks it: every checkpoint must carry a
/// valid signature and name an entry whose hash is the one signed; a chain shorter than a checkpoint was truncated.
public struct AuditCheckpointCheck: Sendable {
    public enum Failure: Error, Sendable, Equatable {
        /// The checkpoint's signature is not the configured key's: forged or altered.
        case badSignature(seq: Int64)
        /// The entry at the checkpoint's seq has another hash: the chain was rewritten up to there.
        case rewritten(seq: Int64)
        /// The chain ends before a signed checkpoint: entries were removed from its end.
        case truncated(seq: Int64)
    }

    private var pending: [AuditCheckpoint]
    public private(set) var confirmed = 0

    /// Fails at once on a checkpoint that the key did not sign.
    public init(checkpoints: [AuditCheckpoint], key: Curve25519.Signing.PublicKey) throws(Failure) {
        for checkpoint in checkpoints where !checkpoint.isSigned(by: key) { throw .badSignature(seq: checkpoint.seq) }
        pending = checkpoints.sorted { $0.seq > $1.seq }  // the next one to meet last, for popLast
    }

    /// Called with every entry the chain verifier accepted, in order.
    public mutating func passed(_ entry: AuditEntry) throws(Failure) {
        while let next = pending.last, next.seq <= entry.fields.seq {
            pending.removeLast()
            guard next.seq == entry.fields.seq, next.entryHash == entry.entryHash else { throw .rewritten(seq: next.seq) }
            confirmed += 1
        }
    }

    /// Called after the last entry.
    public func finished() throws(Failure) {
        if let next = pending.last { throw .truncated(seq: next.seq) }
    }
}
