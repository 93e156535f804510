import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

extension OwnerVotesTests {
    @Test("100 ballots at once from one owner: every accepted one gets its own sequence, one counts, the rest are replaced; one key → one ballot")
    func concurrentBallots() async throws {
        try await withApp { app, _ in
            let compound = try await Self.residentCompound(app)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/owner-votes", json: NewVote(
                compoundId: compound.id!, title: "选聘物业", matter: "hire_property_manager", closesAt: testNow.addingTimeInterval(86_400)))
                .content.decode(OwnerVoteDTO.self).id
            let path = "/api/v1/owner-votes/\(id.uuidString)"
            #expect(try await worker.send(.POST, path + "/open").status == .ok)
            var owner = try await TestClient.api(app, as: "resident")
            let key = try await Self.firstKey(&owner, path)
            let resident = owner

            // 100 ballots, half yes and half no, all at the same moment.
            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, OwnerVoteBallotDTO?).self) { group in
                for i in 0..<100 {
                    group.addTask {
                        var client = resident
                        let response = try await client.send(.POST, path + "/ballots", json: ["choice": i % 2 == 0 ? "yes" : "no", "voterKey": key])
                        return (response.status, response.status == .created ? try response.content.decode(OwnerVoteBallotDTO.self) : nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Every answer is a ballot, or — on a machine too loaded to lend a connection in time — 503 busy, which writes nothing.
            let accepted = answers.compactMap(\.1)
            #expect(answers.allSatisfy { $0.0 == .created || $0.0 == .serviceUnavailable }, "\(Set(answers.map(\.0.code)))")
            #expect(accepted.count >= 10, "\(answers.map(\.0.code))")
            let ballots = try await OwnerVoteBallotRecord.query(on: app.db).filter(\.$voteID == id).sort(\.$sequence).all()
            #expect(ballots.count == accepted.count)
            #expect(ballots.map(\.sequence) == Array(1...max(1, ballots.count)), "sequences are contiguous: no two writers took the same one")
            #expect(Set(accepted.map(\.receiptCode)) == Set(ballots.map(\.receiptCode)))
            var reader = resident
            let mine = try await reader.send(.GET, path).content.decode(OwnerVoteDTO.self)
            #expect(mine.participation?.headcount == 1, "one owner, counted once")
            let last = try #require(ballots.last)
            #expect(mine.mine?.receiptCode == last.receiptCode && mine.mine?.choice == last.choice)
            var replaced = 0
            for ballot in ballots {
                let receipt = try await reader.send(.GET, path + "/receipts/\(ballot.receiptCode)").content.decode(OwnerVoteReceiptDTO.self)
                if receipt.status == .replaced { replaced += 1 } else { #expect(receipt.status == .counted && ballot.id == last.id) }
            }
            #expect(replaced == ballots.count - 1)

            // The same 100 under one Idempotency-Key: one more ballot, the others replay it or wait (409).
            let keyed = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        var client = resident
                        let response = try await client.send(.POST, path + "/ballots", json: ["choice": "yes", "voterKey": key], headers: ["Idempotency-Key": "ballot-once-0001"])
                        return (response.status, response.status == .created ? try response.content.decode(OwnerVoteBallotDTO.self).receiptCode : nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(keyed.allSatisfy { [.created, .conflict, .serviceUnavailable].contains($0.0) }, "\(Set(keyed.map(\.0.code)))")
            #expect(Set(keyed.compactMap(\.1)).count == 1)
            #expect(try await OwnerVoteBallotRecord.query(on: app.db).filter(\.$voteID == id).count() == ballots.count + 1)
            #expect(try await OwnerVoteCommands.recount(id, context: app.context()).problems.isEmpty)
        }
    }

    @Test("issue 24 findings 3 and 4: a representative votes for every entry they hold; staff cannot replace an online ballot; a paper ballot needs the signed sheet and the owner is told")
    func representativeAndPaperBallots() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            // P owns 101 alone and represents 102, co-owned with Q; R owns 103; S owns 104.
            let compound = CompoundRecord(communityID: f.communityA.id!, orgPath: f.communityA.orgPath, name: "代表测试小区", commercial: true)
            try await compound.create(on: app.db)
            let building = BuildingRecord(compoundID: compound.id!, gridID: f.gridA.id!, orgPath: f.gridA.orgPath, name: "1号楼")
            try await building.create(on: app.db)
            var households: [String: HouseholdRecord] = [:]
            var units: [String: HousingUnitRecord] = [:]
            for number in ["101", "102", "103", "104"] {
                let unit = HousingUnitRecord(buildingID: building.id!, orgPath: f.gridA.orgPath, number: number, area: Area(centiSquareMetres: 10_000), developerHeld: false)
                try await unit.create(on: app.db)
                let household = HouseholdRecord(unitID: unit.id!, orgPath: f.gridA.path)
                try await household.create(on: app.db)
                households[number] = household; units[number] = unit
            }
            let p = try await Self.resident(app, username: "ownerp", household: households["101"]!, relation: .owner, community: f.communityA, seed: 21)
            try await HouseholdMemberRecord(householdID: households["102"]!.id!, personID: p.id!, relation: .owner, resides: false).create(on: app.db)
            _ = try await Self.resident(app, username: "ownerq", household: households["102"]!, relation: .coOwner, community: f.communityA, seed: 22)
            _ = try await Self.resident(app, username: "ownerr", household: households["103"]!, relation: .owner, community: f.communityA, seed: 23)
            _ = try await Self.resident(app, username: "owners", household: households["104"]!, relation: .owner, community: f.communityA, seed: 24)
            units["102"]!.voteRepresentativeID = p.id
            try await units["102"]!.update(on: app.db)
            let id = try await worker.send(.POST, "/api/v1/owner-votes", json: NewVote(
                compoundId: compound.id!, title: "更换电梯", matter: "raise_maintenance_fund", closesAt: testNow.addingTimeInterval(86_400))).content.decode(OwnerVoteDTO.self).id
            let path = "/api/v1/owner-votes/\(id.uuidString)"
            #expect(try await worker.send(.POST, path + "/open").status == .ok)

            // Finding 4: P sees both entries and votes for each.
            var ownerP = try await TestClient.api(app, as: "ownerp")
            let entries = try #require(try await ownerP.send(.GET, path).content.decode(OwnerVoteDTO.self).mine?.entries)
            #expect(entries.count == 2 && entries.map(\.units).joined().contains("101") && entries.map(\.units).joined().contains("102"))
            let unnamed = try await ownerP.send(.POST, path + "/ballots", json: ["choice": "yes"])
            #expect(unnamed.status == .unprocessableEntity)
            #expect(try unnamed.content.decode(ErrorJSON.self).error.code == "choose_entry")
            for entry in entries {
                #expect(try await ownerP.send(.POST, path + "/ballots", json: ["choice": "yes", "voterKey": entry.voterKey]).status == .created)
            }
            var ownerR = try await TestClient.api(app, as: "ownerr")
            #expect(try await ownerR.send(.POST, path + "/ballots", json: ["choice": "no", "voterKey": entries[0].voterKey]).status == .unprocessableEntity)
            #expect(try await ownerR.send(.POST, path + "/ballots", json: ["choice": "no"]).status == .created)
            let voted = try await worker.send(.GET, path + "/voters").content.decode([OwnerVoteVoterDTO].self)
            #expect(voted.filter(\.voted).count == 3)
            #expect(try await ownerP.send(.GET, path).content.decode(OwnerVoteDTO.self).mine?.entries.allSatisfy { $0.choice == .yes } == true)

            // Finding 3: R voted online: staff cannot enter a paper ballot over it.
            let rKey = try #require(voted.first { $0.units.contains("103") }?.voterKey)
            let sKey = try #require(voted.first { $0.units.contains("104") }?.voterKey)
            let refused = try await worker.sendMultipart(path + "/paper-ballots", fields: ["choice": "abstain", "voterKey": rKey], fileField: "photo",
                                                         fileName: "sheet.png", contentType: "image/png", file: AttachmentTests.png)
            #expect(refused.status == .conflict)
            #expect(try refused.content.decode(ErrorJSON.self).error.code == "voted_online")
            #expect(try await ownerR.send(.GET, path).content.decode(OwnerVoteDTO.self).mine?.choice == .no)
            // Without the signed sheet's photo, nothing is entered.
            let bare = try await worker.send(.POST, path + "/paper-ballots", json: ["choice": "yes", "voterKey": sKey])
            #expect(bare.status == .unprocessableEntity)
            #expect(try await worker.send(.GET, path + "/voters").content.decode([OwnerVoteVoterDTO].self).filter(\.voted).count == 3)
            // With it, the ballot counts, the sheet is kept, and S is told on the home page and the vote's page.
            let entered = try await worker.sendMultipart(path + "/paper-ballots", fields: ["choice": "yes", "voterKey": sKey], fileField: "photo",
                                                         fileName: "sheet.png", contentType: "image/png", file: AttachmentTests.png)
            #expect(entered.status == .created)
            let ballotID = try #require(try await OwnerVoteBallotRecord.query(on: app.db).filter(\.$voterKey == sKey).first()?.id)
            #expect(try await DeliberationPhotoRecord.query(on: app.db).filter(\.$subject == .paperBallot).filter(\.$subjectID == ballotID).count() == 1)
            let sUser = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "owners").first())
            #expect(try await VoteNoticeRecord.query(on: app.db).filter(\.$userID == sUser.id!).count() == 1)
            var sPages = try await TestClient.browser(app, as: "owners")
            #expect(try await sPages.send(.GET, "/").body.string.contains("工作人员为您录入了纸质选票"))
            let page = try await sPages.send(.GET, "/votes/\(id.uuidString)").body.string
            #expect(page.contains("按纸质选票为您录入了这一票"))
            // Seen on the vote's page, the notice leaves the home page (the vote's page still says it).
            #expect(!(try await sPages.send(.GET, "/").body.string.contains("工作人员为您录入了纸质选票")))
            #expect(try await sPages.send(.GET, "/votes/\(id.uuidString)").body.string.contains("按纸质选票为您录入了这一票"))
            var sAPI = try await TestClient.api(app, as: "owners")
            #expect(try await sAPI.send(.GET, path).content.decode(OwnerVoteDTO.self).mine?.entries.first?.channel == .paper)
            // The vote's page says how the counted ballots came.
            var workerPages = try await TestClient.browser(app, as: "worker")
            #expect(try await workerPages.send(.GET, "/votes/\(id.uuidString)").body.string.contains("计入的选票：网上 3 张，纸质 1 张"))
            // So does `gongzhi owner-vote tally`.
            let recount = try await OwnerVoteCommands.recount(id, context: app.context())
            #expect(recount.counted.map(\.channel).sorted { $0.rawValue < $1.rawValue } == [.online, .online, .online, .paper])
        }
    }
}
