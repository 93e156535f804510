import Fluent
import SQLKit
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Each route's body limit holds whichever middleware reads the body first (the CSRF check, idempotency keys),
/// and Open311 clients get refusals made before their handler in Open311's own error document.
/// Limits apply while a body streams in, so these tests talk to a real server (the tests' default limit is 1 MB).
@Suite("Body limits per route, and Open311's refusals in its own format")
struct BodyLimitTests {
    static func send(_ app: Application, _ method: HTTPMethod, _ path: String, body: ByteBuffer, headers: HTTPHeaders) async throws -> TestingHTTPResponse {
        try await sendLive(app, method, path, headers: headers, body: body)
    }

    static func cookieHeader(_ client: TestClient) -> String {
        client.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }

    static func idempotencyRows(_ app: Application) async throws -> Int {
        try await app.db.sql().select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(IdempotencyMiddleware.table)
            .first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test("a body over its route's limit is 413 even with an Idempotency-Key or a form's CSRF token in it, and nothing is written")
    func limitHoldsWhenMiddlewareReadsFirst() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let worker = try await TestClient.api(app, as: "worker")
            var browser = try await TestClient.browser(app, as: "worker")
            _ = try await browser.send(.GET, "/account/security")
            let csrf = try #require(browser.csrf)
            let nodes = try await OrgNodeRecord.query(on: app.db).count()
            let audits = try await app.auditCount()
            let keys = try await Self.idempotencyRows(app)

            // JSON to an API route of the default limit, under an idempotency key (read before the route).
            let json = "{\"parentId\": \"\(f.communityA.id!.uuidString)\", \"name\": \"" + String(repeating: "x", count: 2 * 1024 * 1024) + "\"}"
            let api = try await Self.send(app, .POST, "/api/v1/org/nodes", body: ByteBuffer(string: json),
                                          headers: ["Authorization": "Bearer \(try #require(worker.bearer))", "Content-Type": "application/json",
                                                    "Idempotency-Key": "big-1"])
            #expect(api.status == .payloadTooLarge, "\(api.body.string.prefix(300))")
            #expect(try api.content.decode(ErrorJSON.self).error.code == "body_too_large")

            // A signed-in browser's form whose token is in the body (read by the CSRF check before the route).
            let form = "_csrf=\(csrf)&name=" + String(repeating: "y", count: 2 * 1024 * 1024)
            let page = try await Self.send(app, .POST, "/logout", body: ByteBuffer(string: form),
                                           headers: ["Cookie": Self.cookieHeader(browser), "Content-Type": "application/x-www-form-urlencoded",
                                                     "Accept": "text/html"])
            #expect(page.status == .payloadTooLarge, "\(page.status)")
            #expect(try await browser.send(.GET, "/account/security").status == .ok, "the session was not ended by the refused form")

            // Open311's POST takes 256 KB; with a key the middleware read up to 32 MB before.
            let open311 = try await Self.send(app, .POST, "/open311/v2/requests.xml",
                                              body: ByteBuffer(string: "description=" + String(repeating: "z", count: 300 * 1024)),
                                              headers: ["Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "big-2"])
            #expect(open311.status == .payloadTooLarge)
            #expect(open311.headers.contentType?.description.hasPrefix("text/xml") == true)
            #expect(open311.body.string.contains("<errors><error><code>body_too_large</code>"), "\(open311.body.string)")

            #expect(try await OrgNodeRecord.query(on: app.db).count() == nodes)
            #expect(try await app.auditCount() == audits)
            #expect(try await Self.idempotencyRows(app) == keys)
        }
    }

    @Test("bodies of too many fields, parts or keys are refused before any decoder reads them; credentials routes take a few KB")
    func bodyShape() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let worker = try await TestClient.api(app, as: "worker")
            let audits = try await app.auditCount()
            let cases = try await CaseRecord.query(on: app.db).count()
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            // The finding: 32 000 keys to the token route, anonymously. Now over its 16 KB limit.
            let attack = (0..<32_000).map { "k[\($0)]=v" }.joined(separator: "&")
            let token = try await Self.send(app, .POST, "/api/v1/auth/token", body: ByteBuffer(string: attack), headers: HTTPHeaders(form.map { ($0.key, $0.value) }))
            #expect(token.status == .payloadTooLarge)
            #expect(try token.content.decode(ErrorJSON.self).error.code == "body_too_large")
            // Under 16 KB but 1 500 fields: refused by the count, as at the sign-in page.
            let many = (0..<1_500).map { "k\($0)=" }.joined(separator: "&")
            for path in ["/api/v1/auth/token", "/login"] {
                let answer = try await Self.send(app, .POST, path, body: ByteBuffer(string: many), headers: HTTPHeaders(form.map { ($0.key, $0.value) }))
                #expect(answer.status == .payloadTooLarge, "\(path)")
                #expect(answer.body.string.contains("body_too_complex") || answer.body.string.contains("项目过多"), "\(path)")
            }
            // JSON of 30 000 keys to an API route, signed in; and nested too deep.
            let bearer = "Bearer \(try #require(worker.bearer))"
            let keys = "{\"title\": \"x\", " + (0..<30_000).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"
            let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
            for body in [keys, deep] {
                let answer = try await Self.send(app, .POST, "/api/v1/cases", body: ByteBuffer(string: body),
                                                 headers: ["Authorization": bearer, "Content-Type": "application/json"])
                #expect(answer.status == .payloadTooLarge)
            #expect(try answer.content.decode(ErrorJSON.self).error.code == "body_too_complex")
            }
            // Multipart of 200 parts to a case's photos.
            let id = try #require(try await CaseRecord.query(on: app.db).filter(\.$placePath =~ f.communityA.path).first()?.id)
            let boundary = "gongzhi-parts"
            let parts = (0..<200).map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"p\($0)\"\r\n\r\nv\r\n" }.joined() + "--\(boundary)--\r\n"
            let photos = try await Self.send(app, .POST, "/api/v1/cases/\(id.uuidString)/attachments", body: ByteBuffer(string: parts),
                                             headers: ["Authorization": bearer, "Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(photos.status == .payloadTooLarge)
            #expect(try photos.content.decode(ErrorJSON.self).error.code == "body_too_complex")
            #expect(try await app.auditCount() == audits)
            #expect(try await CaseRecord.query(on: app.db).count() == cases)
        }
    }

