import Fluent
import Foundation
import GongzhiCore
import Testing
import VaporTesting
@testable import GongzhiApp

/// Checklist row 28, the community's records: needs, polls, projects, meetings, resource offers, rectification
/// items, warnings, owners' votes and their photos keep their numbers but name nobody 10 years after they ended
/// (a poll goes whole), and not a minute before; the pages that show them still work.
@Suite("Retention: the community's records name nobody after 10 years")
struct RecordRetentionTests {
    typealias C = CouncilAndProjectsTests

    @Test("every kind of record, time-travelled past its ten years: no words, no account, supports counted, poll and photo gone")
    func communityRecords() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            let start = app.clock.now
            let community = f.communityA.id!
            let tag = UUID().uuidString.prefix(8)
            let words = ["需求描述", "会议纪要", "决定内容", "提供者", "整改发现", "整改计划", "预警备注", "评价意见"].map { $0 + tag }
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            var street = try await TestClient.api(app, as: "street")
            let residentID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first()?.id)
            let workerID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first()?.id)
            func created<T: Decodable>(_ response: TestingHTTPResponse, _ type: T.Type) throws -> T {
                #expect(response.status == .created, "\(response.body.string)")
                return try response.content.decode(type)
            }
            let need = try created(try await resident.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: "加装电梯", description: words[0])), NeedDTO.self)
            let poll = try created(try await worker.send(.POST, "/api/v1/polls", json: PollsTests.NewPoll(
                communityId: community, title: "停车收费", options: ["按月", "按次"], closesAt: start.addingTimeInterval(7 * 86_400))), PollDTO.self)
            var members: [UUID] = []
            for seat in ["community", "owners_committee", "property_company"] {
                members.append(try created(try await worker.send(.POST, "/api/v1/council-members", json: C.Member(
                    communityId: community, seat: seat, name: "委员", organisation: "单位")), CouncilMemberDTO.self).id)
            }
            _ = try await worker.send(.POST, "/api/v1/needs/\(need.id.uuidString)/take-up", json: ["note": "议题"])
            let meeting = try created(try await worker.send(.POST, "/api/v1/meetings", json: C.Meeting(
                communityId: community, title: "议事会", heldAt: start, agenda: [need.id])), MeetingDTO.self)
            let mpath = "/api/v1/meetings/\(meeting.id.uuidString)"
            #expect(try await worker.send(.POST, mpath + "/record", json: C.Record(present: members, minutes: words[1])).status == .ok)
            let decision = try created(try await worker.send(.POST, mpath + "/decisions", json: C.Decision(needId: need.id, text: words[2], outcome: "agreed")),
                                       MeetingDTO.Decision.self)
            let resource = try created(try await worker.send(.POST, "/api/v1/resources", json: C.Resource(
                communityId: community, kind: "funds", provider: "unit", providerName: words[3], title: "资金", amountFen: 100_000)), ResourceDTO.self)
            let project = try created(try await worker.send(.POST, "/api/v1/projects", json: C.Project(
                decisionId: decision.id, title: "加装电梯项目", ownerOrg: "居委会", budgetFen: 200_000,
                funding: [C.Funding(source: "resource", resourceId: resource.id, amountFen: 100_000)],
                milestones: [C.Milestone(title: "开工", dueOn: "2026-12-10")])), ProjectDTO.self)
            let ppath = "/api/v1/projects/\(project.id.uuidString)"
            #expect(try await worker.send(.POST, ppath + "/actions/start").status == .ok)
            struct Update: Encodable, Sendable { let text: String; let percent: Int }
            #expect(try await worker.send(.POST, ppath + "/updates", json: Update(text: "进展", percent: 10)).status == .created)
            let deadline = CivilDate(start.addingTimeInterval(30 * 86_400)).description
            let item = try created(try await street.send(.POST, "/api/v1/rectifications", json: RectificationsTests.NewItem(
                ownerNodeId: community, finding: words[4], plan: words[5], deadline: deadline)), RectificationsTests.Item.self)
            let compound = try await OwnerVotesTests.residentCompound(app)
            let vote = try created(try await worker.send(.POST, "/api/v1/owner-votes", json: OwnerVotesTests.NewVote(
                compoundId: compound.id!, title: "改造", matter: "other_major_matter", closesAt: start.addingTimeInterval(20 * 86_400))), OwnerVoteDTO.self)
            // What people add one each, a handled warning, a closed vote and a photo, written directly.
            try await NeedSupportRecord(needID: need.id, userID: residentID, now: start).create(on: app.db)
            try await PollVoteRecord(pollID: poll.id, userID: residentID, householdID: f.householdA.id, choices: [0], castAt: start, sequence: 1).create(on: app.db)
            try await ProjectRatingRecord(projectID: project.id, userID: residentID, rating: .satisfied, comment: words[7], now: start).create(on: app.db)
            let survey = PropertySurveyRecord()
            survey.id = UUID(); survey.companyID = UUID(); survey.compoundID = compound.id!; survey.orgPath = compound.orgPath
            survey.year = CivilDate(start).year; survey.userID = residentID; survey.satisfaction = "satisfied"; survey.comment = "物业很好" + tag
            survey.answeredAt = start
            try await survey.create(on: app.db)
            let warning = WarningRecord()
            warning.id = UUID(); warning.kind = .slaRed; warning.dedupeKey = "retention-\(tag)"; warning.orgPath = f.communityA.path
            warning.detail = "GZ"; warning.state = .resolved; warning.createdAt = start; warning.note = words[6]
            warning.handledBy = workerID; warning.handledAt = start
            try await warning.create(on: app.db)
            try await OwnerVoteRecord.query(on: app.db).filter(\.$id == vote.id).set(\.$closedAt, to: start).update()
            let photo = DeliberationPhotoRecord()
            photo.id = UUID(); photo.subject = .need; photo.subjectID = need.id; photo.contentType = "image/png"; photo.size = 4
            photo.sha256 = String(repeating: "0", count: 64); photo.uploadedBy = residentID; photo.uploadedAt = start
            try await photo.create(on: app.db)
            let photoFile = app.gongzhi.config.storageDirectory + "/attachments/" + photo.id!.uuidString.lowercased()
            try FileManager.default.createDirectory(atPath: app.gongzhi.config.storageDirectory + "/attachments", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: photoFile, contents: Data([0x89, 0x50, 0x4e, 0x47])))
            let supportsBefore = try #require(try await NeedRecord.find(need.id, on: app.db)).supportCount

            // A minute short of ten years after the earliest end: nothing yet.
            let tenYears = Calendar(identifier: .gregorian).date(byAdding: .year, value: 10, to: start)!
            app.clock.set(tenYears.addingTimeInterval(-60))
            #expect(try await RetentionSweep.run(app.context()).recordsAnonymised == 0)
            #expect(try await RetentionTests.residue(words, in: app) == Set(words))

            // Past every end (the poll closed a week after the start): every kind once.
            app.clock.set(tenYears.addingTimeInterval(8 * 86_400))
            let report = try await RetentionSweep.run(app.context())
            #expect(report.recordsAnonymised >= RecordRetention.Kind.allCases.count, "\(report)")
            #expect(try await RetentionTests.residue(words, in: app).isEmpty)
            let nobody = RecordRetention.nobody
            let keptNeed = try #require(try await NeedRecord.find(need.id, on: app.db))
            #expect(keptNeed.raisedBy == nobody && keptNeed.title == "加装电梯" && keptNeed.supportCount == supportsBefore)
            #expect(try await NeedSupportRecord.query(on: app.db).filter(\.$needID == need.id).count() == 0)
            #expect(try await PollRecord.find(poll.id, on: app.db) == nil)
            #expect(try await PollVoteRecord.query(on: app.db).filter(\.$pollID == poll.id).count() == 0)
            #expect(try await ProjectRecord.find(project.id, on: app.db)?.createdBy == nobody)
            #expect(try await ProjectUpdateRecord.query(on: app.db).filter(\.$projectID == project.id).all().allSatisfy { $0.createdBy == nobody })
            #expect(try await ProjectRatingRecord.query(on: app.db).filter(\.$projectID == project.id).count() == 0)
            #expect(try await PropertySurveyRecord.find(survey.id, on: app.db) == nil)
            let keptMeeting = try #require(try await MeetingRecord.find(meeting.id, on: app.db))
            #expect(keptMeeting.createdBy == nobody && keptMeeting.present.isEmpty && keptMeeting.title == "议事会")
            #expect(try await ResourceOfferRecord.find(resource.id, on: app.db)?.createdBy == nobody)
            let keptItem = try #require(try await RectificationRecord.find(item.id, on: app.db))
            #expect(keptItem.createdBy == nobody && keptItem.submittedBy == nil && keptItem.verifiedBy == nil && keptItem.state == .open)
            let keptWarning = try #require(try await WarningRecord.find(warning.id, on: app.db))
            #expect(keptWarning.handledBy == nil && keptWarning.state == .resolved)
            #expect(try await OwnerVoteRecord.find(vote.id, on: app.db)?.createdBy == nobody)
            #expect(try await DeliberationPhotoRecord.find(photo.id, on: app.db) == nil && !FileManager.default.fileExists(atPath: photoFile))
            // Audited; the chain whole; a second run finds nothing; the pages still show what is left.
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "retention.records").count() >= RecordRetention.Kind.allCases.count)
            #expect(try await RetentionSweep.run(app.context()) == .init())
            #expect(try await AuditLog.verify(on: app.db) == .intact(count: Int64(try await AuditRecord.query(on: app.db).count())))
            var browser = try await TestClient.browser(app, as: "worker")
            #expect(try await browser.send(.GET, "/polls/\(poll.id.uuidString)").status == .notFound)
            for page in ["/needs/\(need.id.uuidString)", "/polls", "/meetings/\(meeting.id.uuidString)",
                         "/projects/\(project.id.uuidString)", "/votes/\(vote.id.uuidString)", "/council"] {
                #expect(try await browser.send(.GET, page).status == .ok, "\(page)")
            }
            // A new sign-in: the one from ten years ago has long expired.
            var staff = try await TestClient.api(app, as: "worker")
            let shown = try await staff.send(.GET, "/api/v1/rectifications/\(item.id.uuidString)")
            #expect(shown.status == .ok && !shown.body.string.contains(words[4]), "\(shown.status)")
        }
    }
}
