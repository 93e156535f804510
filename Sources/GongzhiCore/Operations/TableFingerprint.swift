import Crypto
import Foundation

/// What a table holds, independent of row order (the restore drill's comparison, checklist row 35): the number
/// of rows and the sum modulo 2²⁵⁶ of each row's SHA-256. Rows can be fed as they stream from the database;
/// a lost, added or changed row changes it, and two fingerprints are compared without sorting millions of rows.
public struct TableFingerprint: Sendable, Equatable, CustomStringConvertible {
    public private(set) var rows: Int = 0
    /// Four 64-bit limbs, least significant first.
    private var sum: [UInt64] = [0, 0, 0, 0]

    public init() {}

    public mutating func add(row: String) {
        rows += 1
        let digest = Array(SHA256.hash(data: Data(row.utf8)))
        var carry: UInt64 = 0
        for limb in 0..<4 {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(digest[limb * 8 + byte]) << (8 * UInt64(byte)) }
            let (partial, overflow1) = sum[limb].addingReportingOverflow(word)
            let (total, overflow2) = partial.addingReportingOverflow(carry)
            sum[limb] = total
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
    }

    public var description: String {
        "\(rows) rows, " + sum.reversed().map { String($0, radix: 16).leftPadded(to: 16) }.joined().prefix(16)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
