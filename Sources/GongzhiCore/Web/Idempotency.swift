import Crypto
import Foundation

/// Idempotent POSTs (checklist row 33, after Stripe and the IETF `Idempotency-Key` draft): a client that sends the
/// same key twice gets the first result again instead of a second object. A key belongs to one caller; it is
/// bound to the request it was first used with (method, path and body), so the same key with another body is
/// refused, and a request still running under a key makes a second one wait its turn (409).
public enum Idempotency {
    /// How long a used key is remembered (the draft asks for at least 24 hours).
    public static let retention: TimeInterval = 48 * 3600
    /// A key whose first request never finished (the process died) is released after this long.
    public static let abandonedAfter: TimeInterval = 3600

    /// 1 to 255 visible ASCII characters (a UUID is the usual choice).
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 255 && key.utf8.allSatisfy { (0x21...0x7e).contains($0) }
    }

    /// A JSON body in canonical form (keys sorted, no spaces), so that a retry whose encoder ordered the keys
    /// differently still counts as the same request; other bodies as they are.
    public static func canonical(_ body: [UInt8], isJSON: Bool) -> [UInt8] {
        guard isJSON, let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        else { return body }
        return Array(data)
    }

    /// What the key is bound to: SHA-256 of the method, the path with its query, and the body.
    public static func fingerprint(method: String, uri: String, body: some Sequence<UInt8>) -> String {
        var hash = SHA256()
        hash.update(data: Data(method.utf8))
        hash.update(data: [0])
        hash.update(data: Data(uri.utf8))
        hash.update(data: [0])
        hash.update(data: Data(body))
        return Hex.string(hash.finalize())
    }

    /// What is stored under a key.
    public enum Stored: Equatable, Sendable {
        case inFlight(fingerprint: String)
        case done(fingerprint: String)
    }

    public enum Decision: Equatable, Sendable {
        /// No earlier use: run the request (and remember its result).
        case proceed
        /// The same request finished before: answer with its stored result.
        case replay
        /// The key was used for another request: 422.
        case mismatch
        /// The same request is still running: 409, try again shortly.
        case inFlight
    }

    public static func decide(stored: Stored?, fingerprint: String) -> Decision {
        switch stored {
        case nil: .proceed
        case .inFlight(let first): first == fingerprint ? .inFlight : .mismatch
        case .done(let first): first == fingerprint ? .replay : .mismatch
        }
    }

    /// Results worth keeping: everything but server errors (a 5xx may be retried under the same key).
    public static func keepsResult(status: Int) -> Bool { status < 500 }
}
