import Vapor

/// Serves `Public/` — every public file lives under `/static/`. Vapor's `FileMiddleware` looks on disk for every
/// request it sees (a `stat` on the file system's thread pool, and a hop there and back); here only `/static/`
/// paths are looked up, and every other request goes straight on.
struct StaticFilesMiddleware: AsyncMiddleware {
    static let prefix = "/static/"
    let files: FileMiddleware

    init(publicDirectory: String) { files = FileMiddleware(publicDirectory: publicDirectory) }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.url.path.hasPrefix(Self.prefix) else { return try await next.respond(to: request) }
        return try await files.respond(to: request, chainingTo: next)
    }
}
