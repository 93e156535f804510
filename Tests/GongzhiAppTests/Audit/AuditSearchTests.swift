import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("The audit administrator's search of the log")
struct AuditSearchTests {
    struct Entry: Decodable {
        let seq: Int64
        let at: Date
        let actor: String
        let action: String
        let objectType: String
        let objectId: String
        let outcome: String
    }

    struct Problem: Decodable {
        struct Body: Decodable { let code: String; let field: String? }
        let error: Body
    }

    static func entries(_ client: inout TestClient, _ query: String) async throws -> [Entry] {
        let response = try await client.send(.GET, "/api/v1/audit?" + query)
        #expect(response.status == .ok, "\(query): \(response.body.string)")
        return try response.content.decode([Entry].self)
    }

    static func userID(_ app: Application, _ username: String) async throws -> String {
        try #require(try await UserRecord.query(on: app.db).filter(\.$username == username).first()).requireID().uuidString.lowercased()
    }

    @Test("by account (username or id in either case), action, object, outcome and day; each filter narrows, none leaks another's entries")
    func filters() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            var grid = try await TestClient.api(app, as: "grid")
            #expect(try await worker.send(.POST, "/api/v1/persons/\(f.personA.id!.uuidString)/unmask", json: ["reason": "上门核实"]).status == .ok)
            #expect(try await grid.send(.GET, "/api/v1/audit").status == .forbidden)
            var stranger = TestClient(app)
            #expect(try await stranger.send(.POST, "/api/v1/auth/token", json: ["username": "worker", "password": "wrong-password"]).status == .unauthorized)
            let workerID = try await Self.userID(app, "worker")
            let gridID = try await Self.userID(app, "grid")
            var auditor = try await TestClient.api(app, as: "auditor")

            let all = try await Self.entries(&auditor, "limit=200")
            #expect(Set(all.map(\.actor)).isSuperset(of: [workerID, gridID]))
            let byName = try await Self.entries(&auditor, "actor=worker&limit=200")
            #expect(!byName.isEmpty && byName.allSatisfy { $0.actor == workerID })
            #expect(byName.map(\.seq) == all.filter { $0.actor == workerID }.map(\.seq))
            #expect(try await Self.entries(&auditor, "actor=\(workerID.uppercased())&limit=200").map(\.seq) == byName.map(\.seq))
            #expect(try await Self.entries(&auditor, "actor=system&limit=200").allSatisfy { $0.actor == "system" })

            let unmasks = try await Self.entries(&auditor, "action=person.unmask")
            #expect(unmasks.count == 1 && unmasks[0].actor == workerID && unmasks[0].objectId == f.personA.id!.uuidString.lowercased())
            // The object, by its id as typed in either case, with its type.
            let person = try await Self.entries(&auditor, "objectType=person&objectId=\(f.personA.id!.uuidString)")
            #expect(person.contains { $0.seq == unmasks[0].seq } && person.allSatisfy { $0.objectId == f.personA.id!.uuidString.lowercased() })
            // The grid worker's refusal and the failed sign-in are failures; nothing else is.
            let failures = try await Self.entries(&auditor, "outcome=failure&limit=200")
            #expect(failures.contains { $0.actor == gridID && $0.action == "access.denied" })
            #expect(failures.contains { $0.action == "login.failure" })
            #expect(failures.map(\.seq) == all.filter { $0.outcome == "failure" }.map(\.seq))
            #expect(try await Self.entries(&auditor, "actor=grid&outcome=success&limit=200").allSatisfy { $0.actor == gridID && $0.outcome == "success" })

            // Days in Beijing time: the day of the entries finds them all, the day after none.
            let day = CivilDate(all[0].at)
            #expect(all.allSatisfy { CivilDate($0.at) == day })
            let next = DayNumber(DayNumber(day).value + 1).civil
            #expect(try await Self.entries(&auditor, "from=\(day)&to=\(day)&limit=200").count == all.count)
            #expect(try await Self.entries(&auditor, "from=\(next)").isEmpty)

