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
}
