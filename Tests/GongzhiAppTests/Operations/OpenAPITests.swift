import Fluent
import Foundation
import Testing
import VaporTesting
import FluentSQLiteDriver
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every registered /api/v1 and /open311/v2 route is in /openapi.json, and the document lists no route that does not exist")
    func coverage() async throws {
        try await withApp(seed: false) { app, _ in
            var client = TestClient(app)
            let response = try await client.send(.GET, "/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
            var registered = Set<String>()
            for route in app.routes.all where ["api", "open311"].contains(route.path.first?.description) {
                let path = "/" + route.path.map { component in
                    switch component {
                    case .parameter(let name): "{\(name)}"
                    default: component.description
                    }
                }.joined(separator: "/")
                registered.insert("\(route.method.rawValue) \(path)")
            }
            #expect(registered.count >= 50)
            #expect(registered.subtracting(documented).isEmpty, "undocumented: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented but absent: \(documented.subtracting(registered).sorted())")
        }
    }
}
