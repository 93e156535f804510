import Crypto
import Foundation
import Testing
@testable import GongzhiCore

/// Property tests over a chain of thousands of entries: every single tamper is caught (checklist row "tamper-evident
/// audit log"), and signed checkpoints catch what the chain alone cannot, a rewrite of the whole chain.
@Suite("Audit chain: tampering and signed checkpoints")
struct AuditTamperTests {
    static let size = 3_000

    static func fields(_ i: Int) -> AuditFields {
        AuditFields(seq: 0, atMillis: 1_800_000_000_000 + Int64(i) * 1_000, actor: "u\(i % 7)", roles: "community_worker",
                    action: ["case.create", "person.update", "login.success"][i % 3], objectType: "case", objectID: "c\(i)",
                    outcome: i % 11 == 0 ? "failure" : "success", ip: "10.0.\(i % 250).1", requestID: "r\(i)",
                    summary: "n=\(i)", changeDigest: AuditChain.digest(of: ["title": "t\(i)"]))
    }

    static func chain(from fields: [AuditFields]) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        entries.reserveCapacity(fields.count)
        for f in fields { entries.append(AuditChain.append(f, after: entries.last.map { ($0.fields.seq, $0.entryHash) })) }
        return entries
    }

    static let original = chain(from: (0..<size).map(fields))

    /// What `AuditLog.verify` does: the chain in order, then the stored head must be its last entry. `from`: the
    /// entries before it are the original's, already verified once (resuming there keeps 1 000 rounds fast).
    static func intact(_ entries: [AuditEntry], head: (seq: Int64, hash: String), from: Int = 0) -> Bool {
        var verifier = from == 0 ? AuditChainVerifier()
            : AuditChainVerifier(resumingAfter: (original[from - 1].fields.seq, original[from - 1].entryHash))
        for entry in entries[from...] where verifier.check(entry) != nil { return false }
        return verifier.head.seq == head.seq && verifier.head.hash == head.hash
    }

    /// One character of a text changed to another.
    static func flip(_ text: String, using generator: inout some RandomNumberGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        if scalars.isEmpty { return "x" }
        let at = Int.random(in: 0..<scalars.count, using: &generator)
        let replacement = "0123456789abcdefxyz".unicodeScalars.filter { $0 != scalars[at] }.randomElement(using: &generator)!
        scalars[at] = replacement
        return String(String.UnicodeScalarView(scalars))
    }

    enum Tamper: CaseIterable { case flip, delete, reorder, insert }

    @Test("1 000 random single tampers (a changed character in any field or hash, a deleted, swapped or inserted entry) are all caught")
    func everySingleTamperIsCaught() {
        let head = (Self.original.last!.fields.seq, Self.original.last!.entryHash)
        #expect(Self.intact(Self.original, head: head))
        var generator = SystemRandomNumberGenerator()
        var caught = 0, tried = 0
        var kinds: [Tamper: Int] = [:]
        for round in 0..<1_000 {
            var entries = Self.original
            let kind = Tamper.allCases[round % Tamper.allCases.count]
            let at = Int.random(in: 0..<entries.count, using: &generator)
            var first = at  // the first position that differs from the original
            switch kind {
            case .flip:
                var e = entries[at]
                switch Int.random(in: 0..<14, using: &generator) {
                case 0: e.fields.atMillis += Int64.random(in: 1...1_000_000, using: &generator)
                case 1: e.fields.actor = Self.flip(e.fields.actor, using: &generator)
                case 2: e.fields.roles = Self.flip(e.fields.roles, using: &generator)
                case 3: e.fields.action = Self.flip(e.fields.action, using: &generator)
                case 4: e.fields.objectType = Self.flip(e.fields.objectType, using: &generator)
                case 5: e.fields.objectID = Self.flip(e.fields.objectID, using: &generator)
                case 6: e.fields.outcome = Self.flip(e.fields.outcome, using: &generator)
                case 7: e.fields.ip = Self.flip(e.fields.ip, using: &generator)
                case 8: e.fields.requestID = Self.flip(e.fields.requestID, using: &generator)
                case 9: e.fields.summary = Self.flip(e.fields.summary, using: &generator)
                case 10: e.fields.changeDigest = Self.flip(e.fields.changeDigest, using: &generator)
                case 11: e.prevHash = Self.flip(e.prevHash, using: &generator)
                case 12: e.entryHash = Self.flip(e.entryHash, using: &generator)
                default: e.fields.seq += Int64.random(in: 1...5, using: &generator)
                }
                #expect(e != entries[at])
                entries[at] = e
            case .delete:
                entries.remove(at: at)
            case .reorder:
                var other = Int.random(in: 0..<entries.count - 1, using: &generator)
                if other >= at { other += 1 }
                entries.swapAt(at, other)
                first = min(at, other)
            case .insert:
                // A well-formed entry slipped in before `at`: the right seq and link for its place, its own hash.
                var f = Self.fields(Self.size + round)
                f.seq = Int64(at + 1)
                let prev = at == 0 ? AuditChain.genesisHash : entries[at - 1].entryHash
                entries.insert(AuditEntry(fields: f, prevHash: prev, entryHash: AuditChain.entryHash(prevHash: prev, fields: f)), at: at)
            }
            tried += 1
            kinds[kind, default: 0] += 1
            #expect(entries.prefix(first) == Self.original.prefix(first))
            if !Self.intact(entries, head: head, from: first) { caught += 1 }
        }
        #expect(caught == tried, "caught \(caught) of \(tried)")
        #expect(kinds.values.allSatisfy { $0 >= 200 })
    }

    @Test("a chain rewritten as a whole passes the chain check but not the signed checkpoints")
    func checkpointsCatchARewrite() throws {
        let key = Curve25519.Signing.PrivateKey()
        let checkpoints = try [1_000, 2_000, 3_000].map { seq in
            try AuditCheckpoint.sign(seq: Int64(seq), entryHash: Self.original[seq - 1].entryHash, atMillis: 1_900_000_000_000, with: key)
        }
        func check(_ entries: [AuditEntry], _ checkpoints: [AuditCheckpoint], key verifying: Curve25519.Signing.PublicKey = key.publicKey)
            -> AuditCheckpointCheck.Failure? {
            do {
                var check = try AuditCheckpointCheck(checkpoints: checkpoints, key: verifying)
                for entry in entries { try check.passed(entry) }
                try check.finished()
                #expect(check.confirmed == checkpoints.count)
                return nil
            } catch { return error }
        }
        #expect(check(Self.original, checkpoints) == nil)

        // Entry 1 500 changed and every hash after it recomputed: a consistent chain, and a new head to match.
        var fields = Self.original.map(\.fields)
        fields[1_499].actor = "intruder"
        let rewritten = Self.chain(from: fields)
        #expect(Self.intact(rewritten, head: (rewritten.last!.fields.seq, rewritten.last!.entryHash)))
        #expect(check(rewritten, checkpoints) == .rewritten(seq: 2_000))

        // Cut after a checkpoint was signed: the head moved back with it.
        #expect(check(Array(Self.original.prefix(2_500)), checkpoints) == .truncated(seq: 3_000))

        // A checkpoint re-signed by someone else's key, or altered after signing.
        let forged = try AuditCheckpoint.sign(seq: 2_000, entryHash: rewritten[1_999].entryHash, atMillis: 1_900_000_000_000,
                                              with: Curve25519.Signing.PrivateKey())
        #expect(check(rewritten, [checkpoints[0], forged]) == .badSignature(seq: 2_000))
        var altered = checkpoints[1]
        altered.entryHash = rewritten[1_999].entryHash
        #expect(check(rewritten, [altered]) == .badSignature(seq: 2_000))
        #expect(check(Self.original, checkpoints, key: Curve25519.Signing.PrivateKey().publicKey) == .badSignature(seq: 1_000))
    }

    @Test("keys round-trip through their base64 text; garbage is no key")
    func keyText() throws {
        let key = Curve25519.Signing.PrivateKey()
        let text = key.rawRepresentation.base64EncodedString()
        #expect(AuditCheckpoint.privateKey(base64: text + "\n")?.publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        #expect(AuditCheckpoint.publicKey(base64: key.publicKey.rawRepresentation.base64EncodedString())?.rawRepresentation
                == key.publicKey.rawRepresentation)
        #expect(AuditCheckpoint.publicKey(base64: "not a key") == nil)
        #expect(AuditCheckpoint.publicKey(base64: Data(repeating: 1, count: 31).base64EncodedString()) == nil)
    }
}
