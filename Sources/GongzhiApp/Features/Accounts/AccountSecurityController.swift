import Fluent
import Foundation
import GongzhiCore
import Vapor

/// "账号安全": one's own password and authenticator (second factor), and the one page an account under an
/// obligation is led to (the code after the password, an administrator's enrolment under 等保, a password of 90
/// days). The security administrator resets a lost authenticator through the API.
struct AccountSecurityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("account", "security", use: page)
        routes.on(.POST, "account", "security", "verify", bodyUpTo: .credentialsForm, use: verify)
        routes.post("account", "security", "enrol", use: enrol)
        routes.post("account", "security", "password", use: changePassword)
        routes.post("account", "security", "password-code", use: sendPasswordCode)
        routes.on(.POST, "account", "security", "password-by-code", bodyUpTo: .credentialsForm, use: setPasswordByCode)
        routes.post("api", "v1", "users", ":id", "second-factor", "reset", use: resetAPI)
    }

    struct SecurityPage: Encodable {
        let page: PageBase
        let messages: [FormMessage]
        /// Where to go afterwards, encoded for the forms' query strings.
        let next: String
        /// Only the code form: the session awaits the second factor.
        let awaitingCode: Bool
        let obligation: String?
        let enrolled: Bool
        /// Shown while enrolling: the secret in groups of four, and the address an app can read.
        let enrolmentKey: String?
        let enrolmentURI: String?
        /// A resident's account with a mobile number: its password (optional) is set with a texted code.
        let phoneMask: String
        let codeSent: Bool
    }

    func render(_ request: Request, messages: [FormMessage] = [], enrolmentKey: String? = nil, codeSent: Bool = false,
                status: HTTPStatus = .ok) async throws -> Response {
        guard let current = request.current, let user = try await UserRecord.find(current.userID, on: request.db) else { throw AppError.unauthorized }
        let lang = request.lang
        let obligation = current.obligation
        let grouped = enrolmentKey.map { key in stride(from: 0, to: key.count, by: 4).map { offset in
            String(key.dropFirst(offset).prefix(4)) }.joined(separator: " ") }
        let view = try await request.view.render("accounts/security", SecurityPage(
            page: await PageBase.make(for: request, title: Strings.text("security.title", lang)),
            messages: messages + (obligation.map { [FormMessage(field: nil, text: Strings.text("account.\($0.rawValue)", lang))] } ?? []),
            next: request.safeNext(try? request.query.get(String.self, at: "next")).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
            awaitingCode: obligation == .verifySecondFactor, obligation: obligation?.rawValue,
            enrolled: user.secondFactorSealed != nil, enrolmentKey: grouped,
            enrolmentURI: enrolmentKey.map { TOTP.uri(secret: TOTP.bytes(base32: $0) ?? [], account: user.username, issuer: SecondFactor.issuer) },
            phoneMask: user.phoneMask ?? "", codeSent: (try? request.query.get(String.self, at: "code")) == "sent" || codeSent))
        let response = try await view.encodeResponse(status: status, for: request)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        return try await render(request)
    }

    struct CodeForm: Content {
        var code: String?
    }

    /// The code after the password: the session becomes a full one.
    @Sendable func verify(_ request: Request) async throws -> Response {
        guard let current = request.current, let sessionID = current.sessionID else { throw AppError.unauthorized }
        guard let user = try await UserRecord.find(current.userID, on: request.db) else { throw AppError.unauthorized }
        let next = request.safeNext(try? request.query.get(String.self, at: "next"))
        // Nothing awaits a code: no failure is counted, the person just goes on.
        guard current.obligation == .verifySecondFactor else { return request.redirect(to: next, redirectType: .normal) }
        let form = try request.content.decode(CodeForm.self)
        do {
            try await SecondFactor.require(form.code, user: user, in: request.context)
        } catch Login.Failure.locked(let wait), Login.Failure.addressLocked(let wait), Login.Failure.slowed(let wait) {
            let response = try await render(request, messages: [FormMessage(field: nil, text: Strings.text("error.locked", request.lang))],
                                            status: .tooManyRequests)
            response.headers.replaceOrAdd(name: "Retry-After", value: String(wait))
            return response
        } catch Login.Failure.wrongCredentials {
            return try await render(request, messages: [FormMessage(field: "code", text: Strings.text("error.wrong_second_factor", request.lang))],
                                    status: .unauthorized)
        } catch let error as AppError where error.status.code < 500 {
            return try await render(request, messages: request.formMessages(for: error), status: error.status)
        }
        try await request.write { db in
            guard let session = try await LoginSessionRecord.find(sessionID, on: db) else { throw AppError.unauthorized }
            session.awaitingSecondFactor = false
            try await session.update(on: db)
            try await request.audit(AuditEvent(action: "login.second_factor", objectType: "user", objectID: current.actor.userID.description), on: db)
        }
        return request.redirect(to: next, redirectType: .normal)
    }

    /// Without a code: a new secret to put in the app. With one: the app's code confirms it.
    @Sendable func enrol(_ request: Request) async throws -> Response {
        guard let current = request.current, current.via == .session else { throw AppError.unauthorized }
        guard current.obligation != .verifySecondFactor else { throw AppError.forbidden }
        let form = try request.content.decode(CodeForm.self)
        do {
            guard let code = form.code, !code.isEmpty else {
                return try await render(request, enrolmentKey: try await SecondFactor.startEnrolment(userID: AccountID(current.userID), in: request.context))
            }
            try await SecondFactor.confirmEnrolment(userID: AccountID(current.userID), code: code, in: request.context)
        } catch let error as AppError where error.status.code < 500 {
            // The secret shown again, so that a mistyped code can be retried.
            let pending = try await UserRecord.find(current.userID, on: request.db)?.pendingSecondFactorSealed
            let key = try pending.map { try request.gongzhi.cipher.open($0, field: .secondFactor) }
            return try await render(request, messages: request.formMessages(for: error), enrolmentKey: key, status: error.status)
        }
        return request.redirect(to: request.safeNext(try? request.query.get(String.self, at: "next")), redirectType: .normal)
    }

    struct PasswordForm: Content {
        var currentPassword: String?
        var newPassword: String?
        var confirmPassword: String?
    }

    /// Every session ends with the change: the person signs in again with the new password.
    @Sendable func changePassword(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        guard request.current?.obligation != .verifySecondFactor else { throw AppError.forbidden }
        let form = try request.content.decode(PasswordForm.self)
        do {
            guard let new = form.newPassword, !new.isEmpty else { throw AppError.invalid("newPassword", "required") }
            guard new == form.confirmPassword else { throw AppError.invalid("confirmPassword", "passwords_differ") }
            try await AccountChanges.changePassword(current: form.currentPassword ?? "", new: new, in: request.context)
        } catch let error as AppError where error.status.code < 500 {
            return try await render(request, messages: request.formMessages(for: error), status: error.status)
        }
        let response = request.redirect(to: "/login?changed=1", redirectType: .normal)
        response.cookies[SessionCookie.name(https: request.gongzhi.config.https)] = SessionCookie.expired(https: request.gongzhi.config.https)
        return response
    }

    /// A code to the account's own number, for setting its password (residents who signed up by number).
    @Sendable func sendPasswordCode(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard let user = try await UserRecord.find(actor.userID.uuid, on: request.db), let sealed = user.phoneSealed,
              let phone = try? request.gongzhi.cipher.open(sealed, field: .phone) else { throw AppError.forbidden }
        do {
            try await PhoneSignIn.sendCode(to: phone, in: request.context)
        } catch let failure as PhoneSignIn.Failure {
            let controller = PhoneSignInController()
            return try await render(request, messages: [controller.message(failure, request)], status: controller.status(failure)).withRetryAfter(failure)
        }
        return request.redirect(to: "/account/security?code=sent#password", redirectType: .normal)
    }

    /// The code and the new password: every session ends; the resident signs in again (by code, or number and password).
    @Sendable func setPasswordByCode(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let form = try request.content.decode(CodePasswordForm.self)
        do {
            try await PhoneSignIn.setPassword(code: form.code, new: form.newPassword, confirm: form.confirmPassword, in: request.context)
        } catch let failure as PhoneSignIn.Failure {
            let controller = PhoneSignInController()
            return try await render(request, messages: [controller.message(failure, request)], codeSent: true, status: controller.status(failure))
                .withRetryAfter(failure)
        } catch let error as AppError where error.status.code < 500 && error.status != .forbidden {
            return try await render(request, messages: request.formMessages(for: error), codeSent: true, status: error.status)
        }
        let response = request.redirect(to: "/login?changed=1", redirectType: .normal)
        response.cookies[SessionCookie.name(https: request.gongzhi.config.https)] = SessionCookie.expired(https: request.gongzhi.config.https)
        return response
    }

    struct CodePasswordForm: Content {
        var code: String?
        var newPassword: String?
        var confirmPassword: String?
    }

    @Sendable func resetAPI(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageAccounts)
        try await SecondFactor.reset(userID: try request.idParameter(), in: request.context)
        return .noContent
    }
}
