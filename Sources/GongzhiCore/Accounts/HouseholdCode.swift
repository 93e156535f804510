import Foundation

/// The household code (入户码) a community worker reads out or prints from a household's page: a resident who
/// signed up types it with their own name to join that household (issue 26). Eight digits — easy to read out and
/// to type on a phone's number pad — valid for 30 days and renewable; wrong tries count against the account and
/// the address like failed sign-ins, so 10⁸ codes cannot be walked through.
public struct HouseholdCodeRules: Sendable {
    public let digits: Int
    public let lifetime: TimeInterval

    public init(digits: Int = 8, lifetime: TimeInterval = 30 * 86_400) {
        precondition(digits >= 6, "a household code has at least 6 digits")
        self.digits = digits
        self.lifetime = lifetime
    }

    /// A fresh code, uniform, leading zeros kept.
    public func generate<R: RandomNumberGenerator>(using generator: inout R) -> String {
        String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// The code as typed — spaces, dashes and full-width digits allowed — or nil when it cannot be one.
    public func normalised(_ text: String) -> String? {
        let kept = text.unicodeScalars.compactMap { scalar -> Character? in
            if scalar.properties.isWhitespace || scalar == "-" || scalar == "－" { return nil }
            if (0xFF10...0xFF19).contains(scalar.value) { return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!) }
            return Character(scalar)
        }
        guard kept.count == digits, kept.allSatisfy(\.isASCIIDigit) else { return nil }
        return String(kept)
    }

    /// The code as shown and read out: in groups of four ("1234 5678").
    public func display(_ code: String) -> String {
        var groups: [Substring] = []
        var rest = Substring(code)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: " ")
    }

    /// Whether a code issued at `issuedAt` still opens its household at `now`.
    public func isValid(issuedAt: Date, now: Date) -> Bool {
        now >= issuedAt && now < issuedAt.addingTimeInterval(lifetime)
    }
}

/// Names compared the way a person writes their own: spaces ignored, the several middle dots of minority names
/// (买买提·艾力) taken as one, Latin letters without case.
public enum PersonName {
    public static func matches(_ typed: String, registered: String) -> Bool {
        let a = key(typed), b = key(registered)
        return !a.isEmpty && a == b
    }

    public static func key(_ name: String) -> String {
        String(name.unicodeScalars.compactMap { scalar -> Character? in
            if scalar.properties.isWhitespace { return nil }
            switch scalar {
            case "•", "・", "‧", "．", ".", "·", "︰": return "·"
            default: return Character(scalar)
            }
        }).lowercased()
    }
}
