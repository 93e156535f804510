import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Photos of needs and of project progress")
struct DeliberationPhotosTests {
    @Test("a need raised on the form with a photo shows it; the photo is served only inside the community; only its raiser or staff add more")
    func needPhotos() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.browser(app, as: "resident")
            _ = try await resident.send(.GET, "/needs/new")
            let raised = try await resident.sendForm("/needs", fields: [("title", "楼道墙皮脱落"), ("place", "5号楼")],
                                                     files: [("photos[]", "墙.png", "image/png", AttachmentTests.png)])
            #expect(raised.status == .seeOther, "\(raised.body.string.prefix(300))")
            let location = try #require(raised.headers.first(name: .location))
            let page = try await resident.send(.GET, location).body.string
            let src = try #require(page.range(of: "<img src=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(src.hasPrefix("/api/v1/needs/"))
            let image = try await resident.send(.GET, src)
            #expect(image.status == .ok && image.headers.contentType?.description == "image/png" && image.headers.first(name: "X-Content-Type-Options") == "nosniff")
            // A text file posing as a photo is refused, and nothing is written.
            let needID = try #require(UUID(uuidString: String(location.dropFirst("/needs/".count))))
            var api = try await TestClient.api(app, as: "resident")
            let fake = try await api.sendMultipart("/api/v1/needs/\(needID.uuidString)/photos", fileName: "x.png", contentType: "image/png", file: Array("not a png".utf8))
            #expect(fake.status == .unsupportedMediaType)
            let more = try await api.sendMultipart("/api/v1/needs/\(needID.uuidString)/photos", fileName: "y.png", contentType: "image/png", file: AttachmentTests.png)
            let morePhotos = try more.content.decode(NeedDTO.self).photos?.count
            #expect(more.status == .ok && morePhotos == 2)
            // A neighbour may see it but not add photos to someone else's need; another community sees nothing.
            let household = try #require(try await HouseholdRecord.query(on: app.db).filter(\.$unit.$id == f.unitA.id!).first())
            try await OwnerVotesTests.resident(app, username: "photoneighbour", household: household, relation: .tenant, community: f.communityA, seed: 61)
            var neighbour = try await TestClient.api(app, as: "photoneighbour")
            #expect(try await neighbour.send(.GET, src).status == .ok)
            #expect(try await neighbour.sendMultipart("/api/v1/needs/\(needID.uuidString)/photos", fileName: "z.png", contentType: "image/png",
                                                     file: AttachmentTests.png).status == .forbidden)
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, src).status == .notFound)
            #expect(try await DeliberationPhotoRecord.query(on: app.db).count() == 2)
        }
    }

    @Test("a progress report carries its photos on the project's public page")
    func projectPhotos() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            // A project straight in the database (its road to here is tested elsewhere).
            let worker = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
            let project = ProjectRecord(communityID: f.communityA.id!, orgPath: f.communityA.path, decisionID: nil, needID: nil, title: "凉亭修缮",
                                        details: "", ownerOrg: "居委会", budgetFen: 100_000, createdBy: worker.id!, now: testNow)
            try await project.create(on: app.db)
            var browser = try await TestClient.browser(app, as: "worker")
            _ = try await browser.send(.GET, "/projects/\(project.id!.uuidString)")
            let reported = try await browser.sendForm("/projects/\(project.id!.uuidString)/update", fields: [("text", "顶棚已换"), ("percent", "60")],
                                                      files: [("photos[]", "亭.png", "image/png", AttachmentTests.png)])
            #expect(reported.status == .seeOther)
            var resident = try await TestClient.browser(app, as: "resident")
            let page = try await resident.send(.GET, "/projects/\(project.id!.uuidString)").body.string
            let src = try #require(page.range(of: "<img src=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            #expect(page.contains("顶棚已换") && page.contains("60%"))
            #expect(try await resident.send(.GET, src).status == .ok)
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.GET, src).status == .notFound)
            // Through the API, photos go to a report of the same project only.
            var api = try await TestClient.api(app, as: "worker")
            let update = try #require(try await ProjectUpdateRecord.query(on: app.db).first())
            #expect(try await api.sendMultipart("/api/v1/projects/\(project.id!.uuidString)/updates/\(UUID().uuidString)/photos", fileName: "a.png",
                                                contentType: "image/png", file: AttachmentTests.png).status == .notFound)
            let added = try await api.sendMultipart("/api/v1/projects/\(project.id!.uuidString)/updates/\(update.id!.uuidString)/photos", fileName: "a.png",
                                                    contentType: "image/png", file: AttachmentTests.png)
            let addedPhotos = try added.content.decode(ProjectDTO.self).updates?.first?.photos.count
            #expect(added.status == .ok && addedPhotos == 2)
        }
    }
}
