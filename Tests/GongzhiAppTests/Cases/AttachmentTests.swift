import Crypto
import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Case photos")
struct AttachmentTests {
    /// A PNG signature followed by filler bytes.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<200).map { UInt8($0) }

    @Test("photos are checked by content, counted, stored with a checksum and served only to those who see the case")
    func photos() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await worker.send(.POST, "/api/v1/cases", json: ["title": "路灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "patrol"]).content.decode(CaseDTO.self).id
            let path = "/api/v1/cases/\(id.uuidString)/attachments"
            // A PHP script named .jpg and declared image/jpeg is refused.
            let script = try await worker.sendMultipart(path, fileName: "shell.jpg", contentType: "image/jpeg", file: Array("<?php system($_GET['c']); ?>".utf8))
            #expect(script.status == .unsupportedMediaType)
            #expect(try script.content.decode(ErrorJSON.self).error.code == "unsupported_file_type")
            let uploaded = try await worker.sendMultipart(path, fileName: "../../etc/passwd.png", contentType: "application/octet-stream", file: Self.png)
            #expect(uploaded.status == .created, "\(uploaded.body.string)")
            let dto = try uploaded.content.decode(CaseAttachmentsAPIController.AttachmentDTO.self)
            #expect(dto.contentType == "image/png" && dto.size == Self.png.count)
            #expect(dto.sha256 == SHA256Hex.of(Self.png))
            // Stored under its random id, not the name given.
            let stored = app.gongzhi.config.storageDirectory + "/attachments/" + dto.id.uuidString.lowercased()
            #expect(FileManager.default.contents(atPath: stored).map(Array.init) == Self.png)
            let download = try await worker.send(.GET, "\(path)/\(dto.id.uuidString)")
            #expect(download.status == .ok && download.headers.contentType?.description == "image/png")
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(Array(download.body.readableBytesView) == Self.png)
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await other.send(.GET, "\(path)/\(dto.id.uuidString)").status == .notFound)
            #expect(try await other.send(.GET, path).status == .notFound)
            #expect(try await other.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png).status == .notFound)
            for _ in 0..<5 { #expect(try await worker.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png).status == .created) }
            let seventh = try await worker.sendMultipart(path, fileName: "a.png", contentType: "image/png", file: Self.png)
            #expect(seventh.status == .conflict)
            #expect(try seventh.content.decode(ErrorJSON.self).error.code == "too_many_attachments")
            #expect(try await worker.send(.GET, path).content.decode([CaseAttachmentsAPIController.AttachmentDTO].self).count == 6)
            // Photos go with a step of the timeline: the reply shows the finished work.
            struct Step: Encodable, Sendable { var note = "已修复"; var attachmentIds: [UUID] }
            let photoIDs = try await worker.send(.GET, path).content.decode([CaseAttachmentsAPIController.AttachmentDTO].self).map(\.id)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/accept", json: Step(attachmentIds: [photoIDs[0], photoIDs[1]])).status == .ok)
            // Used once only; unknown ids refused; the whole step is refused with them (nothing half-written).
            let reused = try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/dispatch", json: Step(attachmentIds: [photoIDs[0]]))
            let reusedField = try reused.content.decode(ErrorJSON.self).error.field
            #expect(reused.status == .unprocessableEntity && reusedField == "attachmentIds")
            #expect(try await CaseRecord.find(id, on: app.db)?.state == .accepted)
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/dispatch", json: Step(attachmentIds: [UUID()])).status == .unprocessableEntity)
            let detail = try await worker.send(.GET, "/api/v1/cases/\(id.uuidString)").content.decode(CaseDTO.self)
            #expect(Set(detail.timeline?.first { $0.action == "accept" }?.attachments ?? []) == Set(photoIDs.prefix(2)))
            #expect(detail.timeline?.first { $0.action == "submit" }?.attachments == [])
            // A broken multipart body (found by schemathesis) is a 400, not a server error.
            let broken = try await worker.send(.POST, path, raw: "--b\r\n--b--\r\n",
                                               contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"]))
            let brokenCode = try broken.content.decode(ErrorJSON.self).error.code
            #expect(broken.status == .badRequest && brokenCode == "malformed_body")
            // A non-ASCII header name crashed MultipartKit (the whole server): refused before parsing.
            let crashing = Data("--b\r\n".utf8) + Data([0xF2, 0x93, 0x8C, 0xB1]) + Data("r\"--b--\r\n".utf8)
            let refused = try await worker.send(.POST, path, rawData: crashing,
                                                contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"]))
            #expect(refused.status == .badRequest)
            // The same body sent to a JSON endpoint as multipart is refused the same way.
            #expect(try await worker.send(.POST, "/api/v1/cases", rawData: crashing,
                                          contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": "b"])).status == .badRequest)
        }
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        var hasher = Crypto.SHA256()
        hasher.update(data: bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
