import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Joining one's household after signing up (issue 26): by the household code a worker gives out, or by name and
/// ID number confirmed by the community's worker. Never another community's household, never a second account.
@Suite("Joining one's household")
struct HouseholdJoiningTests {
    /// A browser signed up with `phone` through the pages (number, then the texted code).
    static func signedUp(_ app: Application, phone: String) async throws -> TestClient {
        var browser = TestClient(app)
        _ = try await browser.send(.GET, "/signin")
        let sent = try await browser.send(.POST, "/signin", form: ["phone": phone, "next": "/"])
        _ = try await browser.follow(sent)
        let code = try #require(try PhoneSignInTests.codes(app, to: phone).last)
        let done = try await browser.send(.POST, "/signin/code", form: ["code": code, "next": "/"])
        #expect(done.status == .seeOther)
        _ = try await browser.follow(done)
        return browser
    }

    /// A household of community A none of whose members has an account, and its members.
    static func householdWithoutAccounts(_ app: Application, in community: OrgNodeRecord) async throws -> (HouseholdRecord, [PersonRecord]) {
        let linked = Set(try await UserRecord.query(on: app.db).all().compactMap(\.$person.id))
        for household in try await HouseholdRecord.query(on: app.db).filter(\.$orgPath =~ community.path).sort(\.$orgPath).all() {
            let members = try await HouseholdMemberRecord.query(on: app.db).filter(\.$household.$id == household.id!).with(\.$person).all()
            if !members.isEmpty, members.allSatisfy({ !linked.contains($0.$person.id) }) { return (household, members.map(\.person)) }
        }
        throw TestFailure("no household without accounts")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The code the household page shows its worker.
    static func shownCode(_ page: String) throws -> String {
        let start = try #require(page.range(of: "class=\"big-code mono\">"))
        return String(page[start.upperBound...].prefix { $0 != "<" })
    }

    @Test("by code: the worker gives the code; a wrong name or code is refused alike; the right name joins at once, with the vote and the household opened; once only; other communities' workers cannot make codes")
    func byCode() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (household, members) = try await Self.householdWithoutAccounts(app, in: f.communityA)
            let hid = household.id!.uuidString.lowercased()
            var worker = try await TestClient.browser(app, as: "worker")
            var stranger = try await TestClient.browser(app, as: "worker2")
            _ = try await stranger.send(.GET, "/workbench")
            let refused = try await stranger.send(.POST, "/households/\(hid)/code", form: [:])
            #expect(refused.status == .notFound)
            let before = try await worker.send(.GET, "/households/\(hid)")
            #expect(before.body.string.contains("还没有可用的入户码"))
            #expect(try await worker.send(.POST, "/households/\(hid)/code", form: [:]).status == .seeOther)
            let shown = try Self.shownCode(try await worker.send(.GET, "/households/\(hid)").body.string)
            #expect(shown.count == 9 && shown.contains(" "))
            let stored = try #require(try await HouseholdRecord.find(household.id, on: app.db))
            #expect(stored.joinCodeHash != nil && stored.joinCodeSealed?.contains(shown.replacingOccurrences(of: " ", with: "")) == false)

            var resident = try await Self.signedUp(app, phone: "13912345670")
            #expect(try await resident.send(.GET, "/").body.string.contains("href=\"/join\""))
            #expect(try await resident.send(.GET, "/join").status == .ok)
            let wrongName = try await resident.send(.POST, "/join/code", form: ["code": shown, "name": "查无此人"])
            #expect(wrongName.status == .unprocessableEntity && wrongName.body.string.contains("入户码或姓名对不上"))
            let wrongCode = String(shown.reversed().map { $0 == " " ? " " : ($0 == "1" ? "2" : "1") })
            let wrong = try await resident.send(.POST, "/join/code", form: ["code": wrongCode, "name": members[0].name])
            #expect(wrong.status == .unprocessableEntity && wrong.body.string.contains("入户码或姓名对不上"))
            let shape = try await resident.send(.POST, "/join/code", form: ["code": "12", "name": members[0].name])
            #expect(shape.status == .unprocessableEntity && shape.body.string.contains("8 位数字"))
            // Full-width digits and a space in the name are read as written.
            let fullWidth = String(shown.map { $0.isASCIIDigit ? Character(Unicode.Scalar($0.unicodeScalars.first!.value + 0xFF10 - 0x30)!) : $0 })
            let joined = try await resident.send(.POST, "/join/code", form: ["code": fullWidth, "name": " " + members[0].name])
            #expect(joined.status == .seeOther && joined.headers.first(name: .location) == "/?joined=1")
            #expect(try await resident.follow(joined).body.string.contains("已加入您家"))
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$phoneHash == app.gongzhi.cipher.blindIndex("13912345670", field: .phone)).first())
            #expect(user.$person.id == members[0].id && user.displayName == members[0].name)
            let grants = try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == user.id!).all()
            #expect(grants.map(\.role) == [.resident] && grants.map(\.path) == [f.communityA.path])
            // Now the household's own page opens for them, and joining again is refused.
            #expect(try await resident.send(.GET, "/households/\(hid)").status == .ok)
            let again = try await resident.send(.POST, "/join/code", form: ["code": shown, "name": members[0].name])
            #expect(again.status == .conflict)
            // Another new account cannot take the same person.
            var second = try await Self.signedUp(app, phone: "13912345671")
            let taken = try await second.send(.POST, "/join/code", form: ["code": shown, "name": members[0].name])
            #expect(taken.status == .unprocessableEntity)
            // A renewed code stops the old one; a code is good for 30 days.
            _ = try await worker.send(.POST, "/households/\(hid)/code", form: [:])
            if members.count > 1 {
                #expect(try await second.send(.POST, "/join/code", form: ["code": shown, "name": members[1].name]).status == .unprocessableEntity)
            }
            let renewed = try Self.shownCode(try await worker.send(.GET, "/households/\(hid)").body.string)
            #expect(renewed != shown)
            let current = try #require(try await HouseholdRecord.find(household.id, on: app.db))
            #expect(HouseholdJoining.currentCode(of: current, cipher: app.gongzhi.cipher, now: app.clock.now)?.code == renewed)
            #expect(HouseholdJoining.currentCode(of: current, cipher: app.gongzhi.cipher, now: app.clock.now.addingTimeInterval(31 * 86_400)) == nil)
            let audit = try await AuditRecord.query(on: app.db).all().map(\.action)
            #expect(audit.contains("household.join_code") && audit.contains("household.join"))
        }
    }

    @Test("wrong codes count like failed sign-ins: the sixth try within ten minutes is refused with Retry-After")
    func triesAreLimited() async throws {
        try await withApp { app, _ in
            var resident = try await Self.signedUp(app, phone: "13912345672")
            for n in 0..<5 {
                let wrong = try await resident.send(.POST, "/join/code", form: ["code": String(format: "1000%04d", n), "name": "张三"])
                #expect(wrong.status == .unprocessableEntity)
            }
            let locked = try await resident.send(.POST, "/join/code", form: ["code": "10009999", "name": "张三"])
            #expect(locked.status == .tooManyRequests && locked.headers.first(name: "Retry-After") != nil)
        }
    }

    @Test("by name and ID number: the request waits for a worker of that community (not another's), who confirms it when the register agrees or refuses it")
    func byRequest() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (household, members) = try await Self.householdWithoutAccounts(app, in: f.communityA)
            let unit = try #require(try await HousingUnitRecord.find(household.$unit.id, on: app.db))
            let building = unit.$building.id.uuidString.lowercased()
            let idNumber = try app.gongzhi.cipher.open(members[0].idNumberSealed, field: .idNumber)
            var resident = try await Self.signedUp(app, phone: "13912345673")
            let bad = try await resident.send(.POST, "/join/request", form: ["buildingId": building, "name": members[0].name, "idNumber": "123"])
            #expect(bad.status == .unprocessableEntity)
            let sent = try await resident.send(.POST, "/join/request", form: ["buildingId": building, "name": members[0].name, "idNumber": idNumber])
            #expect(sent.status == .seeOther)
            #expect(try await resident.follow(sent).body.string.contains("社区正在确认"))
            let request = try #require(try await HouseholdJoinRecord.query(on: app.db).first())
            #expect(!request.idNumberSealed.contains(idNumber) && request.state == .pending)
            var stranger = try await TestClient.browser(app, as: "worker2")
            let theirs = try await stranger.send(.GET, "/joins")
            #expect(theirs.status == .ok)
            #expect(theirs.status == .ok && !theirs.body.string.contains(members[0].name))
            #expect(try await stranger.send(.POST, "/joins/\(request.id!.uuidString.lowercased())/confirm", form: [:]).status == .notFound)
            var worker = try await TestClient.browser(app, as: "worker")
            let list = try await worker.send(.GET, "/joins")
            #expect(list.body.string.contains(members[0].name) && list.body.string.contains(request.idNumberMask) && !list.body.string.contains(idNumber))
            let workbench = try await worker.send(.GET, "/workbench").body.string
            #expect(workbench.contains("href=\"/joins\"") && workbench.contains("有 1 个入户申请等您确认"))
            #expect(!(try await stranger.send(.GET, "/workbench").body.string.contains("入户申请等您确认")), "not another community's worker")
            let confirmed = try await worker.send(.POST, "/joins/\(request.id!.uuidString.lowercased())/confirm", form: [:])
            #expect(confirmed.status == .seeOther)
            let user = try #require(try await UserRecord.find(request.userID, on: app.db))
            #expect(user.$person.id == members[0].id)
            #expect(try await HouseholdJoinRecord.find(request.id, on: app.db)?.state == .confirmed)
            #expect(try await worker.send(.POST, "/joins/\(request.id!.uuidString.lowercased())/confirm", form: [:]).status == .conflict)

            // Someone not in the register: the worker cannot confirm (register first), and may refuse.
            var other = try await Self.signedUp(app, phone: "13912345674")
            _ = try await other.send(.POST, "/join/request", form: ["buildingId": building, "name": "王小明", "idNumber": "11010519491231002X"])
            let unknown = try #require(try await HouseholdJoinRecord.query(on: app.db).filter(\.$state == .pending).first())
            let listed = try await worker.send(.GET, "/joins")
            #expect(listed.body.string.contains("登记里没有"))
            let refusedToConfirm = try await worker.send(.POST, "/joins/\(unknown.id!.uuidString.lowercased())/confirm", form: [:])
            #expect(refusedToConfirm.status == .conflict && refusedToConfirm.body.string.contains("请先登记"))
            #expect(try await worker.send(.POST, "/joins/\(unknown.id!.uuidString.lowercased())/refuse", form: [:]).status == .seeOther)
            #expect(try await other.send(.GET, "/join").body.string.contains("社区没有确认"))
            // Decided requests are deleted 30 days on, with their ID numbers.
            app.clock.advance(by: 31 * 86_400)
            try await HouseholdJoining.sweep(app.context())
            #expect(try await HouseholdJoinRecord.query(on: app.db).count() == 0)
        }
    }
}
