import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Points (issue 28): rules from their date with caps, awards, corrections the other way, a catalogue with stock,
/// two-phase exchanges, and the ledger's invariants — also under 100 exchanges at once (run on SQLite and PostgreSQL).
@Suite("Points ledger")
struct PointsTests {
    struct Rule: Encodable, Sendable {
        var communityId: UUID?
        var earning = "volunteer_hours"
        var pointsPerUnit: Int? = 10
        var dailyCap: Int? = 30
        var monthlyCap: Int? = nil
        var effectiveFrom: String? = nil
    }

    struct Award: Encodable, Sendable {
        var communityId: UUID?
        var personId: UUID?
        var earning = "volunteer_hours"
        var units: Int? = 2
        var note: String? = "图书室值班"
        var transferId: UUID? = nil
    }

    struct Item: Encodable, Sendable {
        var communityId: UUID?
        var name: String? = "理发一次"
        var description: String? = "社区服务站周三上午"
        var points: Int64? = 15
        var perPersonLimit: Int? = 1
    }

    struct Quantity: Encodable, Sendable { var quantity: Int64? }
    struct Redeem: Encodable, Sendable { var itemId: UUID?; var transferId: UUID? = nil }
    struct Reason: Encodable, Sendable { var reason: String? }

    static func created<T: Decodable>(_ response: TestingHTTPResponse, _ type: T.Type) throws -> T {
        #expect(response.status == .created, "\(response.body.string)")
        return try response.content.decode(T.self)
    }

