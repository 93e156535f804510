import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The KPIs read from rollups equal the KPIs counted from the cases themselves — before and after the background
/// catch-up, after more workflow steps, an org move and the passing of time — and `gongzhi kpi check` finds a
/// damaged cell.
@Suite("KPI rollups")
struct KPIRollupTests {
    static let from = CivilDate(iso: "2026-05-01")!, to = CivilDate(iso: "2026-11-30")!

    /// The figures counted from the visible cases' rows, grouped like the API groups them.
    static func fromRows(_ app: Application, username: String, by: String?, from: CivilDate = from, to: CivilDate = to) async throws -> [String: CaseKPIs.Figures] {
        let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == username).first())
        let actor = try await AuthenticationMiddleware.makeCurrent(user: user, via: .token, csrf: nil as String?, sessionID: nil as UUID?, on: app.db).actor
        let records = try await CaseRecord.visible(to: actor, on: app.db).filter(\.$openedAt >= DayNumber.start(of: from))
            .filter(\.$openedAt < DayNumber.start(of: to).addingTimeInterval(86_400)).all()
        var groups: [String: [CaseRecord]] = [:]
        for record in records {
            let key: String
            switch by {
            case nil: key = "total"
            case "category": key = record.category
            case "handler": key = record.handlerNodeID.uuidString.lowercased()
            case "day", "week", "month": key = KPIAPIController.period(of: record.openedAt, by: by!)
            default:
                let segments = OrgPath(record.placePath)?.segments ?? []
                let depth = OrgLevel(rawValue: by!)!.depth
                guard segments.count > depth else { continue }
                key = segments[depth]
            }
            groups[key, default: []].append(record)
        }
        let now = app.clock.now
        return groups.mapValues { CaseKPIs.figures($0.map(KPIRollups.kpiRow), now: now) }
    }

    static func compare(_ app: Application, _ label: String, from: CivilDate = from, to: CivilDate = to) async throws {
        for username in ["worker", "street", "district"] {
            var client = try await TestClient.api(app, as: username)
            for by in [nil, "street", "community", "grid", "category", "handler", "day", "week", "month"] as [String?] {
                let answer = try await client.send(.GET, "/api/v1/kpis?from=\(from)&to=\(to)" + (by.map { "&by=\($0)" } ?? ""))
                    .content.decode(KPIAPIController.Answer.self)
                let expected = try await fromRows(app, username: username, by: by, from: from, to: to)
                if by == nil {
                    #expect(answer.total == expected["total"] ?? KPIRollup.figures(.init(), unsignedOverdue: 0), "\(label) \(username) total")
                } else {
                    #expect(Dictionary(uniqueKeysWithValues: answer.groups.map { ($0.key, $0.figures) }) == expected, "\(label) \(username) by \(by!)")
                }
            }
        }
    }

    @Test("rollups equal the cases: all dirty, caught up, after more steps, an org move and time passing")
    func equalsTheCases() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let dirty = try await app.db.sql().raw("SELECT COUNT(*) AS n FROM kpi_dirty").first()?.decode(column: "n", as: Int.self) ?? 0
            #expect(dirty > 0)
            try await Self.compare(app, "dirty")
            let handled = try await KPIRollups.catchUpAll(app.context(), batch: 7)
            let left = try await app.db.sql().raw("SELECT COUNT(*) AS n FROM kpi_dirty").first()?.decode(column: "n", as: Int.self)
            #expect(handled == dirty && left == 0)
            try await Self.compare(app, "caught up")
            // More steps: a new case, and the workflow on it (dirty again, live).
            var resident = try await TestClient.api(app, as: "resident")
            var worker = try await TestClient.api(app, as: "worker")
            let id = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "路灯不亮", buildingId: try await residentBuilding(app)))
                .content.decode(CaseDTO.self).id
            for action in ["accept", "dispatch"] {
                #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/\(action)", json: ["note": "好"]).status == .ok)
            }
            try await Self.compare(app, "after steps")
            _ = try await KPIRollups.catchUpAll(app.context())
            // An org move rewrites the place paths of every case of the community.
            var admin = try await TestClient.api(app, as: "admin")
            let streetB = try #require(try await OrgNodeRecord.find(f.communityB.$parent.id!, on: app.db))
            #expect(try await admin.send(.POST, "/api/v1/org/nodes/\(f.communityA.id!.uuidString)/move", json: ["parentId": streetB.id!.uuidString]).status == .ok)
            try await Self.compare(app, "after move")
            _ = try await KPIRollups.catchUpAll(app.context())
            // Time passes: unsigned cases cross their response limits without any write.
            app.clock.advance(by: 10 * 86_400)
            try await Self.compare(app, "later")
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
        }
    }

    @Test("whole months come from the monthly rollups, the days around them from the daily ones: equal to the cases for any period, also after a grid moves to another community")
    func monthly() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            _ = try await KPIRollups.catchUpAll(app.context())
            let periods = [("2026-05-10", "2026-11-20"), ("2026-06-01", "2026-06-30"), ("2026-07-03", "2026-07-29"), ("2025-12-08", "2026-12-07")]
            for (from, to) in periods {
                try await Self.compare(app, "\(from)…\(to)", from: CivilDate(iso: from)!, to: CivilDate(iso: to)!)
            }
            // The monthly cells hold whole communities and first days of months only.
            let rows = try await app.db.sql().raw("SELECT day, place_path FROM kpi_rollups_monthly").all()
            #expect(!rows.isEmpty)
            for row in rows {
                #expect(try row.decode(column: "day", as: String.self).hasSuffix("-01"))
                #expect(try row.decode(column: "place_path", as: String.self).count <= KPIRollups.communityPathLength)
            }
            // A grid of community A moves to community B: its cases' monthly counts move with it.
            let gridCases = try await CaseRecord.query(on: app.db).filter(\.$placePath =~ f.gridA.path).count()
            #expect(gridCases > 0)
            var admin = try await TestClient.api(app, as: "admin")
            // (Community B has a grid of the same name.)
            f.gridA.name = "迁来的网格"
            try await f.gridA.update(on: app.db)
            let moved = try await admin.send(.POST, "/api/v1/org/nodes/\(f.gridA.id!.uuidString)/move", json: ["parentId": f.communityB.id!.uuidString])
            #expect(moved.status == .ok, "\(moved.body.string)")
            // Exact at once (the open cases passed to community B's handlers are dirty until the catch-up)…
            try await Self.compare(app, "after the grid's move")
            try await Self.compare(app, "after the grid's move, edges", from: CivilDate(iso: "2026-05-10")!, to: CivilDate(iso: "2026-11-20")!)
            // …and the stored cells equal the cases once caught up.
            _ = try await KPIRollups.catchUpAll(app.context())
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
            try await Self.compare(app, "after the grid's move, caught up")
        }
    }

    @Test("cases waiting to be signed: exact in the minute their limit passes, before and after the catch-up")
    func waitingMinute() async throws {
        try await withApp { app, _ in
            // A new case, unsigned: the clock is set to its limit's minute, then around its limit to the second.
            var resident = try await TestClient.api(app, as: "resident")
            let created = try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "楼道灯坏了", buildingId: try await residentBuilding(app)))
                .content.decode(CaseDTO.self)
            let record = try #require(try await CaseRecord.find(created.id, on: app.db))
            // 30 s into a minute, so that the minute of the limit holds moments before it and after it.
            let due = Date(timeIntervalSince1970: Double(KPIRollup.minute(of: record.responseDueAt)) * 60 + 30)
            record.responseDueAt = due
            try await record.update(on: app.db)
            let today = CivilDate(app.clock.now)
            for caughtUp in [false, true] {
                if caughtUp { _ = try await KPIRollups.catchUpAll(app.context()) }
                for offset in [-61.0, -29.0, -1.0, 0.0, 1.0, 29.0, 61.0] {
                    app.clock.set(due.addingTimeInterval(offset))
                    let from = DayNumber(DayNumber(today).value - 40).civil
                    try await Self.compare(app, "caught up \(caughtUp), \(offset) s from the limit", from: from, to: CivilDate(app.clock.now))
                }
            }
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
        }
    }

    @Test("only a change to a column the figures depend on marks a case dirty; the time-limit level does not")
    func dirtyOnlyWhenItMatters() async throws {
        try await withApp { app, _ in
            _ = try await KPIRollups.catchUpAll(app.context())
            let sql = app.db.sql()
            func dirty() async throws -> Int { try await sql.raw("SELECT count(*) AS n FROM kpi_dirty").first()!.decode(column: "n", as: Int.self) }
            #expect(try await dirty() == 0)
            let record = try #require(try await CaseRecord.query(on: app.db).first())
            let id = try record.requireID()
            // What the time-limit round and the timeline touch: no mark.
            try await sql.raw("UPDATE cases SET sla_level = 'red', event_count = event_count + 1, title = 'x' WHERE id = \(bind: id)").run()
            #expect(try await dirty() == 0)
            // Each column a contribution depends on: a mark (set to itself, as an ORM writing the column would).
            for column in KPIRollups.sourceColumns {
                try await sql.raw("DELETE FROM kpi_dirty").run()
                try await sql.raw("UPDATE cases SET \(ident: column) = \(ident: column) WHERE id = \(bind: id)").run()
                #expect(try await dirty() == 1, "\(column)")
            }
        }
    }

    @Test("the check finds a damaged cell, and rebuilding repairs it")
    func check() async throws {
        try await withApp { app, _ in
            _ = try await KPIRollups.catchUpAll(app.context())
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
            try await app.db.sql().raw("UPDATE kpi_rollups SET intake = intake + 1 WHERE day = (SELECT MIN(day) FROM kpi_rollups)").run()
            let found = try await KPIRollups.differences(on: app.db, now: app.clock.now)
            #expect(found.count >= 1 && found.allSatisfy { $0.table == KPIRollups.table && $0.stored.intake == $0.fresh.intake + 1 })
            // The monthly rollups are checked too.
            try await KPIRollups.rebuild(app.context())
            try await app.db.sql().raw("UPDATE kpi_rollups_monthly SET closed = closed + 2 WHERE day = (SELECT MIN(day) FROM kpi_rollups_monthly)").run()
            let monthly = try await KPIRollups.differences(on: app.db, now: app.clock.now)
            #expect(monthly.count >= 1 && monthly.allSatisfy { $0.table == KPIRollups.monthlyTable && $0.stored.closed == $0.fresh.closed + 2 })
            // And the waiting counts: a count for a minute still to come that no case stands for.
            try await KPIRollups.rebuild(app.context())
            let minute = KPIRollup.minute(of: app.clock.now) + 100
            try await app.db.sql().raw("""
                INSERT INTO kpi_waiting (due_minute, day, place_path, category, handler_node_id, handler_path, accused_path, n)
                VALUES (\(bind: minute), '2026-11-02', '/x/', 'c', 'h', '/x/', '', 1)
                """).run()
            let waiting = try await KPIRollups.differences(on: app.db, now: app.clock.now)
            #expect(waiting.count == 1 && waiting.allSatisfy { $0.table == KPIRollups.waitingTable && $0.stored.unsigned == $0.fresh.unsigned + 1 })
            try await KPIRollups.rebuild(app.context())
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
        }
    }
}
