import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The login page, logout, and bearer tokens for the API.
struct LoginController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("login", use: loginPage)
        routes.on(.POST, "login", bodyUpTo: .credentialsForm, use: login)
        routes.on(.POST, "logout", bodyUpTo: .credentialsForm, use: logout)
        let auth = routes.grouped("api", "v1", "auth")
        auth.on(.POST, "token", bodyUpTo: .credentialsForm, use: createToken)
        auth.delete("token", use: revokeToken)
        routes.get("api", "v1", "me", use: me)
    }

    struct LoginForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    struct LoginPage: Encodable {
        let page: PageBase
        let username: String
        let next: String
        let messages: [FormMessage]
    }

    @Sendable func loginPage(_ request: Request) async throws -> Response {
        if request.currentActor != nil { return request.redirect(to: "/") }
        let expired = (try? request.query.get(String.self, at: "expired")) != nil
        let changed = (try? request.query.get(String.self, at: "changed")) != nil
        let messages = expired ? [FormMessage(field: nil, text: Strings.text("login.expired", request.lang))]
            : changed ? [FormMessage(field: nil, text: Strings.text("login.changed", request.lang))] : []
        return try await render(request, username: "", next: try? request.query.get(String.self, at: "next"), messages: messages)
    }

    func render(_ request: Request, username: String, next: String?, messages: [FormMessage], status: HTTPStatus = .ok) async throws -> Response {
        let page = LoginPage(page: await PageBase.make(for: request, title: Strings.text("login.title", request.lang)),
                             username: username, next: request.safeNext(next), messages: messages)
        let response = try await request.view.render("accounts/login", page).encodeResponse(for: request)
        response.status = status
        return response
    }

    @Sendable func login(_ request: Request) async throws -> Response {
        let form = try request.content.decode(LoginForm.self)
        let username = form.username ?? ""
        do {
            let user = try await Login.authenticate(username: username, password: form.password ?? "", in: request.context)
            return try await Self.startSession(request, user: user, password: form.password ?? "", next: request.safeNext(form.next))
        } catch Login.Failure.locked(let wait) {
            return try await renderLocked(request, username: username, next: form.next, message: "error.locked", retryAfter: wait)
        } catch Login.Failure.addressLocked(let wait) {
            return try await renderLocked(request, username: username, next: form.next, message: "error.address_locked", retryAfter: wait)
        } catch Login.Failure.slowed(let wait) {
            return try await renderLocked(request, username: username, next: form.next, message: "error.slowed", retryAfter: wait)
        } catch Login.Failure.wrongCredentials {
            return try await render(request, username: username, next: form.next,
                                    messages: [FormMessage(field: "password", text: Strings.text("login.failed", request.lang))],
                                    status: .unauthorized)
        }
    }

    /// Opens a browser session for `user` (checked by password or by a code) and leads on to `next`; with a second
    /// factor, the code comes next on the account security page.
    static func startSession(_ request: Request, user: UserRecord, password: String?, next: String) async throws -> Response {
        let cookieName = SessionCookie.name(https: request.gongzhi.config.https)
        let token = try await Login.openSession(for: user, password: password, replacing: request.cookies[cookieName]?.string, in: request.context)
        let target = user.secondFactorSealed == nil ? next
            : "/account/security" + PageRedirect.nextQuery(next)
        let response = request.redirect(to: target, redirectType: .normal)
        response.cookies[cookieName] = SessionCookie.make(token, https: request.gongzhi.config.https)
        return response
    }

    @Sendable func logout(_ request: Request) async throws -> Response {
        let https = request.gongzhi.config.https
        let cookieName = SessionCookie.name(https: https)
        if let current = request.current, let sessionID = current.sessionID {
            try await request.write { db in
                try await LoginSessionRecord.query(on: db).filter(\.$id == sessionID).delete()
                try await request.audit(AuditEvent(action: "logout", objectType: "user", objectID: current.actor.userID.description), on: db)
            }
        }
        // Signed out, everyone lands on the front door (residents sign in again by phone, staff by username).
        let response = request.redirect(to: "/", redirectType: .normal)
        response.cookies[cookieName] = SessionCookie.expired(https: https)
        return response
    }

    // MARK: API

    struct TokenRequest: Content {
        var username: String
        var password: String
        var name: String?
        /// The authenticator code, for an account with a second factor.
        var otp: String?
    }

    struct TokenResponse: Content {
        let token: String
        let expiresAt: Date
    }

    /// The sign-in page again with 429 and `Retry-After`: the account or the address is refused for a while.
    func renderLocked(_ request: Request, username: String, next: String?, message: String, retryAfter wait: Int) async throws -> Response {
        let response = try await render(request, username: username, next: next,
                                        messages: [FormMessage(field: nil, text: Strings.text(message, request.lang))], status: .tooManyRequests)
        response.headers.replaceOrAdd(name: "Retry-After", value: String(wait))
        return response
    }

    /// Tokens live 30 days; the token is shown once and only its SHA-256 is kept.
    @Sendable func createToken(_ request: Request) async throws -> Response {
        let body = try request.content.decode(TokenRequest.self)
        let user: UserRecord
        do {
            user = try await Login.authenticate(username: body.username, password: body.password, in: request.context)
            if user.secondFactorSealed != nil {
                try await SecondFactor.require(body.otp, user: user, in: request.context)
            } else {
                // An administrator who must enrol does it on the account security page, signed in with the password.
                let grants = try await RoleGrantRecord.query(on: request.db).filter(\.$user.$id == user.requireID()).all().compactMap(\.grant)
                let obligation = AuthenticationMiddleware.obligation(grants: grants, passwordChangedAt: user.passwordChangedAt,
                                                                     enrolled: false, awaiting: false, on: request)
                if obligation == .enrolSecondFactor {
                    throw AppError(status: .forbidden, code: obligation!.rawValue, messageKey: "account.\(obligation!.rawValue)", field: nil)
                }
            }
        } catch Login.Failure.locked(let wait) {
            throw AppError.locked(retryAfter: wait)
        } catch Login.Failure.addressLocked(let wait) {
            throw AppError(status: .tooManyRequests, code: "address_locked", messageKey: "error.address_locked", field: nil,
                           headers: ["Retry-After": String(wait)])
        } catch Login.Failure.slowed(let wait) {
            throw AppError(status: .tooManyRequests, code: "slowed", messageKey: "error.slowed", field: nil, headers: ["Retry-After": String(wait)])
        } catch Login.Failure.wrongCredentials {
            throw AppError(status: .unauthorized, code: "wrong_credentials", messageKey: "login.failed", field: "password")
        }
        let issued = try await Self.issueToken(request, user: user, name: body.name)
        return try await TokenResponse(token: issued.token, expiresAt: issued.expiresAt).encodeResponse(status: .created, for: request)
    }

    /// A new API token for `user` (checked by password or by a code): 30 days; only its SHA-256 is kept.
    static func issueToken(_ request: Request, user: UserRecord, name: String?) async throws -> TokenResponse {
        let token = Tokens.random()
        let expires = request.now.addingTimeInterval(30 * 24 * 3600)
        let userID = try user.requireID()
        let name = String((name ?? "api").prefix(100))
        let address = request.clientAddress
        try await request.write { db in
            try await APITokenRecord(userID: userID, tokenHash: Tokens.digest(token), name: name, expiresAt: expires).create(on: db)
            try await SignInPlaces.signedIn(userID, from: address, now: request.now, on: db)
            var context = request.auditContext
            context.actor = userID.uuidString.lowercased()
            try await AuditLog.append(AuditEvent(action: "token.create", objectType: "user", objectID: context.actor),
                                      context: context, now: request.now, on: db)
        }
        return TokenResponse(token: token, expiresAt: expires)
    }

    @Sendable func revokeToken(_ request: Request) async throws -> HTTPStatus {
        let actor = try request.requireActor()
        guard request.current?.via == .token, let bearer = request.headers.bearerAuthorization else { throw AppError.forbidden }
        try await request.write { db in
            try await APITokenRecord.query(on: db).filter(\.$tokenHash == Tokens.digest(bearer.token)).delete()
            try await request.audit(AuditEvent(action: "token.revoke", objectType: "user", objectID: actor.userID.description), on: db)
        }
        return .noContent
    }

    struct MeResponse: Content {
        struct Grant: Content {
            let role: Role
            let path: String
        }

        let id: String
        let username: String
        let displayName: String
        let grants: [Grant]
    }

    @Sendable func me(_ request: Request) async throws -> MeResponse {
        let actor = try request.requireActor()
        return MeResponse(id: actor.userID.description, username: actor.username, displayName: request.current?.displayName ?? "",
                          grants: actor.grants.map { .init(role: $0.role, path: $0.path.rawValue) })
    }
}
