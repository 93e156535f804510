import Fluent
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The disclosure page (居务公开) by month and its feed: only what was published, for anyone.
@Suite("Disclosure record")
struct DisclosureTests {
    @Test("a month shows public announcements and the points of the month, not residents-only ones; other months, the feed, the API; bad input refused")
    func month() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!
            var worker = try await TestClient.api(app, as: "worker")
            _ = try await AnnouncementsTests.publish(&worker, .init(communityId: community, title: "路灯维修公示"))
            _ = try await AnnouncementsTests.publish(&worker, .init(communityId: community, title: "只给居民看的", isPublic: false))
            let resident = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first()?.$person.id)
            _ = try await worker.send(.POST, "/api/v1/points/rules", json: PointsTests.Rule(communityId: community))
            _ = try await worker.send(.POST, "/api/v1/points/awards", json: PointsTests.Award(communityId: community, personId: resident))
            var visitor = TestClient(app)
            let month = DisclosureRecord.Month(testNow)
            let answer = try await visitor.send(.GET, "/api/v1/disclosure?communityId=\(community)").content.decode(DisclosurePagesController.MonthDTO.self)
            #expect(answer.month == month.description)
            #expect(answer.entries.map(\.title).contains("路灯维修公示") && !answer.entries.map(\.title).contains("只给居民看的"))
            #expect(answer.entries.first { $0.kind == .points }?.detail.contains("20") == true)
            let previous = try await visitor.send(.GET, "/api/v1/disclosure?communityId=\(community)&month=\(month.previous)").content.decode(DisclosurePagesController.MonthDTO.self)
            #expect(previous.entries.isEmpty)
            #expect(try await visitor.send(.GET, "/api/v1/disclosure?communityId=\(community)&month=2026-13").status == .unprocessableEntity)
            #expect(try await visitor.send(.GET, "/api/v1/disclosure?communityId=\(UUID())").status == .notFound)
            #expect(try await visitor.send(.GET, "/api/v1/disclosure").status == .unprocessableEntity)
            let page = try await visitor.send(.GET, "/disclosure?communityId=\(community)").body.string
            #expect(page.contains("路灯维修公示") && !page.contains("只给居民看的") && page.contains("application/atom+xml"))
            let feed = try await visitor.send(.GET, "/communities/\(community)/disclosure.atom")
            #expect(feed.headers.contentType?.subType == "atom+xml" && feed.body.string.contains("路灯维修公示") && XMLParser(data: Data(feed.body.string.utf8)).parse())
            // A resident's own community by default.
            var browser = try await TestClient.browser(app, as: "resident")
            #expect(try await browser.send(.GET, "/disclosure").body.string.contains("路灯维修公示"))
        }
    }
}
