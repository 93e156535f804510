import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Issue 24: what an outside attack test found, each checked where it was found.
@Suite("Attack findings: numbers in public text, invisible characters")
struct AttackFindingsTests {
    struct NewCase: Encodable, Sendable {
        var title: String
        var description: String
        var buildingId: UUID
        var `public` = true
    }

    @Test("finding 6: a phone or ID number typed into a public case is masked on Open311, the board and for staff without the unmask right")
    func numbersInPublicText() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let created = try await resident.send(.POST, "/api/v1/cases", json: NewCase(
                title: "楼道灯坏了，电话13812345678", description: "请联系我：13812345678，身份证110105194912310021。3号楼1201室", buildingId: building))
            #expect(created.status == .created)
            let dto = try created.content.decode(CaseDTO.self)
            // The submitter sees what they wrote.
            #expect(dto.description.contains("13812345678"))
            let mine = try await resident.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").content.decode(CaseDTO.self)
            #expect(mine.title.contains("13812345678"))
            // Open311, anonymously, as JSON and XML.
            var anonymous = TestClient(app)
            for format in ["json", "xml"] {
                let answer = try await anonymous.send(.GET, "/open311/v2/requests.\(format)?service_request_id=\(dto.number)").body.string
                #expect(answer.contains(dto.number), "\(format)")
                #expect(!answer.contains("13812345678") && !answer.contains("110105194912310021"), "\(format): \(answer.prefix(400))")
                #expect(answer.contains("138****5678") && answer.contains("110105********0021"), "\(format)")
                #expect(answer.contains("1201"), "other numbers stay")
            }
            // The board, for another reader of the community (the worker reads it as the public does).
            var browser = try await TestClient.browser(app, as: "worker")
            let board = try await browser.send(.GET, "/board/\(dto.id.uuidString)").body.string
            #expect(!board.contains("13812345678") && board.contains("138****5678"))
            // Staff with the unmask right see the number whole; the grid worker, who has no such right, does not.
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").content.decode(CaseDTO.self).description.contains("13812345678"))
            var grid = try await TestClient.api(app, as: "grid")
            let seenByGrid = try await grid.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").content.decode(CaseDTO.self)
            #expect(!seenByGrid.description.contains("13812345678") && seenByGrid.description.contains("138****5678"))
            let listed = try await grid.send(.GET, "/api/v1/cases?limit=200").content.decode(ListPage<CaseDTO>.self).items.first { $0.id == dto.id }
            #expect(listed?.title == "楼道灯坏了，电话138****5678")
            var gridPages = try await TestClient.browser(app, as: "grid")
            let casePage = try await gridPages.send(.GET, "/cases/\(dto.id.uuidString)").body.string
            #expect(!casePage.contains("13812345678") && casePage.contains("138****5678"))
        }
    }

    @Test("finding 6: numbers in a need are masked for other residents, whole for whoever raised it")
    func numbersInNeeds() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let raised = try await worker.send(.POST, "/api/v1/needs", json: ["title": "加装电梯，联系13912345678", "description": "业主代表电话 139 1234 5678",
                                                                              "communityId": f.communityA.id!.uuidString])
            #expect(raised.status == .created, "\(raised.body.string)")
            let need = try raised.content.decode(NeedDTO.self)
            #expect(need.title.contains("13912345678"))
            var resident = try await TestClient.api(app, as: "resident")
            let seen = try await resident.send(.GET, "/api/v1/needs/\(need.id.uuidString)").content.decode(NeedDTO.self)
            #expect(seen.title == "加装电梯，联系139****5678" && seen.description == "业主代表电话 139****5678")
            var pages = try await TestClient.browser(app, as: "resident")
            let page = try await pages.send(.GET, "/needs/\(need.id.uuidString)").body.string
            #expect(!page.contains("13912345678") && !page.contains("139 1234 5678") && page.contains("139****5678"))
        }
    }

    @Test("finding 7: bidirectional controls and zero-width characters are refused in titles and names, and shown in text")
    func invisibleCharacters() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let cases = try await CaseRecord.query(on: app.db).count()
            for title in ["路灯\u{202E}坏了", "路灯\u{200B}坏了", "\u{2066}路灯坏了\u{2069}"] {
                let refused = try await worker.send(.POST, "/api/v1/cases", json: ["title": title, "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
                #expect(refused.status == .unprocessableEntity)
                let error = try refused.content.decode(ErrorJSON.self).error
                #expect(error.code == "invisible_character" && error.field == "title")
            }
            #expect(try await CaseRecord.query(on: app.db).count() == cases)
            let named = try await worker.send(.POST, "/api/v1/needs", json: ["title": "议题\u{202E}txt.exe", "communityId": f.communityA.id!.uuidString])
            #expect(named.status == .unprocessableEntity)
            // In a description the character is kept, and the staff page shows it.
            let kept = try await worker.send(.POST, "/api/v1/cases", json: ["title": "路灯坏了", "description": "见附件\u{202E}gpj.exe",
                                                                            "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
            let id = try kept.content.decode(CaseDTO.self).id
            var browser = try await TestClient.browser(app, as: "worker")
            let page = try await browser.send(.GET, "/cases/\(id.uuidString)").body.string
            #expect(page.contains("见附件⟦U+202E⟧gpj.exe"))
        }
    }

    @Test("finding 5: strangers cannot lock the owner out; a spread attack slows strangers, never the owner's known address")
    func noLockOutByStrangers() async throws {
        // The test client has no socket address: trusting "" as the proxy makes X-Forwarded-For the caller.
        try await withApp(adjust: { $0.trustedProxies = [""] }) { app, _ in
            var client = TestClient(app)
            func token(_ username: String, _ password: String, from address: String) async throws -> TestingHTTPResponse {
                try await client.send(.POST, "/api/v1/auth/token", json: ["username": username, "password": password], headers: ["X-Forwarded-For": address])
            }
            // A stranger guesses the security administrator's password five times from one address: locked there only.
            for n in 0..<4 { #expect(try await token("security", "wrong-\(n)", from: "203.0.113.7").status == .unauthorized) }
            let fifth = try await token("security", "wrong-4", from: "203.0.113.7")
            #expect(fifth.status == .tooManyRequests && fifth.headers.first(name: "Retry-After") == "900")
            #expect(try await token("security", demoPassword, from: "203.0.113.7").status == .tooManyRequests)
            #expect(try await token("security", demoPassword, from: "192.0.2.10").status == .created, "the owner elsewhere is not locked out")

            // The worker has signed in from home before; then ten failures from ten addresses: a spread attack.
            #expect(try await token("worker", demoPassword, from: "198.51.100.60").status == .created)
            for n in 0..<10 { #expect(try await token("worker", "wrong", from: "203.0.113.\(20 + n)").status == .unauthorized, "\(n)") }
            let attacks = try await AuditRecord.query(on: app.db).filter(\.$action == "login.spread_attack").all()
            #expect(attacks.count == 1 && attacks[0].summary.contains("10 addresses"))
            // A stranger with the right password is slowed (one attempt per 30 s), the owner at home is not.
            let slowed = try await token("worker", demoPassword, from: "192.0.2.77")
            #expect(slowed.status == .tooManyRequests)
            #expect((1...30).contains(try #require(slowed.headers.first(name: "Retry-After").flatMap(Int.init))))
            #expect(try await token("worker", demoPassword, from: "198.51.100.60").status == .created)
            app.clock.advance(by: 31)
            #expect(try await token("worker", demoPassword, from: "192.0.2.77").status == .created)
        }
    }

    @Test("finding 2: the security administrator cannot put a second account on a resident; a worker links one with evidence; full numbers need the password again")
    func secondAccountOnOnePerson() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let resident = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let person = try #require(resident.$person.id)
            var security = try await TestClient.api(app, as: "security")
            // The finding: an account created straight onto the resident's identity.
            let shadow = try await security.send(.POST, "/api/v1/users", json: ["username": "shadow1", "displayName": "影子", "password": demoPassword,
                                                                              "personId": person.uuidString])
            #expect(shadow.status == .unprocessableEntity)
            #expect(try shadow.content.decode(ErrorJSON.self).error.code == "person_link_needs_confirmation")
            #expect(try await UserRecord.query(on: app.db).filter(\.$username == "shadow1").count() == 0)
            // Made without a person, it cannot be linked by the security administrator, nor to a person who has an account.
            let created = try await security.send(.POST, "/api/v1/users", json: ["username": "shadow1", "displayName": "影子", "password": demoPassword])
            let shadowID = try created.content.decode(UserIDOnly.self).id
            #expect(try await security.send(.POST, "/api/v1/persons/\(person.uuidString)/account", json: ["userId": shadowID.uuidString, "evidence": "x"]).status
                    == .forbidden)
            var worker = try await TestClient.api(app, as: "worker")
            let taken = try await worker.send(.POST, "/api/v1/persons/\(person.uuidString)/account", json: ["userId": shadowID.uuidString, "evidence": "查验身份证"])
            #expect(taken.status == .conflict)
            #expect(try taken.content.decode(ErrorJSON.self).error.code == "person_has_account")
            // The database itself refuses a second account on one person (both databases).
            await #expect(throws: (any Error).self) {
                try await app.db.sql().raw("UPDATE users SET person_id = \(bind: person) WHERE id = \(bind: shadowID)").run()
            }
            // A person of community A without an account (the fixture's first person may be the demo resident).
            let linkedPersons = Set(try await UserRecord.query(on: app.db).all().compactMap { $0.$person.id })
            let free = try #require(try await PersonRecord.query(on: app.db).filter(\.$orgPath =~ f.communityA.path).all()
                .first { !linkedPersons.contains($0.id!) })
            // Another community's worker cannot see the person; evidence is required.
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.POST, "/api/v1/persons/\(free.id!.uuidString)/account", json: ["userId": shadowID.uuidString, "evidence": "查验"]).status
                    == .notFound)
            // Never one's own account, nor a colleague's staff account.
            let workerID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first()?.id)
            let own = try await worker.send(.POST, "/api/v1/persons/\(free.id!.uuidString)/account", json: ["userId": workerID.uuidString, "evidence": "查验身份证"])
            #expect(own.status == .conflict)
            let gridID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "grid").first()?.id)
            let colleague = try await worker.send(.POST, "/api/v1/persons/\(free.id!.uuidString)/account", json: ["userId": gridID.uuidString, "evidence": "查验身份证"])
            #expect(colleague.status == .conflict)
            #expect(try colleague.content.decode(ErrorJSON.self).error.code == "staff_account")
            let noEvidence = try await worker.send(.POST, "/api/v1/persons/\(free.id!.uuidString)/account", json: ["userId": shadowID.uuidString])
            #expect(noEvidence.status == .unprocessableEntity)
            // The worker links it to a person without an account, with evidence; audited.
            let linked = try await worker.send(.POST, "/api/v1/persons/\(free.id!.uuidString)/account",
                                               json: ["userId": shadowID.uuidString, "evidence": "窗口查验身份证原件 110105194912310021"])
            #expect(linked.status == .ok, "\(linked.body.string)")
            let entry = try #require(try await AuditRecord.query(on: app.db).filter(\.$action == "user.link_person").first())
            #expect(entry.objectID == shadowID.uuidString.lowercased())

            // The resident's own copy: numbers masked; whole only with the password again.
            var ownClient = try await TestClient.api(app, as: "resident")
            let masked = try await ownClient.send(.GET, "/api/v1/me/data").body.string
            let personRow = try #require(try await PersonRecord.find(person, on: app.db))
            let idNumber = try app.gongzhi.cipher.open(personRow.idNumberSealed, field: .idNumber)
            #expect(!masked.contains(idNumber) && masked.contains(Masking.idNumber(idNumber)))
            #expect(try await ownClient.send(.POST, "/api/v1/me/data", json: ["password": "wrong-password"]).status == .forbidden)
            let whole = try await ownClient.send(.POST, "/api/v1/me/data", json: ["password": demoPassword])
            #expect(whole.status == .ok && whole.body.string.contains(idNumber))
            // Guessing the password there is limited like signing in: after five wrong ones, even the right one waits.
            for _ in 0..<3 { #expect(try await ownClient.send(.POST, "/api/v1/me/data", json: ["password": "wrong-password"]).status == .forbidden) }
            #expect(try await ownClient.send(.POST, "/api/v1/me/data", json: ["password": "wrong-password"]).status == .tooManyRequests)
            #expect(try await ownClient.send(.POST, "/api/v1/me/data", json: ["password": demoPassword]).status == .tooManyRequests)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "data.export").all().contains { $0.summary.contains("numbers=whole") })
        }
    }

    struct UserIDOnly: Decodable { let id: UUID }
}
