import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp

/// Checklist row 14, the deliberation objects the access-matrix crawl has none of: markup stored in every text
/// field of a poll, a council member, a meeting (title, place, minutes, decision), a resource offer, a project
/// (title, organisation, milestones, funding note, progress report) and an owners' vote comes back escaped on
/// every page that shows it, to staff and residents alike.
@Suite("Stored markup in deliberation objects comes back escaped")
struct StoredMarkupTests {
    static let xss = AccessMatrixTests.xss
    typealias C = CouncilAndProjectsTests

    @Test("polls, council, meetings, resources, projects and owners' votes: every page shows the markup escaped, never raw")
    func deliberationPages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let community = f.communityA.id!
            let x = Self.xss
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            func created<T: Decodable>(_ response: TestingHTTPResponse, _ type: T.Type) throws -> T {
                #expect(response.status == .created, "\(response.body.string)")
                return try response.content.decode(type)
            }
            let poll = try created(try await worker.send(.POST, "/api/v1/polls", json: PollsTests.NewPoll(
                communityId: community, title: "停车" + x, options: ["按月" + x, "按次"], closesAt: testNow.addingTimeInterval(7 * 86_400))), PollDTO.self)
            #expect(try await worker.send(.POST, "/api/v1/polls/\(poll.id.uuidString)/open").status == .ok)
            let need = try created(try await resident.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: "充电桩" + x)), NeedDTO.self)
            _ = try await worker.send(.POST, "/api/v1/needs/\(need.id.uuidString)/take-up", json: ["note": "议题" + x])
            var members: [UUID] = []
            for seat in ["community", "owners_committee", "property_company"] {
                members.append(try created(try await worker.send(.POST, "/api/v1/council-members", json: C.Member(
                    communityId: community, seat: seat, name: "委员" + x, organisation: "单位" + x)), CouncilMemberDTO.self).id)
            }
            let meeting = try created(try await worker.send(.POST, "/api/v1/meetings", json: C.Meeting(
                communityId: community, title: "议事会" + x, heldAt: testNow, agenda: [need.id])), MeetingDTO.self)
            let mpath = "/api/v1/meetings/\(meeting.id.uuidString)"
            #expect(try await worker.send(.POST, mpath + "/record", json: C.Record(present: members, minutes: "纪要" + x)).status == .ok)
            let decision = try created(try await worker.send(.POST, mpath + "/decisions", json: C.Decision(needId: need.id, text: "决定" + x, outcome: "agreed")),
                                       MeetingDTO.Decision.self)
            #expect(try await worker.send(.POST, mpath + "/publish").status == .ok)
            let resource = try created(try await worker.send(.POST, "/api/v1/resources", json: C.Resource(
                communityId: community, kind: "funds", provider: "unit", providerName: "公司" + x, title: "资金" + x, amountFen: 100_000)), ResourceDTO.self)
            let project = try created(try await worker.send(.POST, "/api/v1/projects", json: C.Project(
                decisionId: decision.id, title: "项目" + x, ownerOrg: "居委会" + x, budgetFen: 200_000,
                funding: [C.Funding(source: "resource", resourceId: resource.id, amountFen: 100_000, note: "备注" + x)],
                milestones: [C.Milestone(title: "节点" + x, dueOn: "2026-12-10")])), ProjectDTO.self)
            let ppath = "/api/v1/projects/\(project.id.uuidString)"
            #expect(try await worker.send(.POST, ppath + "/actions/start").status == .ok)
            struct Update: Encodable, Sendable { let text: String; let percent: Int }
            #expect(try await worker.send(.POST, ppath + "/updates", json: Update(text: "进展" + x, percent: 10)).status == .created)
            let compound = try await OwnerVotesTests.residentCompound(app)
            let vote = try created(try await worker.send(.POST, "/api/v1/owner-votes", json: OwnerVotesTests.NewVote(
                compoundId: compound.id!, title: "改造" + x, matter: "other_major_matter", closesAt: testNow.addingTimeInterval(20 * 86_400),
                description: "说明" + x)), OwnerVoteDTO.self)

            let pages = ["/polls", "/polls/\(poll.id.uuidString)", "/council", "/meetings/\(meeting.id.uuidString)",
                         "/projects", "/projects/\(project.id.uuidString)", "/votes", "/votes/\(vote.id.uuidString)", "/needs/\(need.id.uuidString)"]
            var shown = Set<String>()
            for role in ["worker", "resident", "street"] {
                var browser = try await TestClient.browser(app, as: role)
                // The hub shows counts, not words: looked at for raw markup only.
                for page in pages + ["/deliberation"] {
                    let response = try await browser.send(.GET, page)
                    let body = response.body.string
                    #expect(!body.contains("<script>gzXSS") && !body.contains("<img src=x onerror"), "\(page) as \(role) shows the markup raw")
                    if response.status == .ok, body.contains("&lt;script&gt;gzXSS") { shown.insert(page) }
                }
            }
            // Every page showed it somewhere (so the check above looked at the stored words, not at nothing).
            #expect(shown == Set(pages), "pages that never showed the stored markup: \(Set(pages).subtracting(shown).sorted())")
        }
    }
}
