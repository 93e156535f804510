import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Moving a node rewrites every column that holds a place in the tree, in one transaction.
@Suite("Org moves rebase everything")
struct OrgMoveTests {
    @Test("every path column of the migrated database is in the registry, and the registry names no other")
    func registryMatchesSchema() async throws {
        try await withApp(seed: false) { app, _ in
            let inSchema = try await OrgPathColumns.inSchema(app.db)
            let registered = Set(OrgPathColumns.all)
            #expect(inSchema.subtracting(registered).map(\.description).sorted() == [], "path columns the registry lacks")
            #expect(registered.subtracting(inSchema).map(\.description).sorted() == [], "registered columns the schema lacks")
            #expect(registered.count == OrgPathColumns.all.count, "no column twice")
        }
    }

    @Test("the database's rebase gives what OrgPath.rebased gives, for random paths in and out of the moved subtree")
    func rebaseAgreesWithCore() async throws {
        try await withApp(seed: false) { app, _ in
            var rng = SystemRandomNumberGenerator()
            func segment() -> String { UUID().uuidString.lowercased() }
            for _ in 0..<20 {
                let old = OrgPath.root.appending(segment()).appending(segment())
                let new = OrgPath.root.appending(segment()).appending(segment()).appending(segment())
                var paths: [OrgPath] = [old, .root, OrgPath.root.appending(segment())]
                for _ in 0..<5 {
                    var path = Bool.random(using: &rng) ? old : OrgPath.root.appending(segment())
                    for _ in 0..<Int.random(in: 0...3, using: &rng) { path = path.appending(segment()) }
                    paths.append(path)
                }
                let move = OrgPath.Rebase(from: old, to: new)
                // raw SQL: the paths are made here from UUIDs, not taken from a request.
                let rows = try await app.db.sql().raw("SELECT \(bind: move.new.rawValue) || SUBSTR(p, CAST(\(bind: move.keptFrom) AS INTEGER)) AS r, p FROM (\(unsafeRaw: paths.map { "SELECT '\($0.rawValue)' AS p" }.joined(separator: " UNION ALL "))) x WHERE p LIKE \(bind: move.pattern)").all()
                var fromSQL: [String: String] = [:]
                for row in rows { fromSQL[try row.decode(column: "p", as: String.self)] = try row.decode(column: "r", as: String.self) }
                for path in paths {
                    #expect(fromSQL[path.rawValue] == OrgPath.Rebase(from: old, to: new).apply(to: path)?.rawValue, "\(path)")
                }
            }
        }
    }

    @Test("a community moved to the other street: the new street sees its cases, KPIs and warnings, the old one gets 404, its worker notices nothing")
    func communityMovesWithItsCases() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let db = app.db
            let streetA = try #require(try await OrgNodeRecord.find(f.communityA.$parent.id!, on: db))
            let streetB = try #require(try await OrgNodeRecord.find(f.communityB.$parent.id!, on: db))
            #expect(streetA.id != streetB.id)
            // A supervisor of the second street.
            let userB = UserRecord(id: UUID(), username: "street-b", displayName: "街道督办 二", passwordHash: app.gongzhi.passwords.hash(demoPassword), now: testNow)
            try await userB.create(on: db)
            try await RoleGrantRecord(userID: userB.id!, role: .streetSupervisor, nodeID: streetB.id!, path: streetB.orgPath, grantedBy: nil).create(on: db)

            let inA = try await CaseRecord.query(on: db).filter(\.$placePath =~ f.communityA.path).sort(\.$openedAt).all()
            let open = try #require(inA.first { $0.state.isOpen })
            let closed = try #require(inA.first { $0.state == .closed })
            // The old street itself handles one open and one closed case of the community.
            for record in [open, closed] {
                record.handlerNodeID = streetA.id!
                record.handlerPath = streetA.path
                try await record.update(on: db)
            }
            let warning = WarningRecord()
            warning.id = UUID(); warning.kind = .slaRed; warning.orgPath = open.placePath; warning.caseID = open.id
            warning.detail = "test"; warning.state = .open; warning.dedupeKey = "test-move"; warning.createdAt = testNow; warning.note = ""
            try await warning.create(on: db)

