import Foundation
import Testing
@testable import GongzhiCore

@Suite("Disclosure record by month")
struct DisclosureRecordTests {
    @Test("months in Beijing time: an entry at 23:30 UTC on the last day belongs to the next month there")
    func months() throws {
        // 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Beijing.
        let edge = Date(timeIntervalSince1970: 1_796_056_200)
        #expect(DisclosureRecord.Month(edge).description == "2026-12")
        #expect(DisclosureRecord.Month(edge.addingTimeInterval(-3600)).description == "2026-11")
        let december = try #require(DisclosureRecord.Month("2026-12"))
        #expect(december.next.description == "2027-01" && december.previous.description == "2026-11" && december.first.description == "2026-12-01")
        #expect(DisclosureRecord.Month("2026-13") == nil && DisclosureRecord.Month("26-12") == nil && DisclosureRecord.Month("x") == nil)
        #expect(DisclosureRecord.Month("2027-01")!.previous == december)
    }

    @Test("a month's entries newest first; counts per month newest first")
    func entries() {
        let t = Date(timeIntervalSince1970: 1_796_056_200)
        let all = [
            DisclosureRecord.Entry(id: "a", kind: .announcement, at: t, title: "A", detail: "", link: nil),
            .init(id: "b", kind: .meeting, at: t.addingTimeInterval(86_400), title: "B", detail: "", link: nil),
            .init(id: "c", kind: .project, at: t.addingTimeInterval(-86_400), title: "C", detail: "", link: nil),
            .init(id: "d", kind: .announcement, at: t.addingTimeInterval(86_400), title: "D", detail: "", link: nil),
        ]
        #expect(DisclosureRecord.entries(of: DisclosureRecord.Month(t), in: all).map(\.id) == ["d", "b", "a"])
        let counts = DisclosureRecord.counts(all)
        #expect(counts.map(\.month.description) == ["2026-12", "2026-11"] && counts.map(\.count) == [3, 1])
    }
}
