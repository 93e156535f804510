import Foundation
import Testing
@testable import GongzhiCore

@Suite("Volunteer activities and their calendar")
struct ActivityTests {
    let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("places in the order of signing up, a waiting list that moves up when someone cancels")
    func places() {
        let signUps = (0..<5).map { Activity.SignUp(id: "s\($0)", at: t0.addingTimeInterval(Double($0)), cancelled: false) }
        #expect(Activity.places(signUps, capacity: 3) == .init(confirmed: ["s0", "s1", "s2"], waiting: ["s3", "s4"]))
        var cancelled = signUps
        cancelled[1] = .init(id: "s1", at: signUps[1].at, cancelled: true)
        #expect(Activity.places(cancelled, capacity: 3) == .init(confirmed: ["s0", "s2", "s3"], waiting: ["s4"]))
        #expect(Activity.places(signUps.reversed(), capacity: 10).confirmed == ["s0", "s1", "s2", "s3", "s4"])
        #expect(Activity.places(signUps, capacity: 0).confirmed.isEmpty)
        // The same instant: by id.
        let tie = [Activity.SignUp(id: "b", at: t0, cancelled: false), .init(id: "a", at: t0, cancelled: false)]
        #expect(Activity.places(tie, capacity: 1) == .init(confirmed: ["a"], waiting: ["b"]))
    }

    @Test("check-in from half an hour before to the end; check-out until two hours after; hours within the activity, whole")
    func clock() throws {
        let starts = t0, ends = t0.addingTimeInterval(3 * 3600)
        #expect(!Activity.mayCheckIn(at: starts.addingTimeInterval(-1801), starts: starts, ends: ends))
        #expect(Activity.mayCheckIn(at: starts.addingTimeInterval(-1800), starts: starts, ends: ends))
        #expect(Activity.mayCheckIn(at: ends, starts: starts, ends: ends) && !Activity.mayCheckIn(at: ends.addingTimeInterval(1), starts: starts, ends: ends))
        #expect(!Activity.mayCheckOut(at: starts.addingTimeInterval(-1), starts: starts, ends: ends))
        #expect(Activity.mayCheckOut(at: ends.addingTimeInterval(7200), starts: starts, ends: ends) && !Activity.mayCheckOut(at: ends.addingTimeInterval(7201), starts: starts, ends: ends))
        #expect(Activity.hours(checkIn: starts.addingTimeInterval(-1200), checkOut: ends.addingTimeInterval(3600), starts: starts, ends: ends) == 3)
        #expect(Activity.hours(checkIn: starts.addingTimeInterval(1800), checkOut: ends, starts: starts, ends: ends) == 2)
        #expect(Activity.hours(checkIn: starts, checkOut: nil, starts: starts, ends: ends) == 0)
        #expect(Activity.maxHours(starts: starts, ends: starts.addingTimeInterval(5400)) == 2)
        #expect(throws: Activity.Problem.endsBeforeStart) { try Activity.check(starts: ends, ends: starts, capacity: 5) }
        #expect(throws: Activity.Problem.tooLong) { try Activity.check(starts: starts, ends: starts.addingTimeInterval(13 * 3600), capacity: 5) }
        #expect(throws: Activity.Problem.capacityOutOfRange) { try Activity.check(starts: starts, ends: ends, capacity: 0) }
        #expect(Activity.code(from: 42) == "000042" && Activity.code(from: 9_999_999) == "999999")
    }

    @Test("the calendar: CRLF lines of at most 75 octets, folded without splitting a character; text escaped; UTC times")
    func calendar() {
        let long = String(repeating: "社区义诊，带上医保卡；", count: 12)
        let event = ICalendar.Event(uid: "abc@gongzhi", starts: t0, ends: t0.addingTimeInterval(3600), summary: "义诊, 量血压; 测血糖\n上午", location: "活动室",
                                    description: long, url: "https://example.org/activities/abc", cancelled: false, stamp: t0)
        let text = ICalendar(name: "新华社区活动", events: [event, .init(uid: "x@gongzhi", starts: t0, ends: t0, summary: "取消的", location: "", description: "",
                                                                  url: nil, cancelled: true, stamp: t0)]).text
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && text.hasSuffix("END:VCALENDAR\r\n"))
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Unfolded, the description is whole again.
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("DESCRIPTION:" + long))
        #expect(unfolded.contains("SUMMARY:义诊\\, 量血压\\; 测血糖\\n上午"))
        #expect(unfolded.contains("DTSTART:20261130T005320Z") && unfolded.contains("DTEND:20261130T015320Z"))
        #expect(unfolded.contains("STATUS:CANCELLED") && unfolded.components(separatedBy: "BEGIN:VEVENT").count == 3)
        #expect(ICalendar.escape("a\\b\u{7}") == "a\\\\b")
        #expect(ICalendar.fold(String(repeating: "a", count: 75)) == String(repeating: "a", count: 75))
        #expect(ICalendar.fold(String(repeating: "a", count: 76)) == String(repeating: "a", count: 75) + "\r\n a")
    }
}