            var worker = try await TestClient.api(app, as: "worker")
            var oldStreet = try await TestClient.api(app, as: "street")
            var newStreet = try await TestClient.api(app, as: "street-b")
            let workerSees = try await worker.send(.GET, "/api/v1/cases?limit=1").content.decode(ListPage<CaseDTO>.self).total
            #expect(try await newStreet.send(.GET, "/api/v1/cases/\(open.id!.uuidString)").status == .notFound)
            #expect(try await oldStreet.send(.GET, "/api/v1/cases/\(open.id!.uuidString)").status == .ok)

            var admin = try await TestClient.api(app, as: "admin")
            let moved = try await admin.send(.POST, "/api/v1/org/nodes/\(f.communityA.id!.uuidString)/move", json: ["parentId": streetB.id!.uuidString])
            #expect(moved.status == .ok, "\(moved.body.string)")
            let newPath = try moved.content.decode(OrgNodeDTO.self).path

            // Nothing is left at the old place, in any column.
            for column in OrgPathColumns.all {
                let left = try await db.sql().select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(column.table)
                    .where(SQLIdentifier(column.column), .like, SQLBind(f.communityA.path + "%")).first()?.decode(column: "n", as: Int.self)
                #expect(left == 0, "\(column)")
            }
            // The community's own worker notices nothing.
            #expect(try await worker.send(.GET, "/api/v1/cases?limit=1").content.decode(ListPage<CaseDTO>.self).total == workerSees)
            for record in inA.prefix(20) {
                #expect(try await worker.send(.GET, "/api/v1/cases/\(record.id!.uuidString)").status == .ok)
            }
            // The new street sees every case of the community, the old street none of those it did not handle.
            for record in inA.prefix(20) {
                #expect(try await newStreet.send(.GET, "/api/v1/cases/\(record.id!.uuidString)").status == .ok)
            }
            #expect(try await oldStreet.send(.GET, "/api/v1/cases/\(open.id!.uuidString)").status == .notFound)
            // The open case the old street handled passed to the new street, with a timeline entry; the closed one stayed.
            let passed = try #require(try await CaseRecord.find(open.id!, on: db))
            #expect(passed.handlerNodeID == streetB.id && passed.handlerPath == streetB.path)
            #expect(passed.placePath.hasPrefix(newPath))
            let entry = try await CaseEventRecord.query(on: db).filter(\.$caseID == open.id!).sort(\.$seq, .descending).first()
            #expect(entry?.action == OrgTreeChanges.handlerMovedAction && entry?.note == streetB.name && entry?.seq == passed.eventCount)
            let kept = try #require(try await CaseRecord.find(closed.id!, on: db))
            #expect(kept.handlerNodeID == streetA.id && kept.handlerPath == streetA.path)
            #expect(try await oldStreet.send(.GET, "/api/v1/cases/\(closed.id!.uuidString)").status == .ok, "history stays with the old street")
            // Warnings and KPIs follow.
            let warnings = try await newStreet.send(.GET, "/api/v1/warnings").content.decode([WarningDTO].self)
            #expect(warnings.contains { $0.id == warning.id })
            #expect(try await oldStreet.send(.GET, "/api/v1/warnings").content.decode([WarningDTO].self).contains { $0.id == warning.id } == false)
            let period = "from=2026-01-01&to=2026-11-18"
            let kpis = try await newStreet.send(.GET, "/api/v1/kpis?\(period)&by=community").content.decode(KPIAPIController.Answer.self)
            let start = DayNumber.start(of: CivilDate(iso: "2026-01-01")!), end = DayNumber.start(of: CivilDate(iso: "2026-11-18")!).addingTimeInterval(86_400)
            let opened = inA.filter { $0.openedAt >= start && $0.openedAt < end }.count
            #expect(kpis.groups.first { $0.key == f.communityA.id!.uuidString.lowercased() }?.figures.intake == opened)
            let old = try await oldStreet.send(.GET, "/api/v1/kpis?\(period)&by=community").content.decode(KPIAPIController.Answer.self)
            // The old street keeps only what it handled itself and closed.
            let keptInPeriod = try await CaseRecord.query(on: db).filter(\.$placePath =~ newPath).filter(\.$handlerPath == streetA.path).all()
                .filter { !$0.state.isOpen && $0.openedAt >= start && $0.openedAt < end }.count
            #expect(keptInPeriod >= 1)
            #expect((old.groups.first { $0.key == f.communityA.id!.uuidString.lowercased() }?.figures.intake ?? 0) == keptInPeriod)
        }
    }
}
