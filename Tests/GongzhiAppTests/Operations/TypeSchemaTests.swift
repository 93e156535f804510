import Foundation
import GongzhiCore
import Testing
@testable import GongzhiApp

/// The response schemas of the OpenAPI document come from the handlers' types (`TypeSchema`).
@Suite struct TypeSchemaTests {
    enum Colour: String, Codable, CaseIterable { case red, green }

    struct Inner: Codable { let at: Date; let share: Decimal }

    struct Sample: Codable {
        let id: UUID
        let name: String
        let note: String?
        let count: Int
        let ratio: Double
        let flag: Bool
        let colour: Colour
        let colours: [Colour]
        let inner: Inner
        let inners: [Inner]?
        let tally: [String: Int]
        let row: [String: String?]
    }

    struct Nested: Codable { let children: [Nested] }

    typealias JSON = OpenAPIConformance.JSON

    static func schema<T: Decodable>(_ type: T.Type) -> JSON { JSON(TypeSchema.of(type)) }

    @Test func recordsKeysTypesAndWhichAreOptional() {
        let schema = Self.schema(Sample.self)
        #expect(schema["type"] == .string("object"))
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array(["colour", "colours", "count", "flag", "id", "inner", "name", "ratio", "row", "tally"].map { .string($0) }))
        let properties = schema["properties"]
        #expect(properties?["id"] == .object(["type": .string("string"), "format": .string("uuid")]))
        #expect(properties?["note"] == .object(["type": .string("string"), "nullable": .bool(true)]))
        #expect(properties?["count"]?["type"] == .string("integer"))
        #expect(properties?["ratio"]?["type"] == .string("number"))
        #expect(properties?["flag"]?["type"] == .string("boolean"))
        #expect(properties?["colour"]?["enum"] == .array([.string("red"), .string("green")]))
        #expect(properties?["colours"]?["items"]?["enum"] == .array([.string("red"), .string("green")]))
        #expect(properties?["inner"]?["properties"]?["at"]?["format"] == .string("date-time"))
        #expect(properties?["inner"]?["properties"]?["share"]?["type"] == .string("number"))
        #expect(properties?["inners"]?["nullable"] == .bool(true))
        #expect(properties?["inners"]?["items"]?["required"] == .array([.string("at"), .string("share")]))
        #expect(properties?["tally"] == .object(["type": .string("object"), "additionalProperties": .object(["type": .string("integer")])]))
        #expect(properties?["row"]?["additionalProperties"] == .object(["type": .string("string"), "nullable": .bool(true)]))
    }

    /// A rate writes its quotient, worked out, beside numerator and denominator: null when there is nothing to count.
    @Test func aKPIRateShowsItsValue() {
        let schema = Self.schema(CaseKPIs.Rate.self)
        #expect(schema["properties"]?["value"] == .object(["type": .string("number"), "nullable": .bool(true)]))
        #expect(schema["required"] == .array([.string("denominator"), .string("numerator")]))
    }

    @Test func aTypeInsideItselfCannotBeSampled() {
        #expect(TypeSchema.of(Nested.self).isEmpty)
    }

    @Test func theValidatorFindsWhatTheDocumentDoesNotAllow() {
        let schema = Self.schema(Sample.self)
        let good = #"{"id":"7A46660B-F87A-4A0D-AE49-4325DD6BD55F","name":"x","count":1,"ratio":0.5,"flag":true,"colour":"red","colours":[],"#
            + #""inner":{"at":"2026-11-24T10:00:00Z","share":1.25},"tally":{"a":1},"row":{"b":null}}"#
        #expect(OpenAPIConformance.validate(Data(good.utf8), against: schema) == [])
        let bad = #"{"id":"nope","name":3,"count":1.5,"ratio":0.5,"flag":true,"colour":"blue","colours":["green","red"],"#
            + #""inner":{"at":"yesterday"},"tally":{"a":"one"},"row":{},"extra":null}"#
        let problems = OpenAPIConformance.validate(Data(bad.utf8), against: schema)
        for expected in ["$.id: nope is not a UUID", "$.name", "$.count: 1.5 is not an integer", "$.colour", "$.inner.at: yesterday is not a date-time",
                         "$.inner.share is missing", "$.tally.a", "$.extra is not in the document"] {
            #expect(problems.contains { $0.hasPrefix(expected) }, "\(expected) in \(problems)")
        }
        #expect(problems.count == 8, "\(problems)")
    }

    /// Every JSON answer of the document has a schema that says something: an object with properties, or a list of them.
    @Test func everyJSONAnswerOfTheDocumentHasASchema() {
        for op in OpenAPIDocument.operations where op.answer.mediaTypes == ["application/json"] {
            let schema = JSON(op.answer.schema())
            let object = schema["type"] == .string("array") ? schema["items"] : schema
            #expect(object?["type"] == .string("object"), "\(op.method) \(op.path): \(schema)")
            if case let .object(properties)? = object?["properties"] {
                #expect(!properties.isEmpty, "\(op.method) \(op.path)")
            } else {
                #expect(object?["additionalProperties"] != nil, "\(op.method) \(op.path): \(schema)")
            }
        }
        #expect(OpenAPIDocument.operations.filter { $0.success != 204 }.allSatisfy { !$0.answer.mediaTypes.isEmpty })
    }

    @Test func answersAreMatchedToTheirOperation() {
        #expect(OpenAPIConformance.operation("GET", "/api/v1/cases/track/ABC")?.segments == ["api", "v1", "cases", "track", "{code}"])
        #expect(OpenAPIConformance.operation("GET", "/api/v1/cases/\(UUID())?x=1")?.segments == ["api", "v1", "cases", "{id}"])
        #expect(OpenAPIConformance.operation("DELETE", "/api/v1/cases") == nil)
        let created = OpenAPIConformance.problems("POST", "/api/v1/needs", status: 200, contentType: "application/json", body: Data("{}".utf8))
        #expect(created == ["POST /api/v1/needs: status 200, documented 201, 4XX or 503"])
        let errorAsText = OpenAPIConformance.problems("GET", "/api/v1/cases", status: 400, contentType: "text/plain", body: Data("no".utf8))
        #expect(errorAsText.count == 1)
    }
}
