import Crypto
import Foundation

/// Encrypts personal fields at rest (AES-256-GCM) and computes their keyed lookup hash (HMAC-SHA256, a "blind
/// index"), both from one 32-byte data key. The two sub-keys are derived with HKDF so they never coincide.
public struct FieldCipher: Sendable {
    /// Which field a value belongs to: the ciphertext is bound to it (AAD) and the index is namespaced by it.
    public enum Field: String, Sendable {
        case idNumber = "person.id_number"
        case phone = "person.phone"
        /// The name, phone and e-mail an Open311 client sent with a case.
        case caseContact = "case.contact"
        /// A stored answer to an idempotent POST (it may carry personal data).
        case idempotentResponse = "idempotency.response"
        /// An account's authenticator secret (TOTP), enrolled or awaiting confirmation.
        case secondFactor = "user.second_factor"
        /// A household's code for joining it (入户码), shown to the community's workers.
        case householdCode = "household.join_code"
        /// A problem a visitor wrote, waiting for the code texted to their number (`case_drafts`).
        case caseDraft = "case.draft"
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        case badKeyLength
        case malformedCiphertext
        case authenticationFailed
    }

    // Raw bytes: SymmetricKey is not Sendable in swift-crypto 3.
    private let encryptionKeyBytes: Data
    private let indexKeyBytes: Data
    /// The key of ballot receipt codes (`BallotReceipt`), derived like the others.
    public let receiptKey: Data
    private var encryptionKey: SymmetricKey { SymmetricKey(data: encryptionKeyBytes) }
    private var indexKey: SymmetricKey { SymmetricKey(data: indexKeyBytes) }

    static let formatPrefix = "g1:"

    /// `dataKey` must be 32 bytes.
    public init(dataKey: Data) throws(Error) {
        guard dataKey.count == 32 else { throw .badKeyLength }
        let master = SymmetricKey(data: dataKey)
        encryptionKeyBytes = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("gongzhi field encryption v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
        indexKeyBytes = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("gongzhi blind index v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
        receiptKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("gongzhi ballot receipt v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { Data($0) }
    }

    /// A new random 32-byte data key.
    public static func generateDataKey() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// "g1:" + base64(nonce ‖ ciphertext ‖ tag); a fresh nonce each time.
    public func seal(_ plaintext: String, field: Field) -> String {
        // AES.GCM.seal only throws for invalid nonces or keys, neither of which can happen here.
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: encryptionKey, authenticating: Data(field.rawValue.utf8))
        return Self.formatPrefix + box.combined!.base64EncodedString()
    }

    public func open(_ sealed: String, field: Field) throws(Error) -> String {
        guard sealed.hasPrefix(Self.formatPrefix),
            let combined = Data(base64Encoded: String(sealed.dropFirst(Self.formatPrefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined)
        else { throw .malformedCiphertext }
        guard let data = try? AES.GCM.open(box, using: encryptionKey, authenticating: Data(field.rawValue.utf8)),
            let text = String(data: data, encoding: .utf8)
        else { throw .authenticationFailed }
        return text
    }

    /// The keyed hash used to find a record by an exact value without decrypting every row (hex, 64 chars).
    public func blindIndex(_ canonicalValue: String, field: Field) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((field.rawValue + "\u{1F}" + canonicalValue).utf8), using: indexKey)
        return Hex.string(mac)
    }
}
