import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Early warnings")
struct WarningsTests {
    @Test("red cases, a hotspot and a repeat complainant raise warnings once, even with two instances; supervisors acknowledge and resolve them")
    func warnings() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            // Six lift cases in one grid today (none there before): a hotspot, and three or more by one person: a repeat.
            for n in 1...6 {
                #expect(try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "电梯故障\(n)", buildingId: building, itemCode: "PRC-006")).status == .created)
            }
            var added = 0
            // Two instances on PostgreSQL (on SQLite one process writes: the same app twice, concurrently).
            try await withTwin(of: app) { twin in
                let other = TestDatabase.isPostgres ? twin : app
                async let a = Warnings.evaluate(app.context())
                async let b = Warnings.evaluate(other.context())
                added = try await a + b
            }
            let all = try await WarningRecord.query(on: app.db).all()
            #expect(added == all.count && Set(all.map(\.dedupeKey)).count == all.count)
            #expect(all.contains { $0.kind == .hotspot } && all.contains { $0.kind == .repeatComplainant })
            let redCases = try await CaseRecord.query(on: app.db).filter(\.$slaLevel == .red).filter(\.$state !~ [.closed, .rejected, .merged]).count()
            #expect(all.filter { $0.kind == .slaRed }.count == redCases)
            // Nothing new the second time.
            #expect(try await Warnings.evaluate(app.context()) == 0)

            var street = try await TestClient.api(app, as: "street")
            let listed = try await street.send(.GET, "/api/v1/warnings").content.decode([WarningDTO].self)
            let hotspot = try #require(listed.first { $0.kind == .hotspot })
            #expect(try await street.send(.POST, "/api/v1/warnings/\(hotspot.id.uuidString)/acknowledge").status == .ok)
            #expect(try await street.send(.POST, "/api/v1/warnings/\(hotspot.id.uuidString)/acknowledge").status == .conflict)
            let resolved = try await street.send(.POST, "/api/v1/warnings/\(hotspot.id.uuidString)/resolve", json: ["note": "已联系维保单位"]).content.decode(WarningDTO.self)
            #expect(resolved.state == .resolved && resolved.note == "已联系维保单位")
            #expect(try await street.send(.POST, "/api/v1/warnings/\(hotspot.id.uuidString)/fly").status == .notFound)
            #expect(try await resident.send(.GET, "/api/v1/warnings").content.decode([WarningDTO].self).isEmpty)
            // Another street's supervisor sees none of them.
            var worker2 = try await TestClient.api(app, as: "worker2")
            #expect(try await worker2.send(.POST, "/api/v1/warnings/\(hotspot.id.uuidString)/resolve").status == .notFound)
            _ = f
            // The supervision page lists what is still open, with its buttons.
            var browser = try await TestClient.browser(app, as: "street")
            let page = try await browser.send(.GET, "/supervise").body.string
            #expect(page.contains("同一居民反复反映同一问题") && !page.contains("热点：某类问题"))
            let repeatWarning = try #require(listed.first { $0.kind == .repeatComplainant })
            #expect(try await browser.send(.POST, "/supervise/warnings/\(repeatWarning.id.uuidString)/resolve", form: ["note": "已安排调解"]).status == .seeOther)
            #expect(try await WarningRecord.find(repeatWarning.id, on: app.db)?.state == .resolved)
        }
    }

    @Test("the thresholds are data: supervisors read them, the system administrator changes them (checked, audited), and evaluation follows them")
    func settingsAreData() async throws {
        try await withApp { app, _ in
            var resident = try await TestClient.api(app, as: "resident")
            let building = try await residentBuilding(app)
            for n in 1...6 {
                #expect(try await resident.send(.POST, "/api/v1/cases", json: CasesTests.NewCase(title: "电梯故障\(n)", buildingId: building, itemCode: "PRC-006")).status == .created)
            }
            var street = try await TestClient.api(app, as: "street")
            let shown = try await street.send(.GET, "/api/v1/warning-settings")
            #expect(shown.status == .ok)
            #expect(try shown.content.decode(WarningRules.Settings.self) == WarningRules.Settings())
            #expect(try await resident.send(.GET, "/api/v1/warning-settings").status == .forbidden)
            // A supervisor may not change them; the system administrator may, within range.
            #expect(try await street.send(.PUT, "/api/v1/warning-settings", json: ["repeatMinimum": 10]).status == .forbidden)
            var admin = try await TestClient.api(app, as: "admin")
            let bad = try await admin.send(.PUT, "/api/v1/warning-settings", json: ["repeatMinimum": 1])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("repeatMinimum"))
            let auditBefore = try await app.auditCount()
            let changed = try await admin.send(.PUT, "/api/v1/warning-settings", json: ["repeatMinimum": 10, "hotspotMinimum": 7])
            #expect(changed.status == .ok)
            let settings = try changed.content.decode(WarningRules.Settings.self)
            #expect(settings.repeatMinimum == 10 && settings.hotspotMinimum == 7 && settings.hotspotWindowDays == 7)
            #expect(try await app.auditCount() == auditBefore + 1)

            // Six cases by one person, seven needed: neither a repeat nor a hotspot now.
            _ = try await Warnings.evaluate(app.context())
            var kinds = Set(try await WarningRecord.query(on: app.db).all().map(\.kind))
            #expect(!kinds.contains(.repeatComplainant) && !kinds.contains(.hotspot))
            // Back to three and five: both appear.
            #expect(try await admin.send(.PUT, "/api/v1/warning-settings", json: ["repeatMinimum": 3, "hotspotMinimum": 5]).status == .ok)
            _ = try await Warnings.evaluate(app.context())
            kinds = Set(try await WarningRecord.query(on: app.db).all().map(\.kind))
            #expect(kinds.contains(.repeatComplainant) && kinds.contains(.hotspot))
        }
    }
}
