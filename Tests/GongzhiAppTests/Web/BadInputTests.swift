import Fluent
import Foundation
import Testing
import VaporTesting
import FluentSQLiteDriver
@testable import GongzhiApp

@Suite("Bad input gets a clear 4xx, never a 500 or a partial write")
struct BadInputTests {
    @Test("a known address asked with a method it lacks answers 405 with Allow; OPTIONS answers 204 with Allow")
    func methodNotAllowed() async throws {
        try await withApp(households: 5) { app, _ in
            var worker = try await TestClient.api(app, as: "worker")
            func allow(_ method: HTTPMethod, _ path: String) async throws -> (HTTPStatus, String?) {
                let response = try await worker.send(method, path)
                if response.status == .methodNotAllowed {
                    #expect(try response.content.decode(ErrorJSON.self).error.code == "method_not_allowed")
                }
                return (response.status, response.headers.first(name: "Allow"))
            }
            #expect(try await allow(.TRACE, "/api/v1/cases") == (.methodNotAllowed, "GET, HEAD, OPTIONS, POST"))
            #expect(try await allow(.DELETE, "/api/v1/cases/\(UUID())") == (.methodNotAllowed, "GET, HEAD, OPTIONS"))
            // The most specific route names the resource: `lookup` is not a person, `from-cases` is not a need.
            #expect(try await allow(.PATCH, "/api/v1/persons/lookup") == (.methodNotAllowed, "OPTIONS, POST"))
            #expect(try await allow(.GET, "/api/v1/needs/from-cases") == (.methodNotAllowed, "OPTIONS, POST"))
            #expect(try await allow(.OPTIONS, "/api/v1/needs/from-cases") == (.noContent, "OPTIONS, POST"))
            #expect(try await allow(.PUT, "/api/v1/no-such-route") == (.notFound, nil))
            #expect(try await allow(.GET, "/api/v1/cases").0 == .ok)
            // A page address too, answered as a page.
            var browser = TestClient(app)
            let page = try await browser.send(.DELETE, "/login")
            #expect(page.status == .methodNotAllowed)
            #expect(page.headers.first(name: "Allow") == "GET, HEAD, OPTIONS, POST")
            #expect(page.headers.contentType?.subType == "html")
            // A page's filter form sends an empty value for "any": that stays allowed.
            var staff = try await TestClient.browser(app, as: "worker")
            #expect(try await staff.send(.GET, "/org?node=").status == .ok)
        }
    }

