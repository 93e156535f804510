import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The residents' convention (issue 28): drafted, open for comments (moderated with reasons), revised with every
/// version kept, adopted on a recorded basis, pledged once (points by the community's rule); drafts hidden from residents.
@Suite("Residents' convention")
struct ConventionsTests {
    struct New: Encodable, Sendable { var communityId: UUID?; var title: String? = "幸福社区居民公约"; var text: String? = "一、爱护公共环境。\n二、文明养犬。" }
    struct Step: Encodable, Sendable { var step: String?; var text: String? = nil; var note: String? = nil; var until: Date? = nil; var basis: String? = nil; var link: String? = nil }
    struct Text: Encodable, Sendable { var text: String? }
    struct Moderate: Encodable, Sendable { var decision: String?; var reason: String? = nil }

    @Test("draft hidden from residents; comments while open, moderated; a new version; adoption with its basis; one pledge with points")
    func lifecycle() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            _ = try await worker.send(.POST, "/api/v1/points/rules", json: PointsTests.Rule(communityId: f.communityA.id, earning: "pledge", pointsPerUnit: 5, dailyCap: nil))
            #expect(try await resident.send(.POST, "/api/v1/conventions", json: New(communityId: f.communityA.id)).status == .forbidden)
            let created = try await worker.send(.POST, "/api/v1/conventions", json: New(communityId: f.communityA.id))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(ConventionsAPIController.ConventionDTO.self).id
            #expect(try await resident.send(.GET, "/api/v1/conventions/\(id)").status == .notFound)
            #expect(try await resident.send(.POST, "/api/v1/conventions/\(id)/comments", json: Text(text: "好")).status == .notFound)
            // Open for comments: 7 to 90 days.
            let short = try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "consult", until: testNow.addingTimeInterval(86_400)))
            #expect(short.status == .unprocessableEntity && short.body.string.contains("until"))
            #expect(try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "consult", until: testNow.addingTimeInterval(10 * 86_400))).status == .ok)
            let first = try await resident.send(.POST, "/api/v1/conventions/\(id)/comments", json: Text(text: "建议加上不高空抛物"))
            let second = try await resident.send(.POST, "/api/v1/conventions/\(id)/comments", json: Text(text: "广告内容"))
            let c1 = try first.content.decode(ConventionsAPIController.CommentDTO.self), c2 = try second.content.decode(ConventionsAPIController.CommentDTO.self)
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.POST, "/api/v1/conventions/comments/\(c1.id)/moderate", json: Moderate(decision: "publish")).status == .forbidden)
            #expect(try await worker.send(.POST, "/api/v1/conventions/comments/\(c2.id)/moderate", json: Moderate(decision: "reject")).status == .unprocessableEntity)
            #expect(try await worker.send(.POST, "/api/v1/conventions/comments/\(c2.id)/moderate", json: Moderate(decision: "reject", reason: "与公约无关")).status == .ok)
            #expect(try await worker.send(.POST, "/api/v1/conventions/comments/\(c1.id)/moderate", json: Moderate(decision: "publish")).status == .ok)
            // Another resident sees the published comment only; the writer sees theirs with the reason.
            var visitor = TestClient(app)
            let seen = try await visitor.send(.GET, "/api/v1/conventions/\(id)").content.decode(ConventionsAPIController.ConventionDTO.self)
            #expect(seen.comments?.map(\.text) == ["建议加上不高空抛物"])
            #expect(try await resident.send(.GET, "/api/v1/conventions/\(id)").content.decode(ConventionsAPIController.ConventionDTO.self).comments?.count == 2)
            // Revised (version 2), adopted on its basis; pledges are for the adopted version, once, with points.
            #expect(try await resident.send(.POST, "/api/v1/conventions/\(id)/pledge").status == .conflict)
            _ = try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "revise", text: "一、爱护公共环境。\n二、文明养犬。\n三、不高空抛物。", note: "采纳居民意见"))
            let noBasis = try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "adopt"))
            #expect(noBasis.status == .unprocessableEntity && noBasis.body.string.contains("basis"))
            let adopted = try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "adopt", basis: "居民代表会议表决通过（到会 45 人，同意 41 人）"))
            #expect(try adopted.content.decode(ConventionsAPIController.ConventionDTO.self).state == .adopted)
            #expect(try await worker.send(.POST, "/api/v1/conventions/\(id)/steps", json: Step(step: "consult", until: testNow.addingTimeInterval(10 * 86_400))).status == .conflict)
            let pledged = try await resident.send(.POST, "/api/v1/conventions/\(id)/pledge")
            #expect(try pledged.status == .created && pledged.content.decode(ConventionsAPIController.ConventionDTO.self).pledges == 1)
            _ = try await resident.send(.POST, "/api/v1/conventions/\(id)/pledge")
            let detail = try await visitor.send(.GET, "/api/v1/conventions/\(id)").content.decode(ConventionsAPIController.ConventionDTO.self)
            #expect(detail.pledges == 1 && detail.version == 2 && detail.versions?.map(\.number) == [2, 1])
            #expect(try await resident.send(.GET, "/api/v1/points/me").content.decode(PointsAPIController.MeDTO.self).statement.available == 5)
            // Versions cannot be changed in the database.
            await #expect(throws: (any Error).self) { try await app.db.sql().raw("UPDATE convention_versions SET text = 'x'").run() }
            // The page shows the text and the pledge count.
            var browser = try await TestClient.browser(app, as: "resident")
            let page = try await browser.send(.GET, "/conventions/\(id)").body.string
            #expect(page.contains("三、不高空抛物。") && page.contains("您已承诺遵守"))
        }
    }
}
