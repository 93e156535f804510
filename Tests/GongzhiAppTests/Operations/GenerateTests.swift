import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Synthetic history")
struct GenerateTests {
    @Test("generated history lands in batches with its rollups up to date; a second run continues from an index; KPIs agree with the cases")
    func generate() async throws {
        try await withApp { app, _ in
            let before = try await CaseRecord.query(on: app.db).count()
            _ = try await KPIRollups.catchUpAll(app.context())
            let written = try await SyntheticCases.write(app: app, count: 600, days: 200, seed: 3)
            #expect(written == 600)
            #expect(try await CaseRecord.query(on: app.db).count() == before + 600)
            // Every batch folded its cases into the rollups in its own transaction.
            #expect(try await app.db.sql().raw("SELECT COUNT(*) AS n FROM kpi_dirty").first()?.decode(column: "n", as: Int.self) == 0)
            #expect(try await KPIRollups.differences(on: app.db, now: app.clock.now).isEmpty)
            let states = try await CaseRecord.query(on: app.db).filter(\.$number ~~ "-S").all().map(\.state)
            #expect(states.filter { $0 == .closed }.count > states.count / 2 && states.contains(.rejected) && states.contains(.merged))
            // Continuing from index 600 adds new cases, never the same numbers again.
            #expect(try await SyntheticCases.write(app: app, count: 150, days: 200, seed: 3, from: 600) == 150)
            #expect(try await CaseRecord.query(on: app.db).count() == before + 750)
            try await KPIRollupTests.compare(app, "generated")
        }
    }
}
