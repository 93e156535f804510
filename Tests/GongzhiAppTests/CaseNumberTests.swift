import Fluent
import Foundation
import Testing
@testable import GongzhiApp

/// Case numbers are random within a day (32⁶ values): a number already taken is drawn again, never written twice.
@Suite("Case numbers")
struct CaseNumberTests {
    @Test("a drawn number that is taken is drawn again; a case gets a free one")
    func takenNumberDrawnAgain() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let created = try await worker.send(.POST, "/api/v1/cases", json: ["title": "楼道灯不亮", "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
            #expect(created.status == .created, "\(created.body.string)")
            let taken = try #require(try await CaseRecord.query(on: app.db).sort(\.$openedAt, .descending).first())
            let takenCode = String(taken.number.split(separator: "-").last!)
            let now = taken.openedAt
            let codes = LockedCodes([takenCode, takenCode, "ZZZZZZ"])
            let number = try await CaseIntake.freeCaseNumber(now, on: app.db, code: { codes.next() })
            #expect(number == CaseIntake.caseNumber(now, code: "ZZZZZZ"))
            #expect(codes.drawn == 3)
            // Only taken numbers: refused with a conflict, not a UNIQUE failure later.
            let always = LockedCodes(Array(repeating: takenCode, count: 8))
            await #expect(throws: AppError.self) { try await CaseIntake.freeCaseNumber(now, on: app.db, code: { always.next() }) }
        }
    }

    final class LockedCodes: @unchecked Sendable {
        private var codes: [String]
        private(set) var drawn = 0
        init(_ codes: [String]) { self.codes = codes }
        func next() -> String { drawn += 1; return codes.removeFirst() }
    }
}
