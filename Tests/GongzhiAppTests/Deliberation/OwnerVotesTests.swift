import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Owners' votes through the API: who may vote, see and run them, receipts, the tally and its recount.
@Suite("Owners' votes (Civil Code Art. 278)")
struct OwnerVotesTests {
    struct NewVote: Encodable, Sendable {
        let compoundId: UUID
        let title: String
        let matter: String
        let closesAt: Date
        var description: String = ""
    }

    /// A person registered in `household` with `relation`, and a resident account for them at `community`.
    @discardableResult
    static func resident(_ app: Application, username: String, household: HouseholdRecord, relation: HouseholdRelation, community: OrgNodeRecord,
                         seed: UInt64) async throws -> PersonRecord {
        var rng = SeededGenerator(seed: seed)
        let number = try ResidentIDNumber(validating: DemoIdentity.idNumber(using: &rng, birthYears: 1960...1990), today: testNow)
        let person = PersonRecord(orgPath: household.orgPath, name: "测试\(username)", idNumber: number, phone: nil, cipher: app.gongzhi.cipher)
        try await person.create(on: app.db)
        try await HouseholdMemberRecord(householdID: household.id!, personID: person.id!, relation: relation, resides: true).create(on: app.db)
        let user = UserRecord(id: UUID(), username: username, displayName: username, passwordHash: app.gongzhi.passwords.hash(demoPassword),
                        personID: person.id, now: testNow)
        try await user.create(on: app.db)
        try await RoleGrantRecord(userID: user.id!, role: .resident, nodeID: community.id, path: community.orgPath, grantedBy: nil).create(on: app.db)
        return person
    }

    /// The compound of the demo resident's unit.
    /// The first entry of the electorate the signed-in owner casts for (the demo resident holds several).
    static func firstKey(_ client: inout TestClient, _ path: String) async throws -> String {
        try #require(try await client.send(.GET, path).content.decode(OwnerVoteDTO.self).mine?.entries.first?.voterKey)
    }

    static func residentCompound(_ app: Application) async throws -> CompoundRecord {
        let building = try #require(try await BuildingRecord.find(try await residentBuilding(app), on: app.db))
        return try #require(try await CompoundRecord.find(building.$compound.id, on: app.db))
    }

