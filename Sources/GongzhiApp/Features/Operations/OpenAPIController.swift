import Foundation
import GongzhiCore
import Vapor

struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: serve)
    }

    @Sendable func serve(_ request: Request) async throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: OpenAPIDocument.document, options: [.sortedKeys, .prettyPrinted])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        return response
    }
}
