import Testing
@testable import GongzhiCore

@Suite("Body shape: fields, parts, keys and depth counted before any decoder")
struct BodyShapeTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("a form of up to the limit's fields passes; one more is refused")
    func form() throws {
        var limits = BodyShape.Limits()
        limits.formFields = 3
        try BodyShape.check(bytes("a=1&b=2&c=3"), as: .urlEncoded, limits: limits)
        #expect(throws: BodyShape.Refusal.tooManyFields(limit: 3)) { try BodyShape.check(bytes("a=1&b=2&c=3&d=4"), as: .urlEncoded, limits: limits) }
        let attack = (0..<32_000).map { "k[\($0)]=v" }.joined(separator: "&")
        #expect(throws: BodyShape.Refusal.tooManyFields(limit: 1_000)) { try BodyShape.check(bytes(attack), as: .urlEncoded) }
        try BodyShape.check(bytes(""), as: .urlEncoded)
    }

    @Test("multipart parts are counted by their boundary lines")
    func multipart() throws {
        func body(_ parts: Int, boundary: String) -> [UInt8] {
            var text = ""
            for i in 0..<parts { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"p\(i)\"\r\n\r\nv--\(boundary.prefix(3))\r\n" }
            return bytes(text + "--\(boundary)--\r\n")
        }
        var limits = BodyShape.Limits()
        limits.multipartParts = 5
        for boundary in ["X-abc123", "----WebKitFormBoundary7MA4YWxkTrZu0gW"] {
            try BodyShape.check(body(5, boundary: boundary), as: .multipart(boundary: boundary), limits: limits)
            #expect(throws: BodyShape.Refusal.tooManyParts(limit: 5)) {
                try BodyShape.check(body(6, boundary: boundary), as: .multipart(boundary: boundary), limits: limits)
            }
        }
        #expect(BodyShape.boundary(ofContentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(BodyShape.boundary(ofContentType: "multipart/form-data; charset=utf-8; BOUNDARY=xyz") == "xyz")
        #expect(BodyShape.boundary(ofContentType: "multipart/form-data") == nil)
    }

    @Test("JSON keys are the colons outside strings; depth is the nesting of brackets")
    func json() throws {
        var limits = BodyShape.Limits()
        limits.jsonKeys = 2
        limits.jsonDepth = 3
        try BodyShape.check(bytes(#"{"a": "x:y:z", "b": [1, {"\"c:": 2}]}"#.replacingOccurrences(of: #"{"\"c:": 2}"#, with: "2")), as: .json, limits: limits)
        try BodyShape.check(bytes(#"{"a": "x\":y", "b": 1}"#), as: .json, limits: limits)
        #expect(throws: BodyShape.Refusal.tooManyKeys(limit: 2)) { try BodyShape.check(bytes(#"{"a": 1, "b": 2, "c": 3}"#), as: .json, limits: limits) }
        #expect(throws: BodyShape.Refusal.tooDeep(limit: 3)) { try BodyShape.check(bytes("[[[[1]]]]"), as: .json, limits: limits) }
        try BodyShape.check(bytes("[[[1]]]"), as: .json, limits: limits)
        let attack = "{" + (0..<380_000).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"
        #expect(throws: BodyShape.Refusal.tooManyKeys(limit: 20_000)) { try BodyShape.check(bytes(attack), as: .json) }
    }
}

@Suite("Invisible characters: refused on one line, shown in text")
struct InvisibleCharactersTests {
    @Test("bidirectional controls and zero-width characters are found and shown; ordinary text, Chinese and emoji pass")
    func found() {
        for scalar in [0x202E, 0x202D, 0x2066, 0x2069, 0x200F, 0x061C, 0x200B, 0x200D, 0xFEFF, 0x2060] as [UInt32] {
            let text = "楼道" + String(Unicode.Scalar(scalar)!) + "灯"
            #expect(InvisibleCharacters.contains(text), "\(scalar)")
        }
        #expect(!InvisibleCharacters.contains("楼道灯不亮 Lamp 3号楼 👍"))
        #expect(InvisibleCharacters.shown("a\u{202E}gpj.exe") == "a⟦U+202E⟧gpj.exe")
        #expect(InvisibleCharacters.shown("x\u{FEFF}") == "x⟦U+FEFF⟧")
        #expect(InvisibleCharacters.shown("没有问题") == "没有问题")
    }
}

@Suite("Personal numbers in free text are masked")
struct NumbersInTextTests {
    @Test("mobiles and ID numbers standing alone are masked, however written; other numbers are left", arguments: [
        ("电话13812345678，请联系", "电话138****5678，请联系"),
        ("电话 138 1234 5678 或 138-1234-5678", "电话 138****5678 或 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("身份证110105194912310021", "身份证110105********0021"),
        ("身份证 11010519491231002X 号", "身份证 110105********002X 号"),
        ("110105 19491231 002x", "110105********002x"),
        ("13812345678 2号楼", "138****5678 2号楼"),
        ("案件GZ2026111800012号、编号138123456789、12812345678、3号楼1201室、2026年3月15日", "案件GZ2026111800012号、编号138123456789、12812345678、3号楼1201室、2026年3月15日"),
        ("id a13812345678 and 13812345678b", "id a13812345678 and 13812345678b"),
        ("no digits at all", "no digits at all"),
    ])
    func masked(text: String, expected: String) {
        #expect(Masking.numbersInText(text) == expected)
    }

    /// A run of digits standing alone (no ASCII letter or digit either side) that is a mobile or an ID number.
    static func showsNumber(_ text: String) -> Bool {
        let chars = Array(text)
        func word(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber, i == 0 || !word(chars[i - 1]) else { i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            var length = j - i
            if length == 17, j < chars.count, chars[j] == "X" || chars[j] == "x" { j += 1; length = 18 }
            if j >= chars.count || !word(chars[j]) {
                if length == 18 { return true }
                if length == 11, chars[i] == "1", ("3"..."9").contains(chars[i + 1]) { return true }
            }
            i = max(j, i + 1)
        }
        return false
    }

    @Test("masking is idempotent and never leaves a mobile or ID number standing alone")
    func property() {
        var rng = SeededGenerator(seed: 17)
        let pieces = ["电话", " ", "-", "1", "3", "8", "0", "X", "号", "12345678", "13912345678", "110105194912310021", "，"]
        for _ in 0..<2_000 {
            let text = (0..<rng.int(1...12)).map { _ in pieces[rng.int(0...(pieces.count - 1))] }.joined()
            let once = Masking.numbersInText(text)
            #expect(Masking.numbersInText(once) == once, "\(text)")
            #expect(!Self.showsNumber(once), "\(text) → \(once)")
        }
    }
}
