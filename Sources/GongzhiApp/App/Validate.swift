import Foundation
import GongzhiCore

/// Validation of the text fields shared by organisation objects.
enum Validate {
    /// A trimmed name or title of 1–100 characters on one line: no control characters, and none that change how
    /// text looks unseen (bidirectional controls, zero-width characters: `InvisibleCharacters`).
    static func name(_ raw: String?, field: String = "name") throws -> String {
        guard let raw else { throw AppError.invalid(field, "required") }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw AppError.invalid(field, "required") }
        guard value.count <= 100 else { throw AppError.invalid(field, "too_long") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError.invalid(field)
        }
        guard !InvisibleCharacters.contains(value) else { throw AppError.invalid(field, "invisible_character") }
        return value
    }

    /// An optional code: letters, digits and dashes, at most 30.
    static func code(_ raw: String?, field: String = "code") throws -> String {
        let value = (raw ?? "").trimmingCharacters(in: .whitespaces)
        guard value.count <= 30, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw AppError.invalid(field)
        }
        return value
    }

    /// Free text of at most `limit` characters.
    static func text(_ raw: String?, field: String, limit: Int = 200) throws -> String {
        let value = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard value.count <= limit else { throw AppError.invalid(field, "too_long") }
        return value
    }

    /// Coordinates: both or neither, each in range (the error names the field at fault).
    static func point(latitude: Double?, longitude: Double?) throws -> GeoPoint? {
        switch (latitude, longitude) {
        case (nil, nil): return nil
        case (nil, _): throw AppError.invalid("latitude", "required")
        case (_, nil): throw AppError.invalid("longitude", "required")
        case let (lat?, lon?):
            guard lat.isFinite, (-90...90).contains(lat) else { throw AppError.invalid("latitude") }
            guard let point = GeoPoint(latitude: lat, longitude: lon) else { throw AppError.invalid("longitude") }
            return point
        }
    }

    /// An area from a JSON string ("89.50") or number (89.5), parsed exactly.
    static func area(_ raw: AreaInput?, field: String = "area") throws -> Area {
        guard let raw else { throw AppError.invalid(field, "required") }
        guard let area = Area(parsing: raw.text) else { throw AppError.invalid(field, "invalid_area") }
        return area
    }
}

/// An area as sent by a client: a string or a number.
struct AreaInput: Codable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            text = String(describing: try container.decode(Double.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
