import Foundation

/// A mainland mobile number: 11 digits beginning 13–19 (an optional +86 / 86 prefix, spaces and dashes allowed).
public struct MobileNumber: Hashable, Sendable, CustomStringConvertible {
    /// The canonical 11-digit form.
    public let value: String

    public enum Error: Swift.Error, Equatable, Sendable {
        case invalid
    }

    public init(validating text: String) throws(Error) {
        var digits = text.filter { !($0 == " " || $0 == "-" || $0 == "\u{3000}") }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.count == 13, digits.hasPrefix("86") {
            digits.removeFirst(2)
        }
        let chars = Array(digits)
        guard chars.count == 11, chars.allSatisfy(\.isASCIIDigit), chars[0] == "1",
            let second = chars[1].wholeNumberValue, second >= 3
        else { throw .invalid }
        self.value = digits
    }

    public var description: String { Masking.phone(value) }
}
