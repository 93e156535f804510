import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Raising a problem before having an account (issue 26): the form, the number at the end, the texted code; the
/// code makes the account and sends the problem in one step.
@Suite("A visitor raises a problem, verified by a texted code at the end")
struct VisitorRequestTests {
    @Test("the two steps work without an account; the number is the last field; the code sends the problem as the new account")
    func visitorRaises() async throws {
        try await withApp { app, _ in
            let phone = "13912345675"
            var visitor = TestClient(app)
            let step1 = try await visitor.send(.GET, "/requests/new")
            #expect(step1.status == .ok && step1.body.string.contains("req-title"))
            let step2 = try await visitor.send(.POST, "/requests/new", form: ["title": "楼道灯坏了好几天", "description": "晚上看不见路"])
            let body = step2.body.string
            #expect(step2.status == .ok && body.contains("name=\"phone\"") && !body.contains("name=\"photos[]\""))
            let building = try #require(try await BuildingRecord.query(on: app.db).first())
            // A bad number: the form again, nothing kept.
            let bad = try await visitor.send(.POST, "/requests", form: ["title": "楼道灯坏了好几天", "description": "晚上看不见路", "item": "PRC-003",
                                                                        "buildingId": building.id!.uuidString, "phone": "12345"])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("name=\"phone\""))
            #expect(try await CaseDraftRecord.query(on: app.db).count() == 0)
            let sent = try await visitor.send(.POST, "/requests", form: ["title": "楼道灯坏了好几天", "description": "晚上看不见路", "item": "PRC-003",
                                                                         "buildingId": building.id!.uuidString, "phone": phone])
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers.first(name: .location)?.removingPercentEncoding)
            #expect(location.hasPrefix("/signin/code?next=/requests/draft/") && !location.contains(phone))
            let draft = try #require(try await CaseDraftRecord.query(on: app.db).first())
            #expect(!draft.draftSealed.contains("楼道灯"))
            #expect(try await CaseRecord.query(on: app.db).filter(\.$title == "楼道灯坏了好几天").count() == 0, "nothing is sent before the code")
            let codePage = try await visitor.follow(sent)
            #expect(codePage.body.string.contains("您刚才写的问题就交上去了"))
            let code = try #require(try PhoneSignInTests.codes(app, to: phone).last)
            let next = String(location.dropFirst("/signin/code?next=".count))
            let done = try await visitor.send(.POST, "/signin/code", form: ["code": code, "next": next])
            #expect(done.status == .seeOther)
            let target = try #require(done.headers.first(name: .location))
            #expect(target.hasPrefix("/requests/") && target.contains("done=submitted") && target.contains("welcome=1"))
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$title == "楼道灯坏了好几天").first())
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$phoneHash == app.gongzhi.cipher.blindIndex(phone, field: .phone)).first())
            #expect(record.submitterUserID == user.id && record.itemCode == "PRC-003" && record.buildingID == building.id)
            #expect(try await CaseDraftRecord.query(on: app.db).count() == 0, "a sent draft is deleted")
            let page = try await visitor.follow(done)
            #expect(page.status == .ok && page.body.string.contains("楼道灯坏了好几天"))
            #expect(!record.anonymous)
        }
    }

    @Test("a visitor's problem raised anonymously stays anonymous through the code, and its tracking code is shown once")
    func anonymousDraft() async throws {
        try await withApp { app, _ in
            let phone = "13912345682"
            var visitor = TestClient(app)
            _ = try await visitor.send(.GET, "/requests/new")
            let building = try #require(try await BuildingRecord.query(on: app.db).first())
            let sent = try await visitor.send(.POST, "/requests", form: ["title": "有人在楼道里吸烟", "description": "", "item": "TMP-004",
                                                                         "buildingId": building.id!.uuidString, "phone": phone, "anonymous": "on"])
            let next = try #require(sent.headers.first(name: .location)?.removingPercentEncoding).dropFirst("/signin/code?next=".count)
            _ = try await visitor.follow(sent)
            let code = try #require(try PhoneSignInTests.codes(app, to: phone).last)
            let done = try await visitor.send(.POST, "/signin/code", form: ["code": code, "next": String(next)])
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$title == "有人在楼道里吸烟").first())
            #expect(record.anonymous && record.trackingHash != nil)
            let page = try await visitor.follow(done)
            #expect(page.status == .ok && page.body.string.contains("查询码"))
        }
    }

    @Test("a draft is sent only for the account holding its number, and not after a day")
    func draftBelongsToItsNumber() async throws {
        try await withApp { app, _ in
            let building = try #require(try await BuildingRecord.query(on: app.db).first())
            let context = app.context()
            let draft = CaseDrafts.Draft(title: "门禁坏了", description: "", itemCode: nil, buildingID: building.id, answers: [:], isPublic: false)
            let (id, _) = try await CaseDrafts.save(draft, phone: "13912345676", in: context)
            // Someone else, signed in with another number, cannot send it.
            let other = try await HouseholdJoiningTests.signedUp(app, phone: "13912345677")
            _ = other
            let stranger = try #require(try await UserRecord.query(on: app.db).filter(\.$phoneHash == app.gongzhi.cipher.blindIndex("13912345677", field: .phone)).first())
            let actor = Actor(userID: AccountID(stranger.id!), username: stranger.username, grants: [])
            #expect(try await CaseDrafts.submit(id, in: context.acting(as: .account(actor))) == nil)
            #expect(try await CaseDraftRecord.find(id, on: app.db) != nil)
            // After a day it is gone.
            app.clock.advance(by: 86_401)
            try await CaseDrafts.sweep(app.context())
            #expect(try await CaseDraftRecord.find(id, on: app.db) == nil)
        }
    }
}
