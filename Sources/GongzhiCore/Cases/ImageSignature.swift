/// The image types a case photo may have, recognised by their first bytes (never by the name or the declared
/// type: a script renamed .jpg is not a JPEG).
public enum ImageSignature: String, Sendable, CaseIterable {
    case jpeg
    case png
    case webp

    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        }
    }

    /// The type of `bytes`, or nil when it is not one of the accepted images.
    public static func detect(_ bytes: some Collection<UInt8>) -> ImageSignature? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }
}
