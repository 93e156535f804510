import Foundation

/// An amount of money in fen (hundredths of a yuan), parsed and written exactly, never through floating point.
public enum Yuan {
    /// Parses "12345", "12345.6", "12,345.67" (yuan, at most two decimals, up to 100 000 000 yuan) into fen;
    /// nil for anything else (negatives, three decimals, letters).
    public static func fen(parsing text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...9).contains(whole.count),
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), let wholeValue = Int(whole) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let total = wholeValue * 100 + fraction
        return total <= 10_000_000_000 ? total : nil
    }

    /// "12,345.67" (with the sign for negatives).
    public static func format(_ fen: Int) -> String {
        let magnitude = fen.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + whole + grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
