import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("The 3+X council, meetings, resources and projects")
struct CouncilAndProjectsTests {
    struct Member: Encodable, Sendable { let communityId: UUID; let seat: String; let name: String; var organisation: String = "" }
    struct Meeting: Encodable, Sendable { let communityId: UUID; let title: String; let heldAt: Date; let agenda: [UUID] }
    struct Record: Encodable, Sendable { let present: [UUID]; let minutes: String }
    struct Decision: Encodable, Sendable { let needId: UUID?; let text: String; let outcome: String }
    struct Resource: Encodable, Sendable { let communityId: UUID; let kind: String; let provider: String; let providerName: String; let title: String; var amountFen: Int? }
    struct Funding: Encodable, Sendable { let source: String; var resourceId: UUID?; let amountFen: Int; var note: String = "" }
    struct Milestone: Encodable, Sendable { let title: String; let dueOn: String }
    struct Project: Encodable, Sendable {
        let decisionId: UUID; let title: String; let ownerOrg: String; let budgetFen: Int; let funding: [Funding]; let milestones: [Milestone]
    }

    @Test("a topic goes through a quorate meeting to a decision, a funded project, milestones, acceptance and the residents' evaluation")
    func topicToProject() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let need = try await resident.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: "加装电动车充电桩")).content.decode(NeedDTO.self)
            // Only topics go on an agenda.
            let early = try await worker.send(.POST, "/api/v1/meetings", json: Meeting(communityId: community, title: "议事会", heldAt: testNow, agenda: [need.id]))
            #expect(early.status == .unprocessableEntity)
            _ = try await worker.send(.POST, "/api/v1/needs/\(need.id.uuidString)/take-up", json: ["note": "列入议题"])
            let meeting = try await worker.send(.POST, "/api/v1/meetings", json: Meeting(communityId: community, title: "十二月议事会", heldAt: testNow, agenda: [need.id]))
            #expect(meeting.status == .created, "\(meeting.body.string)")
            let meetingID = try meeting.content.decode(MeetingDTO.self).id
            let path = "/api/v1/meetings/\(meetingID.uuidString)"
            // Unpublished: residents do not see it.
            #expect(try await resident.send(.GET, path).status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/meetings").content.decode(ListPage<MeetingDTO>.self).total == 0)

            // The roster: three core seats and the police.
            var members: [UUID] = []
            for (seat, name) in [("community", "王书记"), ("owners_committee", "李主任"), ("property_company", "张经理"), ("police", "赵警官")] {
                let added = try await worker.send(.POST, "/api/v1/council-members", json: Member(communityId: community, seat: seat, name: name))
                #expect(added.status == .created)
                members.append(try added.content.decode(CouncilMemberDTO.self).id)
            }
            #expect(try await resident.send(.POST, "/api/v1/council-members", json: Member(communityId: community, seat: "police", name: "x")).status == .forbidden)
            #expect(try await resident.send(.GET, "/api/v1/council-members").content.decode([CouncilMemberDTO].self).count == 4)
            // Without the property company present, no decision.
            let partial = try await worker.send(.POST, path + "/record", json: Record(present: [members[0], members[1], members[3]], minutes: "讨论充电桩选址"))
            let partialDTO = try partial.content.decode(MeetingDTO.self)
            #expect(partialDTO.canDecide == false && partialDTO.missingCoreSeats == [.propertyCompany])
            let refused = try await worker.send(.POST, path + "/decisions", json: Decision(needId: need.id, text: "同意建设", outcome: "agreed"))
            #expect(refused.status == .conflict)
            #expect(try await worker.send(.POST, path + "/record", json: Record(present: [UUID()], minutes: "x")).status == .unprocessableEntity)
            let full = try await worker.send(.POST, path + "/record", json: Record(present: members, minutes: "讨论充电桩选址，一致同意")).content.decode(MeetingDTO.self)
            #expect(full.canDecide == true)
            let decided = try await worker.send(.POST, path + "/decisions", json: Decision(needId: need.id, text: "同意在3号楼旁建设充电桩", outcome: "agreed"))
            #expect(decided.status == .created)
            let decisionID = try decided.content.decode(MeetingDTO.Decision.self).id
            #expect(try await worker.send(.POST, path + "/decisions", json: Decision(needId: UUID(), text: "x", outcome: "agreed")).status == .unprocessableEntity)
            #expect(try await worker.send(.POST, path + "/publish").status == .ok)
            #expect(try await worker.send(.POST, path + "/record", json: Record(present: members, minutes: "改")).status == .conflict)
            let published = try await resident.send(.GET, path).content.decode(MeetingDTO.self)
            #expect(published.minutes == "讨论充电桩选址，一致同意" && published.decisions?.count == 1 && published.canDecide == nil)

            // A funded project with milestones.
            let resource = try await worker.send(.POST, "/api/v1/resources", json: Resource(
                communityId: community, kind: "funds", provider: "unit", providerName: "共建单位某公司", title: "公益资金", amountFen: 2_000_000)).content.decode(ResourceDTO.self)
            let created = try await worker.send(.POST, "/api/v1/projects", json: Project(
                decisionId: decisionID, title: "充电桩建设", ownerOrg: "社区居委会", budgetFen: 5_000_000,
                funding: [Funding(source: "resource", resourceId: resource.id, amountFen: 2_000_000), Funding(source: "government", amountFen: 2_500_000)],
                milestones: [Milestone(title: "选址公示", dueOn: "2026-12-10"), Milestone(title: "施工", dueOn: "2027-01-20")]))
            #expect(created.status == .created, "\(created.body.string)")
            let project = try created.content.decode(ProjectDTO.self)
            #expect(project.shortfallFen == 500_000 && project.milestones?.count == 2)
            #expect(try await NeedRecord.find(need.id, on: app.db)?.state == .project)
            #expect(try await worker.send(.POST, "/api/v1/projects", json: Project(
                decisionId: decisionID, title: "再来", ownerOrg: "x", budgetFen: 1, funding: [], milestones: [])).status == .conflict)
            #expect(try await worker.send(.POST, "/api/v1/projects", json: Project(
                decisionId: UUID(), title: "x", ownerOrg: "x", budgetFen: 1, funding: [Funding(source: "resource", amountFen: 5)], milestones: [])).status == .unprocessableEntity)
            let ppath = "/api/v1/projects/\(project.id.uuidString)"
            #expect(try await worker.send(.POST, ppath + "/actions/start").status == .ok)
            #expect(try await worker.send(.POST, ppath + "/updates", json: ["text": "已完成选址", "percent": "30"]).status == .unprocessableEntity)
            struct Update: Encodable, Sendable { let text: String; let percent: Int }
            #expect(try await worker.send(.POST, ppath + "/updates", json: Update(text: "已完成选址", percent: 30)).status == .created)
            let blocked = try await worker.send(.POST, ppath + "/actions/request_acceptance")
            let blockedCode = try blocked.content.decode(ErrorJSON.self).error.code
            #expect(blocked.status == .conflict && blockedCode == "milestones_open")
            #expect(try await resident.send(.POST, ppath + "/ratings", json: ["rating": "satisfied"]).status == .conflict)
            for milestone in project.milestones ?? [] {
                #expect(try await worker.send(.POST, ppath + "/milestones/\(milestone.id.uuidString)/done").status == .ok)
            }
            #expect(try await worker.send(.POST, ppath + "/actions/request_acceptance").status == .ok)
            #expect(try await worker.send(.POST, ppath + "/ratings", json: ["rating": "satisfied"]).status == .forbidden)
            #expect(try await resident.send(.POST, ppath + "/ratings", json: ["rating": "unsatisfied"]).status == .created)
            let changed = try await resident.send(.POST, ppath + "/ratings", json: ["rating": "satisfied"]).content.decode(ProjectDTO.self)
            #expect(changed.myRating == .satisfied && changed.evaluation?.satisfied == 1 && changed.evaluation?.unsatisfied == 0)
            let household = try #require(try await HouseholdRecord.query(on: app.db).filter(\.$unit.$id == f.unitA.id!).first())
            try await OwnerVotesTests.resident(app, username: "rater2", household: household, relation: .tenant, community: f.communityA, seed: 51)
            var rater = try await TestClient.api(app, as: "rater2")
            #expect(try await rater.send(.POST, ppath + "/ratings", json: ["rating": "unsatisfied"]).status == .created)
            let accepted = try await worker.send(.POST, ppath + "/actions/accept", json: ["note": "验收合格"]).content.decode(ProjectDTO.self)
            #expect(accepted.state == .accepted && accepted.evaluation?.satisfactionPerMille == 500 && accepted.acceptanceNote == "验收合格")
            #expect(try await worker.send(.POST, ppath + "/actions/start").status == .conflict)
            #expect(try await worker.send(.POST, ppath + "/actions/fly").status == .notFound)

            // A page past the end is empty, with the true total (schemathesis found these lists counting with the page's range).
            for list in ["/api/v1/meetings", "/api/v1/projects", "/api/v1/resources", "/api/v1/needs", "/api/v1/polls", "/api/v1/owner-votes"] {
                let far = try await worker.send(.GET, list + "?offset=999999&limit=1")
                #expect(far.status == .ok, "\(list)")
                #expect(far.body.string.contains("\"items\":[]"), "\(list)")
            }
            let pastProjects = try await worker.send(.GET, "/api/v1/projects?offset=999999&limit=1").content.decode(ListPage<ProjectDTO>.self)
            #expect(pastProjects.total == 1)

            // Another community: nothing of it.
            var worker2 = try await TestClient.api(app, as: "worker2")
            for target in [path, ppath] { #expect(try await worker2.send(.GET, target).status == .notFound) }
            #expect(try await worker2.send(.POST, ppath + "/actions/cancel").status == .notFound)
            #expect(try await worker2.send(.GET, "/api/v1/projects").content.decode(ListPage<ProjectDTO>.self).total == 0)
            #expect(try await worker2.send(.GET, "/api/v1/resources").content.decode(ListPage<ResourceDTO>.self).total == 0)
            #expect(try await worker2.send(.POST, "/api/v1/council-members", json: Member(communityId: community, seat: "police", name: "x")).status == .unprocessableEntity)
            #expect(try await worker2.send(.POST, "/api/v1/council-members/\(members[0].uuidString)/retire").status == .notFound)
        }
    }
}
