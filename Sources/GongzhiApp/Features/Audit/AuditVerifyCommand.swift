import Foundation
import Vapor

/// `gongzhi audit verify`: prints OK with the number of entries, or the first broken entry and exits non-zero.
struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Verifies the hash chain of the audit log." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        let total = try await AuditRecord.query(on: app.db).count()
        let bar = total > 50_000 ? ProgressLine(title: "verify", total: total) : nil
        let result = try await AuditLog.verify(on: app.db, progress: { bar?.update(Int($0)) })
        switch result {
        case .intact(let count):
            context.console.print("OK: audit chain intact, \(count) entries")
        case .broken(let failure, let checked):
            let kind = switch failure {
            case .gap: "missing or reordered entries"
            case .brokenLink: "link to the previous entry broken"
            case .alteredEntry: "entry altered"
            }
            context.console.error("BROKEN: audit entry \(failure.seq): \(kind) (\(checked) entries before it verified)")
            throw AuditChainBroken(seq: failure.seq)
        }
    }
}

struct AuditChainBroken: Error, CustomStringConvertible {
    let seq: Int64
    var description: String { "audit chain broken at entry \(seq)" }
}
