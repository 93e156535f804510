import Foundation

/// An Open311 GeoReport v2 response body, written once and rendered as XML (required by the specification) or as
/// JSON (its "Spark" mapping: objects for elements, top-level arrays for lists, element order kept).
public indirect enum Open311Value: Sendable, Equatable {
    case text(String)
    /// Written as an empty element in XML and `null` in JSON.
    case null
    case number(Double)
    case bool(Bool)
    /// An element with child elements, in order.
    case object([(String, Open311Value)])
    /// A list: in XML each entry is an `itemName` element; in JSON an array.
    case list(itemName: String, [Open311Value])

    public static func == (lhs: Open311Value, rhs: Open311Value) -> Bool {
        switch (lhs, rhs) {
        case let (.text(a), .text(b)): a == b
        case (.null, .null): true
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.list(n, a), .list(m, b)): n == m && a == b
        default: false
        }
    }

    /// `text` unless nil or empty.
    public static func optional(_ value: String?) -> Open311Value { value.map { $0.isEmpty ? .null : .text($0) } ?? .null }
}

public enum Open311Format: String, Sendable, CaseIterable {
    case xml, json

    public var contentType: String { self == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8" }

    /// The format from a file name such as `services.json`: (base name, format), nil without a known extension.
    public static func split(_ file: String) -> (name: String, format: Open311Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Open311Format(rawValue: file[file.index(after: dot)...].lowercased()) else { return nil }
        let name = String(file[..<dot])
        return name.isEmpty ? nil : (name, format)
    }
}

public enum Open311Renderer {
    /// The whole document: `root` names the XML root element (`services`, `service_requests`…).
    public static func render(root: String, _ value: Open311Value, as format: Open311Format) -> String {
        switch format {
        case .xml:
            var out = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
            xml(root, value, into: &out)
            return out + "\n"
        case .json:
            var out = ""
            json(value, into: &out)
            return out
        }
    }

    static func xml(_ name: String, _ value: Open311Value, into out: inout String) {
        switch value {
        case .null: out += "<\(name)/>"
        case .text(let text): out += "<\(name)>\(escapeXML(text))</\(name)>"
        case .number(let number): out += "<\(name)>\(format(number))</\(name)>"
        case .bool(let flag): out += "<\(name)>\(flag)</\(name)>"
        case .object(let fields):
            out += "<\(name)>"
            for (key, field) in fields { xml(key, field, into: &out) }
            out += "</\(name)>"
        case .list(let itemName, let items):
            out += "<\(name)>"
            for item in items { xml(itemName, item, into: &out) }
            out += "</\(name)>"
        }
    }

    static func json(_ value: Open311Value, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .text(let text): out += quoteJSON(text)
        case .number(let number): out += format(number)
        case .bool(let flag): out += flag ? "true" : "false"
        case .object(let fields):
            out += "{"
            for (index, (key, field)) in fields.enumerated() {
                if index > 0 { out += "," }
                out += quoteJSON(key) + ":"
                json(field, into: &out)
            }
            out += "}"
        case .list(_, let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                json(item, into: &out)
            }
            out += "]"
        }
    }

    static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// Escapes the five XML specials and drops characters XML 1.0 cannot carry.
    public static func escapeXML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20, scalar.value != 0xFFFE, scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    public static func quoteJSON(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Escaped so that a JSON body can never close a <script> it is embedded in.
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
