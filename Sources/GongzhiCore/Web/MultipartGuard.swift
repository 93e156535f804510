/// Checks a multipart/form-data body before it reaches MultipartKit 4.7.1, whose header-name parser indexes a
/// 128-entry table with the raw byte and so crashes the whole server on a name byte ≥ 0x80 (found by schemathesis:
/// one request from any signed-in user took the server down). Header *values* may carry UTF-8 (browsers send
/// `filename="照片.jpg"` raw), so only the name part of each header line is checked.
public enum MultipartGuard {
    /// False when some header line of some part has a non-ASCII byte before its colon (or has no colon and a
    /// non-ASCII byte anywhere): the body is then refused as malformed without being parsed.
    public static func headerNamesAreASCII(_ body: [UInt8], boundary: String) -> Bool {
        let delimiter = Array(("--" + boundary).utf8)
        guard !delimiter.isEmpty else { return false }
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            var cursor = found + delimiter.count
            // The closing delimiter ends the body.
            if cursor + 1 < body.count, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { return true }
            // The rest of the delimiter line.
            guard let lineEnd = find([13, 10], in: body, from: cursor) else { return true }
            cursor = lineEnd + 2
            // Header lines up to the empty line; a parser in the header state reads a name from each line start.
            while cursor < body.count {
                if cursor + 1 < body.count, body[cursor] == 13, body[cursor + 1] == 10 { break }
                let end = find([13, 10], in: body, from: cursor) ?? body.count
                var position = cursor
                while position < end, body[position] != UInt8(ascii: ":") {
                    if body[position] >= 0x80 { return false }
                    position += 1
                }
                if find(delimiter, in: Array(body[cursor..<end]), from: 0) != nil { break }
                cursor = end + 2
            }
            index = found + delimiter.count
        }
        return true
    }

    /// True when a part that is not a file (no `filename` in its headers) has a zero byte in its value: a NUL typed
    /// into a text field, which `InputCharacters` refuses everywhere else. Files (photos) are binary and are not read.
    public static func textFieldCarriesNUL(_ body: [UInt8], boundary: String) -> Bool {
        let opening = Array(("--" + boundary).utf8)
        let delimiter = [13, 10] + opening
        guard !boundary.isEmpty, var start = find(opening, in: body, from: 0) else { return false }
        start += opening.count
        while start + 1 < body.count, !(body[start] == UInt8(ascii: "-") && body[start + 1] == UInt8(ascii: "-")) {
            guard let headersEnd = find([13, 10, 13, 10], in: body, from: start) else { return false }
            let valueStart = headersEnd + 4
            let valueEnd = find(delimiter, in: body, from: valueStart) ?? body.count
            let headers = String(decoding: body[start..<headersEnd], as: UTF8.self).lowercased()
            let isFile = headers.contains("filename=") || headers.contains("filename*=")
            if !isFile, body[valueStart..<valueEnd].contains(0) { return true }
            start = valueEnd + delimiter.count
        }
        return false
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        let first = needle[0]
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
