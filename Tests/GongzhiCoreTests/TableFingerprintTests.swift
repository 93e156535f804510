import Foundation
import Testing
@testable import GongzhiCore

@Suite("Table fingerprints for the restore drill")
struct TableFingerprintTests {
    func print(_ rows: [String]) -> TableFingerprint {
        var fingerprint = TableFingerprint()
        for row in rows { fingerprint.add(row: row) }
        return fingerprint
    }

    @Test("row order does not matter; a lost, added, changed or duplicated row does")
    func sensitivity() {
        let rows = (0..<500).map { "'\($0)'|'名字\($0)'|X'00ff'|\($0 * 7)" }
        let base = print(rows)
        #expect(print(rows.shuffled()) == base)
        #expect(base.rows == 500)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var changed = rows
            let i = Int.random(in: 0..<rows.count, using: &generator)
            changed[i] += " "
            #expect(print(changed) != base)
            var lost = rows
            lost.remove(at: i)
            #expect(print(lost) != base)
            #expect(print(rows + [rows[i]]) != base)
        }
        // Two rows swapping a value between them is a change.
        #expect(print(["a|1", "b|2"]) != print(["a|2", "b|1"]))
        #expect(print([]) == TableFingerprint())
    }
}