    @Test("rules with caps, awards, a correction the other way, an exchange reserved then handed over or cancelled; strangers refused; the stored ledger agrees with the Core")
    func flow() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let residentUser = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let person = try #require(residentUser.$person.id)
            // Without a rule nothing is recorded.
            #expect(try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)).body.string.contains("no_rule"))
            _ = try Self.created(try await worker.send(.POST, "/api/v1/points/rules", json: Rule(communityId: community)), PointsAPIController.RuleDTO.self)
            let backdated = try await worker.send(.POST, "/api/v1/points/rules", json: Rule(communityId: community, effectiveFrom: "2020-01-01"))
            #expect(backdated.status == .unprocessableEntity && backdated.body.string.contains("backdated"))
            // 2 hours: 20 points; 2 more: cut to the daily cap of 30; then nothing is left today.
            let first = try Self.created(try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)), PointsAPIController.TransferDTO.self)
            let second = try Self.created(try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)), PointsAPIController.TransferDTO.self)
            #expect(first.points == 20 && second.points == 10)
            #expect(try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)).body.string.contains("cap_reached"))
            // The same transfer id sent again is the same award, not a second one.
            let key = UUID()
            _ = try await worker.send(.POST, "/api/v1/points/rules", json: Rule(communityId: community, earning: "pledge", pointsPerUnit: 5, dailyCap: nil))
            _ = try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person, earning: "pledge", units: 1, transferId: key))
            _ = try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person, earning: "pledge", units: 1, transferId: key))
            var me = try await resident.send(.GET, "/api/v1/points/me").content.decode(PointsAPIController.MeDTO.self)
            #expect(me.statement.available == 35 && me.statement.entries.count == 3)
            // Another community's worker and residents elsewhere: refused.
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)).status == .unprocessableEntity)
            #expect(try await resident.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: person)).status == .forbidden)
            #expect(try await worker.send(.POST, "/api/v1/points/awards", json: Award(communityId: community, personId: f.personB.id!)).body.string.contains("personId"))

            // The catalogue: an item of 15 points, one per person, two in stock.
            let item = try Self.created(try await worker.send(.POST, "/api/v1/points/items", json: Item(communityId: community)), PointsAPIController.ItemDTO.self)
            #expect(try await worker.send(.POST, "/api/v1/points/items/\(item.id)/stock", json: Quantity(quantity: 2)).content.decode(PointsAPIController.StockDTO.self).available == 2)
            #expect(try await worker2.send(.POST, "/api/v1/points/items/\(item.id)/stock", json: Quantity(quantity: 2)).status == .unprocessableEntity)
            let reserved = try Self.created(try await resident.send(.POST, "/api/v1/points/redemptions", json: Redeem(itemId: item.id)), PointsAPIController.RedemptionDTO.self)
            #expect(reserved.state == .reserved)
            me = try await resident.send(.GET, "/api/v1/points/me").content.decode(PointsAPIController.MeDTO.self)
            #expect(me.statement.available == 20 && me.statement.reserved == 15 && me.items.first?.available == 1)
            #expect(try await resident.send(.POST, "/api/v1/points/redemptions", json: Redeem(itemId: item.id)).body.string.contains("limit_reached"))
            // Handing over: not by another community's worker (404), nor by a grid worker who only sees it (403), nor by the resident.
            #expect(try await worker2.send(.POST, "/api/v1/points/redemptions/\(reserved.id)/collect").status == .notFound)
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.POST, "/api/v1/points/redemptions/\(reserved.id)/collect").status == .forbidden)
            #expect(try await resident.send(.POST, "/api/v1/points/redemptions/\(reserved.id)/collect").status == .forbidden)
            let collected = try await worker.send(.POST, "/api/v1/points/redemptions/\(reserved.id)/collect")
            #expect(try collected.status == .ok && collected.content.decode(PointsAPIController.RedemptionDTO.self).state == .collected)
            #expect(try await worker.send(.POST, "/api/v1/points/redemptions/\(reserved.id)/release").body.string.contains("resolved"))

            // A correction takes an award back by a transfer the other way; not more than is left, and once.
            _ = try Self.created(try await worker.send(.POST, "/api/v1/points/transfers/\(second.id)/correct", json: Reason(reason: "只值班了 1 小时")), PointsAPIController.TransferDTO.self)
            #expect(try await worker.send(.POST, "/api/v1/points/transfers/\(second.id)/correct", json: Reason(reason: "again")).body.string.contains("already_corrected"))
            #expect(try await worker.send(.POST, "/api/v1/points/transfers/\(first.id)/correct", json: Reason(reason: "记错人了")).body.string.contains("insufficient"))
            me = try await resident.send(.GET, "/api/v1/points/me").content.decode(PointsAPIController.MeDTO.self)
            #expect(me.statement.available == 10)

            // A second item without limit: reserved, then cancelled by the resident; another reserved and let expire.
            let cheap = try Self.created(try await worker.send(.POST, "/api/v1/points/items", json: Item(communityId: community, name: "鸡蛋一盒", points: 5, perPersonLimit: 0)), PointsAPIController.ItemDTO.self)
            _ = try await worker.send(.POST, "/api/v1/points/items/\(cheap.id)/stock", json: Quantity(quantity: 5))
            let cancel = try Self.created(try await resident.send(.POST, "/api/v1/points/redemptions", json: Redeem(itemId: cheap.id)), PointsAPIController.RedemptionDTO.self)
            #expect(try await resident.send(.POST, "/api/v1/points/redemptions/\(cancel.id)/release").status == .ok)
            let lapse = try Self.created(try await resident.send(.POST, "/api/v1/points/redemptions", json: Redeem(itemId: cheap.id)), PointsAPIController.RedemptionDTO.self)
            try await app.db.sql().raw("UPDATE redemptions SET expires_at = \(bind: testNow.addingTimeInterval(-1)) WHERE id = \(bind: lapse.id)").run()
            #expect(try await Points.expireDue(in: app.context()) == 1)
            me = try await resident.send(.GET, "/api/v1/points/me").content.decode(PointsAPIController.MeDTO.self)
            #expect(me.statement.available == 10 && me.statement.reserved == 0 && me.items.first { $0.id == cheap.id }?.available == 5)
            // The community's totals and the ledger's invariants.
            let totals = try await worker.send(.GET, "/api/v1/points/communities/\(community)").content.decode(PointsAPIController.CommunityDTO.self).totals
            #expect(totals.residents == 1 && totals.spent == 15 && totals.available == 10 && totals.reserved == 0)
            #expect(try await worker2.send(.GET, "/api/v1/points/communities/\(community)").status == .notFound)
            #expect(try await LedgerStore.check(on: app.db) == [])
            // Transfers are append-only in the database itself.
            await #expect(throws: (any Error).self) { try await app.db.sql().raw("UPDATE ledger_transfers SET amount = 1000").run() }
            await #expect(throws: (any Error).self) { try await app.db.sql().raw("DELETE FROM ledger_transfers").run() }
        }
    }

    /// `n` residents of community A with `points` each, and an item of `cost` points with `stock` units.
    static func residents(_ n: Int, points: Int, item cost: Int64, stock: Int64, app: Application, f: Fixture) async throws -> (actors: [Actor], item: UUID) {
        let staff = try #require(try await DemoDeliberation.actor("worker", app))
        let context = app.context(.account(staff))
        let community = OrgNodeID(f.communityA.id!)
        _ = try await Points.setRule(communityID: community, earning: .meetingAttendance, pointsPerUnit: points, dailyCap: nil, monthlyCap: nil, from: nil, in: context)
        var rng = SeededGenerator(seed: 7)
        var actors: [Actor] = []
        for index in 0..<n {
            let number = try ResidentIDNumber(validating: DemoIdentity.idNumber(using: &rng, birthYears: 1950...2000), today: testNow)
            let person = PersonRecord(orgPath: f.communityA.path, name: "居民\(index)", idNumber: number, phone: nil, cipher: app.gongzhi.cipher)
            try await person.create(on: app.db)
            _ = try await Points.award(communityID: community, personID: PersonID(person.id!), earning: .meetingAttendance, units: 1, note: nil, transferID: nil, in: context)
            actors.append(Actor(userID: AccountID(UUID()), username: "r\(index)", grants: [RoleGrant(role: .resident, path: f.communityA.orgPath)],
                                personID: PersonID(person.id!)))
        }
        let item = try await Points.addItem(communityID: community, name: "电影票", description: nil, points: cost, perPersonLimit: 0, in: context)
        _ = try await Points.addStock(item.id!, quantity: stock, note: nil, transferID: nil, in: context)
        return (actors, item.id!)
    }

    /// Runs `redeem` for each actor at once: "ok", the refusal's code, or "busy" for the load a server sheds with 503
    /// (a pool or write-turn timeout: nothing written, the client told to retry).
    static func race(_ actors: [Actor], item: UUID, app: Application) async -> [String] {
        await withTaskGroup(of: String.self) { group in
            for actor in actors {
                group.addTask {
                    do { _ = try await Points.redeem(item, transferID: nil, in: app.context(.account(actor))); return "ok" }
                    catch let error as AppError { return error.code }
                    catch where GongzhiErrorMiddleware.isOverload(error) { return "busy" }
                    catch { return "\(error)" }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
    }

    @Test("100 exchanges at once for an item with 10 in stock: exactly 10 reserved, the stock never oversold")
    func concurrentStock() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (actors, item) = try await Self.residents(100, points: 50, item: 20, stock: 10, app: app, f: f)
            let outcomes = await Self.race(actors, item: item, app: app)
            let ok = outcomes.filter { $0 == "ok" }.count, shed = outcomes.contains("busy")
            let tally = "\(Dictionary(grouping: outcomes, by: { $0 }).mapValues(\.count))"
            #expect(outcomes.allSatisfy { ["ok", "insufficient", "busy"].contains($0) }, "\(tally)")
            // Never more than the stock; all of it when no request was shed under load.
            #expect(ok <= 10 && (shed || ok == 10), "\(tally)")
            #expect(try await Points.available([item], on: app.db)[item] == Int64(10 - ok))
            #expect(try await RedemptionRecord.query(on: app.db).count() == ok)
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }

    @Test("100 exchanges at once by one person with points for 3: exactly 3 reserved, the balance never below zero")
    func concurrentBalance() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (actors, item) = try await Self.residents(1, points: 30, item: 10, stock: 1_000, app: app, f: f)
            let outcomes = await Self.race(Array(repeating: actors[0], count: 100), item: item, app: app)
            let ok = outcomes.filter { $0 == "ok" }.count, shed = outcomes.contains("busy")
            let tally = "\(Dictionary(grouping: outcomes, by: { $0 }).mapValues(\.count))"
            #expect(outcomes.allSatisfy { ["ok", "insufficient", "busy"].contains($0) }, "\(tally)")
            #expect(ok <= 3 && (shed || ok == 3), "\(tally)")
            let account = try #require(try await LedgerAccountRecord.query(on: app.db).filter(\.$personID == actors[0].personID!.uuid).first())
            #expect(account.balance.available == Int64(30 - 10 * ok) && account.balance.reserved == Int64(10 * ok))
            #expect(try await Points.available([item], on: app.db)[item] == Int64(1_000 - ok))
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }
}

