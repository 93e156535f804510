import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp

/// Every answer the tests receive from `/api/v1` and `/open311` is held against the OpenAPI document the app
/// serves (checklist row 36, "0 schema violations", for the calls the suite makes with real objects): the status
/// is the operation's success status, a 4xx or 503; a success answer has a declared media type and, as JSON, fits
/// the schema of the type the handler returns; an API error is the `{"error": …}` object.
enum OpenAPIConformance {
    struct Operation: Sendable {
        let method: String
        let segments: [String]
        let success: Int
        let mediaTypes: [String]
        let schema: JSON
    }

    /// A JSON value, Sendable (the document is built as `[String: Any]`; it goes through JSON text to become one).
    indirect enum JSON: Sendable, Equatable, Decodable {
        case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let value = try? single.decode(Bool.self) { self = .bool(value) }
            else if let value = try? single.decode(Double.self) { self = .number(value) }
            else if let value = try? single.decode(String.self) { self = .string(value) }
            else if let value = try? single.decode([JSON].self) { self = .array(value) }
            else { self = .object(try single.decode([String: JSON].self)) }
        }

        init(_ any: Any) {
            let data = (try? JSONSerialization.data(withJSONObject: any, options: [.fragmentsAllowed])) ?? Data("null".utf8)
            self = (try? JSONDecoder().decode(JSON.self, from: data)) ?? .null
        }

        subscript(key: String) -> JSON? {
            if case let .object(fields) = self { return fields[key] }
            return nil
        }
    }

    static let operations: [Operation] = OpenAPIDocument.operations.map { op in
        Operation(method: op.method.uppercased(), segments: op.path.split(separator: "/").map(String.init), success: op.success,
                  mediaTypes: op.answer.mediaTypes, schema: JSON(op.answer.schema()))
    }

    static let errorSchema = JSON((OpenAPIDocument.document["components"] as! [String: Any])["schemas"].map { ($0 as! [String: Any])["Error"]! }!)

    static func operation(_ method: String, _ path: String) -> Operation? {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/").map(String.init) } ?? []
        let matches = operations.filter { op in
            op.method == method && op.segments.count == segments.count
                && zip(op.segments, segments).allSatisfy { template, actual in template.hasPrefix("{") || template == actual.removingPercentEncoding }
        }
        // A fixed segment wins over a parameter (`/cases/track/{code}` over `/cases/{id}/…`).
        return matches.max { a, b in a.segments.filter { !$0.hasPrefix("{") }.count < b.segments.filter { !$0.hasPrefix("{") }.count }
    }

    /// What is wrong with this answer to `method path`, as far as the document says (empty: it conforms).
    static func problems(_ method: String, _ path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard path.hasPrefix("/api/v1/") || path.hasPrefix("/open311/") else { return [] }
        // A method the address lacks (405 + Allow), and OPTIONS, are answered before any operation.
        if status == 405 || (method == "OPTIONS" && status == 204) { return [] }
        guard let op = operation(method, path) else {
            return [404, 405, 429].contains(status) ? [] : ["\(method) \(path): \(status) from an operation the document does not list"]
        }
        let essence = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch status {
        case op.success:
            if op.mediaTypes.isEmpty { return body.isEmpty ? [] : ["\(method) \(path): a body on an answer documented as empty"] }
            guard let essence, op.mediaTypes.contains(essence) else {
                return ["\(method) \(path): \(contentType ?? "no") content type, documented \(op.mediaTypes)"]
            }
            guard essence == "application/json", op.schema != .object([:]) else { return [] }
            return validate(body, against: op.schema).map { "\(method) \(path) (\(status)): \($0)" }
        case 400..<500, 503:
            if op.mediaTypes.contains("text/xml") { return [] }
            guard essence == "application/json" else { return ["\(method) \(path): a \(status) error as \(contentType ?? "nothing"), not JSON"] }
            return validate(body, against: errorSchema).map { "\(method) \(path) (\(status)): \($0)" }
        default:
            return ["\(method) \(path): status \(status), documented \(op.success), 4XX or 503"]
        }
    }

    static func validate(_ body: Data, against schema: JSON) -> [String] {
        guard let parsed = try? JSONDecoder().decode(JSON.self, from: body) else { return ["not JSON"] }
        return validate(parsed, schema, at: "$")
    }

    static func validate(_ value: JSON, _ schema: JSON, at path: String) -> [String] {
        if case let .string(reference)? = schema["$ref"] {
            return reference == "#/components/schemas/Error" ? validate(value, errorSchema, at: path) : ["\(path): unknown $ref \(reference)"]
        }
        if value == .null {
            return schema["nullable"] == .bool(true) || schema == .object([:]) ? [] : ["\(path): null where the document allows none"]
        }
        if case let .array(allowed)? = schema["enum"], !allowed.contains(value) { return ["\(path): \(value) is not one of \(allowed)"] }
        guard case let .string(type)? = schema["type"] else { return [] }
        switch (type, value) {
        case ("string", .string(let text)):
            switch schema["format"] {
            case .string("uuid")?: return UUID(uuidString: text) == nil ? ["\(path): \(text) is not a UUID"] : []
            case .string("date-time")?: return ISO8601DateFormatter().date(from: text) == nil ? ["\(path): \(text) is not a date-time"] : []
            default: return []
            }
        case ("integer", .number(let number)): return number.rounded() == number ? [] : ["\(path): \(number) is not an integer"]
        case ("number", .number), ("boolean", .bool): return []
        case ("array", .array(let items)):
            guard let itemSchema = schema["items"] else { return [] }
            return items.enumerated().flatMap { index, item in validate(item, itemSchema, at: "\(path)[\(index)]") }
        case ("object", .object(let fields)):
            var found: [String] = []
            if case let .array(required)? = schema["required"] {
                for case let .string(name) in required where fields[name] == nil { found.append("\(path).\(name) is missing") }
            }
            let properties: [String: JSON] = if case let .object(properties)? = schema["properties"] { properties } else { [:] }
            for (name, field) in fields.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    found += validate(field, property, at: "\(path).\(name)")
                } else if schema["additionalProperties"] == .bool(false) {
                    found.append("\(path).\(name) is not in the document")
                } else if let extra = schema["additionalProperties"], extra != .bool(true) {
                    found += validate(field, extra, at: "\(path).\(name)")
                }
            }
            return found
        default:
            return ["\(path): \(value) where the document says \(type)"]
        }
    }
}

extension TestClient {
    /// Records an issue for each way `response` to `method path` departs from the OpenAPI document.
    static func checkConformance(_ method: HTTPMethod, _ path: String, _ response: TestingHTTPResponse) {
        let problems = OpenAPIConformance.problems(method.rawValue, path, status: Int(response.status.code),
                                                   contentType: response.headers.first(name: .contentType), body: Data(response.body.readableBytesView))
        for problem in problems { Issue.record("OpenAPI: \(problem)") }
    }
}
