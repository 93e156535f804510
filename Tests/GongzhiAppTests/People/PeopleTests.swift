import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Residents: encryption, masking, lookup, unmasking, isolation")
struct PeopleTests {
    /// Full ID numbers or mobiles anywhere in a text (checklist row 24).
    func leaksNumbers(_ text: String) -> Bool {
        // Hex boundaries: a UUID's last group may hold eleven digits in a row.
        text.range(of: #"(?<![0-9A-Fa-f])\d{17}[\dXx](?![0-9A-Fa-f])"#, options: .regularExpression) != nil
            || text.range(of: #"(?<![0-9A-Fa-f])1[3-9]\d{9}(?![0-9A-Fa-f])"#, options: .regularExpression) != nil
    }

    struct NewPerson: Encodable, Sendable {
        let householdId: UUID
        let name: String
        let idNumber: String
        let phone: String?
        let relation: String
    }

    @Test("a registered person's numbers are stored encrypted with a keyed hash, and shown masked")
    func registerAndMask() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let response = try await worker.send(.POST, "/api/v1/persons", json: NewPerson(
                householdId: f.householdA.id!, name: "赵小明", idNumber: "11010519491231002x", phone: "+86 139 0000 1234", relation: "family"))
            #expect(response.status == .created, "\(response.body.string)")
            let dto = try response.content.decode(PersonDTO.self)
            #expect(dto.idNumber == "110105********002X")
            #expect(dto.phone == "139****1234")
            #expect(dto.name == "赵小明")  // a community worker may see full names
            #expect(!leaksNumbers(response.body.string))
            // At rest: no plaintext anywhere in the row.
            let row = try #require(try await app.db.sql().raw("SELECT * FROM persons WHERE id = \(bind: dto.id)").first())
            for column in ["id_number_enc", "phone_enc", "id_number_hash", "phone_hash", "name"] {
                let value = try row.decode(column: column, as: String.self)
                #expect(!value.contains("11010519491231002X") && !value.contains("13900001234"), "\(column)")
            }
            // Exact lookup through the keyed hash finds it; the lookup goes in a POST body, never in a URL.
            let found = try await worker.send(.POST, "/api/v1/persons/lookup", json: ["phone": "13900001234"])
            #expect(try found.content.decode([PersonDTO].self).map(\.id) == [dto.id])
            let byID = try await worker.send(.POST, "/api/v1/persons/lookup", json: ["idNumber": "11010519491231002X"])
            #expect(try byID.content.decode([PersonDTO].self).map(\.id) == [dto.id])
        }
    }

