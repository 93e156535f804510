import Fluent
import Foundation
import GongzhiCore
import Vapor

/// An option of a `<select>` (or a radio button) on a case page.
struct SelectOption: Encodable {
    let value: String
    let label: String
    var selected = false
}

enum PageDates {
    static let beijing = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// "2026-11-23 14:05" in Beijing time.
    static func minute(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// "2026-11-23 14:05:09" in Beijing time (the audit log).
    static func second(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    private static func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = beijing
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}

extension PageDates {
    /// "2026-12-01T18:00" (an `<input type="datetime-local">` value) in Beijing time.
    static func local(_ date: Date) -> String {
        minute(date).replacingOccurrences(of: " ", with: "T")
    }

    /// Parses a `datetime-local` value ("2026-12-01T18:00", seconds optional) as Beijing time.
    static func parseLocal(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "T")
        guard parts.count == 2 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }, time = parts[1].split(separator: ":").compactMap { Int($0) }
        guard day.count == 3, (2...3).contains(time.count), (1...12).contains(day[1]), (1...31).contains(day[2]),
              (0...23).contains(time[0]), (0...59).contains(time[1]), time.count == 2 || (0...59).contains(time[2]),
              (2000...2200).contains(day[0]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = beijing
        let components = DateComponents(year: day[0], month: day[1], day: day[2], hour: time[0], minute: time[1], second: time.count == 3 ? time[2] : 0)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day[2] else { return nil }
        return date
    }
}