@Suite("Points pages")
struct PointsPagesTests {
    @Test("staff set a rule, add an item with stock and record points by a resident's number; the resident exchanges, cancels, and staff hand over; wrong forms shown again")
    func pages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!.uuidString.lowercased()
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/points/manage").body.string.contains("积分管理"))
            let rule = try await worker.send(.POST, "/points/manage/rule", form: ["communityId": community, "earning": "volunteer_hours", "pointsPerUnit": "10", "dailyCap": "", "monthlyCap": ""])
            #expect(rule.status == .seeOther && rule.headers.first(name: .location)?.contains("done=rule") == true, "\(rule.body.string.prefix(300))")
            let badRule = try await worker.send(.POST, "/points/manage/rule", form: ["communityId": community, "earning": "volunteer_hours", "pointsPerUnit": "多"])
            #expect(badRule.status == .unprocessableEntity && badRule.body.string.contains("积分管理"))
            let item = try await worker.send(.POST, "/points/manage/item", form: ["communityId": community, "name": "理发一次", "points": "15", "perPersonLimit": "0", "quantity": "3"])
            #expect(item.status == .seeOther)
            let itemID = try #require(try await RewardItemRecord.query(on: app.db).first()?.id)
            #expect(try await Points.available([itemID], on: app.db)[itemID] == 3)
            // By the resident's number: a person of community A with a known mobile number.
            let phone = try MobileNumber(validating: "13912345678")
            var rng = SeededGenerator(seed: 11)
            let idNumber = try ResidentIDNumber(validating: DemoIdentity.idNumber(using: &rng, birthYears: 1950...1990), today: testNow)
            let person = PersonRecord(orgPath: f.communityA.path, name: "王芳", idNumber: idNumber, phone: phone, cipher: app.gongzhi.cipher)
            try await person.create(on: app.db)
            let award = try await worker.send(.POST, "/points/manage/award", form: ["communityId": community, "phone": "13912345678", "earning": "volunteer_hours", "units": "2"])
            #expect(award.status == .seeOther, "\(award.body.string.prefix(300))")
            #expect(try await LedgerAccountRecord.query(on: app.db).filter(\.$personID == person.id!).first()?.balance.available == 20)
            let unknown = try await worker.send(.POST, "/points/manage/award", form: ["communityId": community, "phone": "13800000000", "earning": "volunteer_hours", "units": "2"])
            #expect(unknown.status == .unprocessableEntity && unknown.body.string.contains("aw-phone"))

