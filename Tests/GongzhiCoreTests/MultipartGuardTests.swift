import Testing
@testable import GongzhiCore

@Suite("Multipart bodies checked before parsing")
struct MultipartGuardTests {
    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("ordinary bodies pass, with UTF-8 in header values (a Chinese file name) and binary content")
    func ordinary() {
        let photo = body("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"楼道照片.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            + [0xFF, 0xD8, 0xFF, 0xE0, 0x80, 0x81] + body("\r\n--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n三楼\r\n--b--\r\n")
        #expect(MultipartGuard.headerNamesAreASCII(photo, boundary: "b"))
        #expect(MultipartGuard.headerNamesAreASCII(body("--b\r\n--b--\r\n"), boundary: "b"))
        #expect(MultipartGuard.headerNamesAreASCII([], boundary: "b"))
    }

    @Test("a non-ASCII byte where a header name is read is refused: the body schemathesis crashed MultipartKit with")
    func crashing() {
        let fuzz = body("--63ad\r\n") + [0xF2, 0x93, 0x8C, 0xB1, 0xC3, 0x99] + body("r\"--63ad--\r\n")
        #expect(!MultipartGuard.headerNamesAreASCII(fuzz, boundary: "63ad"))
        let secondHeader = body("--b\r\nContent-Type: image/png\r\n名字: x\r\n\r\ndata\r\n--b--\r\n")
        #expect(!MultipartGuard.headerNamesAreASCII(secondHeader, boundary: "b"))
        let secondPart = body("--b\r\nA: 1\r\n\r\nx\r\n--b\r\n") + [0xC3] + body(": 2\r\n\r\ny\r\n--b--\r\n")
        #expect(!MultipartGuard.headerNamesAreASCII(secondPart, boundary: "b"))
    }

    @Test("a zero byte in a text field is found, in any part; in a file it is content; bodies without one pass")
    func nulInTextFields() {
        let photo = body("--b\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            + [0xFF, 0xD8, 0x00, 0x00, 0xFF] + body("\r\n")
        let note = { (value: [UInt8]) in self.body("--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n") + value + self.body("\r\n") }
        let end = body("--b--\r\n")
        #expect(!MultipartGuard.textFieldCarriesNUL(photo + note(body("三楼")) + end, boundary: "b"))
        #expect(MultipartGuard.textFieldCarriesNUL(photo + note(body("三") + [0] + body("楼")) + end, boundary: "b"))
        #expect(MultipartGuard.textFieldCarriesNUL(note([0]) + photo + end, boundary: "b"))
        // A file named with RFC 5987's filename* is a file too.
        let starred = body("--b\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E7%85%A7.jpg\r\n\r\n") + [0] + body("\r\n")
        #expect(!MultipartGuard.textFieldCarriesNUL(starred + end, boundary: "b"))
        // Truncated or empty bodies, and a NUL outside every part, are not a text field's.
        #expect(!MultipartGuard.textFieldCarriesNUL([], boundary: "b"))
        #expect(!MultipartGuard.textFieldCarriesNUL(body("--b\r\nContent-Disposition: form-data; name=\"x\""), boundary: "b"))
        #expect(!MultipartGuard.textFieldCarriesNUL(end + [0], boundary: "b"))
        #expect(!MultipartGuard.textFieldCarriesNUL(note([0]) + end, boundary: ""))
    }
}
