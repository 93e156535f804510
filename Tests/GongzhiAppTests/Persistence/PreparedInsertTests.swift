import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp

/// `PreparedInsert` must store exactly what Fluent's `create` stores: same columns, same values, same types.
@Suite("Prepared inserts")
struct PreparedInsertTests {
    @Test("a row inserted ready-made is stored as Fluent's create stores it")
    func sameAsFluentCreate() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let created = try await worker.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
            #expect(created.status == .created, "\(created.body.string)")
            let caseID = try #require(try await CaseRecord.query(on: app.db).first()?.id)
            let at = Date(timeIntervalSince1970: 1_795_000_000.123456)
            func event(_ seq: Int, user: UUID?) -> CaseEventRecord {
                CaseEventRecord(caseID: caseID, seq: seq, action: "note", from: .submitted, to: .accepted, actorUserID: user,
                                actorName: "张三 <b>", note: "第\(seq)次", at: at, target: "第一网格")
            }
            let user = UUID()
            let byFluent = event(10, user: user)
            try await byFluent.create(on: app.db)
            let prepared = event(11, user: user)
            prepared.id = UUID()
            let insert = try PreparedInsert(prepared, on: app.db)
            try await app.write { db in try await insert.run(on: db) }
            #expect(insert.columns.contains("actor_user_id") && insert.columns.contains("at") && insert.columns.contains("from_state"))

            // Every column but the id, the sequence number and the note holds one value of one type across the two rows.
            let sql = app.db.sql()
            for column in insert.columns where !["id", "seq", "note"].contains(column) {
                let row = try #require(try await sql.select()
                    .column(SQLFunction("COUNT", args: SQLDistinct(SQLColumn(column))), as: "distinct_values")
                    .column(SQLFunction("COUNT", args: SQLColumn(column)), as: "values")
                    .from(CaseEventRecord.schema).where("id", .in, [byFluent.id!, prepared.id!]).first())
                #expect(try row.decode(column: "distinct_values", as: Int.self) == 1, "\(column)")
                #expect(try row.decode(column: "values", as: Int.self) == 2, "\(column)")
            }
            let read = try #require(try await CaseEventRecord.find(prepared.id, on: app.db))
            #expect(read.seq == 11 && read.actorName == "张三 <b>" && read.fromState == .submitted && read.toState == .accepted)
            #expect(read.actorUserID == user && abs(read.at.timeIntervalSince(at)) < 0.001)

            // A nil optional is stored as NULL, as Fluent stores it.
            let anonymous = event(12, user: nil)
            anonymous.id = UUID()
            let anonymousInsert = try PreparedInsert(anonymous, on: app.db)
            try await app.write { db in try await anonymousInsert.run(on: db) }
            #expect(try await CaseEventRecord.find(anonymous.id, on: app.db)?.actorUserID == nil)

            // Several rows in one statement, NULLs in some of them, each stored as it would be alone.
            let together = (20..<26).map { seq in
                let record = event(seq, user: seq.isMultiple(of: 2) ? user : nil)
                record.id = UUID()
                return record
            }
            let inserts = try together.map { try PreparedInsert($0, on: app.db) }
            try await app.write { db in try await PreparedInsert.run(inserts, on: db) }
            for record in together {
                let read = try #require(try await CaseEventRecord.find(record.id, on: app.db))
                #expect(read.seq == record.seq && read.actorUserID == record.actorUserID && read.note == "第\(record.seq)次")
                #expect(abs(read.at.timeIntervalSince(at)) < 0.001 && read.fromState == .submitted)
            }
        }
    }

    @Test("the statement's text is kept per table and columns; a model without its id is refused")
    func textAndID() async throws {
        try await withApp(seed: false) { app, _ in
            func text(_ insert: PreparedInsert) -> (String, Int) {
                var serializer = SQLSerializer(database: app.db.sql())
                insert.serialize(to: &serializer)
                return (serializer.sql, serializer.binds.count)
            }
            func event(_ actor: String) -> CaseEventRecord {
                let record = CaseEventRecord(caseID: UUID(), seq: 1, action: "submit", from: nil, to: .submitted, actorUserID: nil,
                                             actorName: actor, note: "", at: Date())
                record.id = UUID()
                return record
            }
            let (first, firstBinds) = text(try PreparedInsert(event("甲"), on: app.db))
            let (second, secondBinds) = text(try PreparedInsert(event("乙"), on: app.db))
            #expect(first == second)
            #expect(firstBinds == secondBinds && firstBinds == 8) // 10 columns, two of them NULL in the text
            #expect(first.hasPrefix("INSERT INTO"))
            let withoutID = event("丙")
            withoutID.id = nil
            #expect(throws: PreparedInsert.Problem.missingID(table: "case_events")) { try PreparedInsert(withoutID, on: app.db) }
        }
    }
}