            // The resident: points recorded through the API, then the exchange by the page.
            let residentPerson = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first()?.$person.id)
            let staff = try #require(try await DemoDeliberation.actor("worker", app))
            _ = try await Points.award(communityID: f.communityA.id.map(OrgNodeID.init), personID: PersonID(residentPerson), earning: .volunteerHours, units: 4, note: "图书室值班", transferID: nil,
                                       in: app.context(.account(staff)))
            var resident = try await TestClient.browser(app, as: "resident")
            let page = try await resident.send(.GET, "/points").body.string
            #expect(page.contains("理发一次") && page.contains("+40") && page.contains("图书室值班"))
            let reserved = try await resident.send(.POST, "/points/redeem", form: ["itemId": itemID.uuidString])
            #expect(reserved.status == .seeOther && reserved.headers.first(name: .location) == "/points?done=reserved")
            let mine = try #require(try await RedemptionRecord.query(on: app.db).first())
            _ = try await resident.send(.GET, "/points")
            #expect(try await resident.send(.POST, "/points/redemptions/\(mine.id!)/release", form: [:]).headers.first(name: .location) == "/points?done=released")
            _ = try await resident.send(.GET, "/points")
            _ = try await resident.send(.POST, "/points/redeem", form: ["itemId": itemID.uuidString])
            let second = try #require(try await RedemptionRecord.query(on: app.db).filter(\.$state == .reserved).first())
            _ = try await worker.send(.GET, "/points/manage")
            let handed = try await worker.send(.POST, "/points/redemptions/\(second.id!)/collect", form: [:])
            #expect(handed.status == .seeOther && handed.headers.first(name: .location)?.contains("done=collected") == true)
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }
}

