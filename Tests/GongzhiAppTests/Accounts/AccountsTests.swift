import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Login, sessions, lockout, CSRF and separated administrators")
struct AccountsTests {
    @Test("login sets an HttpOnly SameSite cookie, a new session id each time, and logout ends it on the server")
    func loginAndLogout() async throws {
        try await withApp { app, _ in
            var browser = TestClient(app)
            let login = try await browser.login("worker", password: demoPassword)
            #expect(login.status == .seeOther)
            let cookie = try #require(login.headers.setCookie?["gz_session"])
            #expect(cookie.isHTTPOnly && cookie.sameSite == .lax && !cookie.isSecure)
            let first = try #require(browser.cookies["gz_session"])
            // Signing in again from the same browser replaces the session (no fixation).
            _ = try await browser.send(.GET, "/")
            #expect(try await browser.send(.POST, "/login", form: ["username": "worker", "password": demoPassword]).status == .seeOther)
            let second = try #require(browser.cookies["gz_session"])
            #expect(first != second)
            var replay = TestClient(app)
            replay.cookies["gz_session"] = first
            #expect(try await replay.send(.GET, "/api/v1/me").status == .unauthorized)
            #expect(try await browser.send(.GET, "/").status == .ok)
            _ = try await browser.send(.GET, "/")
            #expect(try await browser.send(.POST, "/logout", form: [:]).status == .seeOther)
            var old = TestClient(app)
            old.cookies["gz_session"] = second
            let after = try await old.send(.GET, "/org")
            #expect(after.status == .seeOther && after.headers.first(name: .location) == "/login?next=/org")
            // A resident's page sends a visitor to sign-in by mobile number instead.
            #expect(try await old.send(.GET, "/requests").headers.first(name: .location) == "/signin?next=/requests")
            #expect(try await LoginSessionRecord.query(on: app.db).count() == 0)
        }
    }

    @Test("under HTTPS the session cookie is __Host-, Secure, HttpOnly, and HSTS is sent; tokens are kept only as hashes")
    func httpsAndTokens() async throws {
        try await withApp(adjust: { $0.https = true }) { app, _ in
            var browser = TestClient(app)
            let login = try await browser.login("worker", password: demoPassword)
            let cookie = try #require(login.headers.setCookie?["__Host-gz_session"])
            #expect(cookie.isSecure && cookie.isHTTPOnly && cookie.path == "/" && cookie.domain == nil)
            #expect(login.headers.first(name: "Strict-Transport-Security")?.contains("max-age=31536000") == true)
            #expect(try await browser.send(.GET, "/org").status == .ok)
            let api = try await TestClient.api(app, as: "worker")
            let token = try #require(api.bearer)
            let stored = try await APITokenRecord.query(on: app.db).all()
            #expect(stored.count == 1 && stored[0].tokenHash != token && stored[0].tokenHash == Tokens.digest(token))
            let sessions = try await LoginSessionRecord.query(on: app.db).all()
            #expect(!sessions.contains { $0.tokenHash == browser.cookies["__Host-gz_session"] })
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
            #expect(user.passwordHash.hasPrefix("pbkdf2-sha256$") && !user.passwordHash.contains(demoPassword))
        }
    }

