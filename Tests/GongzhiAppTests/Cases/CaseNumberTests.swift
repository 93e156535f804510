import Fluent
import Foundation
import Testing
@testable import GongzhiApp

/// Case numbers are random within a day (32⁶ values): a write refused because its number is taken is tried again
/// with a new one; any other refusal is not retried.
@Suite("Case numbers")
struct CaseNumberTests {
    @Test("a taken number is drawn again; only the number's own conflict is retried")
    func takenNumberDrawnAgain() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            for title in ["楼道灯不亮", "垃圾没有清运"] {
                let created = try await worker.send(.POST, "/api/v1/cases", json: ["title": title, "buildingId": f.unitA.$building.id.uuidString, "channel": "window"])
                #expect(created.status == .created, "\(created.body.string)")
            }
            let cases = try await CaseRecord.query(on: app.db).sort(\.$openedAt, .descending).limit(2).all()
            let (taken, moving) = (cases[1], cases[0])
            let takenCode = String(taken.number.split(separator: "-").last!)
            let now = taken.openedAt
            // The attempt gives `moving` the drawn number: the UNIQUE index refuses the taken one twice.
            let codes = LockedCodes([takenCode, takenCode, "ZZZZZZ"])
            let number = try await CaseIntake.numbered(now, on: app.db, code: { codes.next() }) { number in
                try await app.write { db in
                    try await CaseRecord.query(on: db).filter(\.$id == moving.id!).set(\.$number, to: number).update()
                    return number
                }
            }
            #expect(number == CaseIntake.caseNumber(now, code: "ZZZZZZ"))
            #expect(codes.drawn == 3)
            #expect(try await CaseRecord.find(moving.id, on: app.db)?.number == number)
            // Only taken numbers: a conflict (409), not a UNIQUE failure (500).
            let always = LockedCodes(Array(repeating: takenCode, count: 8))
            await #expect(throws: AppError.self) {
                try await CaseIntake.numbered(now, on: app.db, code: { always.next() }) { number in
                    try await app.write { db in try await CaseRecord.query(on: db).filter(\.$id == moving.id!).set(\.$number, to: number).update() }
                }
            }
            #expect(always.drawn == 8)
            // A constraint failure with a free number is the write's own: passed on at once, not drawn again.
            let once = LockedCodes(["YYYYYY", "XXXXXX"])
            await #expect(throws: (any Error).self) {
                try await CaseIntake.numbered(now, on: app.db, code: { once.next() }) { _ in
                    try await app.write { db in
                        // A second first event for `taken`: (case_id, seq) is unique.
                        try await CaseEventRecord(caseID: taken.id!, seq: 1, action: "submit", from: nil, to: .submitted, actorUserID: nil,
                                                  actorName: "x", note: "", at: now).create(on: db)
                    }
                }
            }
            #expect(once.drawn == 1)
        }
    }

    final class LockedCodes: @unchecked Sendable {
        private var codes: [String]
        private(set) var drawn = 0
        init(_ codes: [String]) { self.codes = codes }
        func next() -> String { drawn += 1; return codes.removeFirst() }
    }
}
