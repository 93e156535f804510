import Crypto
import Foundation
import _CryptoExtras

/// Slow password hashing with PBKDF2-HMAC-SHA256 over the whole UTF-8 password: no 72-byte truncation as in
/// bcrypt, so a 64-character Chinese password (192 bytes) is hashed in full.
///
/// Stored form: `pbkdf2-sha256$<rounds>$<salt base64>$<hash base64>`; the rounds travel with the hash so they
/// can be raised later without breaking old hashes.
public struct PasswordHasher: Sendable {
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
    public static let productionRounds = 600_000
    public let rounds: Int

    public init(rounds: Int = PasswordHasher.productionRounds) { self.rounds = rounds }

    public func hash(_ password: String) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = Self.derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Constant-time comparison; false for any malformed stored value.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3]))
        else { return false }
        let derived = Self.derive(password, salt: Array(salt), rounds: rounds)
        return derived.count == expected.count && zip(derived, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether a stored hash uses fewer rounds than this hasher and should be upgraded at the next login.
    public func needsRehash(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, let storedRounds = Int(parts[1]) else { return true }
        return storedRounds < rounds
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) -> Data {
        // Only an invalid output length could throw.
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Data(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}
