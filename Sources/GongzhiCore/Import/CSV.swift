/// A small RFC 4180 reader: quoted fields, doubled quotes, CR LF or LF line ends, a UTF-8 BOM.
public enum CSV {
    public enum Error: Swift.Error, Equatable, Sendable {
        /// A quoted field never closes; `record` is the 1-based record where it opened.
        case unterminatedQuote(record: Int)
        /// A character follows a closing quote without a separator.
        case textAfterQuote(record: Int)
    }

    /// The records of `text`, each a list of fields. Blank lines are skipped.
    public static func parse(_ text: String) throws(Error) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endRecord() {
            record.append(field)
            field = ""
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        }

        while let scalar = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                        afterQuote = true
                        pending = next
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                record.append(field)
                field = ""
                afterQuote = false
            case "\r", "\n":
                if scalar == "\r" {
                    let next = iterator.next()
                    if next != "\n" { pending = next }
                }
                endRecord()
                afterQuote = false
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
            default:
                if afterQuote { throw .textAfterQuote(record: records.count + 1) }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw .unterminatedQuote(record: records.count + 1) }
        if !field.isEmpty || !record.isEmpty || afterQuote { endRecord() }
        return records
    }

    /// One field written for a CSV file: quoted when it holds a comma, quote or line break. A leading = + - @
    /// is prefixed with ' so that spreadsheets do not run it as a formula (CSV injection). Looked at scalar by
    /// scalar: as characters, "-" with a combining mark after it, or "\r\n", equal none of these (found by
    /// fuzz-csv-import: such fields were left unquoted or unguarded).
    public static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { quoted.unicodeScalars.append("\"") }
            quoted.unicodeScalars.append(scalar)
        }
        quoted.unicodeScalars.append("\"")
        return quoted
    }
}
