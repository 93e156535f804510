import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Checklist row 31 (the 等保 profile: 90-day staff passwords, administrators' second factor) and the authenticator
/// second factor any account may turn on.
@Suite("Account security: authenticator second factor, 等保 password lifetime")
struct AccountSecurityTests {
    struct ErrorCode: Decodable {
        struct Body: Decodable { let code: String }
        let error: Body
    }

    static func code(_ response: TestingHTTPResponse) -> String? { try? response.content.decode(ErrorCode.self).error.code }

    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    /// The enrolment key the page shows, as bytes.
    static func shownKey(_ response: TestingHTTPResponse) throws -> [UInt8] {
        let match = try #require(response.body.string.firstMatch(of: /<code id="enrolment-key">([A-Z2-7 ]+)<\/code>/))
        return try #require(TOTP.bytes(base32: String(match.output.1)))
    }

    static func currentCode(_ secret: [UInt8], _ app: Application) -> String {
        TOTP.code(secret: secret, step: TOTP.step(at: app.clock.now))
    }

    /// Gives `username` a second factor straight in the database; returns its secret.
    static func enrol(_ app: Application, _ username: String) async throws -> [UInt8] {
        let secret = TOTP.newSecret()
        let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == username).first())
        user.secondFactorSealed = app.gongzhi.cipher.seal(TOTP.base32(secret), field: .secondFactor)
        try await user.update(on: app.db)
        return secret
    }

    static func auditActions(_ app: Application) async throws -> [String] {
        try await AuditRecord.query(on: app.db).sort(\.$id).all().map { "\($0.action):\($0.summary)" }
    }

    @Test("under 等保 an administrator enrols before anything else; then every sign-in asks for a code, each code good once")
    func administratorEnrolsAndVerifies() async throws {
        try await withApp(adjust: { $0.passwordProfile = .dengbao }) { app, _ in
            var admin = try await TestClient.browser(app, as: "admin")
            for path in ["/", "/my-data", "/users"] {
                let led = try await admin.send(.GET, path)
                #expect(led.status == .seeOther && Self.location(led).hasPrefix("/account/security"), "\(path)")
            }
            var stranger = TestClient(app)
            let refusedToken = try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "admin", "password": demoPassword])
            #expect(refusedToken.status == .forbidden && Self.code(refusedToken) == "second_factor_enrolment_required")

            let page = try await admin.send(.GET, "/account/security")
            #expect(page.status == .ok && page.body.string.contains("/account/security/enrol"))
            let started = try await admin.send(.POST, "/account/security/enrol", form: [:])
            #expect(started.status == .ok)
            let secret = try Self.shownKey(started)
            #expect(started.body.string.contains("otpauth://totp/"))
            let wrongCode = String(format: "%06d", (Int(Self.currentCode(secret, app))! + 1) % 1_000_000)
            let wrong = try await admin.send(.POST, "/account/security/enrol", form: ["code": wrongCode])
            let shownAgain = try Self.shownKey(wrong)
            #expect(wrong.status == .unprocessableEntity && shownAgain == secret, "the same key is shown again")
            let confirmed = try await admin.send(.POST, "/account/security/enrol", form: ["code": Self.currentCode(secret, app)])
            #expect(confirmed.status == .seeOther)
            #expect(try await admin.send(.GET, "/").status == .ok)
            let stored = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "admin").first())
            #expect(stored.secondFactorSealed != nil && stored.pendingSecondFactorSealed == nil)
            #expect(!(stored.secondFactorSealed ?? "").contains(TOTP.base32(secret)), "sealed, not plain")
            #expect(try await Self.auditActions(app).contains("user.second_factor.enrol:"))

            // A new sign-in: the password opens a session good only for the code.
            let enrolmentCode = Self.currentCode(secret, app)
            app.clock.advance(by: 30)
            var next = TestClient(app)
            let signedIn = try await next.login("admin", password: demoPassword)
            #expect(signedIn.status == .seeOther && Self.location(signedIn).hasPrefix("/account/security"))
            let deepLink = try await next.send(.GET, "/my-data?tab=1&x=2")
            #expect(Self.location(deepLink) == "/account/security?next=/my-data")
            let home = try await next.send(.GET, "/")
            #expect(home.status == .seeOther && Self.location(home).hasPrefix("/account/security"))
            let codePage = try await next.send(.GET, "/account/security")
            #expect(codePage.body.string.contains("/account/security/verify") && !codePage.body.string.contains("/account/security/password"))
            let replay = try await next.send(.POST, "/account/security/verify", form: ["code": enrolmentCode])
            #expect(replay.status == .unauthorized, "the enrolment's code was used")
            #expect(try await Self.auditActions(app).contains("login.failure:wrong_second_factor"))
            let code = Self.currentCode(secret, app)
            let verified = try await next.send(.POST, "/account/security/verify", form: ["code": code])
            #expect(verified.status == .seeOther && Self.location(verified) == "/")
            #expect(try await next.send(.GET, "/").status == .ok)
            #expect(try await Self.auditActions(app).contains("login.second_factor:"))

            // A password-only session waits 5 minutes for its code, then it is gone.
            var slow = TestClient(app)
            _ = try await slow.login("admin", password: demoPassword)
            app.clock.advance(by: AccountObligation.secondFactorWindow)
            let late = try await slow.send(.GET, "/account/security")
            #expect(late.status == .seeOther && Self.location(late).hasPrefix("/signin"))
            app.clock.advance(by: -AccountObligation.secondFactorWindow)

            // The same code in a third sign-in: refused.
            var third = TestClient(app)
            _ = try await third.login("admin", password: demoPassword)
            _ = try await third.send(.GET, "/account/security")
            let thirdTry = try await third.send(.POST, "/account/security/verify", form: ["code": code])
            #expect(thirdTry.status == .unauthorized)
            #expect(try await third.send(.GET, "/").status == .seeOther)

            // API tokens take the code with the password.
            app.clock.advance(by: 30)
            let noCode = try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "admin", "password": demoPassword])
            #expect(noCode.status == .unauthorized && Self.code(noCode) == "second_factor_required")
            let tokenCode = Self.currentCode(secret, app)
            let withCode = try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "admin", "password": demoPassword, "otp": tokenCode])
            #expect(withCode.status == .created)
            let again = try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "admin", "password": demoPassword, "otp": tokenCode])
            #expect(again.status == .unauthorized && Self.code(again) == "wrong_credentials")
        }
    }

    @Test("under 等保 a staff password of 90 days must be changed first (API and pages), to a different one; residents and the standard profile are not held")
    func passwordLifetime() async throws {
        try await withApp(adjust: { $0.passwordProfile = .dengbao }) { app, _ in
            func age(_ username: String, days: Double) async throws {
                let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == username).first())
                user.passwordChangedAt = app.clock.now.addingTimeInterval(-days * 86_400)
                try await user.update(on: app.db)
            }
            try await age("worker", days: 89)
            var fresh = try await TestClient.api(app, as: "worker")
            #expect(try await fresh.send(.GET, "/api/v1/cases").status == .ok)
            try await age("worker", days: 90)
            var worker = try await TestClient.api(app, as: "worker")
            let held = try await worker.send(.GET, "/api/v1/cases")
            #expect(held.status == .forbidden && Self.code(held) == "password_expired")
            #expect(try await worker.send(.GET, "/api/v1/me").status == .ok)
            let same = try await worker.send(.POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": demoPassword])
            #expect(same.status == .unprocessableEntity && Self.code(same) == "password_reused")
            let weak = try await worker.send(.POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": "alllowercaseletters"])
            #expect(weak.status == .unprocessableEntity && Self.code(weak) == "weak_password", "等保: three character classes")
            #expect(try await worker.send(.POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": "Renewed#2027"]).status == .noContent)
            var renewed = try await TestClient.api(app, as: "worker", password: "Renewed#2027")
            #expect(try await renewed.send(.GET, "/api/v1/cases").status == .ok)

            // Pages: led to the account page, told why, changed there, signed in again.
            try await age("grid", days: 120)
            var grid = try await TestClient.browser(app, as: "grid")
            let led = try await grid.send(.GET, "/my-data")
            #expect(led.status == .seeOther && Self.location(led).hasPrefix("/account/security"))
            let page = try await grid.send(.GET, "/account/security")
            #expect(page.body.string.contains(Strings.text("account.password_expired", .zh)))
            let differ = try await grid.send(.POST, "/account/security/password", form: [
                "currentPassword": demoPassword, "newPassword": "Renewed#2027", "confirmPassword": "Renewed#2028"])
            #expect(differ.status == .unprocessableEntity)
            let changed = try await grid.send(.POST, "/account/security/password", form: [
                "currentPassword": demoPassword, "newPassword": "Renewed#2027", "confirmPassword": "Renewed#2027"])
            #expect(changed.status == .seeOther && Self.location(changed) == "/login?changed=1")
            let ended = try await grid.send(.GET, "/my-data")
            #expect(ended.status == .seeOther && Self.location(ended).hasPrefix("/signin"), "the old session ended")
            var back = try await TestClient.browser(app, as: "grid", password: "Renewed#2027")
            #expect(try await back.send(.GET, "/my-data").status == .ok)

            // A resident's old password does not hold them.
            try await age("resident", days: 400)
            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await resident.send(.GET, "/api/v1/cases").status == .ok)
        }
        try await withApp { app, _ in
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
            user.passwordChangedAt = app.clock.now.addingTimeInterval(-400 * 86_400)
            try await user.update(on: app.db)
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.GET, "/api/v1/cases").status == .ok, "the standard profile has no lifetime")
            var admin = try await TestClient.browser(app, as: "admin")
            #expect(try await admin.send(.GET, "/").status == .ok, "nor a required second factor")
        }
    }

    @Test("anyone may turn the second factor on; the security administrator resets it (audited, sessions end); others may not")
    func voluntaryAndReset() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.browser(app, as: "worker")
            _ = try await worker.send(.GET, "/account/security")
            let start = try await worker.send(.POST, "/account/security/enrol", form: [:])
            #expect(start.status == .ok)
            let secret = try Self.shownKey(start)
            #expect(try await worker.send(.POST, "/account/security/enrol", form: ["code": Self.currentCode(secret, app)]).status == .seeOther)
            #expect(try await worker.send(.POST, "/account/security/enrol", form: [:]).status == .conflict, "already on")
            // Posting a code when none is awaited counts no failure.
            let failures = try await AuditRecord.query(on: app.db).filter(\.$action == "login.failure").count()
            #expect(try await worker.send(.POST, "/account/security/verify", form: ["code": "000000"]).status == .seeOther)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "login.failure").count() == failures)
            app.clock.advance(by: 30)
            var again = TestClient(app)
            let signedIn = try await again.login("worker", password: demoPassword)
            #expect(Self.location(signedIn).hasPrefix("/account/security"))
            #expect(try await again.send(.GET, "/my-data").status == .seeOther)

            let userID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first()?.id)
            let path = "/api/v1/users/\(userID.uuidString)/second-factor/reset"
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.POST, path).status == .forbidden)
            var security = try await TestClient.api(app, as: "security")
            #expect(try await security.send(.POST, "/api/v1/users/\(UUID().uuidString)/second-factor/reset").status == .notFound)
            #expect(try await security.send(.POST, path).status == .noContent)
            #expect(try await Self.auditActions(app).contains("user.second_factor.reset:"))
            #expect(try await again.send(.GET, "/account/security").status == .seeOther, "the account's sessions ended")
            var after = try await TestClient.browser(app, as: "worker")
            let casesPage = try await after.send(.GET, "/my-data")
            #expect(casesPage.status == .ok, "no code asked any more: \(casesPage.status) \(Self.location(casesPage))")
        }
    }
}
