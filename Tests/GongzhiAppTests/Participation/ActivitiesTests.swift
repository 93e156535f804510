import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Volunteer activities (issue 28): places and the waiting list, check-in by code at the venue, hours confirmed and
/// credited as points, the pools, the certificate and the community's calendar.
@Suite("Volunteer activities")
struct ActivitiesTests {
    struct NewActivity: Encodable, Sendable {
        var communityId: UUID?
        var title: String? = "社区图书室值班"
        var description: String? = "整理图书，借还登记。"
        var place: String? = "社区服务站二楼"
        var startsAt: Date? = testNow.addingTimeInterval(3600)
        var endsAt: Date? = testNow.addingTimeInterval(4 * 3600)
        var capacity: Int? = 1
    }

    struct Code: Encodable, Sendable { var code: String? }
    struct Hours: Encodable, Sendable { var hours: Int? }
    struct Pool: Encodable, Sendable { var pool: String? = "volunteer"; var skills: String? = "理发、修自行车"; var availability: String? = "周末上午" }

    @Test("a place, then the waiting list that moves up; check-in by code in its window; hours confirmed once and credited as points; strangers refused")
    func flow() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            _ = try await worker.send(.POST, "/api/v1/points/rules", json: PointsTests.Rule(communityId: f.communityA.id, dailyCap: nil))
            let bad = try await worker.send(.POST, "/api/v1/activities", json: NewActivity(communityId: f.communityA.id, endsAt: testNow))
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("endsAt"))
            let created = try await worker.send(.POST, "/api/v1/activities", json: NewActivity(communityId: f.communityA.id))
            #expect(created.status == .created, "\(created.body.string)")
            let activity = try created.content.decode(ActivitiesAPIController.ActivityDTO.self)
            let code = try #require(activity.checkInCode)
            #expect(code.count == 6)
            var resident = try await TestClient.api(app, as: "resident")
            // Residents do not see the code.
            #expect(try await resident.send(.GET, "/api/v1/activities/\(activity.id)").content.decode(ActivitiesAPIController.ActivityDTO.self).checkInCode == nil)
            let signed = try await resident.send(.POST, "/api/v1/activities/\(activity.id)/signup")
            #expect(try signed.status == .created && signed.content.decode(ActivitiesAPIController.ActivityDTO.self).mine == "place")
            // A second resident waits, then moves up when the first cancels; the first signs up again at the end of the line.
            let (others, _) = try await PointsTests.residents(1, points: 1, item: 1, stock: 1, app: app, f: f)
            let other = app.context(.account(others[0]))
            app.clock.set(testNow.addingTimeInterval(60))
            _ = try await Activities.signUp(activity.id, in: other)
            var dto = try await ActivitiesAPIController.dto(try Activities.find(activity.id, on: app.db), actor: others[0], on: app.db)
            #expect(dto.mine == "waiting" && dto.waiting == 1)
            #expect(try await resident.send(.POST, "/api/v1/activities/\(activity.id)/withdraw").status == .ok)
            dto = try await ActivitiesAPIController.dto(try Activities.find(activity.id, on: app.db), actor: others[0], on: app.db)
            #expect(dto.mine == "place")
            app.clock.set(testNow.addingTimeInterval(120))
            #expect(try await resident.send(.POST, "/api/v1/activities/\(activity.id)/signup").content.decode(ActivitiesAPIController.ActivityDTO.self).mine == "waiting")
            // Another community's resident cannot sign up.
            let stranger = Actor(userID: AccountID(UUID()), username: "b", grants: [RoleGrant(role: .resident, path: f.communityB.orgPath)], personID: PersonID(f.personB.id!))
            await #expect(throws: AppError.self) { _ = try await Activities.signUp(activity.id, in: app.context(.account(stranger))) }

            // Check-in: not before half an hour ahead, not with a wrong code, not from the waiting list.
            #expect(try await resident.send(.POST, "/api/v1/activities/checkin", json: Code(code: code)).body.string.contains("wrong_code"))
            app.clock.set(testNow.addingTimeInterval(3600 - 600))
            #expect(try await resident.send(.POST, "/api/v1/activities/checkin", json: Code(code: code)).body.string.contains("waiting_list"))
            let wrong = code == "000000" ? "000001" : "000000"
            await #expect(throws: AppError.self) { _ = try await Activities.checkIn(code: wrong, in: other) }
            _ = try await Activities.checkIn(code: code, in: other)
            app.clock.set(testNow.addingTimeInterval(3 * 3600 + 3600))
            let signUp = try #require(try await ActivitySignupRecord.query(on: app.db).filter(\.$personID == others[0].personID!.uuid).first())
            _ = try await Activities.checkOut(activity.id, in: other)
            // Hours: not by a grid worker nor by the resident; not more than the activity lasts; once.
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.POST, "/api/v1/activities/signups/\(signUp.id!)/confirm", json: Hours(hours: 2)).status == .forbidden)
            #expect(try await resident.send(.POST, "/api/v1/activities/signups/\(signUp.id!)/confirm", json: Hours(hours: 2)).status == .forbidden)
            #expect(try await worker.send(.POST, "/api/v1/activities/signups/\(signUp.id!)/confirm", json: Hours(hours: 4)).status == .unprocessableEntity)
            let confirmed = try await worker.send(.POST, "/api/v1/activities/signups/\(signUp.id!)/confirm", json: Hours(hours: 3))
            #expect(confirmed.status == .ok, "\(confirmed.body.string)")
            #expect(try await worker.send(.POST, "/api/v1/activities/signups/\(signUp.id!)/confirm", json: Hours(hours: 3)).status == .conflict)
            let account = try #require(try await LedgerAccountRecord.query(on: app.db).filter(\.$personID == others[0].personID!.uuid).first())
            #expect(account.balance.available == 1 + 30)
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }

    @Test("the community's calendar (RFC 5545) for anyone; the pools; the certificate of hours")
    func calendarPoolsCertificate() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let activity = try await worker.send(.POST, "/api/v1/activities", json: NewActivity(communityId: f.communityA.id, title: "义诊, 量血压; 测血糖", capacity: 10))
                .content.decode(ActivitiesAPIController.ActivityDTO.self)
            var visitor = TestClient(app)
            let feed = try await visitor.send(.GET, "/communities/\(f.communityA.id!)/activities.ics")
            #expect(feed.status == .ok && feed.headers.contentType?.subType == "calendar")
            let text = feed.body.string
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n") && text.contains("UID:\(activity.id.uuidString.lowercased())@gongzhi"))
            #expect(text.replacingOccurrences(of: "\r\n ", with: "").contains("SUMMARY:义诊\\, 量血压\\; 测血糖"))
            #expect(!text.contains(activity.checkInCode ?? "no code"))
            let page = try await visitor.send(.GET, "/activities?communityId=\(f.communityA.id!)").body.string
            #expect(page.contains("rel=\"alternate\" type=\"text/calendar\"") && page.contains("义诊"))
            // The pools: a resident joins; staff find them by skill; another community's staff do not.
            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await resident.send(.POST, "/api/v1/volunteers", json: Pool()).status == .created)
            #expect(try await resident.send(.POST, "/api/v1/volunteers", json: Pool(skills: " ")).status == .unprocessableEntity)
            #expect(try await worker.send(.POST, "/api/v1/volunteers", json: Pool()).status == .forbidden)
            let found = try await worker.send(.GET, "/api/v1/volunteers?communityId=\(f.communityA.id!)&skill=理发").content.decode([ActivitiesAPIController.VolunteerDTO].self)
            #expect(found.count == 1 && found.first?.skills == "理发、修自行车")
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, "/api/v1/volunteers?communityId=\(f.communityA.id!)").status == .notFound)
            // The certificate lists confirmed hours only.
            var browser = try await TestClient.browser(app, as: "resident")
            let certificate = try await browser.send(.GET, "/volunteers/certificate")
            #expect(certificate.status == .ok && certificate.body.string.contains("志愿服务时长证明") && certificate.body.string.contains("<strong>0</strong>"))
        }
    }
}
