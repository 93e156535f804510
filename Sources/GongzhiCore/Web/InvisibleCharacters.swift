/// Characters that change how text looks without being seen (issue 24 finding 7): bidirectional controls such as
/// U+202E (RIGHT-TO-LEFT OVERRIDE), which can make "gpj.exe" read "exe.jpg" or reorder a case number, and
/// zero-width characters, which make two names that look the same differ. Single-line fields (titles, names) refuse
/// them; multi-line text keeps them but shows each one visibly on staff pages.
public enum InvisibleCharacters {
    /// Bidirectional formatting characters (Unicode's Bidi_Control property, plus the implicit marks).
    public static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
    /// Zero-width characters that join, break or hide nothing visible.
    public static let zeroWidth: Set<UInt32> = [0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF]

    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        bidiControls.contains(scalar.value) || zeroWidth.contains(scalar.value)
    }

    /// Whether `text` holds any of them (a single-line field refuses it).
    public static func contains(_ text: String) -> Bool { text.unicodeScalars.contains(where: isInvisible) }

    /// `text` with each of them written out as a visible mark, `⟦U+202E⟧`, so that a reader sees it is there.
    public static func shown(_ text: String) -> String {
        guard contains(text) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result.append(contentsOf: "⟦U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)⟧".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
