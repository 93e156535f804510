import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Sign-up and sign-in with a mobile number and a texted code, through the development provider's outbox file.
@Suite("Sign-up and sign-in by mobile number and one-time code")
struct PhoneSignInTests {
    /// A canary number (security/canaries.tsv): the suite's log scan fails if any log line shows it.
    static let phone = Canaries.value("signin_phone")

    /// The codes the file provider wrote for `phone`, oldest first.
    static func codes(_ app: Application, to phone: String = phone) throws -> [String] {
        let path = app.gongzhi.config.storageDirectory + "/sms-outbox.jsonl"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").compactMap { line in
            let entry = try JSONDecoder().decode([String: String].self, from: Data(line.utf8))
            #expect(entry["text"]?.contains(entry["code"] ?? "-") == true)
            return entry["to"] == phone ? entry["code"] : nil
        }
    }

    @Test("API: a code by text, a token for it, a new resident account; the code works once; never in a log or the audit log")
    func apiSignUp() async throws {
        try await withApp { app, _ in
            var client = TestClient(app)
            let sent = try await client.send(.POST, "/api/v1/auth/phone/code", json: ["phone": "+86 136 0271 8459"])
            #expect(sent.status == .accepted)
            let code = try #require(try Self.codes(app).last)
            TestLog.shared.watch(code)
            let linesBefore = TestLog.shared.lines.load(ordering: .relaxed)
            let wrong = code == "000000" ? "111111" : "000000"
            let refused = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": wrong])
            #expect(refused.status == .unprocessableEntity)
            #expect(try refused.content.decode(ErrorJSON.self).error.code == "wrong_code")
            let signedIn = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": code])
            #expect(signedIn.status == .created)
            let token = try signedIn.content.decode(PhoneSignInController.PhoneToken.self)
            #expect(token.created)
            client.bearer = token.token
            let me = try await client.send(.GET, "/api/v1/me")
            #expect(me.status == .ok && me.body.string.contains("136****8459") && !me.body.string.contains(Self.phone))
            // The same code again: refused, whoever sends it.
            var other = TestClient(app)
            let again = try await other.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": code])
            #expect(again.status == .unprocessableEntity && again.body.string.contains("new_code_needed"))
            #expect(TestLog.shared.lines.load(ordering: .relaxed) > linesBefore)
            #expect(TestLog.shared.seen(code) == 0, "the code reached a log line")
            let audit = try await AuditRecord.query(on: app.db).all()
            #expect(audit.contains { $0.action == "user.signup" } && audit.contains { $0.action == "phone.code_sent" })
            #expect(!audit.contains { "\($0.summary) \($0.objectID) \($0.actor)".contains(code) || "\($0.summary)".contains(Self.phone) })
            // Only hashes are stored: neither the code nor the number is in the table.
            let row = try #require(try await PhoneCodeRecord.query(on: app.db).first())
            #expect(!row.codeHash.contains(code) && !row.phoneHash.contains(Self.phone))
            // Signing in again with a new code reaches the same account.
            app.clock.advance(by: 61)
            #expect(try await other.send(.POST, "/api/v1/auth/phone/code", json: ["phone": Self.phone]).status == .accepted)
            let second = try await other.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": try #require(try Self.codes(app).last)])
            #expect(second.status == .created)
            #expect(try second.content.decode(PhoneSignInController.PhoneToken.self).created == false)
            #expect(try await UserRecord.query(on: app.db).filter(\.$phoneMask == "136****8459").count() == 1)
        }
    }

    @Test("limits: a new code only after 60 s, 5 per number an hour, 20 per address an hour; 429 with Retry-After")
    func limits() async throws {
        try await withApp(adjust: { $0.trustedProxies = [""] }) { app, _ in
            var client = TestClient(app)
            func send(_ phone: String = Self.phone, from address: String = "203.0.113.5") async throws -> TestingHTTPResponse {
                try await client.send(.POST, "/api/v1/auth/phone/code", json: ["phone": phone], headers: ["X-Forwarded-For": address])
            }
            #expect(try await send().status == .accepted)
            let early = try await send()
            #expect(early.status == .tooManyRequests && early.headers.first(name: "Retry-After") == "60")
            for _ in 0..<4 {
                app.clock.advance(by: 60)
                #expect(try await send().status == .accepted)
            }
            app.clock.advance(by: 60)
            let hourly = try await send()
            #expect(hourly.status == .tooManyRequests)
            // The first of the five leaves the hour 300 s after it was sent plus an hour: 3 300 s from now.
            #expect(hourly.headers.first(name: "Retry-After") == "3300")
            #expect(try Self.codes(app).count == 5)
            // Per address: 20 numbers from one address, then no more from it; another address is not held up.
            for n in 0..<15 { #expect(try await send("1380000\(String(format: "%04d", n))").status == .accepted, "\(n)") }
            #expect(try await send("13900000000").status == .tooManyRequests)
            #expect(try await send("13900000000", from: "203.0.113.6").status == .accepted)
            // Bad numbers are refused before anything is counted.
            let bad = try await send("12345")
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("\"field\":\"phone\""))
        }
    }

    @Test("an expired code, a code after five wrong tries, and a code for another number are refused")
    func refusals() async throws {
        try await withApp { app, _ in
            var client = TestClient(app)
            _ = try await client.send(.POST, "/api/v1/auth/phone/code", json: ["phone": Self.phone])
            let first = try #require(try Self.codes(app).last)
            app.clock.advance(by: 300)
            let late = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": first])
            #expect(late.status == .unprocessableEntity && late.body.string.contains("new_code_needed"))
            app.clock.advance(by: 60)
            _ = try await client.send(.POST, "/api/v1/auth/phone/code", json: ["phone": Self.phone])
            let second = try #require(try Self.codes(app).last)
            // The code of one number does not open another.
            #expect(try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": "13900000001", "code": second]).status == .unprocessableEntity)
            let wrong = second == "000000" ? "111111" : "000000"
            var answers: [String] = []
            for _ in 0..<5 {
                answers.append(try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": wrong]).content
                    .decode(ErrorJSON.self).error.code)
            }
            #expect(answers == ["wrong_code", "wrong_code", "wrong_code", "wrong_code", "new_code_needed"])
            // Five wrong codes from one address also hold that address back, as failed sign-ins do.
            let spent = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": second])
            #expect(spent.status == .tooManyRequests && spent.body.string.contains("too_many_tries") && spent.headers.first(name: "Retry-After") != nil)
            app.clock.advance(by: 11 * 60)
            #expect(try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": second]).status == .unprocessableEntity)
            #expect(try await UserRecord.query(on: app.db).filter(\.$phoneMask == "136****8459").count() == 0)
            // A code of the wrong shape costs no try.
            let shape = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": "12"])
            #expect(shape.status == .unprocessableEntity && shape.body.string.contains("\"field\":\"code\""))
        }
    }

    @Test("a number in the register of residents opens no one's account: the code makes a new one, the registered account is untouched")
    func registeredResident() async throws {
        try await withApp { app, _ in
            let resident = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let person = try #require(try await PersonRecord.find(resident.$person.id, on: app.db))
            person.setPhone(try MobileNumber(validating: Self.phone), cipher: app.gongzhi.cipher)
            try await person.update(on: app.db)
            var client = TestClient(app)
            _ = try await client.send(.POST, "/api/v1/auth/phone/code", json: ["phone": Self.phone])
            let signedIn = try await client.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": try #require(try Self.codes(app).last)])
            let token = try signedIn.content.decode(PhoneSignInController.PhoneToken.self)
            #expect(token.created)
            client.bearer = token.token
            let me = try await client.send(.GET, "/api/v1/me").content.decode(LoginController.MeResponse.self)
            #expect(me.username != "resident" && me.grants.isEmpty)
            #expect(try await UserRecord.find(resident.id, on: app.db)?.phoneHash == nil)
        }
    }

    @Test("pages: the number, then the code (the number kept in a sealed cookie, not the address), then home with a welcome; a new resident may raise a problem anywhere")
    func pages() async throws {
        try await withApp { app, _ in
            var browser = TestClient(app)
            // A visitor's home is the front door, not a sign-in form.
            let door = try await browser.send(.GET, "/")
            #expect(door.status == .ok && door.body.string.contains("96333") && door.body.string.contains("href=\"/signin\""))
            // A visitor may write a problem first (the number comes at the end: VisitorRequestTests).
            let raise = try await browser.send(.GET, "/requests/new")
            #expect(raise.status == .ok && raise.body.string.contains("req-title"))
            #expect(try await browser.send(.GET, "/signin?next=/requests/new").status == .ok)
            let sent = try await browser.send(.POST, "/signin", form: ["phone": Self.phone, "next": "/requests/new"])
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers.first(name: .location))
            #expect(location.hasPrefix("/signin/code") && !location.contains("8459"))
            #expect(browser.cookies[PhoneSignInController.cookie].map { !$0.contains("8459") } == true)
            let codePage = try await browser.follow(sent)
            #expect(codePage.status == .ok && codePage.body.string.contains("136****8459"))
            // A resend too soon says how long to wait, on the page.
            let soon = try await browser.send(.POST, "/signin/resend", form: ["next": "/"])
            #expect(soon.status == .tooManyRequests && soon.body.string.contains("秒后"))
            let wrong = try await browser.send(.POST, "/signin/code", form: ["code": "12345x", "next": "/"])
            #expect(wrong.status == .unprocessableEntity)
            let done = try await browser.send(.POST, "/signin/code", form: ["code": try #require(try Self.codes(app).last), "next": "/"])
            #expect(done.status == .seeOther && done.headers.first(name: .location) == "/?welcome=1")
            let home = try await browser.follow(done)
            #expect(home.status == .ok && home.body.string.contains("账号已开通") && home.body.string.contains("还没登记为您家的住户"))
            // A resident not yet in a household may report at any building (choosing the place).
            let building = try #require(try await BuildingRecord.query(on: app.db).first())
            let form = try await browser.send(.GET, "/requests/new")
            #expect(form.status == .ok)
            var api = TestClient(app)
            app.clock.advance(by: 61)
            _ = try await api.send(.POST, "/api/v1/auth/phone/code", json: ["phone": Self.phone])
            let signedIn = try await api.send(.POST, "/api/v1/auth/phone/token", json: ["phone": Self.phone, "code": try #require(try Self.codes(app).last)])
            api.bearer = try signedIn.content.decode(PhoneSignInController.PhoneToken.self).token
            let created = try await api.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮", buildingId: building.id!))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(CaseDTO.self).id
            #expect(try await api.send(.GET, "/api/v1/cases/\(id)").status == .ok)
            // The signed-up account holds no grant: the compound's own pages stay closed.
            #expect(try await api.send(.GET, "/api/v1/owner-votes").content.decode(ListPage<OwnerVoteDTO>.self).items.isEmpty)
        }
    }

    @Test("configuration: the file provider is refused over HTTPS; the gateway needs its address and key; unset over HTTPS switches phone sign-in off")
    func configuration() throws {
        var problems: [String] = []
        #expect(AppConfig.smsSetting([:], https: false, problems: &problems) == .file(path: nil))
        #expect(AppConfig.smsSetting([:], https: true, problems: &problems) == .disabled)
        #expect(problems.isEmpty)
        _ = AppConfig.smsSetting(["GONGZHI_SMS_PROVIDER": "file:/tmp/x"], https: true, problems: &problems)
        #expect(problems.count == 1 && problems[0].contains("development only"))
        problems = []
        _ = AppConfig.smsSetting(["GONGZHI_SMS_PROVIDER": "http"], https: true, problems: &problems)
        #expect(problems.count == 2)
        problems = []
        let gateway = AppConfig.smsSetting(["GONGZHI_SMS_PROVIDER": "http", "GONGZHI_SMS_URL": "https://sms.example/send", "GONGZHI_SMS_KEY": "k"],
                                           https: true, problems: &problems)
        #expect(problems.isEmpty && gateway == .http(url: "https://sms.example/send", key: "k", template: "GONGZHI_CODE"))
        _ = AppConfig.smsSetting(["GONGZHI_SMS_PROVIDER": "pigeon"], https: false, problems: &problems)
        #expect(problems.count == 1)
    }
}

@Suite("A resident's optional password, set and reset with a texted code")
struct PhonePasswordTests {
    @Test("a code to the account's own number sets the password; sessions end; the number and password then sign in; a wrong code sets nothing")
    func setWithCode() async throws {
        try await withApp { app, _ in
            let phone = "13912345678"
            var browser = try await HouseholdJoiningTests.signedUp(app, phone: phone)
            let page = try await browser.send(.GET, "/account/security")
            #expect(page.body.string.contains("登录密码（可以不设）") && !page.body.string.contains("name=\"currentPassword\""))
            app.clock.advance(by: 61)
            let sent = try await browser.send(.POST, "/account/security/password-code", form: [:])
            #expect(sent.status == .seeOther)
            let code = try #require(try PhoneSignInTests.codes(app, to: phone).last)
            let wrong = code == "000000" ? "111111" : "000000"
            let refused = try await browser.send(.POST, "/account/security/password-by-code",
                                                 form: ["code": wrong, "newPassword": "Lanhua#2026yes", "confirmPassword": "Lanhua#2026yes"])
            #expect(refused.status == .unprocessableEntity)
            let differ = try await browser.send(.POST, "/account/security/password-by-code",
                                                form: ["code": code, "newPassword": "Lanhua#2026yes", "confirmPassword": "Lanhua#2026no"])
            #expect(differ.status == .unprocessableEntity)
            let done = try await browser.send(.POST, "/account/security/password-by-code",
                                              form: ["code": code, "newPassword": "Lanhua#2026yes", "confirmPassword": "Lanhua#2026yes"])
            #expect(done.status == .seeOther && done.headers.first(name: .location) == "/login?changed=1")
            // The old session is over.
            #expect(try await browser.send(.GET, "/account/security").status != .ok)
            // The number and the password sign in (on the sign-in form, in place of a username).
            var again = TestClient(app)
            _ = try await again.send(.GET, "/login")
            let login = try await again.send(.POST, "/login", form: ["username": phone, "password": "Lanhua#2026yes", "next": "/"])
            #expect(login.status == .seeOther && login.headers.first(name: .location) == "/")
            // The code was spent: it cannot set another password.
            #expect(try await again.send(.GET, "/account/security").status == .ok)
            let reused = try await again.send(.POST, "/account/security/password-by-code",
                                              form: ["code": code, "newPassword": "Other#Pass2026", "confirmPassword": "Other#Pass2026"])
            #expect(reused.status == .unprocessableEntity)
            let audit = try await AuditRecord.query(on: app.db).all().map(\.action)
            #expect(audit.contains("user.password_by_code"))
            #expect(TestLog.shared.seen(code) == 0)
        }
    }

    @Test("staff accounts (no number) cannot use it")
    func staffCannot() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.browser(app, as: "worker")
            _ = try await worker.send(.GET, "/account/security")
            #expect(try await worker.send(.POST, "/account/security/password-code", form: [:]).status == .forbidden)
            #expect(try await worker.send(.POST, "/account/security/password-by-code", form: ["code": "123456"]).status == .forbidden)
        }
    }
}