    @Test("a street supervisor sees names masked as 张*; no list or page shows a full number")
    func maskedForOthers() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var street = try await TestClient.api(app, as: "street")
            let response = try await street.send(.GET, "/api/v1/persons/\(f.personA.id!.uuidString)")
            #expect(response.status == .ok)
            let dto = try response.content.decode(PersonDTO.self)
            #expect(dto.name == Masking.name(f.personA.name) && dto.name != f.personA.name)
            let list = try await street.send(.GET, "/api/v1/persons?limit=200")
            #expect(!leaksNumbers(list.body.string))
            var browser = try await TestClient.browser(app, as: "worker")
            for path in ["/people", "/people/\(f.personA.id!.uuidString)", "/households/\(f.householdA.id!.uuidString)"] {
                let page = try await browser.send(.GET, path)
                #expect(page.status == .ok, "\(path)")
                #expect(!leaksNumbers(page.body.string), "\(path)")
                #expect(page.headers.first(name: .cacheControl) == "no-store")
            }
        }
    }

    @Test("unmasking needs the permission and a reason, and writes exactly one audit entry")
    func unmask() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let path = "/api/v1/persons/\(f.personA.id!.uuidString)/unmask"
            var grid = try await TestClient.api(app, as: "grid")
            var worker = try await TestClient.api(app, as: "worker")
            var other = try await TestClient.api(app, as: "worker2")
            #expect(try await grid.send(.POST, path, json: ["reason": "入户走访"]).status == .forbidden)
            // The refusal itself is recorded as access.denied; from here on, only the unmasking may add an entry.
            let denial = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(denial.action == "access.denied" && denial.objectID == "POST " + path)
            let before = try await app.auditCount()
            let noReason = try await worker.send(.POST, path, json: ["reason": " "])
            #expect(noReason.status == .unprocessableEntity)
            #expect(try noReason.content.decode(ErrorJSON.self).error.field == "reason")
            #expect(try await app.auditCount() == before)
            let response = try await worker.send(.POST, path, json: ["reason": "联系业主处理漏水"])
            #expect(response.status == .ok)
            let full = try response.content.decode(UnmaskedDTO.self)
            #expect(try ResidentIDNumber(validating: full.idNumber, today: testNow).value == full.idNumber)
            #expect(Masking.idNumber(full.idNumber) == f.personA.idNumberMask)
            #expect(try await app.auditCount() == before + 1)
            let entry = try #require(try await AuditRecord.query(on: app.db).sort(\.$id, .descending).first())
            #expect(entry.action == "person.unmask" && entry.objectID == f.personA.id!.uuidString.lowercased())
            #expect(entry.summary.contains("联系业主处理漏水"))
            #expect(!entry.summary.contains(full.idNumber) && !entry.summary.contains(full.phone ?? "-"))
            // The worker of the other community cannot unmask A's resident: 404, and nothing is audited.
            #expect(try await other.send(.POST, path, json: ["reason": "试探"]).status == .notFound)
            #expect(try await app.auditCount() == before + 1)
        }
    }

    @Test("a worker of community A gets 404 for B's person, household and unit, through the API and the pages")
    func crossCommunity() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            for path in ["/api/v1/persons/\(f.personB.id!.uuidString)", "/api/v1/households/\(f.householdB.id!.uuidString)",
                         "/api/v1/org/units/\(f.unitB.id!.uuidString)"] {
                let response = try await worker.send(.GET, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(!response.body.string.contains(f.personB.idNumberMask), "\(path)")
            }
            let patch = try await worker.send(.PATCH, "/api/v1/persons/\(f.personB.id!.uuidString)", json: ["name": "改名"])
            #expect(patch.status == .notFound)
            #expect(try await PersonRecord.find(f.personB.id!, on: app.db)?.name == f.personB.name)
            let lookup = try await worker.send(.POST, "/api/v1/persons/lookup", json: ["idNumber": try await fullIDNumber(app, f.personB)])
            #expect(try lookup.content.decode([PersonDTO].self).isEmpty)
            var browser = try await TestClient.browser(app, as: "worker")
            let building = try #require(try await BuildingRecord.find(f.unitB.$building.id, on: app.db))
            for path in ["/people/\(f.personB.id!.uuidString)", "/households/\(f.householdB.id!.uuidString)",
                         "/org/buildings/\(building.id!.uuidString)", "/org?node=\(f.communityB.id!.uuidString)"] {
                let page = try await browser.send(.GET, path)
                #expect(page.status == .notFound, "\(path)")
                #expect(!page.body.string.contains(f.personB.name), "\(path)")
            }
        }
    }

    @Test("a resident sees their own household, full names included, and nobody else's")
    func residentReach() async throws {
        try await withApp { app, f in
            var resident = try await TestClient.api(app, as: "resident")
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
            let own = try #require(try await HouseholdMemberRecord.query(on: app.db).filter(\.$person.$id == user.$person.id!).first())
            let household = try await resident.send(.GET, "/api/v1/households/\(own.$household.id.uuidString)")
            #expect(household.status == .ok)
            let members = try #require(try household.content.decode(HouseholdDTO.self).members)
            #expect(members.contains { $0.person.id == user.$person.id })
            #expect(!leaksNumbers(household.body.string))
            let f = try #require(f)
            let reach = try await ResidentReach.persons(of: Actor(userID: AccountID(user.id!), username: "", grants: [], personID: PersonID(user.$person.id!)), on: app.db)
            let stranger = try #require(try await PersonRecord.query(on: app.db).filter(\.$id !~ reach).first())
            #expect(try await resident.send(.GET, "/api/v1/persons/\(stranger.id!.uuidString)").status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/persons/\(user.$person.id!.uuidString)").status == .ok)
            #expect(try await resident.send(.GET, "/api/v1/households/\(f.householdB.id!.uuidString)").status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/org/units").status == .forbidden)
        }
    }

    @Test("bad ID numbers and mobiles are refused with the field named; nothing is written")
    func badNumbers() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let persons = try await PersonRecord.query(on: app.db).count()
            let audits = try await app.auditCount()
            let cases: [(String, String?, String)] = [
                ("110105194912310021", nil, "idNumber"),  // wrong check digit
                ("11010520230229002X", nil, "idNumber"),  // 29 February 2023
                ("1101051949123100", nil, "idNumber"),  // too short
                ("11010519491231002X", "1234567890", "phone"),
            ]
            for (id, phone, field) in cases {
                let response = try await worker.send(.POST, "/api/v1/persons", json: NewPerson(householdId: f.householdA.id!, name: "钱七", idNumber: id, phone: phone, relation: "family"))
                #expect(response.status == .unprocessableEntity, "\(id)")
                #expect(try response.content.decode(ErrorJSON.self).error.field == field, "\(id)")
            }
            #expect(try await PersonRecord.query(on: app.db).count() == persons)
            #expect(try await app.auditCount() == audits)
        }
    }

    func fullIDNumber(_ app: Application, _ person: PersonRecord) async throws -> String {
        try app.gongzhi.cipher.open(person.idNumberSealed, field: .idNumber)
    }
}
