import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Throttling: failed sign-ins per address, submissions per resident")
struct ThrottlingTests {
    func token(_ client: inout TestClient, _ username: String, _ password: String, from address: String? = nil) async throws -> TestingHTTPResponse {
        try await client.send(.POST, "/api/v1/auth/token", json: ["username": username, "password": password],
                              headers: address.map { ["X-Forwarded-For": $0] } ?? [:])
    }

    @Test("five failures from one address, on any accounts, refuse that address for 10 minutes (429, Retry-After, logged); other addresses are not refused")
    func addressLockout() async throws {
        // The test client has no socket address: trusting "" as the proxy makes X-Forwarded-For the caller.
        try await withApp(adjust: { $0.trustedProxies = [""] }) { app, _ in
            var client = TestClient(app)
            for (n, user) in ["worker", "worker2", "grid", "street", "nobody"].enumerated() {
                let response = try await token(&client, user, "wrong-\(n)", from: "203.0.113.7")
                #expect(response.status == (n < 4 ? .unauthorized : .tooManyRequests), "\(user)")
            }
            // The right password of an account never tried is refused too, from that address only.
            let blocked = try await token(&client, "district", demoPassword, from: "203.0.113.7")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body.string.contains("address_locked"))
            let wait = try #require(blocked.headers.first(name: "Retry-After").flatMap(Int.init))
            #expect(wait > 0 && wait <= 600)
            #expect(try await token(&client, "district", demoPassword, from: "203.0.113.8").status == .created)
            // No account was locked by it: each had one failure.
            #expect(try await token(&client, "worker", demoPassword, from: "203.0.113.9").status == .created)
            let logged = try await AuditRecord.query(on: app.db).filter(\.$action == "login.failure").all()
            #expect(logged.count == 6)
            #expect(logged.contains { $0.summary == "address_locked" && $0.ip == "203.0.113.7" })
            app.clock.advance(by: 10 * 60 + 1)
            #expect(try await token(&client, "district", demoPassword, from: "203.0.113.7").status == .created)
            try await AddressFailures.sweep(app.context())
            #expect(try await app.db.sql().raw("SELECT count(*) AS n FROM login_address_failures").first()?.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test("X-Forwarded-For is believed only from a configured proxy")
    func forwardedOnlyFromProxy() async throws {
        try await withApp { app, _ in
            var client = TestClient(app)
            // Not trusted: five failures under five claimed addresses all count against the one real peer.
            for n in 0..<5 { _ = try await token(&client, "nobody", "wrong", from: "198.51.100.\(n)") }
            #expect(try await token(&client, "worker", demoPassword, from: "198.51.100.99").status == .tooManyRequests)
        }
    }

    @Test("a resident may raise a limited number of requests; staff are not limited; the limit frees up with time")
    func submissionRate() async throws {
        try await withApp(adjust: { $0.submissionRate = RateWindow(limit: 3, window: 3600) }) { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            for n in 0..<3 {
                #expect(try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮\(n)", buildingId: building)).status == .created)
            }
            let fourth = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮", buildingId: building))
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.body.string.contains("too_many_submissions"))
            #expect((fourth.headers.first(name: "Retry-After").flatMap(Int.init) ?? 0) > 0)
            var worker = try await TestClient.api(app, as: "worker")
            for n in 0..<5 {
                #expect(try await worker.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮\(n)", buildingId: building, channel: "window")).status == .created)
            }
            app.clock.advance(by: 3601)
            #expect(try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮", buildingId: building)).status == .created)
        }
    }

    @Test("every address gets a burst of requests, then 429 with Retry-After (API and pages) until its bucket refills; other addresses and /healthz are not held")
    func requestRate() async throws {
        try await withApp(adjust: { $0.trustedProxies = [""]; $0.requestRate = RateWindow(limit: 10, window: 60) }) { app, _ in
            var client = try await TestClient.api(app, as: "worker")
            func get(_ path: String, from address: String) async throws -> TestingHTTPResponse {
                try await client.send(.GET, path, headers: ["X-Forwarded-For": address])
            }
            for n in 0..<10 { #expect(try await get("/api/v1/me", from: "203.0.113.20").status == .ok, "\(n)") }
            let refused = try await get("/api/v1/me", from: "203.0.113.20")
            #expect(refused.status == .tooManyRequests && refused.body.string.contains("too_many_requests"))
            // 6 s per token at 10 a minute.
            #expect(refused.headers.first(name: "Retry-After").flatMap(Int.init) == 6)
            var browser = TestClient(app)
            let page = try await browser.send(.GET, "/login", headers: ["X-Forwarded-For": "203.0.113.20"])
            #expect(page.status == .tooManyRequests && page.headers.first(name: "Retry-After") != nil)
            #expect(try await get("/healthz", from: "203.0.113.20").status == .ok)
            #expect(try await get("/api/v1/me", from: "203.0.113.21").status == .ok)
            app.clock.advance(by: 6)
            #expect(try await get("/api/v1/me", from: "203.0.113.20").status == .ok)
            #expect(try await get("/api/v1/me", from: "203.0.113.20").status == .tooManyRequests)
            app.clock.advance(by: 60)
            for _ in 0..<10 { #expect(try await get("/api/v1/me", from: "203.0.113.20").status == .ok) }
        }
    }
}
