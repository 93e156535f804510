import Vapor

/// The language of the pages and messages: Simplified Chinese first, English available.
enum Lang: String, Codable, Sendable, CaseIterable {
    case zh
    case en

    static let cookieName = "gz_lang"
}

extension Request {
    /// `?lang=` for this request, else the language cookie, else Chinese.
    var lang: Lang {
        if let query = try? self.query.get(String.self, at: "lang"), let lang = Lang(rawValue: query) { return lang }
        if let cookie = cookies[Lang.cookieName]?.string, let lang = Lang(rawValue: cookie) { return lang }
        return .zh
    }

    /// The elderly mode (长辈版): larger text, higher contrast, one column; remembered in a cookie.
    var elderlyMode: Bool { cookies["gz_elderly"]?.string == "1" }

    /// Whether the request is made by a browser for a page (errors become pages, 401 a redirect to the login).
    var wantsPage: Bool { !url.path.hasPrefix("/api/") && !url.path.hasPrefix("/open311/") && url.path != "/metrics" && url.path != "/healthz" }
}
