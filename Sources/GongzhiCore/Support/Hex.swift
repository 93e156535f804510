/// Lower-case hexadecimal text of bytes (digests, MACs, checksums): two digits a byte, no separators.
/// Written out by hand: `String(format: "%02x")` per byte went through Foundation's formatter and was a visible
/// part of every case intake (the audit entry's two digests, the token's).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
