import Foundation

/// The shape of a request body, read in one linear pass before any decoder sees it (issue 24 finding 1): the form,
/// multipart and JSON decoders spend time that grows with the square of the number of distinct field names, so a
/// few hundred kilobytes of `k[0]=v&k[1]=v&…` kept a core busy for seconds. A body with more fields, parts or keys,
/// or deeper nesting, than any form or API call of the product sends is refused before it is decoded.
public enum BodyShape {
    public struct Limits: Sendable, Equatable {
        /// Fields of an `application/x-www-form-urlencoded` body (the largest page form has a few dozen).
        public var formFields = 1_000
        /// Parts of a `multipart/form-data` body (a form with six photos has about fifteen).
        public var multipartParts = 100
        /// Keys of all objects of a JSON body (the shipped catalogue, the largest document, has under 1 000).
        public var jsonKeys = 20_000
        /// Nesting of JSON objects and arrays.
        public var jsonDepth = 32

        public init() {}
    }

    public enum Refusal: Error, Equatable, Sendable {
        case tooManyFields(limit: Int)
        case tooManyParts(limit: Int)
        case tooManyKeys(limit: Int)
        case tooDeep(limit: Int)
    }

    /// The kinds of body checked; others (images, CSV, XML) pass.
    public enum Kind: Sendable, Equatable {
        case urlEncoded
        case multipart(boundary: String)
        case json
    }

    /// Checks `bytes` of `kind` against `limits`, in one pass.
    public static func check<Bytes: Collection>(_ bytes: Bytes, as kind: Kind, limits: Limits = Limits()) throws(Refusal) where Bytes.Element == UInt8 {
        switch kind {
        case .urlEncoded:
            var fields = bytes.isEmpty ? 0 : 1
            for byte in bytes where byte == UInt8(ascii: "&") {
                fields += 1
                if fields > limits.formFields { throw .tooManyFields(limit: limits.formFields) }
            }
        case .multipart(let boundary):
            let parts = occurrences(of: Array(("--" + boundary).utf8), in: bytes, upTo: limits.multipartParts + 2)
            // n parts are delimited by n + 1 boundary lines (the last one closes the body).
            if parts - 1 > limits.multipartParts { throw .tooManyParts(limit: limits.multipartParts) }
        case .json:
            try checkJSON(bytes, limits: limits)
        }
    }

    /// Counts the colons outside strings (one per key) and the depth of brackets; text inside strings, escapes
    /// included, is skipped.
    static func checkJSON<Bytes: Collection>(_ bytes: Bytes, limits: Limits) throws(Refusal) where Bytes.Element == UInt8 {
        var depth = 0, keys = 0
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limits.jsonDepth { throw .tooDeep(limit: limits.jsonDepth) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ":"):
                keys += 1
                if keys > limits.jsonKeys { throw .tooManyKeys(limit: limits.jsonKeys) }
            default: break
            }
        }
    }

    /// Occurrences of `needle` in `bytes`, counting stops at `cap`.
    static func occurrences<Bytes: Collection>(of needle: [UInt8], in bytes: Bytes, upTo cap: Int) -> Int where Bytes.Element == UInt8 {
        guard let first = needle.first else { return 0 }
        var count = 0
        // Linear in practice: a boundary is a long random string, so a partial match fails within a few bytes.
        var matched = 0
        for byte in bytes {
            if byte == needle[matched] {
                matched += 1
                if matched == needle.count {
                    count += 1
                    if count >= cap { return count }
                    matched = 0
                }
            } else {
                matched = byte == first ? 1 : 0
            }
        }
        return count
    }

    /// The multipart boundary of a `Content-Type` header value, if any.
    public static func boundary(ofContentType value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let raw = pair[1]
            return raw.hasPrefix("\"") && raw.hasSuffix("\"") && raw.count >= 2 ? String(raw.dropFirst().dropLast()) : raw
        }
        return nil
    }
}
