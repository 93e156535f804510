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

/// Announcements (issue 28, 居务公开): who publishes them, who reads which, read counts, withdrawal, the committee's
/// notices to its compound (issue 27), the home page's box and the Atom feed.
@Suite("Announcements")
struct AnnouncementsTests {
    struct Draft: Encodable, Sendable {
        var communityId: UUID?
        var committeeId: UUID? = nil
        var scope: String? = "community"
        var compoundId: UUID? = nil
        var buildingId: UUID? = nil
        var title: String? = "停水通知"
        var body: String? = "明天 9:00 到 12:00 停水，请提前储水。"
        var isPublic: Bool? = true
        var pinned: Bool? = nil
        var publishFrom: Date? = nil
        var publishUntil: Date? = nil
    }

    struct Reason: Encodable, Sendable { var reason: String? }

    static func publish(_ client: inout TestClient, _ draft: Draft) async throws -> AnnouncementDTO {
        let response = try await client.send(.POST, "/api/v1/announcements", json: draft)
        #expect(response.status == .created, "\(draft.title ?? ""): \(response.body.string)")
        return try response.content.decode(AnnouncementDTO.self)
    }

    static func titles(_ client: inout TestClient, _ path: String = "/api/v1/announcements") async throws -> [String] {
        let response = try await client.send(.GET, path)
        #expect(response.status == .ok, "\(path): \(response.body.string)")
        return try response.content.decode(ListPage<AnnouncementDTO>.self).items.map(\.title)
    }