    @Test("five wrong passwords lock the account for 15 minutes, even against the right one; it is logged")
    func lockout() async throws {
        try await withApp { app, _ in
            var client = TestClient(app)
            for _ in 0..<4 {
                let response = try await client.send(.POST, "/api/v1/auth/token", json: ["username": "worker", "password": "wrong-password"])
                #expect(response.status == .unauthorized)
                #expect(try response.content.decode(ErrorJSON.self).error.code == "wrong_credentials")
            }
            let fifth = try await client.send(.POST, "/api/v1/auth/token", json: ["username": "worker", "password": "wrong-password"])
            #expect(fifth.status == .tooManyRequests)
            #expect(fifth.headers.first(name: "Retry-After") == "900")
            let right = try await client.send(.POST, "/api/v1/auth/token", json: ["username": "worker", "password": demoPassword])
            #expect(right.status == .tooManyRequests)
            let page = try await client.login("worker", password: demoPassword)
            #expect(page.status == .tooManyRequests)
            #expect(page.body.string.contains("锁定"))
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "login.failure").count() == 7)
            app.clock.advance(by: 15 * 60 + 1)
            #expect(try await client.send(.POST, "/api/v1/auth/token", json: ["username": "worker", "password": demoPassword]).status == .created)
            // An unknown user gets the same answer as a wrong password.
            let unknown = try await client.send(.POST, "/api/v1/auth/token", json: ["username": "nobody", "password": "wrong-password"])
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test("a session ends after 30 idle minutes")
    func idleTimeout() async throws {
        try await withApp { app, _ in
            var browser = try await TestClient.browser(app, as: "worker")
            app.clock.advance(by: 29 * 60)
            #expect(try await browser.send(.GET, "/org").status == .ok)
            app.clock.advance(by: 29 * 60)
            #expect(try await browser.send(.GET, "/org").status == .ok)
            app.clock.advance(by: 31 * 60)
            let expired = try await browser.send(.GET, "/org")
            #expect(expired.status == .seeOther)
            #expect(try await browser.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test("an administrator's session ends after 15 idle minutes")
    func administratorIdleTimeout() async throws {
        try await withApp { app, _ in
            var admin = try await TestClient.browser(app, as: "security")
            app.clock.advance(by: 14 * 60)
            #expect(try await admin.send(.GET, "/users").status == .ok)
            app.clock.advance(by: 16 * 60)
            #expect(try await admin.send(.GET, "/users").status == .seeOther)
            #expect(try await admin.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test("a form without the CSRF token, with a wrong one, or from a foreign origin is refused with 403")
    func csrf() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var browser = try await TestClient.browser(app, as: "worker")
            _ = try await browser.send(.GET, "/org")
            let form = ["parentId": f.communityA.id!.uuidString, "name": "第8网格"]
            let nodes = try await OrgNodeRecord.query(on: app.db).count()
            #expect(try await browser.send(.POST, "/org/nodes", form: form, withCSRF: false).status == .forbidden)
            var wrong = form
            wrong["_csrf"] = "not-the-token"
            #expect(try await browser.send(.POST, "/org/nodes", form: wrong).status == .forbidden)
            #expect(try await browser.send(.POST, "/org/nodes", form: form, headers: ["Origin": "https://evil.example"]).status == .forbidden)
            // A JSON request riding on the session cookie needs the token as a header.
            #expect(try await browser.send(.POST, "/api/v1/org/nodes", json: form).status == .forbidden)
            #expect(try await OrgNodeRecord.query(on: app.db).count() == nodes)
            #expect(try await browser.send(.POST, "/org/nodes", form: form).status == .seeOther)
            #expect(try await OrgNodeRecord.query(on: app.db).count() == nodes + 1)
            // The login form itself carries a token too.
            var stranger = TestClient(app)
            #expect(try await stranger.send(.POST, "/login", form: ["username": "worker", "password": demoPassword]).status == .forbidden)
        }
    }

    @Test("三员分立: the auditor reads only the audit log; the security admin grants roles but reads no residents")
    func separatedAdministrators() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var auditor = try await TestClient.api(app, as: "auditor")
            #expect(try await auditor.send(.GET, "/api/v1/audit").status == .ok)
            #expect(try await auditor.send(.GET, "/api/v1/audit/verify").status == .ok)
            for path in ["/api/v1/persons", "/api/v1/org/nodes", "/api/v1/users", "/api/v1/persons/\(f.personA.id!.uuidString)"] {
                #expect(try await auditor.send(.GET, path).status == .forbidden, "\(path)")
            }
            var security = try await TestClient.api(app, as: "security")
            #expect(try await security.send(.GET, "/api/v1/persons").status == .forbidden)
            #expect(try await security.send(.GET, "/api/v1/audit").status == .forbidden)
            #expect(try await security.send(.POST, "/api/v1/persons/\(f.personA.id!.uuidString)/unmask", json: ["reason": "查看"]).status == .forbidden)
            var admin = try await TestClient.api(app, as: "admin")
            #expect(try await admin.send(.GET, "/api/v1/persons").status == .forbidden)
            #expect(try await admin.send(.GET, "/api/v1/users").status == .forbidden)
            // The security admin creates an account and grants a role; a second admin role is refused.
            let created = try await security.send(.POST, "/api/v1/users", json: ["username": "newworker", "displayName": "新同事", "password": "Harbour-Lights-42"])
            #expect(created.status == .created, "\(created.body.string)")
            let userID = try created.content.decode(AccountsController.UserDTO.self).id
            struct Grant: Encodable, Sendable { let role: String; let nodeId: UUID? }
            #expect(try await security.send(.POST, "/api/v1/users/\(userID)/grants", json: Grant(role: "community_worker", nodeId: f.communityA.id)).status == .created)
            let conflict = try await security.send(.POST, "/api/v1/users/\(userID)/grants", json: Grant(role: "audit_admin", nodeId: nil))
            #expect(conflict.status == .conflict)
            #expect(try conflict.content.decode(ErrorJSON.self).error.code == "role_conflict")
            let wrongLevel = try await security.send(.POST, "/api/v1/users/\(userID)/grants", json: Grant(role: "street_supervisor", nodeId: f.communityA.id))
            #expect(wrongLevel.status == .unprocessableEntity)
            let selfGrant = try await security.send(.POST, "/api/v1/users/\(try await userIDOf(app, "security"))/grants", json: Grant(role: "system_admin", nodeId: nil))
            #expect(selfGrant.status == .unprocessableEntity)
            // The new account works with the granted role.
            var newWorker = try await TestClient.api(app, as: "newworker", password: "Harbour-Lights-42")
            #expect(try await newWorker.send(.GET, "/api/v1/persons/\(f.personA.id!.uuidString)").status == .ok)
            // Weak passwords are refused.
            let weak = try await security.send(.POST, "/api/v1/users", json: ["username": "weak", "password": "12345678"])
            #expect(try weak.content.decode(ErrorJSON.self).error.code == "weak_password")
        }
    }

