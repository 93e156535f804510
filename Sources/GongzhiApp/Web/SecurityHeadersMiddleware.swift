import Vapor

/// Security headers on every response (checklist row 16): a strict CSP with `frame-ancestors 'none'`, nosniff,
/// a referrer policy, HSTS under HTTPS, and `no-store` on pages and API answers (they may hold personal data).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    let https: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = [
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        if https { response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains") }
        if !request.url.path.hasPrefix("/static/") {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
