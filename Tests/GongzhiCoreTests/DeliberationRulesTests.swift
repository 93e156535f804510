import Foundation
import Testing
@testable import GongzhiCore

@Suite("Ballot receipts and repeated cases")
struct DeliberationRulesTests {
    let key = Data(repeating: 7, count: 32)
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("a receipt is readable, verifies for its ballot only, and changes when the ballot changes")
    func receipts() {
        let code = BallotReceipt.code(vote: "v1", voterKey: "p1", choice: .yes, castAt: t0, sequence: 1, key: key)
        #expect(code.count == 14 && code.split(separator: "-").count == 3)
        #expect(!code.contains("0") && !code.contains("O") && !code.contains("1") && !code.contains("I"))
        #expect(BallotReceipt.verify(code.lowercased(), vote: "v1", voterKey: "p1", choice: .yes, castAt: t0, sequence: 1, key: key))
        #expect(BallotReceipt.verify(code.replacingOccurrences(of: "-", with: ""), vote: "v1", voterKey: "p1", choice: .yes, castAt: t0, sequence: 1, key: key))
        #expect(!BallotReceipt.verify(code, vote: "v1", voterKey: "p1", choice: .no, castAt: t0, sequence: 1, key: key))
        #expect(!BallotReceipt.verify(code, vote: "v1", voterKey: "p2", choice: .yes, castAt: t0, sequence: 1, key: key))
        #expect(!BallotReceipt.verify(code, vote: "v1", voterKey: "p1", choice: .yes, castAt: t0, sequence: 1, key: Data(repeating: 8, count: 32)))
        #expect(BallotReceipt.code(vote: "v1", voterKey: "p1", choice: .yes, castAt: t0.addingTimeInterval(1), sequence: 2, key: key) != code)
        #expect(!BallotReceipt.verify("", vote: "v1", voterKey: "p1", choice: .yes, castAt: t0, sequence: 1, key: key))
    }

    @Test("three or more cases of one item in one compound within 90 days make a group; others do not")
    func repeated() {
        func c(_ id: String, _ item: String, _ place: String, daysAgo: Double) -> RepeatedCases.Case {
            .init(id: id, itemCode: item, place: place, openedAt: t0.addingTimeInterval(-daysAgo * 86_400))
        }
        let cases = [
            c("a", "PRC-002", "幸福里", daysAgo: 3), c("b", "PRC-002", "幸福里", daysAgo: 40), c("c", "PRC-002", "幸福里", daysAgo: 80),
            c("d", "PRC-002", "幸福里", daysAgo: 120), c("e", "PRC-002", "和平苑", daysAgo: 1), c("f", "ADM-014", "幸福里", daysAgo: 2),
            c("g", "ADM-014", "幸福里", daysAgo: 5), c("h", "ADM-014", "幸福里", daysAgo: 6), c("i", "ADM-014", "幸福里", daysAgo: 7),
        ]
        let groups = RepeatedCases.groups(cases, now: t0)
        #expect(groups.map(\.caseIDs) == [["i", "h", "g", "f"], ["c", "b", "a"]])
        #expect(RepeatedCases.groups(cases, minimum: 5, now: t0).isEmpty)
        #expect(RepeatedCases.groups(cases, window: 30 * 86_400, now: t0).map(\.itemCode) == ["ADM-014"])
    }
}
