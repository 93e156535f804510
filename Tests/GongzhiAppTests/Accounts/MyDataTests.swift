import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("My data: a person's own copy and a resident's erasure (PIPL art. 45, 47)")
struct MyDataTests {
    struct Export: Decodable {
        let userId: UUID
        let personId: UUID?
        let tables: [String: [[String: String?]]]
        let withheld: [String]
    }

    @Test("the copy holds every table that names the person, their own numbers opened, no credential and nobody else")
    func export() async throws {
        try await withApp { app, fixture in
            let f = try #require(fixture)
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯不亮", description: "导出测试",
                                                                                         buildingId: try await residentBuilding(app)),
                                                  headers: ["Idempotency-Key": "export-test-1"])
            #expect(created.status == .created)
            // Someone else's case in the same community, entered at the window for resident B of the other community.
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "别人的诉求", buildingId: try await residentBuilding(app)),
                                     headers: ["Idempotency-Key": "export-test-2"]).status == .created)

            let response = try await resident.send(.GET, "/api/v1/me/data")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentDisposition)?.hasPrefix("attachment; filename=\"gongzhi-my-data-") == true)
            #expect(response.headers.cacheControl?.noStore == true)
            let body = response.body.string
            let export = try response.content.decode(Export.self)
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            #expect(export.userId == user.id && export.personId == user.$person.id)
            // Their own case, and only theirs.
            let cases = try #require(export.tables["cases"])
            #expect(cases.count == 1 && cases[0]["title"] == "楼道灯不亮")
            #expect(!body.contains("别人的诉求"))
            // Their resident record with the ID number masked in this copy, whole after the password again (issue 24
            // finding 2); the blind index withheld.
            let person = try #require(export.tables["persons"]?.first)
            let maskedID = try #require(person["id_number_enc"] ?? nil)
            #expect(maskedID.contains("********"))
            let whole = try await resident.send(.POST, "/api/v1/me/data", json: ["password": demoPassword]).content.decode(Export.self)
            let idNumber = try #require(whole.tables["persons"]?.first?["id_number_enc"] ?? nil)
            #expect(try ResidentIDNumber(validating: idNumber, today: testNow).value == idNumber)
            #expect(Masking.idNumber(idNumber) == maskedID)
            #expect(person["id_number_hash"] == nil && export.withheld.contains("persons.id_number_hash"))
            #expect(export.tables["household_members"]?.isEmpty == false)
            // The account without its password hash; the token without its hash.
            #expect(export.tables["users"]?.first?["username"] == "resident")
            #expect(export.tables["users"]?.first?["password_hash"] == nil && export.withheld.contains("users.password_hash"))
            #expect(export.tables["api_tokens"]?.isEmpty == false && export.withheld.contains("api_tokens.token_hash"))
            #expect(!body.contains(user.passwordHash))
            // The audit entries of their own actions (the case they raised).
            #expect(export.tables["audit_log"]?.contains { $0["action"] == "case.create" } == true)
            #expect(export.tables["audit_log"]?.allSatisfy { $0["actor"] == user.id!.uuidString.lowercased() } == true)
            // The key their POST carried ("user:<ID>"), and nobody else's.
            #expect(export.tables["idempotency_keys"]?.map { $0["key"] } == ["export-test-1"])
            // Nobody else's resident record.
            let other = try app.gongzhi.cipher.open(f.personB.idNumberSealed, field: .idNumber)
            #expect(!body.contains(other) && !body.contains(f.personB.name))
            let entry = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(entry.action == "data.export" && entry.actor == user.id!.uuidString.lowercased())
            // Staff get their own copy too (no resident record).
            let staff = try await worker.send(.GET, "/api/v1/me/data").content.decode(Export.self)
            #expect(staff.personId == nil && staff.tables["persons"] == nil && staff.tables["role_grants"]?.count == 1)
            // An id kept as text (who changed the warning thresholds) is found as well as a uuid column.
            var admin = try await TestClient.api(app, as: "admin")
            #expect(try await admin.send(.PUT, "/api/v1/warning-settings", json: ["repeatMinimum": 4]).status == .ok)
            let adminCopy = try await admin.send(.GET, "/api/v1/me/data").content.decode(Export.self)
            #expect(adminCopy.tables["warning_settings"]?.count == 1)
            var stranger = TestClient(app)
            #expect(try await stranger.send(.GET, "/api/v1/me/data").status == .unauthorized)
        }
    }

    @Test("erasure: staff may not, a wrong password may not; then the account is a tombstone and the case stays, unlinked")
    func erasure() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "路灯坏了", buildingId: try await residentBuilding(app)))
            struct Created: Decodable { let id: UUID }
            let caseID = try created.content.decode(Created.self).id
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let personID = try #require(user.$person.id)

            var worker = try await TestClient.api(app, as: "worker")
            let staff = try await worker.send(.POST, "/api/v1/me/erasure", json: ["password": demoPassword, "confirm": "true"])
            #expect(staff.status == .badRequest || staff.status == .unprocessableEntity, "confirm must be a boolean")
            #expect(try await worker.send(.POST, "/api/v1/me/erasure", json: EraseBody(password: demoPassword, confirm: true)).status == .conflict)
            #expect(try await resident.send(.POST, "/api/v1/me/erasure", json: EraseBody(password: "wrong-password", confirm: true)).status == .forbidden)
            #expect(try await resident.send(.POST, "/api/v1/me/erasure", json: EraseBody(password: demoPassword, confirm: false)).status == .unprocessableEntity)
            let unchanged = try #require(try await UserRecord.find(user.id, on: app.db))
            #expect(unchanged.username == "resident" && !unchanged.disabled)

            let before = try await app.auditCount()
            #expect(try await resident.send(.POST, "/api/v1/me/erasure", json: EraseBody(password: demoPassword, confirm: true)).status == .noContent)
            #expect(try await app.auditCount() == before + 1)
            let entry = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(entry.action == "data.erasure" && entry.objectID == user.id!.uuidString.lowercased())
            #expect(try await AuditLog.verify(on: app.db) == .intact(count: Int64(before + 1)))
            #expect(try await resident.send(.GET, "/api/v1/me").status == .unauthorized)
            var again = TestClient(app)
            #expect(try await again.send(.POST, "/api/v1/auth/token", json: ["username": "resident", "password": demoPassword]).status == .unauthorized)

            let tombstone = try #require(try await UserRecord.find(user.id, on: app.db))
            #expect(tombstone.username.hasPrefix("erased-") && tombstone.displayName.isEmpty && tombstone.disabled && tombstone.$person.id == nil)
            #expect(try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == user.id!).count() == 0)
            #expect(try await APITokenRecord.query(on: app.db).filter(\.$user.$id == user.id!).count() == 0)
            let kept = try #require(try await CaseRecord.find(caseID, on: app.db))
            #expect(kept.submitterUserID == nil && kept.submitterPersonID == nil && kept.title == "路灯坏了")
            #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == caseID).all().allSatisfy { $0.actorUserID == nil })
            #expect(try await PersonRecord.find(personID, on: app.db) != nil, "the register of residents is the community's")
            // The worker still sees the case, now without a submitter.
            #expect(try await worker.send(.GET, "/api/v1/cases/\(caseID)").status == .ok)
        }
    }

    struct EraseBody: Encodable, Sendable {
        let password: String
        let confirm: Bool
    }

    @Test("the page: the download link for everyone, the erasure form for residents, and after erasing the session is gone")
    func page() async throws {
        try await withApp { app, _ in
            var worker = try await TestClient.browser(app, as: "worker")
            let staffPage = try await worker.send(.GET, "/my-data")
            #expect(staffPage.status == .ok && staffPage.body.string.contains("/api/v1/me/data") && !staffPage.body.string.contains("/my-data/erase"))
            var resident = try await TestClient.browser(app, as: "resident")
            let page = try await resident.send(.GET, "/my-data")
            #expect(page.status == .ok && page.body.string.contains("action=\"/my-data/erase\""))
            #expect(try await resident.send(.POST, "/my-data/erase", form: ["password": demoPassword]).status == .unprocessableEntity)
            let wrong = try await resident.send(.POST, "/my-data/erase", form: ["password": "nope-nope-nope", "confirm": "yes"])
            #expect(wrong.status == .forbidden && wrong.body.string.contains("form-messages"))
            let done = try await resident.send(.POST, "/my-data/erase", form: ["password": demoPassword, "confirm": "yes"])
            #expect(done.status == .seeOther && done.headers.first(name: .location) == "/?erased=1")
            let after = try await resident.send(.GET, "/my-data")
            #expect(after.status == .seeOther && after.headers.first(name: .location)?.hasPrefix("/signin") == true)
        }
    }

    @Test("every column that names a person has an erasure action, and every action names such a column")
    func erasureCoversTheInventory() async throws {
        try await withApp(seed: false) { app, _ in
            let subjectColumns = Set(app.gongzhi.dataInventory.personal.filter { $0.subject != nil }.map { "\($0.table).\($0.column)" })
            #expect(subjectColumns == Set(PersonalDataErasure.actions.keys),
                    "without an action: \(subjectColumns.subtracting(PersonalDataErasure.actions.keys).sorted()); stale: \(Set(PersonalDataErasure.actions.keys).subtracting(subjectColumns).sorted())")
        }
    }
}