    @Test("disabling an account or changing its password ends its sessions and tokens at once")
    func endSessions() async throws {
        try await withApp { app, _ in
            var browser = try await TestClient.browser(app, as: "grid")
            var api = try await TestClient.api(app, as: "grid")
            #expect(try await api.send(.POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": "A-new-long-passphrase"]).status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/me").status == .unauthorized)
            #expect(try await browser.send(.GET, "/api/v1/me").status == .unauthorized)
            var again = try await TestClient.api(app, as: "grid", password: "A-new-long-passphrase")
            #expect(try await again.send(.GET, "/api/v1/me").status == .ok)
            var security = try await TestClient.api(app, as: "security")
            #expect(try await security.send(.POST, "/api/v1/users/\(try await userIDOf(app, "grid"))/disable", json: [String: String]()).status == .noContent)
            #expect(try await again.send(.GET, "/api/v1/me").status == .unauthorized)
            var locked = TestClient(app)
            #expect(try await locked.send(.POST, "/api/v1/auth/token", json: ["username": "grid", "password": "A-new-long-passphrase"]).status == .unauthorized)
        }
    }

    @Test("a token answers for its account's current grants and state: expiry, a disabled account, a revoked grant")
    func tokenFollowsTheAccount() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.api(app, as: "worker")
            struct Page: Decodable { let total: Int }
            #expect(try await worker.send(.GET, "/api/v1/cases?limit=1").content.decode(Page.self).total > 0)
            // A grant revoked in the database takes effect on the next request: nothing about the actor is kept.
            let workerID = try await userIDOf(app, "worker")
            try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == workerID).delete()
            #expect(try await worker.send(.GET, "/api/v1/cases?limit=1").content.decode(Page.self).total == 0)
            #expect(try await worker.send(.GET, "/api/v1/me").status == .ok)
            // Disabled with its tokens left in place: refused all the same.
            var grid = try await TestClient.api(app, as: "grid")
            try await UserRecord.query(on: app.db).filter(\.$username == "grid").set(\.$disabled, to: true).update()
            #expect(try await grid.send(.GET, "/api/v1/me").status == .unauthorized)
            // Thirty days on, the token has expired.
            var street = try await TestClient.api(app, as: "street")
            #expect(try await street.send(.GET, "/api/v1/me").status == .ok)
            app.clock.advance(by: 30 * 24 * 3600 + 1)
            #expect(try await street.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test("the sweeper removes sessions past their lifetime and expired tokens, and keeps live ones")
    func sweeper() async throws {
        try await withApp { app, _ in
            _ = try await TestClient.browser(app, as: "worker")
            app.clock.advance(by: 20 * 60)
            var live = try await TestClient.browser(app, as: "grid")
            _ = try await TestClient.api(app, as: "street")
            app.clock.advance(by: 15 * 60)
            try await SessionSweeper.sweep(app.context())
            #expect(try await LoginSessionRecord.query(on: app.db).count() == 1)
            #expect(try await live.send(.GET, "/api/v1/me").status == .ok)
            #expect(try await APITokenRecord.query(on: app.db).count() == 1)
            app.clock.advance(by: 31 * 24 * 3600)
            try await SessionSweeper.sweep(app.context())
            #expect(try await APITokenRecord.query(on: app.db).count() == 0)
            #expect(try await LoginSessionRecord.query(on: app.db).count() == 0)
        }
    }

    func userIDOf(_ app: Application, _ username: String) async throws -> UUID {
        try await UserRecord.query(on: app.db).filter(\.$username == username).first()!.id!
    }
}
