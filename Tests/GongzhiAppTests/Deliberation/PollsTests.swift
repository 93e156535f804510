import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Residents' polls (民意调查)")
struct PollsTests {
    struct NewPoll: Encodable, Sendable {
        let communityId: UUID
        let title: String
        let options: [String]
        var multipleChoice: Bool = false
        var unit: String = "resident"
        let closesAt: Date
    }

    @Test("one vote per household: a later vote of the same household replaces the earlier one; results public once closed; other communities 404")
    func perHousehold() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let bad = try await worker.send(.POST, "/api/v1/polls", json: NewPoll(communityId: f.communityA.id!, title: "停车", options: ["一个"], closesAt: testNow.addingTimeInterval(86_400)))
            #expect(bad.status == .unprocessableEntity)
            let created = try await worker.send(.POST, "/api/v1/polls", json: NewPoll(
                communityId: f.communityA.id!, title: "夜间停车收费方案", options: ["按月", "按次", "不收费"], unit: "household", closesAt: testNow.addingTimeInterval(7 * 86_400)))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(PollDTO.self).id
            let path = "/api/v1/polls/\(id.uuidString)"
            var resident = try await TestClient.api(app, as: "resident")
            #expect(try await resident.send(.GET, path).status == .notFound)
            #expect(try await worker.send(.POST, path + "/open").status == .ok)
            #expect(try await worker.send(.POST, path + "/open").status == .conflict)

            #expect(try await resident.send(.POST, path + "/votes", json: ["choices": [0, 1]]).status == .unprocessableEntity)
            #expect(try await resident.send(.POST, path + "/votes", json: ["choices": [7]]).status == .unprocessableEntity)
            let voted = try await resident.send(.POST, path + "/votes", json: ["choices": [0]])
            #expect(voted.status == .created)
            let seen = try voted.content.decode(PollDTO.self)
            #expect(seen.myChoices == [0] && seen.options.allSatisfy { $0.votes == nil })
            // Someone else of the same household changes the household's vote.
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let member = try #require(try await HouseholdMemberRecord.query(on: app.db).filter(\.$person.$id == user.$person.id!).first())
            let household = try #require(try await HouseholdRecord.find(member.$household.id, on: app.db))
            try await OwnerVotesTests.resident(app, username: "spouse", household: household, relation: .family, community: f.communityA, seed: 41)
            var spouse = try await TestClient.api(app, as: "spouse")
            #expect(try await spouse.send(.POST, path + "/votes", json: ["choices": [2]]).status == .created)
            #expect(try await resident.send(.GET, path).content.decode(PollDTO.self).myChoices == [2])
            let live = try await worker.send(.GET, path).content.decode(PollDTO.self)
            #expect(live.participants == 1 && live.options.map(\.votes) == [0, 0, 1])

            try await OwnerVotesTests.resident(app, username: "pollfar", household: f.householdB, relation: .owner, community: f.communityB, seed: 42)
            var far = try await TestClient.api(app, as: "pollfar")
            let worker2 = try await TestClient.api(app, as: "worker2")
            for client in [far, worker2] {
                var client = client
                #expect(try await client.send(.GET, path).status == .notFound)
                #expect(try await client.send(.POST, path + "/votes", json: ["choices": [0]]).status == .notFound)
                #expect(try await client.send(.POST, path + "/close").status == .notFound)
            }
            #expect(try await far.send(.GET, "/api/v1/polls").content.decode(ListPage<PollDTO>.self).items.isEmpty)
            #expect(try await resident.send(.POST, path + "/close").status == .forbidden)

            #expect(try await worker.send(.POST, path + "/close").status == .ok)
            #expect(try await resident.send(.POST, path + "/votes", json: ["choices": [1]]).status == .conflict)
            let result = try await resident.send(.GET, path).content.decode(PollDTO.self)
            #expect(result.state == .closed && result.options.map(\.votes) == [0, 0, 1] && result.participants == 1)
        }
    }

    @Test("multiple choice, one vote per resident: a tenant votes too; each resident counts once")
    func multipleChoice() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/polls", json: NewPoll(
                communityId: f.communityA.id!, title: "希望增加的活动", options: ["书法", "合唱", "太极"], multipleChoice: true, closesAt: testNow.addingTimeInterval(86_400)))
                .content.decode(PollDTO.self).id
            let path = "/api/v1/polls/\(id.uuidString)"
            _ = try await worker.send(.POST, path + "/open")
            var resident = try await TestClient.api(app, as: "resident")
            let household = try #require(try await HouseholdRecord.query(on: app.db).filter(\.$unit.$id == f.unitA.id!).first())
            try await OwnerVotesTests.resident(app, username: "polltenant", household: household, relation: .tenant, community: f.communityA, seed: 43)
            var tenant = try await TestClient.api(app, as: "polltenant")
            #expect(try await resident.send(.POST, path + "/votes", json: ["choices": [0, 2, 2]]).status == .created)
            #expect(try await tenant.send(.POST, path + "/votes", json: ["choices": [2]]).status == .created)
            #expect(try await worker.send(.POST, path + "/votes", json: ["choices": [1]]).status == .forbidden)
            let live = try await worker.send(.GET, path).content.decode(PollDTO.self)
            #expect(live.participants == 2 && live.options.map(\.votes) == [1, 0, 2])
            app.clock.advance(by: 86_400)
            #expect(try await tenant.send(.POST, path + "/votes", json: ["choices": [1]]).status == .conflict)
        }
    }
}
