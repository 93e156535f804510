import Foundation

/// A registered exclusive area (专有部分面积), held exactly in hundredths of a square metre.
public struct Area: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// Hundredths of a m² (0.01 m²).
    public let centiSquareMetres: Int

    public init(centiSquareMetres: Int) { self.centiSquareMetres = centiSquareMetres }

    /// Parses a decimal in m² with at most two decimals ("89.5", "120.05", "75"): no floating point.
    /// Rejects negatives, zero, more than two decimals and areas above 100 000 m².
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 6,
            whole.allSatisfy(\.isASCIIDigit), let wholeValue = Int(whole)
        else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), let value = Int(digits) else {
                return nil
            }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let total = wholeValue * 100 + fraction
        guard total > 0, total <= 10_000_000 else { return nil }
        self.centiSquareMetres = total
    }

    /// "89.50"
    public var description: String {
        let fraction = centiSquareMetres % 100
        return "\(centiSquareMetres / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func < (lhs: Area, rhs: Area) -> Bool { lhs.centiSquareMetres < rhs.centiSquareMetres }
    public static func + (lhs: Area, rhs: Area) -> Area {
        Area(centiSquareMetres: lhs.centiSquareMetres + rhs.centiSquareMetres)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
