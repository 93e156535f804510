import Foundation

/// A mainland resident identity number (公民身份号码, GB 11643-1999): 6-digit region, 8-digit birth date,
/// 3-digit sequence, 1 check character (0–9 or X).
public struct ResidentIDNumber: Hashable, Sendable, CustomStringConvertible {
    /// The canonical 18-character form, with an upper-case X.
    public let value: String

    public enum Error: Swift.Error, Equatable, Sendable {
        case wrongLength
        case invalidCharacters
        case unknownRegion
        case invalidBirthDate
        case wrongCheckDigit
    }

    /// Province-level codes (the first two digits) in use.
    static let provinceCodes: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    ]
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Validates `text` (surrounding spaces ignored, lower-case x accepted); `today` bounds the birth date.
    public init(validating text: String, today: Date) throws(Error) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let chars = Array(trimmed)
        guard chars.count == 18 else { throw .wrongLength }
        guard chars[0..<17].allSatisfy(\.isASCIIDigit), chars[17].isASCIIDigit || chars[17] == "X" else {
            throw .invalidCharacters
        }
        guard Self.provinceCodes.contains(String(chars[0..<2])) else { throw .unknownRegion }
        guard let birth = Self.birthDate(String(chars[6..<14])), birth.year >= 1900,
            birth <= CivilDate(today)
        else { throw .invalidBirthDate }
        guard chars[17] == Self.checkCharacter(for: String(chars[0..<17])) else { throw .wrongCheckDigit }
        self.value = trimmed
    }

    /// The GB 11643 check character for the first 17 digits.
    public static func checkCharacter(for first17: String) -> Character {
        let digits = first17.compactMap(\.wholeNumberValue)
        precondition(digits.count == 17, "17 digits")
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    static func birthDate(_ yyyymmdd: String) -> CivilDate? {
        guard let number = Int(yyyymmdd) else { return nil }
        return CivilDate(year: number / 10000, month: number / 100 % 100, day: number % 100)
    }

    /// The birth date encoded in the number.
    public var birthDate: CivilDate { Self.birthDate(String(Array(value)[6..<14]))! }

    public var description: String { Masking.idNumber(value) }
}
