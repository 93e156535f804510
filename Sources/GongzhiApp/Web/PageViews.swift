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
