import GongzhiCore
import Vapor

/// How much body each route takes, kept in one place.
///
/// Vapor applies a route's `body: .collect(maxSize:)` only to a body nobody has read yet: once a middleware has
/// collected it (the CSRF check looks for the form's token, idempotency keys fingerprint the body), the route takes
/// whatever was collected. Middleware that read bodies up to the largest any route takes therefore let a JSON body
/// past the default limit (8 MB, `GONGZHI_MAX_BODY_MB`) up to the photo forms' 32 MB. So bodies are now read once, by `BodyCollectionMiddleware`,
/// up to the limit of the route the request is for (Vapor finds the route before global middleware runs), and a
/// route with a limit other than the default declares it with `on(_:_:bodyUpTo:use:)`, which records it on the route.
extension RoutesBuilder {
    /// A route taking a body of at most `maxSize` bytes (routes declared without it take the default,
    /// `GONGZHI_MAX_BODY_MB`); more is refused with 413 `body_too_large` while it streams in, before any middleware reads it.
    @discardableResult
    func on<Answer: AsyncResponseEncodable>(_ method: HTTPMethod, _ path: PathComponent..., bodyUpTo maxSize: ByteCount,
                                            use handler: @Sendable @escaping (Request) async throws -> Answer) -> Route {
        let route = on(method, path, body: .collect(maxSize: maxSize), use: handler)
        route.userInfo[RouteBodyLimit()] = maxSize.value
        return route
    }
}

/// The key of a route's body limit in `Route.userInfo`.
struct RouteBodyLimit: Hashable, Sendable {}

extension ByteCount {
    /// Sign-in, sign-out and token bodies: a username, a password, a code and a token (issue 24 finding 1).
    static let credentialsForm = ByteCount(value: 16 * 1024)
}

extension Request {
    /// The most this request's route takes in a body: its declared limit, else the application's default (also for
    /// addresses no route answers).
    var bodyLimit: Int {
        (route?.userInfo[RouteBodyLimit()] as? Int) ?? application.routes.defaultMaxBodySize.value
    }
}

/// Reads the request's body up to `Request.bodyLimit`, before the middleware that look into it; the route then finds
/// it read and does not read it again.
///
/// Then the body's shape is checked in one linear pass (`BodyShape`: fields, parts, keys, depth) before any decoder
/// or middleware decodes it: decoders cost time growing with the square of the number of distinct names, so a
/// small body of many fields could hold a core for minutes (issue 24 finding 1).
struct BodyCollectionMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.body.data == nil {
            _ = try await request.body.collect(max: request.bodyLimit).get()
        }
        if let body = request.body.data, body.readableBytes > 0, let kind = Self.kind(of: request) {
            do {
                try body.readableBytesView.withContiguousStorageIfAvailable { try BodyShape.check($0, as: kind) }
                    ?? BodyShape.check(body.readableBytesView, as: kind)
            } catch is BodyShape.Refusal {
                throw AppError(status: .payloadTooLarge, code: "body_too_complex", messageKey: "error.body_too_complex", field: nil)
            }
        }
        return try await next.respond(to: request)
    }

    /// The kind of body the request says it carries, when it is one a decoder would parse.
    static func kind(of request: Request) -> BodyShape.Kind? {
        guard let type = request.headers.first(name: .contentType)?.lowercased() else { return nil }
        if type.hasPrefix("application/x-www-form-urlencoded") { return .urlEncoded }
        if type.hasPrefix("application/json") || type.contains("+json") { return .json }
        if type.hasPrefix("multipart/form-data") {
            // The boundary keeps its case: read it from the header as sent.
            return BodyShape.boundary(ofContentType: request.headers.first(name: .contentType) ?? "").map { .multipart(boundary: $0) }
        }
        return nil
    }
}