            // Paging back keeps the filters.
            let firstTwo = try await Self.entries(&auditor, "actor=worker&limit=2")
            let nextTwo = try await Self.entries(&auditor, "actor=worker&limit=2&before=\(firstTwo[1].seq)")
            #expect(firstTwo.map(\.seq) + nextTwo.map(\.seq) == Array(byName.prefix(4)).map(\.seq))
        }
    }

    @Test("what cannot be searched for is a 422 naming the field: an unknown account, an object id without its type, a bad outcome or day range")
    func refusals() async throws {
        try await withApp { app, _ in
            var auditor = try await TestClient.api(app, as: "auditor")
            for (query, field, code) in [("actor=nobody-here", "actor", "unknown_account"), ("objectId=abc", "objectType", "required"),
                                         ("outcome=maybe", "outcome", "invalid"), ("from=2026-11-20&to=2026-11-19", "to", "invalid"),
                                         ("from=2026-02-30", "from", "invalid"), ("before=0", "before", "invalid"), ("limit=201", "limit", "invalid")] {
                let response = try await auditor.send(.GET, "/api/v1/audit?" + query)
                #expect(response.status == .unprocessableEntity, "\(query)")
                let problem = try response.content.decode(Problem.self)
                #expect(problem.error.field == field && problem.error.code == code, "\(query)")
            }
            // Only the audit administrator searches.
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.GET, "/api/v1/audit?actor=worker").status == .forbidden)
        }
    }

    @Test("the page: a form that keeps what was asked, only the matching entries, paging that keeps the filters, messages in the form's words")
    func page() async throws {
        try await withApp { app, _ in
            for name in ["worker", "worker2", "grid"] { _ = try await TestClient.api(app, as: name) }
            let workerID = try await Self.userID(app, "worker")
            let gridID = try await Self.userID(app, "grid")
            var auditor = try await TestClient.browser(app, as: "auditor")
            let page = try await auditor.send(.GET, "/audit?actor=grid")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("value=\"grid\"") && html.contains(gridID) && !html.contains(workerID))
            #expect(html.contains("时间（北京时间）"))
            // Accounts and actions in words; the code stays for searching.
            #expect(html.contains("（grid）") && html.contains("签发接口令牌") && html.contains("token.create"))
            #expect(html.contains(">成功<") && !html.contains(">success<"))
            let wrong = try await auditor.send(.GET, "/audit?actor=nobody-here")
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("操作人：没有这个账号。") && wrong.body.string.contains("value=\"nobody-here\""))
            #expect(!wrong.body.string.contains(gridID))
            // More than a page of the worker's entries: the link to older ones carries the filter.
            let context = AuditContext(actor: workerID, roles: "community_worker", ip: "127.0.0.1", requestID: "")
            for _ in 0..<AuditSearch.pageSize {
                _ = try await AuditLog.append(AuditEvent(action: "case.view", objectType: "case", objectID: UUID().uuidString.lowercased()),
                                              context: context, now: testNow, on: app.db)
            }
            let first = try await auditor.send(.GET, "/audit?actor=worker").body.string
            let older = try #require(first.range(of: "href=\"/audit?actor=worker&amp;before=") ?? first.range(of: "href=\"/audit?actor=worker&before="))
            #expect(!older.isEmpty && !first.contains(gridID))
        }
    }

    @Test("days: entries stamped out of order around midnight (writes wait their turn; clocks are set back) are each found on their own day only")
    func daysAcrossMidnight() async throws {
        try await withApp { app, _ in
            let day = try #require(CivilDate(year: 2026, month: 11, day: 20))
            let midnight = DayNumber.start(of: day)
            let offsets: [TimeInterval] = [-7_200, -3, 2, -1, 5, -4, 3_600, 86_410, 86_398, -590, 86_990]
            for (index, offset) in offsets.enumerated() {
                _ = try await AuditLog.append(AuditEvent(action: "probe", objectType: "probe", objectID: String(index)),
                                              context: .system, now: midnight.addingTimeInterval(offset), on: app.db)
            }
            var auditor = try await TestClient.api(app, as: "auditor")
            func found(_ from: CivilDate, _ to: CivilDate) async throws -> Set<String> {
                Set(try await Self.entries(&auditor, "action=probe&from=\(from)&to=\(to)&limit=200").map(\.objectId))
            }
            func expected(_ days: ClosedRange<Int>) -> Set<String> {
                Set(offsets.indices.filter { days.contains(Int((offsets[$0] / 86_400).rounded(.down))) }.map(String.init))
            }
            let before = DayNumber(DayNumber(day).value - 1).civil, after = DayNumber(DayNumber(day).value + 1).civil
            #expect(try await found(day, day) == expected(0...0))
            #expect(try await found(before, before) == expected(-1...(-1)))
            #expect(try await found(after, after) == expected(1...1))
            #expect(try await found(before, after) == Set(offsets.indices.map(String.init)))
            #expect(expected(0...0) == ["2", "4", "6", "8"])
        }
    }

    @Test("a search by account, object or day reads an index, not the whole log (SQLite's plan)")
    func indexed() async throws {
        try await withApp { app, _ in
            let sql = app.db.sql()
            guard sql.dialect.name == "sqlite" else { return }
            let searches: [(SQLQueryString, String)] = [
                ("actor IN ('a', 'b') ORDER BY seq DESC", "idx_audit_actor"),
                ("object_type = 'person' AND object_id IN ('x', 'X') ORDER BY seq DESC", "idx_audit_object"),
                ("at_millis >= 1 AND at_millis < 2 ORDER BY seq DESC", "idx_audit_time"),
            ]
            // A person's copy of their data finds their entries the same way.
            let subject = PersonalDataExport.Subject(userID: UUID(), personID: nil)
            let mine = try #require(PersonalDataExport.match(table: "audit_log", inventory: app.gongzhi.dataInventory, subject: subject, typed: nil))
            for (condition, index) in searches + [(mine + " ORDER BY seq DESC", "idx_audit_actor")] {
                let plan = try await sql.raw("EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE " + condition + " LIMIT 50").all()
                let details = try plan.map { try $0.decode(column: "detail", as: String.self) }.joined(separator: "; ")
                #expect(details.contains(index), "\(details)")
            }
        }
    }
}
