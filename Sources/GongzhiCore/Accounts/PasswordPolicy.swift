/// What a new password must satisfy (ASVS 6.2: length, no common passwords, no composition rules by default;
/// an MLPS "等保" profile adds three character classes for staff).
public struct PasswordPolicy: Sendable {
    public enum Profile: String, Sendable, Codable {
        /// ASVS: ≥ 8 characters, ≤ 128, not a common password.
        case standard
        /// 等保: also ≥ 3 of upper case, lower case, digits, other characters.
        case dengbao
    }

    public enum Violation: Swift.Error, Equatable, Sendable {
        case tooShort(minimum: Int)
        case tooLong(maximum: Int)
        case common
        case tooFewCharacterClasses(required: Int)
        case containsUsername
    }

    public let profile: Profile
    public static let minimumLength = 8
    public static let maximumLength = 128

    public init(profile: Profile = .standard) { self.profile = profile }

    /// Length counts characters (a Chinese character is one), never bytes.
    public func check(_ password: String, username: String) throws(Violation) {
        let length = password.count
        guard length >= Self.minimumLength else { throw .tooShort(minimum: Self.minimumLength) }
        guard length <= Self.maximumLength else { throw .tooLong(maximum: Self.maximumLength) }
        let lowered = password.lowercased()
        if CommonPasswords.all.contains(lowered) { throw .common }
        if username.count >= 3, lowered.contains(username.lowercased()) { throw .containsUsername }
        if profile == .dengbao {
            var classes = 0
            if password.contains(where: { $0.isUppercase }) { classes += 1 }
            if password.contains(where: { $0.isLowercase }) { classes += 1 }
            if password.contains(where: { $0.isNumber }) { classes += 1 }
            if password.contains(where: { !$0.isLetter && !$0.isNumber }) { classes += 1 }
            if classes < 3 { throw .tooFewCharacterClasses(required: 3) }
        }
    }
}
