import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The route × role access matrix (issue 7 item 2; checklist rows 9, 12, 15, 24): `security/access-matrix.tsv`
/// has a row for every registered route and a column for every role — anonymous, a resident, a grid worker, a
/// community worker of the community the objects belong to (A), a community worker of another community (B), the
/// street supervisor, the district officer, and the three administrators. `ok`: the role reaches the route;
/// `no`: it is refused (401, 403, 404, or sent to the sign-in page) and nothing is written.
///
/// The test fails when a registered route has no row (or a row names no route). Then it exercises the matrix on
/// one app: every `no` cell of every method (with an empty body: a refusal must come before any validation),
/// every `ok` cell of GET routes (object routes get an object of community A). Along the way it scans every
/// answer for a full ID or mobile number, and proves that the whole GET crawl changed nothing in the database.
///
/// `GONGZHI_MATRIX_RECORD=FILE swift test --filter AccessMatrix` writes what it observes (all methods) for review
/// instead of checking: the matrix is a reviewed specification, not a recording.
@Suite("Access matrix: every route × every role")
struct AccessMatrixTests {
    static let roles = ["anonymous", "resident", "grid", "worker", "worker2", "street", "district", "admin", "security", "auditor"]
    static var matrixFile: URL {
        repositoryRoot.appendingPathComponent("security/access-matrix.tsv")
    }

    struct Row {
        let method: String
        let path: String
        let cells: [String: String]
    }

