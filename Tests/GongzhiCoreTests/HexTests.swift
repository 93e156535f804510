import Foundation
import Testing
@testable import GongzhiCore

@Suite("Hex text of bytes")
struct HexTests {
    @Test("every byte value is two lower-case digits, in order; the same as the formatter it replaced")
    func everyByte() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.string(all)
        #expect(text.count == 512)
        #expect(text == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
        #expect(Hex.string([UInt8]()) == "")
    }
}
