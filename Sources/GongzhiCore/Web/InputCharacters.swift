/// U+0000 (NUL) in what a client sends. No person types it; PostgreSQL's text cannot hold it (the statement fails),
/// while SQLite's can: requests that carry one are refused before any handler reads them, the same on both.
public enum InputCharacters {
    /// How the bytes were sent.
    public enum Encoding: Sendable {
        /// A JSON document: NUL as a raw byte or as the escape `\u0000` (not `\\u0000`, which is a backslash and text).
        case json
        /// A query string or a url-encoded form: NUL as a raw byte or as `%00`.
        case percentEncoded
        /// Plain text (a CSV file): NUL as a raw byte.
        case text
    }

    /// Whether `bytes`, sent in `encoding`, carry a NUL.
    public static func carriesNUL(_ bytes: some Collection<UInt8>, as encoding: Encoding) -> Bool {
        // Every JSON and form body passes here: read it where it lies (a ByteBuffer's view, a native string's UTF-8).
        bytes.withContiguousStorageIfAvailable { scan($0, encoding) } ?? Array(bytes).withUnsafeBufferPointer { scan($0, encoding) }
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ encoding: Encoding) -> Bool {
        let zero = UInt8(ascii: "0")
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 { return true }
            switch encoding {
            case .json where byte == UInt8(ascii: "\\"):
                // An escape: `\u0000` is NUL; any other escaped character (a backslash among them) is skipped whole.
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == zero }) {
                    return true
                }
                index += 2
            case .percentEncoded where byte == UInt8(ascii: "%"):
                if index + 2 < bytes.count, bytes[index + 1] == zero, bytes[index + 2] == zero { return true }
                index += 1
            default:
                index += 1
            }
        }
        return false
    }
}
