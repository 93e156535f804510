import Foundation

/// The JSON Schema of what a `Codable` type looks like once Vapor's JSON encoder has written it, found by letting
/// the type decode itself from a decoder that answers every question with a placeholder and writes down what was
/// asked: which keys, which of them optional (`decodeIfPresent` asks `decodeNil` first), and the type of each.
/// The API's response schemas come from the very types the handlers return, so the document cannot drift from
/// them; the tests check every API answer they receive against it.
///
/// Understood: the synthesized `Codable` of structs, optionals, arrays, `[String: T]`, `String`-backed
/// `CaseIterable` enums (as `enum`), `UUID`, `Date` (ISO 8601, as Vapor encodes it), `Decimal`, `URL` and the
/// number types. A type that cannot be sampled (a custom `init(from:)` that refuses placeholders, a `String`
/// enum that is not `CaseIterable`, a type that contains itself) gives `{}`, which `TypeSchemaTests` refuses.
enum TypeSchema {
    static func of<T: Decodable>(_ type: T.Type) -> [String: Any] {
        let slot = Slot()
        do { _ = try Sampler(stack: []).sample(type, into: slot) } catch { return [:] }
        return slot.json
    }

    indirect enum Shape {
        case unknown
        case string(format: String?)
        case integer
        case number
        case boolean
        case oneOf([String])
        case array(Slot)
        case object(ObjectShape)

        var json: [String: Any] {
            switch self {
            case .unknown: return [:]
            case let .string(format): return format.map { ["type": "string", "format": $0] } ?? ["type": "string"]
            case .integer: return ["type": "integer"]
            case .number: return ["type": "number"]
            case .boolean: return ["type": "boolean"]
            case let .oneOf(values): return ["type": "string", "enum": values]
            case let .array(items): return ["type": "array", "items": items.json]
            case let .object(object): return object.json
            }
        }
    }

    /// Where one value's shape is written (a property, an array's items, the whole type).
    final class Slot {
        var shape: Shape = .unknown
        /// An `Optional` asked whether the value is null.
        var nullable = false

        var json: [String: Any] {
            var schema = shape.json
            if nullable, !schema.isEmpty { schema["nullable"] = true }
            return schema
        }
    }

    final class ObjectShape {
        var properties: [(key: String, slot: Slot)] = []
        var optional: Set<String> = []
        /// `allKeys` was asked for: a dictionary, whose values are all like the one sampled under `mapKey`.
        var isMap = false
        static let mapKey = "*"

        func slot(_ key: String) -> Slot {
            if let found = properties.first(where: { $0.key == key }) { return found.slot }
            let slot = Slot()
            properties.append((key, slot))
            return slot
        }

        var json: [String: Any] {
            if isMap { return ["type": "object", "additionalProperties": slot(Self.mapKey).json] }
            var properties: [String: Any] = [:]
            for (key, slot) in self.properties {
                var schema = slot.json
                if optional.contains(key), !schema.isEmpty { schema["nullable"] = true }
                properties[key] = schema
            }
            var object: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
            let required = self.properties.map(\.key).filter { !optional.contains($0) }.sorted()
            if !required.isEmpty { object["required"] = required }
            return object
        }
    }

    struct Unsampleable: Error {}

    /// Makes a placeholder of a type and records its shape on the way.
    struct Sampler {
        /// The types being sampled further up: a type inside itself cannot be sampled.
        let stack: Set<ObjectIdentifier>

        func sample<T: Decodable>(_ type: T.Type, into slot: Slot) throws -> T {
            if let (value, shape) = Self.leaf(type) {
                slot.shape = shape
                return value
            }
            if let iterable = type as? any CaseIterable.Type, let (value, raws) = Self.firstCase(iterable), let first = value as? T {
                slot.shape = .oneOf(raws)
                return first
            }
            let id = ObjectIdentifier(type)
            guard !stack.contains(id) else { throw Unsampleable() }
            return try T(from: Recorder(slot: slot, sampler: Sampler(stack: stack.union([id]))))
        }

