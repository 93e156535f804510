import Vapor

/// A client error with a stable code, a message in the user's language and, where it applies, the field at fault.
/// The API renders it as `{"error":{"code","message","field"}}`; pages show the message.
struct AppError: AbortError, Sendable {
    let status: HTTPResponseStatus
    let code: String
    /// A key of `Strings`, or a literal message when no key matches.
    let messageKey: String
    let field: String?
    var headers: HTTPHeaders = [:]
    /// For a refused case action: the actions that are possible.
    var allowed: [String]? = nil
    /// Words the same in every language (unit numbers, names) shown after the message.
    var detail: String? = nil

    var reason: String { Strings.text(messageKey, .zh) }

    static func badRequest(_ code: String, field: String? = nil, message: String? = nil) -> AppError {
        AppError(status: .badRequest, code: code, messageKey: message ?? "error.\(code)", field: field)
    }

    static func invalid(_ field: String, _ code: String = "invalid") -> AppError {
        AppError(status: .unprocessableEntity, code: code, messageKey: "error.\(code)", field: field)
    }

    static let notFound = AppError(status: .notFound, code: "not_found", messageKey: "error.not_found", field: nil)
    static let forbidden = AppError(status: .forbidden, code: "forbidden", messageKey: "error.forbidden", field: nil)
    static let unauthorized = AppError(status: .unauthorized, code: "unauthorized", messageKey: "error.unauthorized", field: nil)
    static let csrf = AppError(status: .forbidden, code: "csrf", messageKey: "error.csrf", field: nil)
    /// U+0000 in what was sent (`InputCharactersMiddleware`).
    static let invalidCharacter = AppError(status: .badRequest, code: "invalid_character", messageKey: "error.invalid_character", field: nil)

    static func conflict(_ code: String, field: String? = nil) -> AppError {
        AppError(status: .conflict, code: code, messageKey: "error.\(code)", field: field)
    }

    static func locked(retryAfter seconds: Int) -> AppError {
        AppError(status: .tooManyRequests, code: "locked", messageKey: "error.locked", field: nil,
                 headers: ["Retry-After": String(seconds)])
    }
}

/// The JSON body of every API error.
struct ErrorBody: Content {
    struct Detail: Content {
        let code: String
        let message: String
        let field: String?
        var allowed: [String]? = nil
    }

    let error: Detail
}
