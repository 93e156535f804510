import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Party members' dual registration (issue 28): a resident member and a co-building unit register with the
/// community's party organisation, which confirms them with a receipt their unit verifies; posts are claimed up to
/// their places; service is logged and confirmed; each unit's report; the street sees it masked, other communities
/// not at all.
@Suite("Dual registration of party members and co-building units")
struct DualRegistrationAppTests {
    struct Register: Encodable, Sendable { var kind: String?; var unitId: UUID? = nil; var unitName: String? = nil; var branch: String? = "第三党支部"; var offer: String? = nil }
    struct Decision: Encodable, Sendable { var decision: String?; var reason: String? = nil }
    struct Post: Encodable, Sendable { var organisationId: UUID?; var title: String? = "楼门长助理"; var details: String? = nil; var capacity: Int? = nil }
    struct Service: Encodable, Sendable { var registrationId: UUID? = nil; var postId: UUID? = nil; var day: String?; var minutes: Int?; var note: String? = "清理楼道杂物" }

    struct Setup {
        let organisation: UUID
        let unit: UUID
        let otherOrganisation: UUID
    }

    /// Community A's party organisation (`dangwei`) and co-building unit (`gongjian`), community B's organisation (`dangwei2`).
    static func setUp(_ app: Application, _ f: Fixture) async throws -> Setup {
        var worker = try await TestClient.api(app, as: "worker")
        var worker2 = try await TestClient.api(app, as: "worker2")
        let organisation = try await PartiesTests.register(&worker, .init(kind: "party_organisation", areaId: f.communityA.id!, name: "幸福社区党委"))
        let unit = try await PartiesTests.register(&worker, .init(kind: "co_building_unit", areaId: f.communityA.id!, name: "区第一人民医院"))
        let other = try await PartiesTests.register(&worker2, .init(kind: "party_organisation", areaId: f.communityB.id!, name: "和平社区党委"))
        try await PartiesTests.staff("dangwei", at: organisation, app)
        try await PartiesTests.staff("gongjian", at: unit, app)
        try await PartiesTests.staff("dangwei2", at: other, app)
        return Setup(organisation: organisation, unit: unit, otherOrganisation: other)
    }

    static func day(_ offset: Int) -> String { CivilDate(testNow.addingTimeInterval(Double(offset) * 86_400)).description }

    @Test("register, confirm with a receipt the unit verifies; posts up to their places; service logged and confirmed; the unit's report; leaving")
    func lifecycle() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            var resident = try await TestClient.api(app, as: "resident")
            var dangwei = try await TestClient.api(app, as: "dangwei")
            var gongjian = try await TestClient.api(app, as: "gongjian")
            // A member in work names the workplace; staff of other kinds cannot register at all.
            let noUnit = try await resident.send(.POST, "/api/v1/party/registrations", json: Register(kind: "in_service"))
            #expect(noUnit.status == .unprocessableEntity && noUnit.body.string.contains("unitName"))
            for name in ["worker", "grid", "street", "admin"] {
                var staff = try await TestClient.api(app, as: name)
                #expect(try await staff.send(.POST, "/api/v1/party/registrations", json: Register(kind: "in_service", unitName: "某单位")).status == .forbidden, "\(name)")
            }
            let made = try await resident.send(.POST, "/api/v1/party/registrations", json: Register(kind: "in_service", unitId: s.unit))
            #expect(made.status == .created, "\(made.body.string)")
            let member = try made.content.decode(DualRegistrationAPIController.RegistrationDTO.self)
            #expect(member.state == .pending && member.unitName == "区第一人民医院" && member.receipt == nil && member.organisationId == s.organisation)
            #expect(try await resident.send(.POST, "/api/v1/party/registrations", json: Register(kind: "retired")).status == .conflict)
            // Posts and service wait for confirmation.
            #expect(try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(-1), minutes: 60)).status == .forbidden)

