import Foundation
import Testing
@testable import GongzhiCore

@Suite("Field encryption and blind index")
struct FieldCipherTests {
    let key = Data((0..<32).map { UInt8($0) })

    @Test("seal and open round-trip; each seal uses a fresh nonce")
    func roundTrip() throws {
        let cipher = try FieldCipher(dataKey: key)
        let a = cipher.seal("11010519491231002X", field: .idNumber)
        let b = cipher.seal("11010519491231002X", field: .idNumber)
        #expect(a != b)
        #expect(!a.contains("11010519491231002X"))
        #expect(try cipher.open(a, field: .idNumber) == "11010519491231002X")
        #expect(try cipher.open(b, field: .idNumber) == "11010519491231002X")
    }

    @Test("a ciphertext moved to another field, altered, or opened with another key fails")
    func tampering() throws {
        let cipher = try FieldCipher(dataKey: key)
        let sealed = cipher.seal("13812341234", field: .phone)
        #expect(throws: FieldCipher.Error.authenticationFailed) { try cipher.open(sealed, field: .idNumber) }
        var bytes = Data(base64Encoded: String(sealed.dropFirst(3)))!
        bytes[bytes.count - 1] ^= 0x01
        #expect(throws: FieldCipher.Error.authenticationFailed) { try cipher.open("g1:" + bytes.base64EncodedString(), field: .phone) }
        let other = try FieldCipher(dataKey: Data(repeating: 7, count: 32))
        #expect(throws: FieldCipher.Error.authenticationFailed) { try other.open(sealed, field: .phone) }
        #expect(throws: FieldCipher.Error.malformedCiphertext) { try cipher.open("13812341234", field: .phone) }
        #expect(throws: FieldCipher.Error.badKeyLength) { try FieldCipher(dataKey: Data(repeating: 1, count: 16)) }
    }

    @Test("the blind index is deterministic, keyed and separated by field")
    func blindIndex() throws {
        let cipher = try FieldCipher(dataKey: key)
        let a = cipher.blindIndex("13812341234", field: .phone)
        #expect(a == cipher.blindIndex("13812341234", field: .phone))
        #expect(a.count == 64)
        #expect(a != cipher.blindIndex("13812341235", field: .phone))
        #expect(a != cipher.blindIndex("13812341234", field: .idNumber))
        #expect(a != (try FieldCipher(dataKey: Data(repeating: 9, count: 32))).blindIndex("13812341234", field: .phone))
    }
}