    @Test("malformed JSON, wrong types, missing fields, unknown and malformed ids, oversize bodies")
    func apiErrors() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let nodes = try await OrgNodeRecord.query(on: app.db).count()
            let audits = try await app.auditCount()
            func check(_ method: HTTPMethod, _ path: String, raw: String? = nil, json: (any Encodable & Sendable)? = nil,
                       status: HTTPStatus, code: String, field: String? = nil) async throws {
                let response = try await worker.send(method, path, json: json, raw: raw, contentType: raw == nil ? nil : .json)
                #expect(response.status == status, "\(method) \(path): \(response.body.string)")
                let body = try response.content.decode(ErrorJSON.self)
                #expect(body.error.code == code, "\(path)")
                #expect(!body.error.message.isEmpty)
                if let field { #expect(body.error.field == field, "\(path)") }
                #expect(!response.body.string.contains("/work/") && !response.body.string.contains("SELECT"))
            }
            try await check(.POST, "/api/v1/org/nodes", raw: "{\"name\": ", status: .badRequest, code: "malformed_json")
            try await check(.POST, "/api/v1/org/nodes", raw: "{\"name\": 12, \"parentId\": \"\(f.communityA.id!.uuidString)\"}", status: .unprocessableEntity, code: "invalid", field: "name")
            try await check(.POST, "/api/v1/org/nodes", raw: "{\"parentId\": \"not-a-uuid\", \"name\": \"x\"}", status: .unprocessableEntity, code: "invalid", field: "parentId")
            try await check(.POST, "/api/v1/org/nodes", json: ["parentId": f.communityA.id!.uuidString], status: .unprocessableEntity, code: "required", field: "name")
            try await check(.POST, "/api/v1/org/nodes", json: ["parentId": f.communityA.id!.uuidString, "name": String(repeating: "长", count: 101)], status: .unprocessableEntity, code: "too_long", field: "name")
            try await check(.POST, "/api/v1/org/nodes", json: ["parentId": UUID().uuidString, "name": "x"], status: .notFound, code: "not_found")
            try await check(.GET, "/api/v1/org/nodes/not-a-uuid", status: .notFound, code: "not_found")
            try await check(.GET, "/api/v1/persons/\(UUID().uuidString)", status: .notFound, code: "not_found")
            try await check(.GET, "/api/v1/org/nodes?limit=100000", status: .unprocessableEntity, code: "invalid", field: "limit")
            try await check(.GET, "/api/v1/org/nodes?level=planet", status: .unprocessableEntity, code: "invalid", field: "level")
            try await check(.POST, "/api/v1/org/units", raw: "{\"buildingId\": \"\(UUID().uuidString)\", \"number\": \"1\", \"area\": \"-5\"}", status: .unprocessableEntity, code: "invalid_area", field: "area")
            try await check(.GET, "/api/v1/no-such-route", status: .notFound, code: "not_found")
            // Query parameters: given but not what they must be is refused, not quietly replaced by the default.
            try await check(.GET, "/api/v1/cases?offset=null", status: .unprocessableEntity, code: "invalid", field: "offset")
            try await check(.GET, "/api/v1/cases?limit=10&limit=20", status: .unprocessableEntity, code: "invalid", field: "limit")
            try await check(.GET, "/api/v1/households?unitId=", status: .unprocessableEntity, code: "invalid", field: "unitId")
            try await check(.GET, "/api/v1/catalogue/export?version=v1", status: .unprocessableEntity, code: "invalid", field: "version")
            // The size limit applies while the body streams in: only a real server shows it.
            let huge = "{\"name\": \"" + String(repeating: "x", count: 2 * 1024 * 1024) + "\"}"
            let token = try #require(worker.bearer)
            let tooLarge = try await sendLive(app, .POST, "/api/v1/org/nodes",
                                              headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                              body: ByteBuffer(string: huge))
            #expect(tooLarge.status == .payloadTooLarge)
            #expect(try tooLarge.content.decode(ErrorJSON.self).error.code == "body_too_large")
            #expect(try await OrgNodeRecord.query(on: app.db).count() == nodes)
            #expect(try await app.auditCount() == audits)
        }
    }

    @Test("U+0000 sent in JSON, a query, a form, a multipart text field or a CSV file is a 400 invalid_character and writes nothing; the text \\u0000 is not")
    func nulCharacter() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let building = try await residentBuilding(app)
            var resident = try await TestClient.api(app, as: "resident")
            var auditor = try await TestClient.api(app, as: "auditor")
            var worker = try await TestClient.api(app, as: "worker")
            var browser = try await TestClient.browser(app, as: "resident")
            let cases = try await CaseRecord.query(on: app.db).count()
            let persons = try await PersonRecord.query(on: app.db).count()
            let audits = try await app.auditCount()
            func expectRefused(_ response: TestingHTTPResponse, _ what: String, page: Bool = false) throws {
                #expect(response.status == .badRequest, "\(what): \(response.body.string.prefix(300))")
                if page {
                    #expect(response.body.string.contains("空字符"), "\(what)")
                } else {
                    #expect(try response.content.decode(ErrorJSON.self).error.code == "invalid_character", "\(what)")
                }
            }
            try expectRefused(try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "路灯\u{0}坏了", buildingId: building)), "JSON")
            try expectRefused(try await resident.send(.POST, "/api/v1/cases", raw: #"{"title":"路灯坏了","description":"\u0000","buildingId":"\#(building)"}"#,
                                                      contentType: .json), "JSON escape")
            try expectRefused(try await resident.send(.GET, "/api/v1/cases?state=%00"), "query")
            try expectRefused(try await auditor.send(.GET, "/api/v1/audit?actor=worker%00"), "query to the database")
            try expectRefused(try await resident.sendMultipart("/api/v1/cases", fields: ["title": "路灯\u{0}坏了", "buildingId": building.uuidString],
                                                               fileName: "a.txt", contentType: "text/plain", file: Array("x".utf8)), "multipart")
            let csv = ImportTests().file(grid: f.gridA.name).replacingOccurrences(of: "\n", with: "\u{0}\n")
            try expectRefused(try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", raw: csv,
                                                    contentType: HTTPMediaType(type: "text", subType: "csv")), "CSV")
            try expectRefused(try await browser.send(.POST, "/requests/new", form: ["title": "路灯\u{0}坏了", "buildingId": building.uuidString]),
                              "page form", page: true)
            #expect(try await CaseRecord.query(on: app.db).count() == cases)
            #expect(try await PersonRecord.query(on: app.db).count() == persons)
            #expect(try await app.auditCount() == audits)
            // A backslash followed by the text u0000 is only text.
            let text = try await resident.send(.POST, "/api/v1/cases", raw: #"{"title":"C:\\u0000 路灯","buildingId":"\#(building)"}"#, contentType: .json)
            #expect(text.status == .created, "\(text.body.string)")
            #expect(try text.content.decode(CaseDTO.self).title == #"C:\u0000 路灯"#)
        }
    }

    @Test("overload (no pooled connection in time, SQLite locked past its timeout) is 503 busy with Retry-After, not 500")
    func overloadIsBusy() async throws {
        try await withApp(seed: false) { app, _ in
            let request = Request(application: app, on: app.eventLoopGroup.next())
            func expectBusy(_ error: any Error) {
                let problem = GongzhiErrorMiddleware.describe(error, request: request)
                #expect(problem.status == .serviceUnavailable && problem.code == "busy" && problem.headers.first(name: "Retry-After") == "1", "\(error)")
            }
            expectBusy(ConnectionPoolTimeoutError.connectionRequestTimeout)
            guard !TestDatabase.isPostgres else { return }
            // A real SQLITE_BUSY: one connection holds the write lock past the other's 5 s busy timeout.
            let loops = Array(app.eventLoopGroup.makeIterator())
            let holder = app.databases.database(.sqlite, logger: app.logger, on: loops[0])!
            let waiter = app.databases.database(.sqlite, logger: app.logger, on: loops[loops.count > 1 ? 1 : 0])!
            let refusal: (any Error)? = try await holder.withConnection { connection in
                try await connection.sql().raw("BEGIN IMMEDIATE").run()
                var caught: (any Error)?
                do {
                    try await waiter.sql().raw("INSERT INTO login_address_failures (address, failures) VALUES ('x', 1)").run()
                } catch {
                    caught = error
                }
                try await connection.sql().raw("ROLLBACK").run()
                return caught
            }
            let busy = try #require(refusal, "the insert went through a held write lock")
            expectBusy(busy)
            // Any other database error stays a 500 (and is logged as critical).
            do {
                try await app.db.sql().raw("INSERT INTO login_address_failures (address, failures) VALUES ('y', 1), ('y', 1)").run()
                Issue.record("a duplicate key went through")
            } catch {
                let other = GongzhiErrorMiddleware.describe(error, request: request)
                #expect(other.status == .internalServerError && other.code == "internal")
            }
        }
    }

    @Test("anonymous API calls get 401 JSON; anonymous pages redirect to the login")
    func anonymous() async throws {
        try await withApp(seed: false) { app, _ in
            var client = TestClient(app)
            let api = try await client.send(.GET, "/api/v1/persons")
            #expect(api.status == .unauthorized)
            #expect(try api.content.decode(ErrorJSON.self).error.code == "unauthorized")
            let page = try await client.send(.GET, "/people")
            #expect(page.status == .seeOther)
            #expect(page.headers.first(name: .location) == "/login?next=/people")
            var bad = TestClient(app)
            bad.bearer = "forged-token"
            #expect(try await bad.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test("a page form with a bad value is shown again with the message in the chosen language")
    func pageFormErrors() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var browser = try await TestClient.browser(app, as: "worker")
            _ = try await browser.send(.GET, "/households/\(f.householdA.id!.uuidString)")
            let zh = try await browser.send(.POST, "/households/\(f.householdA.id!.uuidString)/persons",
                                            form: ["name": "测试", "idNumber": "110105194912310021", "relation": "family"])
            #expect(zh.status == .unprocessableEntity)
            #expect(zh.body.string.contains("身份证号不正确"))
            #expect(zh.body.string.contains("name=\"idNumber\""))
            _ = try await browser.send(.GET, "/prefs/lang/en?next=/")
            #expect(browser.cookies["gz_lang"] == "en")
            _ = try await browser.send(.GET, "/households/\(f.householdA.id!.uuidString)")
            let en = try await browser.send(.POST, "/households/\(f.householdA.id!.uuidString)/persons",
                                            form: ["name": "Test", "idNumber": "110105194912310021", "relation": "family"])
            #expect(en.body.string.contains("Not a valid ID number"))
            #expect(en.body.string.contains("<html lang=\"en\""))
        }
    }
}