    @Test("residents read what is sent to where they live, live and not withdrawn; staff every state with read counts; strangers only the public ones")
    func audiences() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let building = try await residentBuilding(app)
            let compound = try #require(try await BuildingRecord.find(building, on: app.db)).$compound.id
            let home = try #require(try await BuildingRecord.find(building, on: app.db))
            let otherBuilding = BuildingRecord(compoundID: compound, gridID: home.$grid.id, orgPath: OrgPath(home.orgPath)!, name: "9号楼")
            try await otherBuilding.create(on: app.db)
            var worker = try await TestClient.api(app, as: "worker")
            let whole = try await Self.publish(&worker, Draft(communityId: f.communityA.id, title: "全社区停水", pinned: true))
            let mine = try await Self.publish(&worker, Draft(communityId: f.communityA.id, scope: "compound", compoundId: compound, title: "本小区电梯检修", isPublic: false))
            _ = try await Self.publish(&worker, Draft(communityId: f.communityA.id, scope: "building", buildingId: otherBuilding.id, title: "9号楼通知", isPublic: false))
            _ = try await Self.publish(&worker, Draft(communityId: f.communityA.id, title: "下周的通知", publishFrom: testNow.addingTimeInterval(7 * 86_400)))
            #expect(mine.status == .live && mine.readCount == 0 && (mine.audience ?? 0) >= 1)

            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await Self.titles(&resident) == ["全社区停水", "本小区电梯检修"])
            // Opening it counts once; the publisher sees the count, the resident does not.
            let opened = try await resident.send(.GET, "/api/v1/announcements/\(mine.id)")
            #expect(try opened.status == .ok && (opened.content.decode(AnnouncementDTO.self)).readCount == nil)
            _ = try await resident.send(.GET, "/api/v1/announcements/\(mine.id)")
            #expect(try await worker.send(.GET, "/api/v1/announcements/\(mine.id)").content.decode(AnnouncementDTO.self).readCount == 1)
            #expect(Set(try await Self.titles(&worker)) == ["全社区停水", "本小区电梯检修", "9号楼通知", "下周的通知"])

            // Another community's staff and strangers: the public one only.
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, "/api/v1/announcements/\(mine.id)").status == .notFound)
            #expect(try await worker2.send(.GET, "/api/v1/announcements/\(whole.id)").status == .ok)
            #expect(!(try await Self.titles(&worker2)).contains("本小区电梯检修"))
            var visitor = TestClient(app)
            #expect(try await Self.titles(&visitor, "/api/v1/announcements?communityId=\(f.communityA.id!)") == ["全社区停水"])
            #expect(try await visitor.send(.GET, "/api/v1/announcements").status == .unprocessableEntity)
            #expect(try await visitor.send(.GET, "/api/v1/announcements/\(mine.id)").status == .notFound)
            #expect(try await visitor.send(.GET, "/api/v1/announcements/\(whole.id)").status == .ok)

            // Withdrawing: not by residents (404) nor by those who only see it (403); a reason is required; then it is gone for residents.
            #expect(try await resident.send(.POST, "/api/v1/announcements/\(mine.id)/withdraw", json: Reason(reason: "x")).status == .notFound)
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.POST, "/api/v1/announcements/\(mine.id)/withdraw", json: Reason(reason: "x")).status == .forbidden)
            let noReason = try await worker.send(.POST, "/api/v1/announcements/\(mine.id)/withdraw", json: Reason(reason: " "))
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("reason"))
            let withdrawn = try await worker.send(.POST, "/api/v1/announcements/\(mine.id)/withdraw", json: Reason(reason: "检修改期"))
            #expect(try withdrawn.status == .ok && (withdrawn.content.decode(AnnouncementDTO.self)).status == .withdrawn)
            #expect(try await worker.send(.POST, "/api/v1/announcements/\(mine.id)/withdraw", json: Reason(reason: "again")).status == .conflict)
            #expect(try await Self.titles(&resident) == ["全社区停水"])
            #expect(try await resident.send(.GET, "/api/v1/announcements/\(mine.id)").status == .notFound)
            #expect(try await AnnouncementRecord.find(mine.id, on: app.db)?.withdrawnReason == "检修改期")
        }
    }

    @Test("what is sent is checked: who may publish, the window, a building or compound of the community only; nothing written when refused")
    func refusals() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await resident.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id)).status == .forbidden)
            var worker2 = try await TestClient.api(app, as: "worker2")
            let foreign = try await worker2.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id))
            #expect(foreign.status == .unprocessableEntity && foreign.body.string.contains("communityId"))
            var worker = try await TestClient.api(app, as: "worker")
            let backwards = try await worker.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id, publishFrom: testNow.addingTimeInterval(3600),
                                                                                                 publishUntil: testNow.addingTimeInterval(60)))
            #expect(backwards.status == .unprocessableEntity && backwards.body.string.contains("\"until\""))
            let old = try await worker.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id, publishFrom: testNow.addingTimeInterval(-3 * 86_400)))
            #expect(old.status == .unprocessableEntity && old.body.string.contains("starts_in_past"))
            let buildingB = f.unitB.$building.id
            let otherBuilding = try await worker.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id, scope: "building", buildingId: buildingB))
            #expect(otherBuilding.status == .unprocessableEntity && otherBuilding.body.string.contains("buildingId"))
            let empty = try await worker.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id, body: "  "))
            #expect(empty.status == .unprocessableEntity && empty.body.string.contains("body"))
            let hidden = try await worker.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id, title: "通知\u{202E}"))
            #expect(hidden.status == .unprocessableEntity)
            #expect(try await AnnouncementRecord.query(on: app.db).count() == 0)
        }
    }

    @Test("an owners' committee notifies its compound's residents (issue 27), not the whole community, and not as another committee")
    func committeeNotices() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await PartiesTests.setUp(app, f)
            let committee = OrgNodeRecord(level: .community, name: "幸福花园业主委员会", code: "", parentID: f.communityA.id, parentPath: f.communityA.orgPath)
            committee.party = .ownersCommittee
            try await committee.create(on: app.db)
            let profile = PartyProfileRecord(nodeID: committee.id!, orgPath: committee.orgPath)
            profile.compoundID = s.compound.id
            try await profile.create(on: app.db)
            try await PartiesTests.staff("yewei", at: committee.id!, app)
            var yewei = try await TestClient.api(app, as: "yewei")
            let notice = try await Self.publish(&yewei, Draft(committeeId: committee.id, scope: "compound", title: "业主大会筹备通知", isPublic: false))
            #expect(notice.publisher == "幸福花园业主委员会" && notice.compoundId == s.compound.id && notice.communityId == f.communityA.id)
            let whole = try await yewei.send(.POST, "/api/v1/announcements", json: Draft(committeeId: committee.id, scope: "community"))
            #expect(whole.status == .unprocessableEntity && whole.body.string.contains("committee_compound_only"))
            let notTheirs = try await yewei.send(.POST, "/api/v1/announcements", json: Draft(communityId: f.communityA.id))
            #expect(notTheirs.status == .forbidden)
            var worker = try await TestClient.api(app, as: "worker")
            let posing = try await worker.send(.POST, "/api/v1/announcements", json: Draft(committeeId: committee.id, scope: "compound"))
            #expect(posing.status == .unprocessableEntity && posing.body.string.contains("committeeId"))
            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await Self.titles(&resident) == ["业主大会筹备通知"])
            #expect(try await Self.titles(&yewei) == ["业主大会筹备通知"])
            // The committee withdraws its own; the community's staff see it but the committee's words are its own to take back.
            #expect(try await worker.send(.POST, "/api/v1/announcements/\(notice.id)/withdraw", json: Reason(reason: "x")).status == .forbidden)
            #expect(try await yewei.send(.POST, "/api/v1/announcements/\(notice.id)/withdraw", json: Reason(reason: "时间改了")).status == .ok)
        }
    }

    @Test("pages: publishing by the form with a picture, the resident's home box with new ones marked, the read count, the Atom feed")
    func pagesAndFeed() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.browser(app, as: "worker")
            _ = try await worker.send(.GET, "/announcements/new")
            let sent = try await worker.sendForm("/announcements", fields: [
                ("communityId", f.communityA.id!.uuidString), ("scope", "community"), ("title", "垃圾分类宣传周"), ("body", "本周六上午在广场。"),
                ("isPublic", "on"), ("pinned", "on"), ("from", ""), ("until", ""),
            ], files: [(field: "photos[]", name: "a.png", type: "image/png", bytes: AttachmentTests.png)])
            #expect(sent.status == .seeOther, "\(sent.body.string)")
            let location = try #require(sent.headers.first(name: .location))
            #expect(location.hasSuffix("?done=published"))
            let id = try #require(UUID(uuidString: String(location.dropFirst("/announcements/".count).prefix(36))))
            #expect(try await DeliberationPhotoRecord.query(on: app.db).filter(\.$subjectID == id).count() == 1)
            // A wrong form is shown again with the reason, nothing written.
            let wrong = try await worker.sendForm("/announcements", fields: [("communityId", f.communityA.id!.uuidString), ("scope", "community"), ("title", ""), ("body", "x")])
            #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("a-title"))
            #expect(try await AnnouncementRecord.query(on: app.db).count() == 1)

            var resident = try await TestClient.browser(app, as: "resident")
            let home = try await resident.send(.GET, "/").body.string
            #expect(home.contains("垃圾分类宣传周") && home.contains("class=\"tag new\"") && !home.contains("暂无公告"))
            let page = try await resident.send(.GET, "/announcements/\(id)").body.string
            #expect(page.contains("本周六上午在广场。") && page.contains("application/atom+xml"))
            #expect(!(try await resident.send(.GET, "/").body.string.contains("class=\"tag new\"")))
            #expect(try await worker.send(.GET, "/announcements/\(id)").body.string.contains("1 人已读"))

            // The feed: public live ones only, parseable, linked from the list.
            var worker2 = try await TestClient.api(app, as: "worker")
            _ = try await Self.publish(&worker2, Draft(communityId: f.communityA.id, title: "只给居民看的", isPublic: false))
            var visitor = TestClient(app)
            let feed = try await visitor.send(.GET, "/communities/\(f.communityA.id!)/announcements.atom")
            #expect(feed.status == .ok && feed.headers.contentType?.subType == "atom+xml")
            let xml = feed.body.string
            #expect(xml.contains("垃圾分类宣传周") && !xml.contains("只给居民看的") && xml.contains("urn:uuid:\(id.uuidString.lowercased())"))
            #expect(XMLParser(data: Data(xml.utf8)).parse())
            let list = try await visitor.send(.GET, "/announcements?communityId=\(f.communityA.id!)").body.string
            #expect(list.contains("垃圾分类宣传周") && list.contains("rel=\"alternate\" type=\"application/atom+xml\""))
            #expect(try await visitor.send(.GET, "/communities/\(UUID())/announcements.atom").status == .notFound)
        }
    }
}
