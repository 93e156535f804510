import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Page forms follow Post/Redirect/Get, and carry a one-time key (`_once`): the same form sent twice (a double
/// click, the browser's "send again?") does its work once and leads to the same page.
@Suite("Page forms: Post/Redirect/Get and one-time keys")
struct PageFormOnceTests {
    static func onceKey(_ html: String) throws -> String {
        try #require(html.range(of: "name=\"_once\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
    }

    @Test("the request form: 303 to the request, refreshing it sends nothing, the same form twice makes one case, changed it still leads there")
    func requestForm() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.browser(app, as: "resident")
            let once = try Self.onceKey(try await resident.send(.GET, "/requests/new").body.string)
            let building = try await residentBuilding(app).uuidString
            let fields = [("title", "楼道灯不亮"), ("description", "三楼"), ("item", "other"), ("otherItem", "电梯故障"), ("q[trapped]", "no"),
                          ("buildingId", building), ("_once", once)]
            let before = try await CaseRecord.query(on: app.db).count()
            // Refused (no title), the form comes back; corrected, it goes under the same key.
            let refused = try await resident.sendForm("/requests", fields: fields.map { $0.0 == "title" ? ("title", "") : $0 })
            #expect(refused.status == .unprocessableEntity)
            let first = try await resident.sendForm("/requests", fields: fields)
            #expect(first.status == .seeOther, "\(first.body.string.prefix(300))")
            let location = try #require(first.headers.first(name: .location))
            #expect(location.hasPrefix("/requests/") && location.hasSuffix("?done=submitted"))
            // Reloading the result is a GET: nothing is sent again.
            for _ in 0..<2 { #expect(try await resident.follow(first).status == .ok) }
            let again = try await resident.sendForm("/requests", fields: fields)
            #expect(again.status == .seeOther && again.headers.first(name: .location) == location)
            #expect(try await CaseRecord.query(on: app.db).count() == before + 1)
            // The key is spent: even changed, the form leads to what its first sending made.
            let changed = try await resident.sendForm("/requests", fields: fields.map { $0.0 == "title" ? ("title", "别的事") : $0 })
            #expect(changed.status == .seeOther && changed.headers.first(name: .location) == location)
            #expect(try await CaseRecord.query(on: app.db).count() == before + 1)
            // A fresh page gives a fresh key: the next request is a new case.
            let next = try Self.onceKey(try await resident.send(.GET, "/requests/new").body.string)
            #expect(next != once)
            let second = try await resident.sendForm("/requests", fields: fields.map { $0.0 == "_once" ? ("_once", next) : $0 })
            #expect(second.status == .seeOther && second.headers.first(name: .location) != location)
            #expect(try await CaseRecord.query(on: app.db).count() == before + 2)
        }
    }

    @Test("a case action and a need: the same form twice acts once")
    func caseActionAndNeed() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var api = try await TestClient.api(app, as: "worker")
            let id = try await api.send(.POST, "/api/v1/cases", json: ["title": "路灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "patrol"])
                .content.decode(CaseDTO.self).id
            var worker = try await TestClient.browser(app, as: "worker")
            let once = try Self.onceKey(try await worker.send(.GET, "/cases/\(id.uuidString)").body.string)
            for _ in 0..<2 {
                let accepted = try await worker.sendForm("/cases/\(id.uuidString)/act/accept", fields: [("note", ""), ("_once", once)])
                #expect(accepted.status == .seeOther && accepted.headers.first(name: .location) == "/cases/\(id.uuidString.lowercased())?done=accept")
            }
            #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == id).filter(\.$action == "accept").count() == 1)
            // The same page's other forms have their own use of the key.
            let dispatched = try await worker.sendForm("/cases/\(id.uuidString)/act/dispatch", fields: [("note", ""), ("_once", once)])
            #expect(dispatched.status == .seeOther)
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .dispatched)

            var resident = try await TestClient.browser(app, as: "resident")
            let needOnce = try Self.onceKey(try await resident.send(.GET, "/needs/new").body.string)
            let before = try await NeedRecord.query(on: app.db).count()
            for _ in 0..<2 {
                let raised = try await resident.send(.POST, "/needs", form: ["title": "加装座椅", "place": "中心花园", "compoundId": "", "_once": needOnce])
                #expect(raised.status == .seeOther)
            }
            #expect(try await NeedRecord.query(on: app.db).count() == before + 1)
        }
    }

    @Test("a ballot sent twice from the same page is one ballot")
    func ballot() async throws {
        try await withApp { app, _ in
            let compound = try await OwnerVotesTests.residentCompound(app)
            var worker = try await TestClient.browser(app, as: "worker")
            #expect(try await worker.send(.GET, "/votes/new").status == .ok)
            let created = try await worker.send(.POST, "/votes", form: ["compoundId": compound.id!.uuidString, "title": "加装电梯", "matter": "rebuild",
                                                                       "closesAt": PageDates.local(testNow.addingTimeInterval(3 * 86_400)), "description": "1号楼"])
            let location = try #require(created.headers.first(name: .location))
            #expect(try await worker.send(.POST, location + "/open", form: [:]).status == .seeOther)
            var resident = try await TestClient.browser(app, as: "resident")
            let html = try await resident.send(.GET, location).body.string
            let key = try #require(html.range(of: "name=\"voterKey\" value=\"").map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
            // The choice is stated first; its confirmation form carries the one-time key that is sent twice.
            let confirmPage = try await resident.send(.POST, location + "/ballot", form: ["choice": "yes", "voterKey": key, "_once": try Self.onceKey(html)])
            let once = try Self.onceKey(confirmPage.body.string)
            let voteID = try #require(UUID(uuidString: String(location.split(separator: "/").last!)))
            for _ in 0..<2 {
                let cast = try await resident.send(.POST, location + "/ballot", form: ["choice": "yes", "voterKey": key, "confirm": "1", "_once": once])
                #expect(cast.status == .seeOther)
            }
            #expect(try await OwnerVoteBallotRecord.query(on: app.db).filter(\.$voteID == voteID).count() == 1)
        }
    }
}