@Suite("Points ledger: review findings")
struct PointsReviewTests {
    @Test("a community with points rules, accounts and exchanges moves to another street; the ledger still adds up")
    func communityMoves() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (_, _) = try await PointsTests.residents(2, points: 10, item: 5, stock: 3, app: app, f: f)
            let streetB = try #require(f.communityB.$parent.id)
            var admin = try await TestClient.api(app, as: "admin")
            let moved = try await admin.send(.POST, "/api/v1/org/nodes/\(f.communityA.id!)/move", json: ["parentId": streetB])
            #expect(moved.status == .ok, "\(moved.body.string)")
            let community = try #require(try await OrgNodeRecord.find(f.communityA.id!, on: app.db))
            #expect(try await PointsRuleRecord.query(on: app.db).all().allSatisfy { $0.orgPath == community.path })
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }

    @Test("20 awards at once for one person stay within the daily cap; a transfer id of another award is refused, not answered")
    func capsUnderConcurrency() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let (actors, _) = try await PointsTests.residents(2, points: 1, item: 1, stock: 1, app: app, f: f)
            let staff = try #require(try await DemoDeliberation.actor("worker", app))
            let context = app.context(.account(staff))
            let community = OrgNodeID(f.communityA.id!)
            _ = try await Points.setRule(communityID: community, earning: .volunteerHours, pointsPerUnit: 10, dailyCap: 30, monthlyCap: nil, from: nil, in: context)
            let person = actors[0].personID!
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do { _ = try await Points.award(communityID: community, personID: person, earning: .volunteerHours, units: 2, note: nil, transferID: nil, in: context); return "ok" }
                        catch let error as AppError { return error.code }
                        catch where GongzhiErrorMiddleware.isOverload(error) { return "busy" }
                        catch { return "\(error)" }
                    }
                }
                var all: [String] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.allSatisfy { ["ok", "cap_reached", "busy"].contains($0) }, "\(outcomes)")
            let account = try #require(try await LedgerAccountRecord.query(on: app.db).filter(\.$personID == person.uuid).first())
            let earned = try await LedgerTransferRecord.query(on: app.db).filter(\.$creditAccountID == account.id!).filter(\.$code == .volunteerHours).all()
            let total = earned.reduce(0) { $0 + $1.amount }
            // Never past the cap; the whole cap when no request was shed under load.
            #expect(total <= 30 && (outcomes.contains("busy") || total == 30), "\(earned.map(\.amount))")
            // Someone else's award id: refused, and nothing credited to the second person.
            let other = actors[1].personID!
            await #expect(throws: AppError.self) {
                _ = try await Points.award(communityID: community, personID: other, earning: .volunteerHours, units: 1, note: nil, transferID: earned[0].id, in: context)
            }
            #expect(try await LedgerStore.check(on: app.db) == [])
        }
    }
}
