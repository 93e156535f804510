import Fluent
import Foundation
import Logging
import SQLKit
import Synchronization
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Checklist rows 21 (log hygiene) and 25 (encryption at rest): the canary numbers and password of
/// `security/canaries.tsv` go in wherever such values enter the app, and then are found in no log line of the test
/// process (every test's, at trace level, SQL binds included), in no byte of the raw database files, and in no byte
/// of a backup. scripts/test also fails when the log scan of the whole suite, after its last test, found one.
@Suite("Canary personal data: never in logs, the raw database or a backup")
struct CanaryTests {
    @Test("the log scan catches a canary and a line break, and the JSON handler writes a CR LF as an escape")
    func scannerCatches() {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "canary-check") { label in JSONLogHandler(label: label, level: .trace, write: { line in lines.withLock { $0.append(line) } }) }
        logger.logLevel = .trace
        logger.info("user admin\r\n{\"level\":\"critical\",\"msg\":\"forged\"}")
        logger.debug("bind", metadata: ["phone": "\(Canaries.value("phone"))"])
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(TestLog.problems(in: written[0]).isEmpty, "the CR LF is escaped: \(written[0])")
        #expect(written[0].contains(#"\r\n"#))
        #expect(TestLog.problems(in: written[1]) == ["phone"])
        #expect(TestLog.problems(in: "a\nb") == ["line break"])
        #expect(Canaries.values.count == 7)
        #expect(Canaries.found(in: Data("x\(Canaries.value("password"))y".utf8)) == ["password"])
    }

    @Test("canary numbers and a password pushed through the app are in no log line, raw database byte or backup")
    func canariesStayOut() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let id = Canaries.value("id_number"), phone = Canaries.value("phone")
            var worker = try await TestClient.api(app, as: "worker")

            // Registration, lookups by number, unmasking (which gives the numbers back: they did go in).
            let created = try await worker.send(.POST, "/api/v1/persons", json: PeopleTests.NewPerson(
                householdId: f.householdA.id!, name: "金丝雀", idNumber: id, phone: phone, relation: "family"))
            #expect(created.status == .created, "\(created.body.string)")
            let person = try created.content.decode(PersonDTO.self)
            for body in [["idNumber": id], ["phone": phone]] {
                let found = try await worker.send(.POST, "/api/v1/persons/lookup", json: body)
                #expect(found.status == .ok && found.body.string.contains(person.id.uuidString), "\(body)")
            }
            let unmasked = try await worker.send(.POST, "/api/v1/persons/\(person.id.uuidString)/unmask", json: ["reason": "核对身份"])
            #expect(unmasked.body.string.contains(id) && unmasked.body.string.contains(phone))

            // The residents' import.
            let csv = "小区,楼栋,房号,面积,网格,姓名,身份证号,手机号,关系\n幸福里小区,9号楼,901,80,\(f.gridA.name),钱雀,"
                + "\(Canaries.value("import_id_number")),\(Canaries.value("import_phone")),业主\n"
            let imported = try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", raw: csv,
                                                 contentType: HTTPMediaType(type: "text", subType: "csv"))
            let report = try imported.content.decode(ImportResidents.Report.self)
            #expect(imported.status == .ok && report.issues.isEmpty, "\(imported.body.string)")

            // A contact's phone on an Open311 request.
            let district = try #require(try await OrgNodeRecord.query(on: app.db).filter(\.$level == .district).first())
            let key = Open311KeyRecord.newValue()
            try await Open311KeyRecord(name: "canary", node: district, key: key, now: testNow).create(on: app.db)
            var client = TestClient(app)
            let building = f.unitA.$building.id.uuidString
            let form = "api_key=\(key)&service_code=ADM-001&address_id=\(building)&description=%E8%B7%AF%E7%81%AF&phone=\(Canaries.value("contact_phone"))&last_name=%E9%9B%80"
            let posted = try await client.send(.POST, "/open311/v2/requests.json", raw: form, contentType: .urlEncodedForm)
            #expect(posted.status == .created, "\(posted.body.string)")

            // A password change to the canary password, a sign-in with it, a failed one, and the data export.
            var resident = try await TestClient.api(app, as: "resident")
            let password = Canaries.value("password")
            let changed = try await resident.send(.POST, "/api/v1/me/password", json: ["currentPassword": demoPassword, "newPassword": password])
            #expect(changed.status == .noContent, "\(changed.body.string)")
            var again = try await TestClient.api(app, as: "resident", password: password)
            #expect(try await again.send(.GET, "/api/v1/me/data").status == .ok)
            var stranger = TestClient(app)
            let wrong = try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "resident", "password": password + "x"])
            #expect(wrong.status == .unauthorized)

            // Nothing in the log lines of this process so far (this test's and every other that ran before it).
            #expect(TestLog.shared.lines.load(ordering: .relaxed) > 100)
            #expect(TestLog.shared.sqlLines.load(ordering: .relaxed) > 50)
            #expect(TestLog.shared.findings.withLock { $0 }.isEmpty, "\(TestLog.shared.findings.withLock { $0.prefix(3) })")

            // Nothing in any row of any table, read as text.
            let sql = app.db.sql()
            let tables = try await DatabaseFingerprint.tables(sql)
            #expect(tables.count > 30)
            for table in tables {
                let found = Mutex<Set<String>>([])
                try await DatabaseFingerprint.forEachRow(of: table, sql) { row in
                    let kinds = Canaries.found(in: row)
                    if !kinds.isEmpty { found.withLock { $0.formUnion(kinds) } }
                }
                let kinds = found.withLock { $0 }
                #expect(kinds.isEmpty, "\(table): \(kinds.sorted())")
            }

            // SQLite: nothing in the raw database file and its write-ahead log, nor in a backup (`gongzhi backup`'s VACUUM INTO).
            if case .sqlite(let path) = app.gongzhi.config.database {
                for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                    #expect(bytes.count > 0)
                    #expect(Canaries.found(in: bytes).isEmpty, "\(file)")
                }
                let backup = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("canary-backup.sqlite").path
                try await sql.raw("VACUUM INTO \(bind: backup)").run()
                let bytes = try Data(contentsOf: URL(fileURLWithPath: backup))
                #expect(bytes.count > 100_000)
                #expect(Canaries.found(in: bytes).isEmpty)
            }
        }
    }
}
