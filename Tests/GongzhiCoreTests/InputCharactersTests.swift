import Testing
@testable import GongzhiCore

@Suite("NUL in what clients send")
struct InputCharactersTests {
    func json(_ text: String) -> Bool { InputCharacters.carriesNUL(Array(text.utf8), as: .json) }
    func percent(_ text: String) -> Bool { InputCharacters.carriesNUL(Array(text.utf8), as: .percentEncoded) }

    @Test("JSON: the escape \\u0000 and a raw zero byte are NUL; an escaped backslash before u0000 is text, other escapes are not NUL")
    func jsonEscapes() {
        #expect(json(#"{"title":"a\u0000b"}"#))
        #expect(json(#"{"title":"\u0000"}"#))
        #expect(json("{\"title\":\"a\u{0}b\"}"))
        #expect(!json(#"{"title":"a\\u0000b"}"#))
        #expect(json(#"{"title":"a\\\u0000b"}"#))
        #expect(json(#"{"title":"\u00001"}"#))
        #expect(!json(#"{"title":"\u0001 \u1000 \u00a0 \n \" 路灯"}"#))
        #expect(!json(#"{"n":0,"m":"0000","u":"u0000"}"#))
        #expect(!json(#"{"title":"\u000"}"#))
        #expect(!json("\\"))
        #expect(!json(""))
    }

    @Test("percent-encoded: %00 and a raw zero byte are NUL; %2500 (the text %00) and other escapes are not")
    func percentEscapes() {
        #expect(percent("actor=%00"))
        #expect(percent("a=1&b=x%00y"))
        #expect(percent("a=\u{0}"))
        #expect(!percent("a=%2500"))
        #expect(!percent("a=%20%E8%B7%AF%01&b=00"))
        #expect(!percent("a=%0"))
        #expect(!percent("a=%"))
        #expect(percent("a=%%00"))
    }

    @Test("every position of a NUL escape in random text is found, and text without one never is")
    func everyPosition() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab路\\\"u0%2 ".utf8)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...40, using: &generator)
            var text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            // Against a plain reading of the rules over Unicode scalars: the scanner reads bytes, so an escape it
            // skips may end inside a multi-byte character.
            #expect(InputCharacters.carriesNUL(text, as: .percentEncoded) == Self.plainPercent(text))
            #expect(InputCharacters.carriesNUL(text, as: .json) == Self.plainJSON(text))
            let at = Int.random(in: 0...text.count, using: &generator)
            text.insert(contentsOf: Array("%00".utf8), at: at)
            #expect(InputCharacters.carriesNUL(text, as: .percentEncoded))
        }
    }

    /// The rules read plainly: `%00` anywhere, or a zero byte.
    static func plainPercent(_ bytes: [UInt8]) -> Bool {
        bytes.contains(0) || String(decoding: bytes, as: UTF8.self).contains("%00")
    }

    /// The rules read plainly: walk the escapes left to right.
    static func plainJSON(_ bytes: [UInt8]) -> Bool {
        let characters = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        var index = 0
        while index < characters.count {
            if characters[index] == "\0" { return true }
            if characters[index] == "\\" {
                if index + 5 < characters.count, characters[index + 1] == "u", characters[(index + 2)...(index + 5)].allSatisfy({ $0 == "0" }) { return true }
                index += 2
            } else {
                index += 1
            }
        }
        return bytes.contains(0)
    }
}