    static func loadMatrix() throws -> [String: Row] {
        let text = try String(contentsOf: matrixFile, encoding: .utf8)
        var rows: [String: Row] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 + roles.count, fields[0] != "method" else { continue }
            rows[fields[0] + " " + fields[1]] = Row(method: fields[0], path: fields[1],
                                                      cells: Dictionary(uniqueKeysWithValues: zip(roles, fields[2...])))
        }
        return rows
    }

    static func registered(_ app: Application) -> [(method: String, path: String)] {
        app.routes.all.map { route in
            (route.method.rawValue, "/" + route.path.map { component in
                switch component {
                case .constant(let value): value
                case .parameter(let name): ":" + name
                case .anything: "*"
                case .catchall: "**"
                }
            }.joined(separator: "/"))
        }
    }

    /// Whether `text` holds a full ID number (17 digits and a check character) or a mobile number (11 digits from
    /// 13…19), standing alone — not inside a longer run of letters and digits (a UUID, a timestamp).
    static func showsPersonalNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isAlnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) }
        var i = 0
        while i < bytes.count {
            guard (48...57).contains(bytes[i]) else { i += 1; continue }
            var end = i
            while end < bytes.count, (48...57).contains(bytes[end]) { end += 1 }
            let run = end - i
            let before = i > 0 ? bytes[i - 1] : 32
            var after = end < bytes.count ? bytes[end] : 32
            var length = run
            if run == 17, after == 88 || after == 120 {  // X or x
                length = 18
                after = end + 1 < bytes.count ? bytes[end + 1] : 32
            }
            if !isAlnum(before), !isAlnum(after) {
                if length == 18 { return true }
                if length == 11, bytes[i] == 49, (51...57).contains(bytes[i + 1]) { return true }
            }
            i = end
        }
        return false
    }

    @Test("the personal-number scan finds numbers standing alone and nothing inside ids or timestamps")
    func scanner() {
        #expect(Self.showsPersonalNumber("电话 13800138000。"))
        #expect(Self.showsPersonalNumber("\"110105199001011234\""))
        #expect(Self.showsPersonalNumber("id 11010519900101123X,"))
        #expect(!Self.showsPersonalNumber("138****8000 110105********123X"))
        #expect(!Self.showsPersonalNumber("1792899755246 12800138000 a13800138000 138001380001"))
        #expect(!Self.showsPersonalNumber("7F0EDB82-12D5-4A3B-8035-632D7058BA3B"))
    }

    @Test("every registered route has a row; every row is a registered route")
    func everyRouteHasARow() async throws {
        try await withApp(seed: false) { app, _ in
            let rows = try Self.loadMatrix()
            let routes = Self.registered(app)
            let keys = Set(routes.map { $0.method + " " + $0.path })
            let missing = keys.subtracting(rows.keys).sorted()
            #expect(missing.isEmpty, "routes without a row in security/access-matrix.tsv:\n\(missing.joined(separator: "\n"))")
            let stale = Set(rows.keys).subtracting(keys).sorted()
            #expect(stale.isEmpty, "rows without a route:\n\(stale.joined(separator: "\n"))")
            for row in rows.values {
                for (role, cell) in row.cells {
                    #expect(["ok", "no"].contains(cell), "\(row.method) \(row.path) \(role): \(cell)")
                }
            }
        }
    }

    @Test("the matrix holds on a running app; no answer shows a full ID or mobile number, no page stored markup; GETs write nothing")
    func matrixHolds() async throws {
        let record = ProcessInfo.processInfo.environment["GONGZHI_MATRIX_RECORD"]
        try await withApp { app, f in
            let f = try #require(f)
            var clients: [String: TestClient] = ["anonymous": TestClient(app)]
            for role in Self.roles.dropFirst() { clients[role] = try await TestClient.api(app, as: role) }
            let objects = try await Self.objects(app, f, resident: &clients["resident"]!)
            let rows = record == nil ? try Self.loadMatrix() : [:]
            let routes = Self.registered(app).sorted { Self.order($0) < Self.order($1) }
            var observed: [String] = ["method\tpath\t" + Self.roles.joined(separator: "\t")]
            var leaks: [String] = []
            var unescaped: [String] = []
            /// Pages that did show the stored markup, escaped: the payloads reached them.
            var escapedPages = Set<String>()
            var mismatches: [String] = []
            let before = try await Self.fingerprint(app)
            var crawlChecked = false
            for route in routes {
                if route.method != "GET", !crawlChecked {
                    // All GETs are done (they come first): the database must be exactly as before.
                    #expect(try await Self.fingerprint(app) == before, "a GET request changed the database")
                    crawlChecked = true
                }
                let path = Self.fill(route.path, objects)
                var cells: [String] = []
                for role in Self.roles {
                    let expected = rows[route.method + " " + route.path]?.cells[role]
                    if record == nil, expected == nil || (expected == "ok" && route.method != "GET") {
                        cells.append(expected ?? "?")
                        continue
                    }
                    let auditBefore = try await app.auditCount(excludingDenials: true)
                    let deniedBefore = try await app.auditCount() - auditBefore
                    var client = clients[role]!
                    var response = try await client.send(HTTPMethod(rawValue: route.method), path,
                                                         raw: route.method == "GET" ? nil : "{}", contentType: .json)
                    // A page that sends this role elsewhere (a staff page to the resident's, and back): follow it.
                    for _ in 0..<3 {
                        guard (300..<400).contains(response.status.code), let next = response.headers.first(name: .location),
                              next.hasPrefix("/"), !Self.isSignIn(next), next != "/" else { break }
                        response = try await client.send(.GET, next)
                    }
                    let refused = [401, 403, 404].contains(response.status.code)
                        || (300..<400).contains(response.status.code) && Self.isSignIn(response.headers.first(name: .location) ?? "")
                    cells.append(refused ? "no" : "ok")
                    // Never a server error, whatever the role sends (a page that fails to render counted as "ok" before).
                    if response.status.code >= 500 { mismatches.append("\(route.method) \(path) as \(role): \(response.status.code)") }
                    let body = response.body.string
                    // The one answer that must show a full number: a person's copy of their own data (PIPL art. 45),
                    // which holds theirs only (MyDataTests.export checks that nobody else's is in it).
                    if Self.showsPersonalNumber(body), path != "/api/v1/me/data" {
                        leaks.append("\(route.method) \(path) as \(role)")
                    }
                    if response.headers.contentType?.subType == "html", body.contains("<script>gzXSS") || body.contains("<img src=x onerror") {
                        unescaped.append("\(route.method) \(path) as \(role)")
                    }
                    if response.headers.contentType?.subType == "html", body.contains("&lt;script&gt;gzXSS") { escapedPages.insert(route.path) }
                    // Every refusal with 403 of a signed-in actor is in the audit log, once (checklist: authorisation
                    // failures logged); strangers' are not (they could fill the log).
                    let deniedAfter = try await app.auditCount() - app.auditCount(excludingDenials: true)
                    if (response.status == .forbidden && role != "anonymous") != (deniedAfter == deniedBefore + 1) {
                        mismatches.append("\(route.method) \(route.path) as \(role): \(response.status.code) with \(deniedAfter - deniedBefore) access.denied entries")
                    }
                    guard record == nil, let expected else { continue }
                    if expected == "no", !refused {
                        mismatches.append("\(route.method) \(route.path) as \(role): expected a refusal, got \(response.status.code)")
                    } else if expected == "no", route.method != "GET", try await app.auditCount(excludingDenials: true) != auditBefore,
                              !(Self.isSignIn(route.path) || route.path.hasPrefix("/api/v1/auth")) {
                        mismatches.append("\(route.method) \(route.path) as \(role): refused but wrote an audit entry of a change")
                    } else if expected == "ok", refused {
                        mismatches.append("\(route.method) \(route.path) as \(role): expected access, got \(response.status.code)")
                    }
                }
                observed.append(route.method + "\t" + route.path + "\t" + cells.joined(separator: "\t"))
            }
            #expect(leaks.isEmpty, "answers with a full ID or mobile number:\n\(leaks.joined(separator: "\n"))")
            #expect(unescaped.isEmpty, "pages with the stored markup unescaped:\n\(unescaped.joined(separator: "\n"))")
            #expect(escapedPages.count >= 30, "only \(escapedPages.count) pages showed the stored markup: \(escapedPages.sorted())")
            if let record {
                try observed.joined(separator: "\n").appending("\n").write(toFile: record, atomically: true, encoding: .utf8)
            } else {
                #expect(mismatches.isEmpty, "\(mismatches.count) cells differ from security/access-matrix.tsv:\n\(mismatches.joined(separator: "\n"))")
            }
        }
    }

    /// The sign-in pages (by password, by phone code): being sent there is a refusal.
    static func isSignIn(_ path: String) -> Bool { path.hasPrefix("/login") || path.hasPrefix("/signin") }

    /// GETs first (the crawl), then writes; the ones that end sessions or accounts last.
    static func order(_ route: (method: String, path: String)) -> (Int, String, String) {
        let signsOut = ["/logout", "/api/v1/auth/token"].contains(route.path)
        let ending = ["/api/v1/me/password", "/disable"].contains { route.path.hasSuffix($0) } || route.method == "DELETE"
        return (route.method == "GET" ? 0 : signsOut ? 3 : ending ? 2 : 1, route.path, route.method)
    }

    static let xss = "<script>gzXSS()</script><img src=x onerror=gzXSS()>"

    /// Objects of community A for the path parameters; anything else gets a fresh UUID.
    static func objects(_ app: Application, _ f: Fixture, resident: inout TestClient) async throws -> [String: String] {
        let building = try await residentBuilding(app)
        // The objects' words carry markup: no page may give it back unescaped (checklist row 14).
        let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(
            title: "楼道灯不亮" + xss, description: "三楼" + xss, buildingId: building, public: true))
        let caseID = try created.content.decode(CaseDTO.self).id
        let worker0 = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
        let need = try await resident.send(.POST, "/api/v1/needs", json: NeedsTests.NewNeed(title: "小区缺少座椅" + xss, description: xss, place: xss))
        let needID = try need.content.decode(NeedDTO.self).id
        // A party of community A (a social organisation) and a property contract of its compound, with a company of the district.
        let unitBuilding = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
        let compoundA = try #require(try await CompoundRecord.find(unitBuilding.$compound.id, on: app.db))
        compoundA.commercial = true
        try await compoundA.update(on: app.db)
        let organisation = OrgNodeRecord(level: .community, name: "阳光社工" + xss, code: "", parentID: f.communityA.id, parentPath: f.communityA.orgPath)
        organisation.party = .socialOrganisation
        try await organisation.create(on: app.db)
        try await PartyProfileRecord(nodeID: organisation.id!, orgPath: organisation.orgPath).create(on: app.db)
        let districtID = try #require(f.communityA.orgPath.segments.first.flatMap(UUID.init(uuidString:)))
        let district = try #require(try await OrgNodeRecord.find(districtID, on: app.db))
        let company = OrgNodeRecord(level: .district, name: "安居物业", code: "", parentID: districtID, parentPath: district.orgPath)
        company.party = .propertyCompany
        try await company.create(on: app.db)
        let contract = PropertyContractRecord(companyID: company.id!, compound: compoundA, starts: CivilDate(iso: "2026-01-01")!,
                                              ends: CivilDate(iso: "2027-12-31")!, serviceLevel: "二级", feeCenti: 250)
        try await contract.create(on: app.db)
        // So do the names shown on nearly every page: org nodes (the navigation, the workbench, the dashboards),
        // compounds, buildings, residents and accounts.
        for (table, column) in [("org_nodes", "name"), ("compounds", "name"), ("buildings", "name"), ("persons", "name"), ("users", "display_name")] {
            try await app.db.sql().raw("UPDATE \(ident: table) SET \(ident: column) = \(ident: column) || \(bind: xss)").run()
        }
        // A public announcement of community A, to the whole community: every page that shows it escapes it.
        let announcement = AnnouncementRecord()
        announcement.id = UUID()
        announcement.communityID = f.communityA.id!
        announcement.orgPath = f.communityA.path
        announcement.scope = .community
        announcement.title = "停水通知" + xss
        announcement.body = "明天停水" + xss
        announcement.isPublic = true
        announcement.pinned = true
        announcement.publishFrom = Date(timeIntervalSince1970: 1_700_000_000)
        announcement.withdrawnReason = ""
        announcement.createdBy = worker0.id!
        announcement.createdAt = announcement.publishFrom
        try await announcement.create(on: app.db)
        let unit = f.unitA
        let compound = try #require(try await BuildingRecord.find(unit.$building.id, on: app.db)).$compound.id
        let worker = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
        func id(_ uuid: UUID?) -> String { uuid?.uuidString ?? UUID().uuidString }
        return [
            "org/nodes": id(f.communityA.id), "org/compounds": id(compound), "org/buildings": id(unit.$building.id),
            "org/units": id(unit.id), "households": id(f.householdA.id), "persons": id(f.personA.id), "people": id(f.personA.id),
            "cases": id(caseID), "requests": id(caseID), "board": id(caseID), "needs": id(needID),
            "deliberation-settings": id(f.communityA.id), "users": id(worker.id), "personId": id(f.personA.id),
            "parties": id(organisation.id), "contracts": id(contract.id), "announcements": id(announcement.id), "communities": id(f.communityA.id),
        ]
    }

    /// The path with its parameters filled in: `:id` by the object of its collection, the rest by fixed values.
    static func fill(_ path: String, _ objects: [String: String]) -> String {
        let parts = path.split(separator: "/").map(String.init)
        var filled: [String] = []
        for (index, part) in parts.enumerated() {
            guard part.hasPrefix(":") else { filled.append(part); continue }
            let name = String(part.dropFirst())
            let collection = index >= 2 && parts[index - 2] == "org" ? "org/" + parts[index - 1] : index >= 1 ? parts[index - 1] : ""
            switch name {
            case "id": filled.append(objects[collection] ?? UUID().uuidString)
            case "personId": filled.append(objects["personId"]!)
            case "lang": filled.append("en")
            case "mode": filled.append("on")
            case "action": filled.append(parts.contains("projects") ? "start" : "accept")
            case "step": filled.append("acknowledge")
            case "code": filled.append(parts.contains("items") ? "PRC-002" : "ABCDEFGHJK")
            case "file": filled.append(parts.count == 3 ? "discovery.json" : parts.contains("tokens") ? "nothing.json" : "services.json")
            default: filled.append(UUID().uuidString)
            }
        }
        return "/" + filled.joined(separator: "/")
    }

    /// Every row of every table but the audit trail (reads of personal data may be audited) and the login
    /// sessions, fingerprinted.
    static func fingerprint(_ app: Application) async throws -> [String: TableFingerprint] {
        try await DatabaseFingerprint.of(app.db, excluding: ["audit_log", "audit_head", "login_sessions", "_fluent_migrations",
                                                                   // A resident opening an announcement is counted as having read it.
                                                                   "announcement_reads"])
    }
}
