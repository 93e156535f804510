import Foundation

/// The interface's words, one file per language in the `.strings` format translators know:
/// `"key" = "words";` on a line, `/* comments */` and blank lines between. Escapes: `\"`, `\\`, `\n`, `\t`.
public enum WordsFile {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// A line that is not an entry, a comment or blank.
        case malformed(line: Int)
        /// A key given twice (a later one would otherwise replace the first in silence).
        case duplicate(key: String, lines: [Int])

        public var description: String {
            switch self {
            case .malformed(let line): "line \(line) is not \"key\" = \"words\";"
            case .duplicate(let key, let lines): "\"\(key)\" appears on lines \(lines.map(String.init).joined(separator: " and "))"
            }
        }
    }

    /// The entries of a file, key → words.
    public static func parse(_ text: String) throws(Problem) -> [String: String] {
        var entries: [String: String] = [:]
        var lineOf: [String: Int] = [:]
        var inComment = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(raw.trimmingCharacters(in: .whitespaces))
            if inComment {
                guard let end = line.range(of: "*/") else { continue }
                inComment = false
                line = line[end.upperBound...].drop { $0 == " " }
            }
            if line.isEmpty || line.hasPrefix("//") { continue }
            if line.hasPrefix("/*") {
                if let end = line.range(of: "*/") {
                    guard line[end.upperBound...].allSatisfy(\.isWhitespace) else { throw .malformed(line: number) }
                } else {
                    inComment = true
                }
                continue
            }
            guard let (key, rest) = quoted(line), !key.isEmpty else { throw .malformed(line: number) }
            let equals = rest.drop { $0 == " " }
            guard equals.first == "=", let (value, tail) = quoted(equals.dropFirst().drop { $0 == " " }),
                  tail.trimmingCharacters(in: .whitespaces) == ";" else { throw .malformed(line: number) }
            if let first = lineOf[key] { throw .duplicate(key: key, lines: [first, number]) }
            lineOf[key] = number
            entries[key] = value
        }
        return entries
    }

    /// A string in double quotes at the start of `text` (escapes resolved), and what follows it.
    static func quoted(_ text: Substring) -> (String, Substring)? {
        guard text.first == "\"" else { return nil }
        var value = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (value, text[text.index(after: index)...]) }
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { return nil }
                switch text[index] {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                default: return nil
                }
            } else {
                value.append(character)
            }
            index = text.index(after: index)
        }
        return nil
    }
}