            // Another community's organisation sees nothing and decides nothing; the street sees it masked; the member cannot confirm themself.
            var dangwei2 = try await TestClient.api(app, as: "dangwei2")
            #expect(try await dangwei2.send(.GET, "/api/v1/party/registrations?organisationId=\(s.organisation)").status == .notFound)
            #expect(try await dangwei2.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "confirm")).status == .notFound)
            #expect(try await resident.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "confirm")).status == .forbidden)
            var street = try await TestClient.api(app, as: "street")
            let seen = try await street.send(.GET, "/api/v1/party/registrations?organisationId=\(s.organisation)").content.decode([DualRegistrationAPIController.RegistrationDTO].self)
            let personID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first()?.$person.id)
            let person = try #require(try await PersonRecord.find(personID, on: app.db))
            #expect(seen.map(\.name) == [Masking.name(person.name)] && seen[0].receipt == nil)
            #expect(try await street.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "confirm")).status == .forbidden)

            // The organisation declines only with a reason; confirms with a receipt.
            #expect(try await dangwei.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "decline")).status == .unprocessableEntity)
            let confirmed = try await dangwei.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "confirm"))
                .content.decode(DualRegistrationAPIController.RegistrationDTO.self)
            let receipt = try #require(confirmed.receipt)
            #expect(confirmed.state == .confirmed && confirmed.name == person.name)
            #expect(try await dangwei.send(.POST, "/api/v1/party/registrations/\(member.id)/decision", json: Decision(decision: "confirm")).status == .conflict)

            // The unit registers itself; the organisation confirms it.
            let unitMade = try await gongjian.send(.POST, "/api/v1/party/registrations", json: Register(kind: "unit", unitId: s.unit, branch: "医院党委", offer: "每月义诊"))
            #expect(unitMade.status == .created, "\(unitMade.body.string)")
            let unitReg = try unitMade.content.decode(DualRegistrationAPIController.RegistrationDTO.self)
            _ = try await dangwei.send(.POST, "/api/v1/party/registrations/\(unitReg.id)/decision", json: Decision(decision: "confirm"))

            // One place: the member takes it, the unit finds it full, then takes it once the member lets it go.
            #expect(try await resident.send(.POST, "/api/v1/party/posts", json: Post(organisationId: s.organisation)).status == .notFound)
            let postMade = try await dangwei.send(.POST, "/api/v1/party/posts", json: Post(organisationId: s.organisation, capacity: 1))
            #expect(postMade.status == .created)
            let post = try postMade.content.decode(DualRegistrationAPIController.PostDTO.self).id
            #expect(try await dangwei2.send(.POST, "/api/v1/party/posts/\(post)/claim").status == .notFound)
            let claimed = try await resident.send(.POST, "/api/v1/party/posts/\(post)/claim")
            #expect(try claimed.status == .created && claimed.content.decode(DualRegistrationAPIController.PostDTO.self).mine)
            let full = try await gongjian.send(.POST, "/api/v1/party/posts/\(post)/claim")
            #expect(full.status == .conflict && full.body.string.contains("post_full"))
            #expect(try await resident.send(.POST, "/api/v1/party/posts/\(post)/release").status == .ok)
            #expect(try await gongjian.send(.POST, "/api/v1/party/posts/\(post)/claim").status == .created)

            // Service: quarter hours, within 90 days, not ahead; the organisation confirms, or logs it confirmed.
            #expect(try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(-1), minutes: 10)).status == .unprocessableEntity)
            #expect(try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(1), minutes: 60)).status == .unprocessableEntity)
            #expect(try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(-91), minutes: 60)).status == .unprocessableEntity)
            let logged = try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(-1), minutes: 90))
            #expect(logged.status == .created)
            let entry = try logged.content.decode(DualRegistrationAPIController.ServiceDTO.self)
            #expect(entry.state == .pending)
            #expect(try await dangwei2.send(.POST, "/api/v1/party/service/\(entry.id)/decision", json: Decision(decision: "confirm")).status == .notFound)
            #expect(try await dangwei.send(.POST, "/api/v1/party/service/\(entry.id)/decision", json: Decision(decision: "confirm")).status == .ok)
            let byOrganisation = try await dangwei.send(.POST, "/api/v1/party/service", json: Service(registrationId: member.id, day: Self.day(-2), minutes: 60, note: "入户走访"))
            #expect(try byOrganisation.content.decode(DualRegistrationAPIController.ServiceDTO.self).state == .confirmed)
            _ = try await resident.send(.POST, "/api/v1/party/service", json: Service(day: Self.day(0), minutes: 30))

            // The receipt, typed as the unit might: anyone verifies it; the name masked; confirmed hours only.
            var visitor = TestClient(app)
            let typed = receipt.lowercased().replacingOccurrences(of: "-", with: " ")
            let verified = try await visitor.send(.GET, "/api/v1/party/receipts/\(typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(verified.status == .ok, "\(verified.body.string)")
            let shown = try verified.content.decode(DualRegistrationAPIController.ReceiptDTO.self)
            #expect(shown.holder == Masking.name(person.name) && shown.organisation == "幸福社区党委" && shown.state == .confirmed)
            #expect(shown.service.first { $0.year == CivilDate(testNow).year }?.minutes == 150)
            #expect(!verified.body.string.contains(person.name) || Masking.name(person.name) == person.name)
            #expect(try await visitor.send(.GET, "/api/v1/party/receipts/ABCDE-23456").status == .notFound)

            // The unit's report: the member (named for the organisation, masked for the street) and the unit itself.
            let report = try await dangwei.send(.GET, "/api/v1/party/report?organisationId=\(s.organisation)").content.decode([DualRegistrationAPIController.UnitReportDTO].self)
            let hospital = try #require(report.first { $0.unitId == s.unit })
            #expect(hospital.unitName == "区第一人民医院" && hospital.confirmedMinutes == 150)
            #expect(hospital.lines.map(\.name).sorted() == [person.name, "区第一人民医院"].sorted())
            let line = try #require(hospital.lines.first { $0.kind == .inService })
            #expect(line.confirmedMinutes == 150 && line.pendingMinutes == 30 && line.entries == 3)
            #expect(hospital.lines.first { $0.kind == .unit }?.posts == ["楼门长助理"])
            let streetReport = try await street.send(.GET, "/api/v1/party/report?organisationId=\(s.organisation)").content.decode([DualRegistrationAPIController.UnitReportDTO].self)
            #expect(streetReport.flatMap(\.lines).contains { $0.name == Masking.name(person.name) })
            #expect(try await dangwei2.send(.GET, "/api/v1/party/report?organisationId=\(s.organisation)").status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/party/report?organisationId=\(s.organisation)").status == .notFound)

            // The pages: the member's with the receipt; the organisation's with the member; the public check.
            var browser = try await TestClient.browser(app, as: "resident")
            let mine = try await browser.send(.GET, "/party").body.string
            #expect(mine.contains(receipt) && mine.contains("楼门长助理") && mine.contains("2.5"))
            var organisationPage = try await TestClient.browser(app, as: "dangwei")
            let manage = try await organisationPage.send(.GET, "/party/manage").body.string
            #expect(manage.contains(person.name) && manage.contains("幸福社区党委"))
            let printed = try await organisationPage.send(.GET, "/party/report?organisation=\(s.organisation)").body.string
            #expect(printed.contains("区第一人民医院") && printed.contains(person.name))
            let check = try await visitor.send(.GET, "/party/receipts?code=\(receipt)")
            #expect(check.status == .ok && check.body.string.contains("幸福社区党委"))
            #expect(try await visitor.send(.GET, "/party/receipts?code=ZZZZZ-ZZZZZ").status == .notFound)

            // Leaving lets the post go; the receipt says so.
            #expect(try await resident.send(.POST, "/api/v1/party/registrations/\(member.id)/withdraw", json: ["reason": "搬家"]).status == .ok)
            let held = try await PartyPostClaimRecord.query(on: app.db).filter(\.$registrationID == member.id).filter(\.$releasedAt == nil).count()
            #expect(held == 0)
            let after = try await visitor.send(.GET, "/api/v1/party/receipts/\(receipt)").content.decode(DualRegistrationAPIController.ReceiptDTO.self)
            #expect(after.state == .withdrawn && after.endedAt != nil)
        }
    }

    @Test("a member and a unit claiming the last place at once: one gets it, the other is told it is full, never both")
    func simultaneousClaims() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            let resident = try await TestClient.api(app, as: "resident")
            var dangwei = try await TestClient.api(app, as: "dangwei")
            let gongjian = try await TestClient.api(app, as: "gongjian")
            for (client, body) in [(resident, Register(kind: "in_service", unitId: s.unit)), (gongjian, Register(kind: "unit", unitId: s.unit))] {
                var client = client
                let made = try await client.send(.POST, "/api/v1/party/registrations", json: body).content.decode(DualRegistrationAPIController.RegistrationDTO.self)
                #expect(try await dangwei.send(.POST, "/api/v1/party/registrations/\(made.id)/decision", json: Decision(decision: "confirm")).status == .ok)
            }
            var actors: [Actor] = []
            for name in ["resident", "gongjian"] {
                let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == name).first())
                actors.append(try await AuthenticationMiddleware.makeCurrent(user: user, via: .token, csrf: nil as String?, sessionID: nil as UUID?, on: app.db).actor)
            }
            for round in 1...5 {
                let post = try await dangwei.send(.POST, "/api/v1/party/posts", json: Post(organisationId: s.organisation, title: "第\(round)个岗位", capacity: 1))
                    .content.decode(DualRegistrationAPIController.PostDTO.self).id
                let outcomes = await withTaskGroup(of: String.self) { group in
                    for actor in actors {
                        group.addTask {
                            do { _ = try await PartyService.claim(post, in: app.context(.account(actor))); return "ok" }
                            catch let error as AppError { return error.code }
                            catch where GongzhiErrorMiddleware.isOverload(error) { return "busy" }
                            catch { return "\(error)" }
                        }
                    }
                    var all: [String] = []
                    for await outcome in group { all.append(outcome) }
                    return all.sorted()
                }
                let claims = try await PartyPostClaimRecord.query(on: app.db).filter(\.$postID == post).count()
                #expect(outcomes == ["ok", "post_full"] || outcomes.contains("busy"), "round \(round): \(outcomes)")
                #expect(claims == outcomes.filter { $0 == "ok" }.count && claims <= 1, "round \(round)")
            }
        }
    }

    @Test("the page forms: a resident registers, the organisation confirms and offers a post, the member claims it and logs service; errors re-show the form")
    func pages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await Self.setUp(app, f)
            var resident = try await TestClient.browser(app, as: "resident")
            let form = try await resident.send(.GET, "/party").body.string
            #expect(form.contains(f.communityA.name) && form.contains("name=\"branch\""))
            let missing = try await resident.sendForm("/party/register", fields: [("kind", "in_service"), ("branch", "第三党支部")])
            #expect(missing.status == .unprocessableEntity && missing.body.string.contains("工作单位"))
            let sent = try await resident.sendForm("/party/register", fields: [("kind", "retired"), ("branch", "社区第一党支部"), ("unitName", "")])
            #expect(sent.status == .seeOther && sent.headers.first(name: .location) == "/party?done=registered")
            var dangwei = try await TestClient.browser(app, as: "dangwei")
            #expect(try await dangwei.send(.GET, "/party").headers.first(name: .location) == "/party/manage")
            #expect(try await dangwei.send(.GET, "/party/manage").body.string.contains("社区第一党支部"))
            let record = try #require(try await PartyRegistrationRecord.query(on: app.db).filter(\.$organisationID == s.organisation).first())
            let decided = try await dangwei.sendForm("/party/registrations/\(record.id!)/decide", fields: [("decision", "confirm")])
            #expect(decided.status == .seeOther)
            let posted = try await dangwei.sendForm("/party/posts", fields: [("organisationId", s.organisation.uuidString), ("title", "文明劝导"), ("capacity", "")])
            #expect(posted.status == .seeOther)
            let post = try #require(try await PartyServicePostRecord.query(on: app.db).filter(\.$organisationID == s.organisation).first())
            #expect(post.capacity == nil)
            #expect(try await resident.sendForm("/party/posts/\(post.id!)/claim", fields: []).status == .seeOther)
            let bad = try await resident.sendForm("/party/service", fields: [("day", Self.day(-1)), ("minutes", "60"), ("note", "")])
            #expect(bad.status == .unprocessableEntity)
            #expect(try await resident.sendForm("/party/service", fields: [("day", Self.day(-1)), ("minutes", "120"), ("postId", post.id!.uuidString), ("note", "劝导乱停车")]).status == .seeOther)
            let entry = try #require(try await PartyServiceLogRecord.query(on: app.db).first())
            #expect(entry.minutes == 120 && entry.state == .pending && entry.postID == post.id)
            #expect(try await dangwei.sendForm("/party/service/\(entry.id!)/decide", fields: [("decision", "confirm")]).status == .seeOther)
            let page = try await resident.send(.GET, "/party").body.string
            #expect(page.contains("已报到") && page.contains("已确认"))
        }
    }
}
