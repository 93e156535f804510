import Foundation
import Testing
@testable import GongzhiCore

/// Tests name accounts and persons by words ("resident-1"): each word stands for one fixed UUID.
extension TypedID: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
                   ExpressibleByExtendedGraphemeClusterLiteral {
    public init(stringLiteral name: String) {
        var bytes = [UInt8](repeating: 0, count: 16)
        for (i, byte) in name.utf8.enumerated() { bytes[i % 16] = bytes[i % 16] &* 31 &+ byte }
        bytes[15] ^= UInt8(truncatingIfNeeded: name.utf8.count)
        self.init(UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                              bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])))
    }
}

@Suite("Typed ids")
struct TypedIDTests {
    @Test("an id reads any UUID text and writes the lowercase one, refuses anything else, and compares by it")
    func text() throws {
        let uuid = UUID()
        let id = AccountID(uuid)
        #expect(id.description == uuid.uuidString.lowercased())
        #expect(AccountID(uuid.uuidString) == id)
        let other = "not-a-uuid"
        #expect(AccountID(other) == nil)
        #expect(AccountID(uuid.uuidString.lowercased()) == id)
        #expect(AccountID(id.uuid).uuid == uuid)
        #expect(("a" as AccountID) != ("b" as AccountID))
    }
}
