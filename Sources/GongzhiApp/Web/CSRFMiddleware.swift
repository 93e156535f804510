import Vapor

/// Cross-site request forgery protection (ASVS 3.5; checklist rule 5) on every state-changing request that a
/// browser could send with ambient credentials:
/// - an `Origin` header, when present, must name this host;
/// - the token in the form field `_csrf` or the `X-CSRF-Token` header must equal the login session's token, or,
///   before login, the random token of the `gz_csrf` cookie (double submit, for the login form).
/// Requests authenticated by a bearer token carry no ambient credentials and are exempt; so are anonymous API
/// calls without cookies.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "gz_csrf"
    static let fieldName = "_csrf"
    static let headerName = "X-CSRF-Token"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let safe = [HTTPMethod.GET, .HEAD, .OPTIONS].contains(request.method)
        if !safe { try await check(request) }
        var newCookie: String?
        if safe, request.wantsPage, request.current == nil, request.cookies[Self.cookieName] == nil {
            newCookie = Tokens.random()
            request.anonymousCSRFToken = newCookie
        }
        let response = try await next.respond(to: request)
        if let newCookie {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: newCookie, path: "/", isSecure: request.gongzhi.config.https, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }

    func check(_ request: Request) async throws {
        if request.current?.via == .token { return }
        let sessionAuthenticated = request.current?.via == .session
        guard sessionAuthenticated || request.wantsPage else { return }
        if let origin = request.headers.first(name: .origin), !Self.originMatches(origin, request: request) {
            throw AppError.csrf
        }
        guard let expected = request.current?.csrfToken ?? request.cookies[Self.cookieName]?.string, !expected.isEmpty else {
            throw AppError.csrf
        }
        var submitted = request.headers.first(name: Self.headerName)
        if submitted == nil, let type = request.headers.contentType,
           type == .urlEncodedForm || type.type == "multipart" {
            // `BodyCollectionMiddleware` has read the body, up to the route's limit.
            do {
                submitted = try request.content.get(String.self, at: Self.fieldName)
            } catch let error as AppError where error.code == AppError.invalidCharacter.code {
                throw error
            } catch {
                submitted = nil
            }
        }
        guard let submitted, Tokens.equal(submitted, expected) else { throw AppError.csrf }
    }

    static func originMatches(_ origin: String, request: Request) -> Bool {
        guard let host = request.headers.first(name: .host), let url = URL(string: origin), let originHost = url.host else {
            return false
        }
        let originAuthority = originHost + (url.port.map { ":\($0)" } ?? "")
        return originAuthority == host
    }
}

extension Request {
    private struct AnonymousCSRFKey: StorageKey { typealias Value = String }

    /// The CSRF token issued to an anonymous visitor in this response.
    var anonymousCSRFToken: String? {
        get { storage[AnonymousCSRFKey.self] }
        set { storage[AnonymousCSRFKey.self] = newValue }
    }

    /// The token forms on this page must carry.
    var csrfToken: String {
        current?.csrfToken ?? anonymousCSRFToken ?? cookies[CSRFMiddleware.cookieName]?.string ?? ""
    }
}
