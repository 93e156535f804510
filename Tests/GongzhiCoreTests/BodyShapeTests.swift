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