        static func leaf<T>(_ type: T.Type) -> (T, Shape)? {
            let found: (Any, Shape)? = switch type {
            case is String.Type: ("", .string(format: nil))
            case is Bool.Type: (false, .boolean)
            case is Int.Type: (0, .integer)
            case is Int64.Type: (Int64(0), .integer)
            case is Int32.Type: (Int32(0), .integer)
            case is UInt.Type: (UInt(0), .integer)
            case is UInt64.Type: (UInt64(0), .integer)
            case is Double.Type: (0.0, .number)
            case is Float.Type: (Float(0), .number)
            case is Decimal.Type: (Decimal(0), .number)
            case is UUID.Type: (UUID(), .string(format: "uuid"))
            case is Date.Type: (Date(timeIntervalSince1970: 0), .string(format: "date-time"))
            case is URL.Type: (URL(fileURLWithPath: "/"), .string(format: nil))
            default: nil
            }
            guard let (value, shape) = found, let typed = value as? T else { return nil }
            return (typed, shape)
        }

        /// The first case of a `String`-backed enum and all its raw values.
        static func firstCase<E: CaseIterable>(_ type: E.Type) -> (Any, [String])? {
            let cases = Array(type.allCases)
            let raws = cases.compactMap { ($0 as? any RawRepresentable)?.rawValue as? String }
            guard let first = cases.first, raws.count == cases.count else { return nil }
            return (first, raws)
        }
    }

    struct Recorder: Decoder {
        let slot: Slot
        let sampler: Sampler
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            let object: ObjectShape
            if case let .object(existing) = slot.shape { object = existing } else { object = ObjectShape(); slot.shape = .object(object) }
            return KeyedDecodingContainer(KeyedRecorder<Key>(object: object, sampler: sampler))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let items = Slot()
            slot.shape = .array(items)
            return UnkeyedRecorder(items: items, sampler: sampler)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleRecorder(slot: slot, sampler: sampler) }
    }

    struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: ObjectShape
        let sampler: Sampler
        var codingPath: [any CodingKey] { [] }

        var allKeys: [Key] {
            object.isMap = true
            return Key(stringValue: ObjectShape.mapKey).map { [$0] } ?? []
        }

        func contains(_ key: Key) -> Bool { true }

        func decodeNil(forKey key: Key) throws -> Bool {
            object.optional.insert(key.stringValue)
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try sampler.sample(type, into: object.slot(key.stringValue)) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try sampler.sample(type, into: object.slot(key.stringValue)) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try sampler.sample(type, into: object.slot(key.stringValue)) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try sampler.sample(type, into: object.slot(key.stringValue)) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try sampler.sample(type, into: object.slot(key.stringValue)) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try Recorder(slot: object.slot(key.stringValue), sampler: sampler).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try Recorder(slot: object.slot(key.stringValue), sampler: sampler).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw Unsampleable() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Unsampleable() }
    }

    /// Claims to hold exactly one element, so that an array's element type is sampled once.
    struct UnkeyedRecorder: UnkeyedDecodingContainer {
        let items: Slot
        let sampler: Sampler
        var codingPath: [any CodingKey] { [] }
        var count: Int? { 1 }
        var currentIndex = 0
        var isAtEnd: Bool { currentIndex >= 1 }

        mutating func decodeNil() throws -> Bool {
            items.nullable = true
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            currentIndex += 1
            return try sampler.sample(type, into: items)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            currentIndex += 1
            return try Recorder(slot: items, sampler: sampler).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            currentIndex += 1
            return try Recorder(slot: items, sampler: sampler).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { throw Unsampleable() }
    }

    struct SingleRecorder: SingleValueDecodingContainer {
        let slot: Slot
        let sampler: Sampler
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool {
            slot.nullable = true
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try sampler.sample(type, into: slot) }
        func decode(_ type: String.Type) throws -> String { try sampler.sample(type, into: slot) }
        func decode(_ type: Bool.Type) throws -> Bool { try sampler.sample(type, into: slot) }
        func decode(_ type: Int.Type) throws -> Int { try sampler.sample(type, into: slot) }
        func decode(_ type: Double.Type) throws -> Double { try sampler.sample(type, into: slot) }
    }
}
