import Foundation
import GongzhiCore
import Vapor

/// Sign-up and sign-in with a mobile number and a one-time code: two pages (the number, then the code) and two API
/// routes. Between the pages the number waits in a short-lived sealed cookie, never in the address bar.
struct PhoneSignInController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("signin", use: phonePage)
        routes.on(.POST, "signin", bodyUpTo: .credentialsForm, use: sendCode)
        routes.get("signin", "code", use: codePage)
        routes.on(.POST, "signin", "code", bodyUpTo: .credentialsForm, use: enterCode)
        routes.on(.POST, "signin", "resend", bodyUpTo: .credentialsForm, use: resend)
        let api = routes.grouped("api", "v1", "auth", "phone")
        api.on(.POST, "code", bodyUpTo: .credentialsForm, use: apiSendCode)
        api.on(.POST, "token", bodyUpTo: .credentialsForm, use: apiToken)
    }

    static let cookie = "gz_phone"

    struct PhoneForm: Content {
        var phone: String?
        var code: String?
        var next: String?
    }

    struct PhonePage: Encodable {
        let page: PageBase
        let phone: String
        let next: String
        /// `next` for a link's query ("" for the home page).
        let nextQuery: String
        let messages: [FormMessage]
    }

    struct CodePage: Encodable {
        let page: PageBase
        let masked: String
        let minutes: Int
        let next: String
        /// The code will also send a problem written before signing in.
        let sendsDraft: Bool
        let messages: [FormMessage]
    }

    // MARK: Pages

    @Sendable func phonePage(_ request: Request) async throws -> Response {
        if request.currentActor != nil { return request.redirect(to: request.safeNext(try? request.query.get(String.self, at: "next"))) }
        return try await renderPhone(request, phone: "", next: try? request.query.get(String.self, at: "next"), messages: [])
    }

    func renderPhone(_ request: Request, phone: String, next: String?, messages: [FormMessage], status: HTTPStatus = .ok) async throws -> Response {
        try await request.view.render("accounts/signin", PhonePage(
            page: await PageBase.make(for: request, title: Strings.text("signin.title", request.lang)),
            phone: phone, next: request.safeNext(next), nextQuery: PageRedirect.nextQuery(request.safeNext(next)), messages: messages))
            .encodeResponse(status: status, for: request)
    }

    @Sendable func sendCode(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PhoneForm.self)
        do {
            try await PhoneSignIn.sendCode(to: form.phone, in: request.context)
            let phone = try PhoneSignIn.number(form.phone)
            let response = redirectToCode(request, next: form.next)
            response.cookies[Self.cookie] = pending(phone, request)
            return response
        } catch let failure as PhoneSignIn.Failure {
            return try await renderPhone(request, phone: form.phone ?? "", next: form.next, messages: [message(failure, request)], status: status(failure))
                .withRetryAfter(failure)
        } catch let error as AppError where error.status.code < 500 {
            return try await renderPhone(request, phone: form.phone ?? "", next: form.next, messages: request.formMessages(for: error), status: error.status)
        }
    }

    @Sendable func codePage(_ request: Request) async throws -> Response {
        guard let phone = pendingPhone(request) else { return request.redirect(to: "/signin") }
        return try await renderCode(request, phone: phone, next: try? request.query.get(String.self, at: "next"), messages: [])
    }

    func renderCode(_ request: Request, phone: MobileNumber, next: String?, messages: [FormMessage], status: HTTPStatus = .ok) async throws -> Response {
        try await request.view.render("accounts/signin-code", CodePage(
            page: await PageBase.make(for: request, title: Strings.text("signin.code_title", request.lang)),
            masked: Masking.phone(phone.value), minutes: Int(request.gongzhi.phoneCodes.lifetime / 60), next: request.safeNext(next),
            sendsDraft: CaseDrafts.id(inNext: next) != nil, messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func enterCode(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PhoneForm.self)
        guard let phone = pendingPhone(request) else { return request.redirect(to: "/signin") }
        do {
            let signedIn = try await PhoneSignIn.verify(phone: phone.value, code: form.code, in: request.context)
            var target = signedIn.created ? "/?welcome=1" : request.safeNext(form.next)
            var secret: String?
            // A problem written before signing in is sent now, as the account the code opened.
            if let draft = CaseDrafts.id(inNext: form.next) {
                (target, secret) = try await CaseDrafts.send(draft, as: signedIn.user, created: signedIn.created, in: request.context)
            }
            let response = try await LoginController.startSession(request, user: signedIn.user, password: nil, next: target)
            response.cookies[Self.cookie] = gone(request)
            // An anonymous problem's tracking code, for its page to show once (as after the resident's form).
            if let secret { response.cookies[PageRedirect.secretCookie] = PageRedirect.to(target, secret: secret, for: request).cookies[PageRedirect.secretCookie] }
            return response
        } catch let failure as PhoneSignIn.Failure {
            return try await renderCode(request, phone: phone, next: form.next, messages: [message(failure, request)], status: status(failure))
                .withRetryAfter(failure)
        } catch let error as AppError where error.status.code < 500 {
            return try await renderCode(request, phone: phone, next: form.next, messages: request.formMessages(for: error), status: error.status)
        }
    }

    @Sendable func resend(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PhoneForm.self)
        guard let phone = pendingPhone(request) else { return request.redirect(to: "/signin") }
        do {
            try await PhoneSignIn.sendCode(to: phone.value, in: request.context)
            return redirectToCode(request, next: form.next)
        } catch let failure as PhoneSignIn.Failure {
            return try await renderCode(request, phone: phone, next: form.next, messages: [message(failure, request)], status: status(failure))
                .withRetryAfter(failure)
        }
    }

    func redirectToCode(_ request: Request, next: String?) -> Response {
        request.redirect(to: "/signin/code" + PageRedirect.nextQuery(request.safeNext(next)), redirectType: .normal)
    }

    // MARK: The pending number

    /// How long the number waits between the two pages.
    static let pendingFor: TimeInterval = 900

    /// The number, sealed with when it was asked for ("signin|<seconds>|<number>": a sealed number from elsewhere is
    /// not taken, and an old cookie is refused by the server, not only forgotten by the browser).
    func pending(_ phone: MobileNumber, _ request: Request) -> HTTPCookies.Value {
        let sealed = request.gongzhi.cipher.seal("signin|\(Int(request.now.timeIntervalSince1970))|\(phone.value)", field: .phone)
        return HTTPCookies.Value(string: sealed, maxAge: Int(Self.pendingFor), path: "/signin",
                                 isSecure: request.gongzhi.config.https, isHTTPOnly: true, sameSite: .lax)
    }

    func gone(_ request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/signin",
                          isSecure: request.gongzhi.config.https, isHTTPOnly: true, sameSite: .lax)
    }

    func pendingPhone(_ request: Request) -> MobileNumber? {
        guard let sealed = request.cookies[Self.cookie]?.string, !sealed.isEmpty,
              let value = try? request.gongzhi.cipher.open(sealed, field: .phone) else { return nil }
        let parts = value.split(separator: "|")
        guard parts.count == 3, parts[0] == "signin", let at = TimeInterval(parts[1]),
              request.now.timeIntervalSince1970 - at < Self.pendingFor, request.now.timeIntervalSince1970 >= at - 60 else { return nil }
        return try? MobileNumber(validating: String(parts[2]))
    }

    // MARK: Words

    func message(_ failure: PhoneSignIn.Failure, _ request: Request) -> FormMessage {
        let lang = request.lang
        switch failure {
        case .wait(let seconds, let limit):
            let key = switch limit { case .resend: "signin.wait"; case .number: "signin.wait_number"; case .address: "signin.wait_address" }
            return FormMessage(field: "phone", text: Strings.text(key, lang).replacingOccurrences(of: "{minutes}", with: "\((seconds + 59) / 60)")
                .replacingOccurrences(of: "{seconds}", with: "\(seconds)"))
        case .tooManyTries(let seconds):
            return FormMessage(field: "code", text: Strings.text("signin.too_many_tries", lang).replacingOccurrences(of: "{minutes}", with: "\((seconds + 59) / 60)"))
        case .wrongCode(let left):
            return FormMessage(field: "code", text: Strings.text("signin.wrong_code", lang).replacingOccurrences(of: "{left}", with: "\(left)"))
        case .newCodeNeeded: return FormMessage(field: "code", text: Strings.text("signin.new_code_needed", lang))
        case .unavailable: return FormMessage(field: nil, text: Strings.text("signin.unavailable", lang))
        case .disabled: return FormMessage(field: nil, text: Strings.text("signin.disabled", lang))
        }
    }

    func status(_ failure: PhoneSignIn.Failure) -> HTTPStatus {
        switch failure {
        case .wait, .tooManyTries: .tooManyRequests
        case .wrongCode, .newCodeNeeded: .unprocessableEntity
        case .unavailable: .serviceUnavailable
        case .disabled: .forbidden
        }
    }

    // MARK: API

    struct CodeRequest: Content {
        var phone: String?
    }

    struct CodeSent: Content {
        let sent: Bool
        /// Seconds before another code may be asked for.
        let resendAfter: Int
        /// Minutes the code is good for.
        let validMinutes: Int
    }

    struct TokenRequest: Content {
        var phone: String?
        var code: String?
        var name: String?
    }

    struct PhoneToken: Content {
        let token: String
        let expiresAt: Date
        /// A new account was made for the number.
        let created: Bool
    }

    @Sendable func apiSendCode(_ request: Request) async throws -> Response {
        let body = try request.content.decode(CodeRequest.self)
        do {
            try await PhoneSignIn.sendCode(to: body.phone, in: request.context)
        } catch let failure as PhoneSignIn.Failure {
            throw apiError(failure, request)
        }
        let rules = request.gongzhi.phoneCodes
        return try await CodeSent(sent: true, resendAfter: Int(rules.resendAfter), validMinutes: Int(rules.lifetime / 60))
            .encodeResponse(status: .accepted, for: request)
    }

    @Sendable func apiToken(_ request: Request) async throws -> Response {
        let body = try request.content.decode(TokenRequest.self)
        let signedIn: PhoneSignIn.SignedIn
        do {
            signedIn = try await PhoneSignIn.verify(phone: body.phone, code: body.code, in: request.context)
        } catch let failure as PhoneSignIn.Failure {
            throw apiError(failure, request)
        }
        guard signedIn.user.secondFactorSealed == nil else {
            // Staff with a second factor sign in with username, password and their code.
            throw AppError(status: .forbidden, code: "use_password", messageKey: "signin.use_password", field: nil)
        }
        let issued = try await LoginController.issueToken(request, user: signedIn.user, name: body.name)
        return try await PhoneToken(token: issued.token, expiresAt: issued.expiresAt, created: signedIn.created)
            .encodeResponse(status: .created, for: request)
    }

    func apiError(_ failure: PhoneSignIn.Failure, _ request: Request) -> AppError {
        switch failure {
        case .wait(let seconds, _):
            AppError(status: .tooManyRequests, code: "wait", messageKey: "signin.wait_api", field: "phone", headers: ["Retry-After": String(seconds)])
        case .tooManyTries(let seconds):
            AppError(status: .tooManyRequests, code: "too_many_tries", messageKey: "signin.too_many_tries_api", field: "code", headers: ["Retry-After": String(seconds)])
        case .wrongCode: AppError(status: .unprocessableEntity, code: "wrong_code", messageKey: "signin.wrong_code_api", field: "code")
        case .newCodeNeeded: AppError(status: .unprocessableEntity, code: "new_code_needed", messageKey: "signin.new_code_needed", field: "code")
        case .unavailable: AppError(status: .serviceUnavailable, code: "sms_unavailable", messageKey: "signin.unavailable", field: nil)
        case .disabled: AppError(status: .forbidden, code: "disabled", messageKey: "signin.disabled", field: nil)
        }
    }
}

extension Response {
    /// The `Retry-After` of a refusal that says when to try again (a code asked for too soon, too many wrong codes).
    func withRetryAfter(_ failure: PhoneSignIn.Failure) -> Response {
        switch failure {
        case .wait(let seconds, _), .tooManyTries(let seconds): headers.replaceOrAdd(name: "Retry-After", value: String(seconds))
        default: break
        }
        return self
    }
}
