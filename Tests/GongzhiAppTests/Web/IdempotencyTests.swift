import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Idempotency-Key on API POSTs: one object per key, replays, mismatches, concurrency, retention")
struct IdempotencyTests {
    typealias NewCase = CasesTests.NewCase

    func post(_ client: inout TestClient, key: String, title: String, building: UUID) async throws -> TestingHTTPResponse {
        try await client.send(.POST, "/api/v1/cases", json: NewCase(title: title, buildingId: building), headers: ["Idempotency-Key": key])
    }

    func caseCount(_ app: Application) async throws -> Int { try await CaseRecord.query(on: app.db).count() }

    @Test("the same key and body give the first answer again; another body is refused; another caller has its own keys")
    func replayAndMismatch() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let before = try await caseCount(app)
            let first = try await post(&resident, key: "k-1", title: "楼道灯不亮", building: building)
            #expect(first.status == .created)
            let again = try await post(&resident, key: "k-1", title: "楼道灯不亮", building: building)
            #expect(again.status == .created, "\(again.body.string)")
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try again.content.decode(CaseDTO.self).id == first.content.decode(CaseDTO.self).id)
            #expect(try await caseCount(app) == before + 1)

            let other = try await post(&resident, key: "k-1", title: "电梯坏了", building: building)
            #expect(other.status == .unprocessableEntity)
            #expect(other.body.string.contains("idempotency_key_reused"))
            #expect(other.body.string.contains("Idempotency-Key"))
            #expect(try await caseCount(app) == before + 1)

            // A new key is a new case; the same key from another account is that account's own.
            #expect(try await post(&resident, key: "k-2", title: "楼道灯不亮", building: building).status == .created)
            var worker = try await TestClient.api(app, as: "worker")
            let workers = try await post(&worker, key: "k-1", title: "楼道灯不亮", building: building)
            #expect(workers.status == .created)
            #expect(workers.headers.first(name: "Idempotent-Replayed") == nil)
            #expect(try await caseCount(app) == before + 3)
            // Without the header nothing changes.
            #expect(try await resident.send(.POST, "/api/v1/cases", json: NewCase(title: "楼道灯不亮", buildingId: building)).status == .created)
            #expect(try await caseCount(app) == before + 4)
        }
    }

    @Test("bad keys are refused; a failed request frees its key for a corrected retry")
    func badKeysAndFailures() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            for key in ["has space", String(repeating: "x", count: 256), "密钥"] {
                let response = try await post(&resident, key: key, title: "楼道灯不亮", building: building)
                #expect(response.status == .unprocessableEntity, "\(key)")
                #expect(response.body.string.contains("idempotency_key_invalid"))
            }
            let before = try await caseCount(app)
            let failed = try await post(&resident, key: "retry-me", title: "", building: building)
            #expect(failed.status == .unprocessableEntity)
            let fixed = try await post(&resident, key: "retry-me", title: "楼道灯不亮", building: building)
            #expect(fixed.status == .created)
            #expect(try await caseCount(app) == before + 1)
        }
    }

    @Test("100 concurrent submissions under one key make one case")
    func concurrentDuplicates() async throws {
        try await withApp { app, _ in
            let resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let before = try await caseCount(app)
            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, UUID?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        var client = resident
                        let response = try await post(&client, key: "one-key", title: "楼道灯不亮", building: building)
                        return (response.status, response.status == .created ? try response.content.decode(CaseDTO.self).id : nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await caseCount(app) == before + 1)
            // 201 (the case, or its replay), 409 (in flight) or, on a machine too loaded to lend a connection in
            // time, 503 busy with Retry-After; never a 500.
            #expect(answers.allSatisfy { [.created, .conflict, .serviceUnavailable].contains($0.0) }, "\(answers.map(\.0))")
            #expect(Set(answers.compactMap(\.1)).count == 1)
        }
    }

    @Test("keys are kept at least 24 hours, forgotten after 48; the stored answer is sealed")
    func retention() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            let first = try await post(&resident, key: "kept", title: "楼道灯不亮，编号13800138000的住户反映", building: building)
            #expect(first.status == .created)
            let row = try await app.db.sql().raw("SELECT body_sealed FROM idempotency_keys WHERE key = 'kept'").first()
            let sealed = try #require(try row?.decode(column: "body_sealed", as: String.self))
            #expect(!sealed.contains("13800138000") && !sealed.contains("楼道灯"))

            app.clock.advance(by: 30 * 3600)
            try await IdempotencyKeys.sweep(app.context())
            resident = try await TestClient.api(app, as: "resident")
            let replay = try await post(&resident, key: "kept", title: "楼道灯不亮，编号13800138000的住户反映", building: building)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")

            app.clock.advance(by: 20 * 3600)
            try await IdempotencyKeys.sweep(app.context())
            let count = try await app.db.sql().raw("SELECT count(*) AS n FROM idempotency_keys").first()?.decode(column: "n", as: Int.self)
            #expect(count == 0)
        }
    }
}
