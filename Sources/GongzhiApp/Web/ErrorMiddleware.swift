import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

/// Turns every error into a clear answer: JSON `{"error":{"code","message","field"}}` for the API, a page in the
/// user's language for browsers (a 401 becomes a redirect to the login), Open311's error document under
/// `/open311/`. Never a stack trace, SQL or path; 5xx are logged as critical.
struct GongzhiErrorMiddleware: AsyncMiddleware {
    /// An interface with an error format of its own (Open311 under `/open311/`): its answer for a refusal at
    /// `path`, or nil when the path is not its own. Features hand theirs in at configuration.
    typealias RefusalFormat = @Sendable (_ status: HTTPResponseStatus, _ code: String, _ description: String, _ headers: HTTPHeaders,
                                         _ path: String) -> Response?
    var formats: [RefusalFormat] = []

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let problem = Self.describe(error, request: request)
            if problem.status == .serviceUnavailable {
                request.logger.error("overloaded", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.url.path)"])
            } else if problem.status.code >= 500 {
                request.logger.critical("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.url.path)"])
            }
            if problem.status == .forbidden { request.storage[DenialAuditMiddleware.CodeKey.self] = problem.code }
            for format in formats {
                if let answer = format(problem.status, problem.code, problem.message(.en), problem.headers, request.url.path) { return answer }
            }
            if request.wantsPage {
                if problem.status == .unauthorized {
                    let next = request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"
                    return request.redirect(to: SignInPages.page(for: request.url.path) + "?next=\(next)")
                }
                return try await Self.page(for: problem, request: request)
            }
            let response = Response(status: problem.status, headers: problem.headers)
            try response.content.encode(
                ErrorBody(error: .init(code: problem.code, message: problem.message(request.lang), field: problem.field, allowed: problem.allowed)),
                as: .json)
            response.headers.cacheControl = .init(noStore: true)
            return response
        }
    }

    struct Problem {
        var status: HTTPResponseStatus
        var code: String
        var messageKey: String
        var field: String?
        var headers: HTTPHeaders = [:]
        var allowed: [String]? = nil
        /// Words the same in every language (unit numbers), added after the message.
        var detail: String? = nil

        func message(_ lang: Lang) -> String {
            let text = Strings.text(messageKey, lang)
            guard let detail, !detail.isEmpty else { return text }
            return text + (lang == .zh ? "：" : ": ") + detail
        }
    }

    static func describe(_ error: any Error, request: Request) -> Problem {
        switch error {
        case let error as AppError:
            return Problem(status: error.status, code: error.code, messageKey: error.messageKey, field: error.field, headers: error.headers,
                           allowed: error.allowed, detail: error.detail)
        case let error as DecodingError:
            return decodingProblem(error)
        // Overload, not a fault: no database connection (or, on PostgreSQL, no write turn) came free within the wait,
        // or SQLite stayed locked past the busy timeout. 503 with Retry-After, so clients (and the idempotency key) try again.
        case _ where isOverload(error):
            return busy
        // PostgreSQL's text holds no U+0000: should one get past `InputCharactersMiddleware` and the multipart
        // decoder, the statement fails and its transaction is rolled back; the client is told why.
        case let error as PSQLError where ["22021", "22P05"].contains(error.serverInfo?[.sqlState] ?? ""):
            return Problem(status: .badRequest, code: AppError.invalidCharacter.code, messageKey: AppError.invalidCharacter.messageKey, field: nil)
        case let error as any AbortError:
            let (code, key): (String, String) = switch error.status {
            case .notFound: ("not_found", "error.not_found")
            case .unauthorized: ("unauthorized", "error.unauthorized")
            case .forbidden: ("forbidden", "error.forbidden")
            case .payloadTooLarge: ("body_too_large", "error.body_too_large")
            case .unsupportedMediaType: ("unsupported_media_type", "error.unsupported_media_type")
            case .tooManyRequests: ("too_many_requests", "error.too_many_requests")
            case .methodNotAllowed: ("method_not_allowed", "error.bad_request")
            default: error.status.code >= 500 ? ("internal", "error.internal") : ("bad_request", "error.bad_request")
            }
            // An AbortError's reason may carry internals (a decoding path is fine, a file name is not): keep ours.
            return Problem(status: error.status.code >= 500 ? .internalServerError : error.status, code: code, messageKey: key, field: nil, headers: error.headers)
        default:
            return Problem(status: .internalServerError, code: "internal", messageKey: "error.internal", field: nil)
        }
    }

    static func isOverload(_ error: any Error) -> Bool {
        if error is ConnectionPoolTimeoutError || error is WriteGate.TurnTimeout { return true }
        guard let error = error as? SQLiteError else { return false }
        switch error.reason {
        case .busy, .busyTimeout, .locked: return true
        default: return false
        }
    }

    static let busy = Problem(status: .serviceUnavailable, code: "busy", messageKey: "error.busy", field: nil, headers: ["Retry-After": "1"])

    static func decodingProblem(_ error: DecodingError) -> Problem {
        func path(_ context: DecodingError.Context) -> String? {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? nil : keys.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return Problem(status: .badRequest, code: "malformed_json", messageKey: "error.malformed_json", field: nil)
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            return Problem(status: .unprocessableEntity, code: "invalid", messageKey: "error.invalid", field: path(context))
        case .keyNotFound(let key, let context):
            let field = (path(context).map { $0 + "." } ?? "") + key.stringValue
            return Problem(status: .unprocessableEntity, code: "required", messageKey: "error.required", field: field)
        @unknown default:
            return Problem(status: .badRequest, code: "bad_request", messageKey: "error.bad_request", field: nil)
        }
    }

    static func page(for problem: Problem, request: Request) async throws -> Response {
        let context = ErrorPage(page: await PageBase.make(for: request, title: Strings.text("error.title", request.lang)),
                                message: problem.message(request.lang), status: Int(problem.status.code))
        let response = try await request.view.render("error", context).encodeResponse(for: request)
        response.status = problem.status
        for (name, value) in problem.headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}

struct ErrorPage: Encodable {
    let page: PageBase
    let message: String
    let status: Int
}

/// Every refusal of a signed-in actor (403: a missing permission, a CSRF check, a form re-shown because the actor
/// may not do that) goes into the audit log with who, where and why (checklist row "authorisation failures
/// logged"). It sits outside the error middleware, so it sees every answer as sent, whether an error became it or
/// a page chose it. Anonymous requests are not recorded: they get 401 for anything that needs an actor, and their
/// only 403, a form without its CSRF token, would let strangers fill the log. A failure to write the entry is
/// logged; the answer goes out all the same.
struct DenialAuditMiddleware: AsyncMiddleware {
    struct CodeKey: StorageKey { typealias Value = String }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        guard response.status == .forbidden, request.current != nil else { return response }
        let event = AuditEvent(action: "access.denied", objectType: "route", objectID: "\(request.method.rawValue) \(request.url.path)",
                               outcome: "failure", summary: "code=\(request.storage[CodeKey.self] ?? "forbidden")")
        do {
            try await request.write { db in try await request.audit(event, on: db) }
        } catch {
            request.logger.warning("access.denied not audited", metadata: ["error": "\(String(reflecting: error))"])
        }
        return response
    }
}
