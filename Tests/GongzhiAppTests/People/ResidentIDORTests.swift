import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Checklist row 10: resident A uses resident B's ids on every object type a resident has (case, attachment,
/// household, household member, person, unit, need, notice list, data export) with every verb, and gets 403/404
/// and none of B's fields; B's objects do not appear in A's lists.
@Suite("IDOR: resident A with resident B's ids")
struct ResidentIDORTests {
    struct Created: Decodable { let id: UUID }

    @Test("every verb on every object type of resident B is refused to resident A, and no answer carries B's words")
    func sweep() async throws {
        try await withApp { app, fixture in
            let f = try #require(fixture)
            // Resident B: an account made by the security administrator, put on the first person of community B by
            // that community's worker, who confirmed who the holder is.
            var security = try await TestClient.api(app, as: "security")
            let account = try await security.send(.POST, "/api/v1/users", json: ["username": "residentb", "displayName": "乙居民", "password": demoPassword])
            #expect(account.status == .created)
            let accountID = try account.content.decode(Created.self).id
            var workerB = try await TestClient.api(app, as: "worker2")
            #expect(try await workerB.send(.POST, "/api/v1/persons/\(f.personB.id!.uuidString)/account",
                                           json: ["userId": accountID.uuidString, "evidence": "窗口查验身份证原件"]).status == .ok)
            #expect(try await security.send(.POST, "/api/v1/users/\(accountID)/grants", json: GrantBody(role: .resident, nodeId: f.communityB.id!)).status == .created)
            var residentB = try await TestClient.api(app, as: "residentb")
            let buildingB = f.unitB.$building.id
            let marker = "乙方私密诉求QX7"
            let caseB = try await residentB.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: marker, description: marker + "详情", buildingId: buildingB))
            #expect(caseB.status == .created)
            let caseID = try caseB.content.decode(Created.self).id
            let attachment = try await residentB.sendMultipart("/api/v1/cases/\(caseID)/attachments", fileName: "b.png", contentType: "image/png",
                                                               file: AttachmentTests.png)
            #expect(attachment.status == .created)
            let attachmentID = try attachment.content.decode(Created.self).id
            let needB = try await residentB.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: marker + "需求", description: marker))
            #expect(needB.status == .created)
            let needID = try needB.content.decode(Created.self).id

            var residentA = try await TestClient.api(app, as: "resident")
            var pagesA = try await TestClient.browser(app, as: "resident")
            let attempts: [(HTTPMethod, String)] = [
                (.GET, "/api/v1/cases/\(caseID)"), (.POST, "/api/v1/cases/\(caseID)/actions/rate"), (.POST, "/api/v1/cases/\(caseID)/actions/withdraw"),
                (.GET, "/api/v1/cases/\(caseID)/attachments"), (.GET, "/api/v1/cases/\(caseID)/attachments/\(attachmentID)"),
                (.GET, "/api/v1/households/\(f.householdB.id!)"), (.POST, "/api/v1/households/\(f.householdB.id!)/members"),
                (.DELETE, "/api/v1/households/\(f.householdB.id!)/members/\(f.personB.id!)"),
                (.GET, "/api/v1/persons/\(f.personB.id!)"), (.PATCH, "/api/v1/persons/\(f.personB.id!)"), (.POST, "/api/v1/persons/\(f.personB.id!)/unmask"),
                (.GET, "/api/v1/org/units/\(f.unitB.id!)"), (.PATCH, "/api/v1/org/units/\(f.unitB.id!)"),
                (.GET, "/api/v1/needs/\(needID)"), (.POST, "/api/v1/needs/\(needID)/support"), (.POST, "/api/v1/needs/\(needID)/close"),
                (.POST, "/api/v1/needs/\(needID)/decline"), (.POST, "/api/v1/needs/\(needID)/take-up"),
                (.POST, "/api/v1/users/\(accountID)/disable"), (.DELETE, "/api/v1/users/\(accountID)/grants/\(UUID())"),
            ]
            let before = try await app.auditCount(excludingDenials: true)
            for (method, path) in attempts {
                let answer = try await residentA.send(method, path, json: ["note": "x", "text": "x", "reason": "x"])
                #expect([403, 404].contains(answer.status.code), "\(method) \(path): \(answer.status.code)")
                #expect(!answer.body.string.contains(marker) && !answer.body.string.contains(f.personB.name), "\(method) \(path) shows B's data")
            }
            for path in ["/cases/\(caseID)", "/requests/\(caseID)", "/households/\(f.householdB.id!)", "/people/\(f.personB.id!)", "/needs/\(needID)"] {
                var page = try await pagesA.send(.GET, path)
                // A resident's /cases/:id sends them to their own view of it, /requests/:id.
                if page.status == .seeOther, let next = page.headers.first(name: .location), next.hasPrefix("/requests/") {
                    page = try await pagesA.send(.GET, next)
                }
                #expect([403, 404].contains(page.status.code) || ["/signin", "/login"].contains { page.headers.first(name: .location)?.hasPrefix($0) == true }, "GET \(path): \(page.status.code)")
                #expect(!page.body.string.contains(marker) && !page.body.string.contains(f.personB.name), "GET \(path) shows B's data")
            }
            // Lists and A's own copy of their data: nothing of B's.
            for path in ["/api/v1/cases", "/api/v1/needs", "/api/v1/households", "/api/v1/notices", "/api/v1/me/data", "/requests", "/needs", "/board"] {
                let answer = try await (path.hasPrefix("/api") ? residentA.send(.GET, path) : pagesA.send(.GET, path))
                #expect(!answer.body.string.contains(marker) && !answer.body.string.contains(caseID.uuidString.lowercased())
                        && !answer.body.string.contains(caseID.uuidString), "GET \(path) lists B's objects")
            }
            // Nothing written but A's own copy of their data.
            let written = try await AuditRecord.query(on: app.db).filter(\.$action != "access.denied").sort(\.$id, .descending)
                .limit(max(0, try await app.auditCount(excludingDenials: true) - before)).all().map { "\($0.action) \($0.objectID)" }
            #expect(written.allSatisfy { $0.hasPrefix("data.export ") } && written.count == 1, "A's attempts wrote \(written)")
            #expect(try await CaseRecord.find(caseID, on: app.db)?.state == .submitted)
            #expect(try await UserRecord.find(accountID, on: app.db)?.disabled == false)
        }
    }

    struct GrantBody: Encodable, Sendable {
        let role: Role
        let nodeId: UUID
    }
}