    @Test("owners vote and change their ballot; a tenant cannot; another compound's resident and staff get 404")
    func whoMayVote() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let compound = try await Self.residentCompound(app)
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let closes = testNow.addingTimeInterval(7 * 86_400)
            let created = try await worker.send(.POST, "/api/v1/owner-votes", json: NewVote(
                compoundId: compound.id!, title: "续聘物业服务企业", matter: "hire_property_manager", closesAt: closes))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(OwnerVoteDTO.self).id
            let path = "/api/v1/owner-votes/\(id.uuidString)"
            // A draft is the staff's own.
            #expect(try await resident.send(.GET, path).status == .notFound)
            #expect(try await resident.send(.POST, "/api/v1/owner-votes", json: NewVote(
                compoundId: compound.id!, title: "x", matter: "rebuild", closesAt: closes)).status == .forbidden)
            #expect(try await resident.send(.POST, path + "/open").status == .notFound)

            let opened = try await worker.send(.POST, path + "/open")
            #expect(opened.status == .ok, "\(opened.body.string)")
            let dto = try opened.content.decode(OwnerVoteDTO.self)
            let expected = try OwnersVote.electorate(try await OwnerVoteElectorate.load(compoundID: compound.id!, on: app.db).units)
            #expect(dto.state == .open && dto.totalHeadcount == expected.headcount && dto.totalAreaCenti == expected.totalArea)
            #expect(try await worker.send(.POST, path + "/open").status == .conflict)

            // The demo resident owns a unit here: votes, then changes the ballot; the last one counts.
            let key = try await Self.firstKey(&resident, path)
            let first = try await resident.send(.POST, path + "/ballots", json: ["choice": "yes", "voterKey": key])
            #expect(first.status == .created, "\(first.body.string)")
            let firstCode = try first.content.decode(OwnerVoteBallotDTO.self).receiptCode
            app.clock.advance(by: 60)
            let second = try await resident.send(.POST, path + "/ballots", json: ["choice": "no", "voterKey": key])
            let secondCode = try second.content.decode(OwnerVoteBallotDTO.self).receiptCode
            #expect(firstCode != secondCode && secondCode.count == 14)
            let mine = try await resident.send(.GET, path).content.decode(OwnerVoteDTO.self)
            #expect(mine.mine?.eligible == true && mine.mine?.choice == .no && mine.mine?.receiptCode == secondCode)
            #expect(mine.participation?.headcount == 1)
            let old = try await resident.send(.GET, path + "/receipts/\(firstCode.lowercased().replacingOccurrences(of: "-", with: ""))")
            #expect(try old.content.decode(OwnerVoteReceiptDTO.self).status == .replaced)
            let current = try await resident.send(.GET, path + "/receipts/\(secondCode)").content.decode(OwnerVoteReceiptDTO.self)
            #expect(current.status == .counted && current.choice == .no)
            #expect(try await resident.send(.GET, path + "/receipts/AAAA-BBBB-CCCC").status == .notFound)
            #expect(try await resident.send(.POST, path + "/ballots", json: ["choice": "maybe"]).status == .unprocessableEntity)

            // A tenant of the same compound sees the vote but may not vote, nor see another's choice by its code.
            let household = try #require(try await HouseholdRecord.query(on: app.db).filter(\.$unit.$id == f.unitA.id!).first())
            try await Self.resident(app, username: "tenant1", household: household, relation: .tenant, community: f.communityA, seed: 7)
            var tenant = try await TestClient.api(app, as: "tenant1")
            let seen = try await tenant.send(.GET, path)
            let seenMine = try seen.content.decode(OwnerVoteDTO.self).mine
            #expect(seen.status == .ok && seenMine?.eligible == false)
            let refused = try await tenant.send(.POST, path + "/ballots", json: ["choice": "yes"])
            let refusal = try refused.content.decode(ErrorJSON.self).error.code
            #expect(refused.status == .forbidden && refusal == "not_an_owner")
            #expect(try await tenant.send(.GET, path + "/receipts/\(secondCode)").content.decode(OwnerVoteReceiptDTO.self).choice == nil)

            // A resident of another community's compound, and the other community's worker: not found.
            try await Self.resident(app, username: "otherowner", household: f.householdB, relation: .owner, community: f.communityB, seed: 8)
            var other = try await TestClient.api(app, as: "otherowner")
            var worker2 = try await TestClient.api(app, as: "worker2")
            for client in [other, worker2] {
                var client = client
                #expect(try await client.send(.GET, path).status == .notFound)
                #expect(try await client.send(.POST, path + "/ballots", json: ["choice": "yes"]).status == .notFound)
                #expect(try await client.send(.GET, path + "/receipts/\(secondCode)").status == .notFound)
                let list = try await client.send(.GET, "/api/v1/owner-votes").content.decode(ListPage<OwnerVoteDTO>.self)
                #expect(!list.items.contains { $0.id == id })
            }
            #expect(try await worker2.send(.POST, path + "/close").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/owner-votes").status == .ok)
            // The district officer sees it but does not run it.
            var district = try await TestClient.api(app, as: "district")
            #expect(try await district.send(.GET, path).status == .ok)
            #expect(try await district.send(.POST, path + "/close").status == .forbidden)
            #expect(try await district.send(.GET, path + "/voters").status == .forbidden)
            // So does the community's grid worker, like every deliberation list of the community.
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await grid.send(.GET, path).status == .ok)
            #expect(try await grid.send(.GET, "/api/v1/owner-votes").content.decode(ListPage<OwnerVoteDTO>.self).items.contains { $0.id == id })
            #expect(try await grid.send(.POST, path + "/close").status == .forbidden)

            // Not before its time; after it, no more ballots; then the result is published and recounts the same.
            #expect(try await worker.send(.POST, path + "/close").status == .conflict)
            app.clock.set(closes)
            #expect(try await resident.send(.POST, path + "/ballots", json: ["choice": "yes", "voterKey": key]).status == .conflict)
            let closed = try await worker.send(.POST, path + "/close")
            #expect(closed.status == .ok, "\(closed.body.string)")
            let result = try #require(try closed.content.decode(OwnerVoteDTO.self).result)
            #expect(result.participatingHeadcount == 1 && result.noHeadcount == 1 && result.yesHeadcount == 0)
            #expect(result.quorumMet == (3 * 1 >= 2 * expected.headcount) && !result.passed)
            let recount = try await OwnerVoteCommands.recount(id, context: app.context())
            #expect(recount.problems.isEmpty && recount.matchesPublished == true)
        }
    }

    @Test("the electorate: one owner with two units counts once, co-owners vote through their representative, the developer once; paper ballots; exact tally")
    func electorateAndTally() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            // A compound with four units: A owns 101 (100.00 m²) and 102 (50.50 m²); B and C co-own 201 (80.00 m²);
            // 202 (120.25 m²) is the developer's.
            let compound = CompoundRecord(communityID: f.communityA.id!, orgPath: f.communityA.orgPath, name: "表决测试小区", commercial: true)
            try await compound.create(on: app.db)
            let building = BuildingRecord(compoundID: compound.id!, gridID: f.gridA.id!, orgPath: f.gridA.orgPath, name: "1号楼")
            try await building.create(on: app.db)
            var households: [String: HouseholdRecord] = [:]
            for (number, centi, developer) in [("101", 10_000, false), ("102", 5_050, false), ("201", 8_000, false), ("202", 12_025, true)] {
                let unit = HousingUnitRecord(buildingID: building.id!, orgPath: f.gridA.orgPath, number: number, area: Area(centiSquareMetres: centi), developerHeld: developer)
                try await unit.create(on: app.db)
                let household = HouseholdRecord(unitID: unit.id!, orgPath: f.gridA.path)
                try await household.create(on: app.db)
                households[number] = household
            }
            let a = try await Self.resident(app, username: "ownera", household: households["101"]!, relation: .owner, community: f.communityA, seed: 11)
            try await HouseholdMemberRecord(householdID: households["102"]!.id!, personID: a.id!, relation: .owner, resides: false).create(on: app.db)
            _ = try await Self.resident(app, username: "ownerb", household: households["201"]!, relation: .owner, community: f.communityA, seed: 12)
            let c = try await Self.resident(app, username: "ownerc", household: households["201"]!, relation: .coOwner, community: f.communityA, seed: 13)

            let created = try await worker.send(.POST, "/api/v1/owner-votes", json: NewVote(
                compoundId: compound.id!, title: "筹集维修资金", matter: "raise_maintenance_fund", closesAt: testNow.addingTimeInterval(86_400)))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.decode(OwnerVoteDTO.self).id
            let path = "/api/v1/owner-votes/\(id.uuidString)"
            // The co-owners have not chosen who votes for 201: the vote cannot open, and the error says which unit.
            let blocked = try await worker.send(.POST, path + "/open")
            #expect(blocked.status == .unprocessableEntity)
            let problem = try blocked.content.decode(ErrorJSON.self).error
            #expect(problem.code == "no_representative" && problem.message.contains("1号楼 201"))
            let unit201 = try #require(try await HousingUnitRecord.query(on: app.db).filter(\.$number == "201").filter(\.$building.$id == building.id!).first())
            let notOwner = try await worker.send(.PATCH, "/api/v1/org/units/\(unit201.id!.uuidString)", json: ["voteRepresentativeId": a.id!.uuidString])
            #expect(notOwner.status == .unprocessableEntity)
            #expect(try await worker.send(.PATCH, "/api/v1/org/units/\(unit201.id!.uuidString)", json: ["voteRepresentativeId": c.id!.uuidString]).status == .ok)
            let opened = try await worker.send(.POST, path + "/open").content.decode(OwnerVoteDTO.self)
            #expect(opened.totalHeadcount == 3 && opened.totalAreaCenti == 10_000 + 5_050 + 8_000 + 12_025)
            // The demo resident lives in another compound of the same community: not found.
            var elsewhere = try await TestClient.api(app, as: "resident")
            #expect(try await elsewhere.send(.GET, path).status == .notFound)
            #expect(try await elsewhere.send(.POST, path + "/ballots", json: ["choice": "yes"]).status == .notFound)

            // A votes yes for both units; B is a co-owner but not the representative; C votes no.
            var ownerA = try await TestClient.api(app, as: "ownera")
            var ownerB = try await TestClient.api(app, as: "ownerb")
            var ownerC = try await TestClient.api(app, as: "ownerc")
            #expect(try await ownerA.send(.POST, path + "/ballots", json: ["choice": "yes"]).status == .created)
            #expect(try await ownerB.send(.POST, path + "/ballots", json: ["choice": "yes"]).status == .forbidden)
            #expect(try await ownerC.send(.POST, path + "/ballots", json: ["choice": "no"]).status == .created)
            let mineA = try await ownerA.send(.GET, path).content.decode(OwnerVoteDTO.self).mine
            #expect(mineA?.areaCenti == 15_050 && mineA?.units?.contains("102") == true)
            // The developer's paper ballot, entered by staff; residents cannot enter paper ballots.
            let voters = try await worker.send(.GET, path + "/voters").content.decode([OwnerVoteVoterDTO].self)
            #expect(voters.count == 3 && voters.filter(\.voted).count == 2)
            let developer = try #require(voters.first { $0.developer })
            #expect(try await ownerA.sendMultipart(path + "/paper-ballots", fields: ["choice": "no", "voterKey": developer.voterKey], fileField: "photo",
                                                   fileName: "sheet.png", contentType: "image/png", file: AttachmentTests.png).status == .forbidden)
            #expect(try await worker.sendMultipart(path + "/paper-ballots", fields: ["choice": "yes", "voterKey": "nobody"], fileField: "photo",
                                                   fileName: "sheet.png", contentType: "image/png", file: AttachmentTests.png).status == .unprocessableEntity)
            let paper = try await worker.sendMultipart(path + "/paper-ballots", fields: ["choice": "yes", "voterKey": developer.voterKey], fileField: "photo",
                                                       fileName: "sheet.png", contentType: "image/png", file: AttachmentTests.png)
            let channel = try paper.content.decode(OwnerVoteBallotDTO.self).channel
            #expect(paper.status == .created && channel == .paper)

            app.clock.advance(by: 86_400)
            let result = try #require(try await worker.send(.POST, path + "/close").content.decode(OwnerVoteDTO.self).result)
            // Everyone took part (quorum met); yes: A + developer = 2 of 3 persons (< 3/4) with 27 075 of 35 075 (≥ 3/4):
            // the special majority fails on the headcount alone, by one person.
            #expect(result.quorumMet && result.participatingHeadcount == 3 && result.participatingAreaCenti == 35_075)
            #expect(result.yesAreaCenti == 27_075 && result.approvalArea.passed && result.approvalArea.needed == 26_307)
            #expect(!result.approvalHeadcount.passed && result.approvalHeadcount.needed == 3 && result.approvalHeadcount.margin == -1)
            #expect(!result.passed && result.specialMajority)

            // The ballots cannot be edited through the database, and a forged choice would not match its receipt.
            await #expect(throws: (any Error).self) {
                try await app.db.sql().raw("UPDATE owner_vote_ballots SET choice = 'yes' WHERE vote_id = \(bind: id)").run()
            }
            try await AppendOnly.remove(OwnerVoteBallotRecord.schema, on: app.db)
            try await app.db.sql().raw("UPDATE owner_vote_ballots SET choice = 'yes' WHERE vote_id = \(bind: id) AND choice = 'no'").run()
            let recount = try await OwnerVoteCommands.recount(id, context: app.context())
            #expect(recount.forged.count == 1 && recount.matchesPublished == false && recount.problems.count == 2)
        }
    }

    @Test("due votes and polls close in the background exactly once, even with two instances at the same moment")
    func backgroundClosing() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let compound = try await Self.residentCompound(app)
            var worker = try await TestClient.api(app, as: "worker")
            let closes = testNow.addingTimeInterval(3_600)
            let id = try await worker.send(.POST, "/api/v1/owner-votes", json: NewVote(compoundId: compound.id!, title: "选举业委会", matter: "elect_committee", closesAt: closes))
                .content.decode(OwnerVoteDTO.self).id
            _ = try await worker.send(.POST, "/api/v1/owner-votes/\(id.uuidString)/open")
            var resident = try await TestClient.api(app, as: "resident")
            let key = try await Self.firstKey(&resident, "/api/v1/owner-votes/\(id.uuidString)")
            #expect(try await resident.send(.POST, "/api/v1/owner-votes/\(id.uuidString)/ballots", json: ["choice": "yes", "voterKey": key]).status == .created)
            let poll = try await worker.send(.POST, "/api/v1/polls", json: PollsTests.NewPoll(
                communityId: f.communityA.id!, title: "意见", options: ["是", "否"], closesAt: closes)).content.decode(PollDTO.self).id
            _ = try await worker.send(.POST, "/api/v1/polls/\(poll.uuidString)/open")
            // Not yet due: nothing happens.
            let early = try await OwnerVotes.closeDue(in: app.context()) + Polls.closeDue(in: app.context())
            #expect(early == 0)
            app.clock.set(closes)
            // Two instances on PostgreSQL (on SQLite one process writes: the same app twice, concurrently).
            try await withTwin(of: app) { twin in
                let twin = TestDatabase.isPostgres ? twin : app
                async let first = OwnerVotes.closeDue(in: app.context())
                async let second = OwnerVotes.closeDue(in: twin.context())
                let closed = try await first + second
                #expect(closed == 1)
                async let p1 = Polls.closeDue(in: app.context())
                async let p2 = Polls.closeDue(in: twin.context())
                let polls = try await p1 + p2
                #expect(polls == 1)
            }
            let vote = try #require(try await OwnerVoteRecord.find(id, on: app.db))
            #expect(vote.state == .closed && OwnerVoteTallyDTO.decode(vote.resultJSON)?.yesHeadcount == 1)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "owner_vote.close").count() == 1)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "poll.closed").count() == 1)
            #expect(try await PollRecord.find(poll, on: app.db)?.state == .closed)
            #expect(try await OwnerVoteCommands.recount(id, context: app.context()).problems.isEmpty)
        }
    }

}
