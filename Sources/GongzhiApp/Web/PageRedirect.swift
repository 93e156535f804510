import Vapor

/// Post/Redirect/Get for page forms: a form that did its work answers 303 See Other to the page of the result,
/// so that reloading that page never sends the form again. What the result page says once ("提交成功") comes in
/// its `?done=` word; a secret shown once (an anonymous report's tracking code) rides in a cookie that only that
/// page reads, for ten minutes, and clears.
enum PageRedirect {
    /// "?next=…" for a page to return to after signing in (percent-encoded), or "" for the home page.
    static func nextQuery(_ next: String) -> String {
        next == "/" ? "" : "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    static let secretCookie = "gz_shown_once"

    /// 303 to `location`, with `secret` for the page at that path to show once.
    static func to(_ location: String, secret: String? = nil, for request: Request) -> Response {
        let response = request.redirect(to: location, redirectType: .normal)
        if let secret {
            let path = String(location.prefix { $0 != "?" })
            response.cookies[secretCookie] = HTTPCookies.Value(string: secret, maxAge: 600, path: path, isSecure: request.gongzhi.config.https,
                                                               isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    /// The secret left for this page, if any; `response` then clears it.
    static func takeSecret(_ request: Request) -> String? {
        guard let value = request.cookies[secretCookie]?.string, !value.isEmpty, value.count <= 100 else { return nil }
        return value
    }

    /// Clears the secret cookie at this page's path.
    static func clearSecret(_ response: Response, for request: Request) {
        response.cookies[secretCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: request.url.path,
                                                           isSecure: request.gongzhi.config.https, isHTTPOnly: true, sameSite: .lax)
    }
}
