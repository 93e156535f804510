import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP: HMAC-SHA1, 30-second steps, 6 digits), the
/// second factor of administrators under the 等保 profile (checklist row 31; MLPS L3 双因素). Any authenticator app
/// (Google Authenticator, Microsoft Authenticator, 腾讯身份验证器) reads the secret from its Base32 form.
public enum TOTP {
    public static let period: Int64 = 30
    public static let digits = 6
    /// RFC 4226 recommends at least 128 bits; 160 is what authenticator apps expect.
    public static let secretLength = 20

    /// The time step of `date`: whole periods since 1970.
    public static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970).rounded(.down)) / period
    }

    /// The code for `step` (RFC 4226 §5.3 dynamic truncation), zero-padded.
    public static func code(secret: [UInt8], step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `code` is, within one step either side of `date` (clock drift), and later than
    /// `lastUsed` so that a code is good once (RFC 6238 §5.2); nil otherwise. Spaces in the code are ignored.
    public static func matchingStep(_ code: String, secret: [UInt8], at date: Date, after lastUsed: Int64?) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        let now = step(at: date)
        for candidate in [now - 1, now, now + 1] where candidate > (lastUsed ?? Int64.min) {
            if constantTimeEqual(TOTP.code(secret: secret, step: candidate), typed) { return candidate }
        }
        return nil
    }

    /// Compares two texts in time that does not depend on where they differ (codes, their keyed hashes).
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<secretLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// RFC 4648 Base32 without padding, as authenticator apps take a typed key.
    public static func base32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base32 back to bytes (case, spaces and padding ignored); nil on any other character.
    public static func bytes(base32 text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = 0, bits = 0
        for char in text.uppercased().utf8 where char != UInt8(ascii: " ") && char != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: char) else { return nil }
            buffer = ((buffer << 5) | value) & 0xFFFF
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return out
    }

    /// The `otpauth://` address an authenticator app reads (typed in, or from a code drawn by another tool).
    public static func uri(secret: [UInt8], account: String, issuer: String) -> String {
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        }
        return "otpauth://totp/\(encoded(issuer)):\(encoded(account))?secret=\(base32(secret))&issuer=\(encoded(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}