    @Test("a route with a larger limit takes a body over the default through the same middleware")
    func largerRouteLimitHolds() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/cases", json: ["title": "路灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "patrol"])
                .content.decode(CaseDTO.self).id
            let boundary = "----gongzhi-limit"
            func form(_ photo: [UInt8]) -> ByteBuffer {
                var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
                body.writeBytes(photo)
                body.writeString("\r\n--\(boundary)--\r\n")
                return body
            }
            let photo: [UInt8] = AttachmentTests.png + [UInt8](repeating: 7, count: 3 * 1024 * 1024)   // 3 MB: over the default, under the route's 6 MB
            let bearer = try #require(worker.bearer)
            let headers: HTTPHeaders = ["Authorization": "Bearer \(bearer)", "Idempotency-Key": "photo-1",
                                        "Content-Type": "multipart/form-data; boundary=\(boundary)"]
            let uploaded = try await Self.send(app, .POST, "/api/v1/cases/\(id.uuidString)/attachments", body: form(photo), headers: headers)
            #expect(uploaded.status == .created, "\(uploaded.body.string.prefix(300))")
            #expect(try uploaded.content.decode(CaseAttachmentsAPIController.AttachmentDTO.self).size == photo.count)

            let overLimit: [UInt8] = AttachmentTests.png + [UInt8](repeating: 7, count: 7 * 1024 * 1024)
            var second = headers
            second.replaceOrAdd(name: "Idempotency-Key", value: "photo-2")
            #expect(try await Self.send(app, .POST, "/api/v1/cases/\(id.uuidString)/attachments", body: form(overLimit), headers: second).status == .payloadTooLarge)
        }
    }

    @Test("refusals before an Open311 handler (rate, NUL, no such address) come in the format the address asks for")
    func open311RefusalsInItsFormat() async throws {
        try await withApp(adjust: { $0.requestRate = RateWindow(limit: 4, window: 60) }) { app, _ in
            var client = TestClient(app)
            let nul = try await client.send(.GET, "/open311/v2/requests.json?service_code=a%00")
            #expect(nul.status == .badRequest)
            #expect(nul.headers.contentType?.description.hasPrefix("application/json") == true)
            let errors = try JSONSerialization.jsonObject(with: Data(nul.body.string.utf8)) as? [[String: Any]]
            #expect(errors?.first?["code"] as? String == "invalid_character", "\(nul.body.string)")

            let missing = try await client.send(.GET, "/open311/v2/requests/a/b.xml")
            #expect(missing.status == .notFound)
            #expect(missing.body.string.contains("<errors><error><code>not_found</code>"), "\(missing.body.string)")

            // The API's 422 (a malformed idempotency key) is the specification's 400.
            let key = try await client.send(.POST, "/open311/v2/requests.xml", raw: "service_code=ADM-001", contentType: .urlEncodedForm,
                                            headers: ["Idempotency-Key": String(repeating: "k", count: 256)])
            #expect(key.status == .badRequest)
            #expect(key.body.string.contains("<errors><error><code>idempotency_key_invalid</code>"), "\(key.body.string)")

            _ = try await client.send(.GET, "/open311/v2/services.xml")
            let limited = try await client.send(.GET, "/open311/v2/services.xml")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            #expect(limited.headers.contentType?.description.hasPrefix("text/xml") == true)
            #expect(limited.body.string.contains("<code>too_many_requests</code>"), "\(limited.body.string)")

            // Outside /open311/ the API's own error body stays.
            let api = try await client.send(.GET, "/api/v1/cases")
            #expect(try api.content.decode(ErrorJSON.self).error.code == "too_many_requests")
        }
    }
}
