/// Display masks for personal information (GB/T 35273 practice; the formats the issues fix).
public enum Masking {
    /// 138****1234. Text of seven characters or fewer (a landline without its area code, as a contact may type it)
    /// is hidden whole: the 3 + 4 characters kept of a longer one would be all of it.
    public static func phone(_ value: String) -> String {
        let chars = Array(value)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(4))
    }

    /// 110101********1234: region kept, birth date and sequence hidden; ten characters or fewer hidden whole.
    public static func idNumber(_ value: String) -> String {
        let chars = Array(value)
        guard chars.count > 10 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(6)) + String(repeating: "*", count: chars.count - 10) + String(chars.suffix(4))
    }

    /// 张* / 欧阳** : the first character, a star for every other one.
    public static func name(_ value: String) -> String {
        let chars = Array(value)
        guard let first = chars.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, chars.count - 1))
    }
}

extension Masking {
    /// Free text (a title, a description, a reply, a need) with every number that looks like a mobile number
    /// (1[3-9] and 9 more digits, also written 3-4-4 with spaces or dashes, or after 86) or an ID number (17 digits and a digit or
    /// X, also written 6-8-4) masked as `phone` and `idNumber` do; numbers inside longer runs of digits or letters (an
    /// id, a case number) are left alone (issue 24 finding 6).
    public static func numbersInText(_ text: String) -> String {
        let chars = Array(text)
        guard chars.contains(where: { $0.isASCII && $0.isNumber }) else { return text }
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func isWordChar(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        /// The end of the run of digits from `start` (and a final X after 17 digits when `idCheck`).
        func run(from start: Int, idCheck: Bool = false) -> Int {
            var j = start
            while j < chars.count, isDigit(chars[j]) { j += 1 }
            if idCheck, j - start == 17, j < chars.count, chars[j] == "X" || chars[j] == "x" { j += 1 }
            return j
        }
        func standsAlone(_ end: Int) -> Bool { end >= chars.count || !isWordChar(chars[end]) }
        /// Groups of exactly the given sizes separated by one space or dash (the very last character may be an X when
        /// `endsInX`), standing alone: where they end.
        func groups(from start: Int, _ sizes: [Int], endsInX: Bool = false) -> Int? {
            var j = start
            for (index, size) in sizes.enumerated() {
                if index > 0 {
                    guard j < chars.count, chars[j] == " " || chars[j] == "-" else { return nil }
                    j += 1
                }
                for offset in 0..<size {
                    guard j < chars.count else { return nil }
                    let last = index == sizes.count - 1 && offset == size - 1
                    guard isDigit(chars[j]) || (last && endsInX && (chars[j] == "X" || chars[j] == "x")) else { return nil }
                    j += 1
                }
            }
            return standsAlone(j) ? j : nil
        }
        var result = ""
        var i = 0
        while i < chars.count {
            guard isDigit(chars[i]), i == 0 || !isWordChar(chars[i - 1]) else {
                result.append(chars[i]); i += 1; continue
            }
            let end = run(from: i, idCheck: true)
            let plain = String(chars[i..<end])
            let length = end - i
            if standsAlone(end), length == 11, plain.hasPrefix("1"), ("3"..."9").contains(chars[i + 1]) {
                result += phone(plain); i = end; continue
            }
            if standsAlone(end), length == 13, plain.hasPrefix("861"), ("3"..."9").contains(chars[i + 3]) {
                result += "86" + phone(String(plain.dropFirst(2))); i = end; continue
            }
            if standsAlone(end), length == 18 {
                result += idNumber(plain); i = end; continue
            }
            if length == 3, plain.hasPrefix("1"), ("3"..."9").contains(chars[i + 1]), let grouped = groups(from: i, [3, 4, 4]) {
                result += phone(String(chars[i..<grouped].filter(isDigit))); i = grouped; continue
            }
            if length == 6, let grouped = groups(from: i, [6, 8, 4], endsInX: true) {
                result += idNumber(String(chars[i..<grouped].filter { isDigit($0) || $0 == "X" || $0 == "x" })); i = grouped; continue
            }
            result += plain
            i = end
        }
        return result
    }
}
