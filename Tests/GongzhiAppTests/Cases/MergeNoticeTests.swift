import Crypto
import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Merged cases keep their submitters informed")
struct MergeNoticeTests {
    struct Merge: Encodable, Sendable { let note: String; let mergeInto: UUID }

    @Test("a merged duplicate's submitter is told, follows the master (sees it, cannot act), and hears of its reply")
    func followTheMaster() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            // The master: entered at the window for someone else, private, with words the resident must not read.
            let master = try await worker.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "description": "王阿姨家门口声控灯坏了，电话 138",
                                                                                "buildingId": building.uuidString, "channel": "window"]).content.decode(CaseDTO.self)
            let older = try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            let duplicate = try await resident.send(.POST, "/api/v1/cases", json: ["title": "楼道灯坏了", "buildingId": building.uuidString]).content.decode(CaseDTO.self)
            // Before any merge the resident cannot see the master.
            #expect(try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)").status == .notFound)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(older.id.uuidString)/actions/merge", json: Merge(note: "重复", mergeInto: duplicate.id)).status == .ok)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(duplicate.id.uuidString)/actions/merge", json: Merge(note: "重复", mergeInto: master.id)).status == .ok)
            // The earlier duplicate now follows the master too.
            #expect(try await CaseRecord.find(older.id, on: app.db)?.mergedInto == master.id)
            let notices = try await resident.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self)
            #expect(notices.items.map(\.caseNumber).filter { $0 == master.number }.count == 1)
            #expect(notices.items.first { $0.caseId == master.id }?.message.contains(master.number) == true)
            let followed = try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)")
            #expect(followed.status == .ok)
            let seen = try followed.content.decode(CaseDTO.self)
            #expect(seen.description == "" && seen.actions == [] && !followed.body.string.contains("王阿姨"))
            let list = try await resident.send(.GET, "/api/v1/cases").content.decode(ListPage<CaseDTO>.self)
            #expect(list.items.contains { $0.id == master.id })
            #expect(try await resident.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/accept", json: ["note": ""]).status == .notFound)
            #expect(try await resident.sendMultipart("/api/v1/cases/\(master.id.uuidString)/attachments", fileName: "a.png", contentType: "image/png",
                                                     file: AttachmentTests.png).status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/cases/\(master.id.uuidString)/attachments").status == .notFound)
            // The master is answered: the follower hears of it.
            for action in ["accept", "dispatch", "sign", "start"] {
                #expect(try await worker.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/\(action)", json: ["note": ""]).status == .ok, "\(action)")
            }
            #expect(try await worker.send(.POST, "/api/v1/cases/\(master.id.uuidString)/actions/reply", json: ["note": "已更换灯泡"]).status == .ok)
            let after = try await resident.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self)
            let replied = try #require(after.items.first { $0.kind == .replied && $0.caseId == master.id })
            #expect(!replied.read)
            #expect(try await resident.send(.POST, "/api/v1/notices/\(replied.id.uuidString)/read").content.decode(CaseNoticeDTO.self).read)
            // Nobody else reads or marks them.
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.POST, "/api/v1/notices/\(replied.id.uuidString)/read").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/notices").content.decode(ListPage<CaseNoticeDTO>.self).items.isEmpty)
            _ = f
        }
    }
}
