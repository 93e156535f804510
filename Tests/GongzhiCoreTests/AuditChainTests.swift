import Foundation
import Testing
@testable import GongzhiCore

@Suite("Audit hash chain")
struct AuditChainTests {
    func fields(_ i: Int) -> AuditFields {
        AuditFields(seq: 0, atMillis: 1_800_000_000_000 + Int64(i), actor: "u\(i % 3)", roles: "community_worker",
                    action: "person.update", objectType: "person", objectID: "p\(i)", outcome: "success", ip: "127.0.0.1",
                    requestID: "r\(i)", summary: "fields=name", changeDigest: AuditChain.digest(of: ["name": "n\(i)"]))
    }

    func chain(_ n: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for i in 0..<n {
            entries.append(AuditChain.append(fields(i), after: entries.last.map { ($0.fields.seq, $0.entryHash) }))
        }
        return entries
    }

    func verify(_ entries: [AuditEntry]) -> AuditChainVerifier.Failure? {
        var verifier = AuditChainVerifier()
        for entry in entries { if let failure = verifier.check(entry) { return failure } }
        return nil
    }

    @Test("a fresh chain verifies; sequence numbers start at 1; the first link is the genesis hash")
    func intact() {
        let entries = chain(50)
        #expect(verify(entries) == nil)
        #expect(entries.first?.prevHash == AuditChain.genesisHash)
        #expect(entries.map(\.fields.seq) == Array(1...50))
        #expect(Set(entries.map(\.entryHash)).count == 50)
    }

    @Test("altering any field of any entry is found at exactly that entry", arguments: 0..<13)
    func alteredField(which: Int) {
        var entries = chain(20)
        var f = entries[7].fields
        switch which {
        case 0: f.atMillis += 1
        case 1: f.actor += "x"
        case 2: f.roles = "audit_admin"
        case 3: f.action = "person.delete"
        case 4: f.objectType = "unit"
        case 5: f.objectID = "p999"
        case 6: f.outcome = "failure"
        case 7: f.ip = "10.0.0.1"
        case 8: f.requestID = "forged"
        case 9: f.summary = "fields=phone"
        case 10: f.changeDigest = AuditChain.digest(of: ["name": "forged"])
        case 11: f.alg = "sm3"
        default: f.objectID = f.objectID.precomposedStringWithCanonicalMapping + "\u{301}"
        }
        entries[7].fields = f
        #expect(verify(entries) == .alteredEntry(seq: 8))
    }

    @Test("a deleted, inserted or reordered entry breaks the sequence there")
    func structuralTampering() {
        var deleted = chain(10)
        deleted.remove(at: 4)
        #expect(verify(deleted) == .gap(expected: 5, found: 6))
        var reordered = chain(10)
        reordered.swapAt(2, 3)
        #expect(verify(reordered) == .gap(expected: 3, found: 4))
        #expect(verify(Array(chain(10).dropFirst())) == .gap(expected: 1, found: 2))
    }

    @Test("an entry rewritten with a recomputed hash breaks the link of the next one")
    func rewrittenEntry() {
        var entries = chain(10)
        var f = entries[3].fields
        f.actor = "intruder"
        entries[3] = AuditEntry(fields: f, prevHash: entries[3].prevHash, entryHash: AuditChain.entryHash(prevHash: entries[3].prevHash, fields: f))
        #expect(verify(entries) == .brokenLink(seq: 5))
        entries[3].prevHash = String(repeating: "f", count: 64)
        #expect(verify(entries) == .alteredEntry(seq: 4))
    }

    @Test("the change digest ignores the order of fields but not their values")
    func digest() {
        #expect(AuditChain.digest(of: ["a": "1", "b": "2"]) == AuditChain.digest(of: ["b": "2", "a": "1"]))
        #expect(AuditChain.digest(of: ["a": "1", "b": "2"]) != AuditChain.digest(of: ["a": "2", "b": "1"]))
        #expect(AuditChain.digest(of: ["ab": "c"]) != AuditChain.digest(of: ["a": "bc"]))
        // NFC: the same text in two Unicode forms has one digest.
        #expect(AuditChain.digest(of: ["n": "e\u{301}"]) == AuditChain.digest(of: ["n": "\u{e9}"]))
    }
}
