import Crypto
import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The authenticated account behind a request.
struct CurrentActor: Sendable {
    enum Via: Sendable { case session, token }

    let actor: Actor
    let userID: UUID
    let displayName: String
    let via: Via
    /// The login session's CSRF token (session logins only).
    let csrfToken: String?
    let sessionID: UUID?
    /// What the account must do before anything else (the code, enrolment, a new password), if anything.
    var obligation: AccountObligation? = nil
}

extension Request {
    private struct CurrentActorKey: StorageKey { typealias Value = CurrentActor }

    var current: CurrentActor? {
        get { storage[CurrentActorKey.self] }
        set { storage[CurrentActorKey.self] = newValue }
    }

    var currentActor: Actor? { current?.actor }

    /// The actor, or 401 (the error middleware turns it into the login page for browsers).
    func requireActor() throws -> Actor {
        guard let actor = currentActor else { throw AppError.unauthorized }
        return actor
    }

    /// The actor if it holds `permission` somewhere, or 403.
    func require(_ permission: Permission) throws -> Actor {
        let actor = try requireActor()
        guard AccessPolicy.allowsAnywhere(permission, actor: actor) else { throw AppError.forbidden }
        return actor
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure and `__Host-` under HTTPS (Vapor's defaults are neither).
enum SessionCookie {
    static func name(https: Bool) -> String { https ? "__Host-gz_session" : "gz_session" }

    static func make(_ token: String, https: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: nil, maxAge: nil, domain: nil, path: "/", isSecure: https,
                          isHTTPOnly: true, sameSite: .lax)
    }

    static func expired(https: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: "/",
                          isSecure: https, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Finds who is calling: a bearer token (API) or the session cookie (pages). Checks the session's idle and
/// absolute lifetime and that the account is still enabled; a dead session is deleted and its cookie cleared.
struct AuthenticationMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let config = request.gongzhi.config
        if let bearer = request.headers.bearerAuthorization {
            let current = try await Self.actor(forToken: bearer.token, on: request)
            request.current = current
            if let obligation = current.obligation, !Self.allowedWhileObliged(request) { return try Self.refuse(request, obligation) }
            return try await next.respond(to: request)
        }
        let cookieName = SessionCookie.name(https: config.https)
        guard let token = request.cookies[cookieName]?.string, !token.isEmpty else {
            return try await next.respond(to: request)
        }
        if let current = try await Self.actor(forSession: token, on: request) {
            request.current = current
            if let obligation = current.obligation, !Self.allowedWhileObliged(request) { return try Self.refuse(request, obligation) }
            return try await next.respond(to: request)
        }
        let response = try await next.respond(to: request)
        response.cookies[cookieName] = SessionCookie.expired(https: config.https)
        return response
    }

    /// What an account under an obligation may still reach: the page that meets it, its own password, who it is,
    /// signing out.
    static let openWhileObliged: Set<String> = [
        "GET /account/security", "POST /account/security/verify", "POST /account/security/enrol", "POST /account/security/password",
        "POST /logout", "GET /api/v1/me", "POST /api/v1/me/password", "DELETE /api/v1/auth/token",
    ]

    static func allowedWhileObliged(_ request: Request) -> Bool {
        openWhileObliged.contains("\(request.method.rawValue) \(request.url.path)")
    }

    /// Pages lead to the page that meets the obligation; the API says which one it is (403 with its code).
    static func refuse(_ request: Request, _ obligation: AccountObligation) throws -> Response {
        guard request.wantsPage else {
            throw AppError(status: .forbidden, code: obligation.rawValue, messageKey: "account.\(obligation.rawValue)", field: nil)
        }
        let next = request.url.path == "/" ? "" : "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/")
        return request.redirect(to: "/account/security" + next, redirectType: .normal)
    }

    /// Staff are accounts with a role other than resident's (a resident who signed up by phone has no person
    /// record and is no staff member: no 90-day password for a password they never set).
    static func obligation(grants: [RoleGrant], passwordChangedAt: Date, enrolled: Bool, awaiting: Bool,
                           on request: Request) -> AccountObligation? {
        AccountObligation.pending(
            for: .init(isStaff: grants.contains { $0.role != .resident }, isAdministrator: grants.contains { $0.role.isAdministrator }, passwordChangedAt: passwordChangedAt,
                       secondFactorEnrolled: enrolled, awaitingSecondFactor: awaiting),
            profile: request.gongzhi.config.passwordProfile, now: request.now)
    }

    static func actor(forToken token: String, on request: Request) async throws -> CurrentActor {
        // Every API request passes here: the token, its account and the account's grants in one query (a row per
        // grant) instead of three.
        let rows = try await request.db.sql().raw("""
            SELECT t.expires_at, u.id AS user_id, u.username, u.display_name, u.disabled, u.person_id, u.password_changed_at,
                   u.second_factor_enc, g.role, g.path
            FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN role_grants g ON g.user_id = u.id
            WHERE t.token_hash = \(bind: Tokens.digest(token))
            """).all()
        guard let first = rows.first, try first.decode(column: "expires_at", as: Date.self) > request.now,
              try !first.decode(column: "disabled", as: Bool.self)
        else { throw AppError.unauthorized }
        let userID = try first.decode(column: "user_id", as: UUID.self)
        let grants = try rows.compactMap { row -> RoleGrant? in
            guard let role = try row.decode(column: "role", as: Role?.self), let path = try row.decode(column: "path", as: String?.self) else { return nil }
            return OrgPath(path).map { RoleGrant(role: role, path: $0) }
        }
        let personID = try first.decode(column: "person_id", as: UUID?.self)
        var current = current(userID: userID, username: try first.decode(column: "username", as: String.self),
                              displayName: try first.decode(column: "display_name", as: String.self),
                              personID: personID, grants: grants, via: .token, csrf: nil, sessionID: nil)
        current.obligation = obligation(grants: grants,
                                        passwordChangedAt: try first.decode(column: "password_changed_at", as: Date.self),
                                        enrolled: try first.decode(column: "second_factor_enc", as: String?.self) != nil, awaiting: false, on: request)
        return current
    }

    static func actor(forSession token: String, on request: Request) async throws -> CurrentActor? {
        let db = request.db
        guard let session = try await LoginSessionRecord.query(on: db).filter(\.$tokenHash == Tokens.digest(token)).first() else {
            return nil
        }
        let now = request.now
        let lifetime = request.gongzhi.config.sessionLifetime
        guard lifetime.isAlive(createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, now: now),
              !session.awaitingSecondFactor || now.timeIntervalSince(session.createdAt) < AccountObligation.secondFactorWindow,
              let user = try await UserRecord.find(session.$user.id, on: db), !user.disabled
        else {
            try await session.delete(on: db)
            return nil
        }
        var current = try await makeCurrent(user: user, via: .session, csrf: session.csrfToken, sessionID: session.id, on: db)
        current.obligation = obligation(grants: current.actor.grants, passwordChangedAt: user.passwordChangedAt,
                                        enrolled: user.secondFactorSealed != nil, awaiting: session.awaitingSecondFactor, on: request)
        // Administrators idle out sooner.
        if current.actor.roles.contains(where: \.isAdministrator),
           !lifetime.isAlive(createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, now: now, administrator: true) {
            try await session.delete(on: db)
            return nil
        }
        // Touch at most once a minute: a write per page view would be wasted.
        if now.timeIntervalSince(session.lastSeenAt) >= 60 {
            session.lastSeenAt = now
            try await session.update(on: db)
        }
        return current
    }

    static func makeCurrent(user: UserRecord, via: CurrentActor.Via, csrf: String?, sessionID: UUID?, on db: any Database) async throws -> CurrentActor {
        let userID = try user.requireID()
        let grants = try await RoleGrantRecord.query(on: db).filter(\.$user.$id == userID).all().compactMap(\.grant)
        return current(userID: userID, username: user.username, displayName: user.displayName, personID: user.$person.id, grants: grants,
                       via: via, csrf: csrf, sessionID: sessionID)
    }

    /// The actor of an account, however it was found (a session, a token).
    static func current(userID: UUID, username: String, displayName: String, personID: UUID?, grants: [RoleGrant],
                        via: CurrentActor.Via, csrf: String?, sessionID: UUID?) -> CurrentActor {
        let actor = Actor(userID: AccountID(userID), username: username, grants: grants, personID: personID.map(PersonID.init))
        return CurrentActor(actor: actor, userID: userID, displayName: displayName, via: via, csrfToken: csrf, sessionID: sessionID)
    }
}
