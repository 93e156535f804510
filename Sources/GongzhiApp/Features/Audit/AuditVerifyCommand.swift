import Crypto
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi audit verify`: prints OK with the number of entries, or the first broken entry and exits non-zero. With
/// the audit administrator's public key (`--public-key`, or `GONGZHI_AUDIT_PUBLIC_KEY`) the signed checkpoints are
/// checked too.
struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "public-key", help: "The audit administrator's Ed25519 public key, base64 (default: GONGZHI_AUDIT_PUBLIC_KEY)")
        var publicKey: String?
    }

    var help: String { "Verifies the hash chain of the audit log and its signed checkpoints." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let keyText = signature.publicKey ?? app.gongzhi.config.auditPublicKey else {
            return try await verify(app, key: nil, context: context)
        }
        guard let key = AuditCheckpoint.publicKey(base64: keyText) else { throw AuditKeyError(reason: "not an Ed25519 public key in base64") }
        try await verify(app, key: key, context: context)
    }

    func verify(_ app: Application, key: Curve25519.Signing.PublicKey?, context: CommandContext) async throws {
        try await app.prepareAndMigrate()
        let total = try await AuditRecord.query(on: app.db).count()
        let bar = total > 50_000 ? ProgressLine(title: "verify", total: total) : nil
        let result = try await AuditLog.verify(on: app.db, checkpointKey: key, progress: { bar?.update(Int($0)) })
        guard case .intact = result else {
            context.console.error("BROKEN: audit entry \(result.failedAt ?? 0): \(result.explanation)")
            throw AuditChainBroken(seq: result.failedAt ?? 0, explanation: result.explanation)
        }
        let signed = try await AuditCheckpointRecord.query(on: app.db).count()
        let checkpoints = signed == 0 ? "no signed checkpoints yet"
            : key == nil ? "\(signed) signed checkpoints not checked (no public key given)" : "\(signed) signed checkpoints confirmed"
        context.console.print("OK: \(result.explanation); \(checkpoints)")
    }
}

/// `gongzhi audit keygen --out FILE`: a new Ed25519 key pair for the audit administrator. The private key goes to
/// FILE (mode 0600; it belongs with the audit administrator, not on the server); the public key is printed, for
/// `GONGZHI_AUDIT_PUBLIC_KEY`.
struct AuditKeygenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "out", help: "Where to write the private key (must not exist)")
        var out: String?
    }

    var help: String { "Creates the audit administrator's checkpoint signing key." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let out = signature.out, !out.isEmpty else { throw AuditKeyError(reason: "--out FILE is required") }
        guard !FileManager.default.fileExists(atPath: out) else { throw AuditKeyError(reason: "\(out) exists already: not overwritten") }
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: out, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else { throw AuditKeyError(reason: "cannot write \(out)") }
        context.console.print("private key written to \(out) (keep it with the audit administrator, off the server)")
        context.console.print("GONGZHI_AUDIT_PUBLIC_KEY=\(key.publicKey.rawRepresentation.base64EncodedString())")
    }
}

/// `gongzhi audit checkpoint --key FILE`: verifies the chain, then signs its head with the audit administrator's key.
struct AuditCheckpointCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "key", help: "The audit administrator's private key file (from audit keygen)")
        var key: String?
    }

    var help: String { "Signs the head of the audit chain as a checkpoint (the audit administrator's key)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let path = signature.key, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AuditKeyError(reason: "--key FILE is required and must be readable")
        }
        guard let key = AuditCheckpoint.privateKey(base64: text) else { throw AuditKeyError(reason: "\(path) holds no Ed25519 private key") }
        let app = context.application
        try await app.prepareAndMigrate()
        let checkpoint = try await AuditLog.checkpoint(with: key, now: app.clock.now, on: app)
        context.console.print("OK: checkpoint signed at entry \(checkpoint.seq) (\(checkpoint.entryHash.prefix(16))…)")
    }
}

struct AuditKeyError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

