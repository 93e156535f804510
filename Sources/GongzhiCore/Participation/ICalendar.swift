import Foundation

/// An iCalendar document (RFC 5545) of a community's activities, written by hand for ordinary calendar apps to
/// subscribe to: CRLF line ends, lines folded at 75 octets without splitting a character, text escaped (§3.3.11),
/// times in UTC.
public struct ICalendar: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        /// Globally unique and stable (`<uuid>@gongzhi`).
        public let uid: String
        public let starts: Date
        public let ends: Date
        public let summary: String
        public let location: String
        public let description: String
        public let url: String?
        public let cancelled: Bool
        /// When the event last changed (`DTSTAMP`, `LAST-MODIFIED`).
        public let stamp: Date

        public init(uid: String, starts: Date, ends: Date, summary: String, location: String, description: String, url: String?,
                    cancelled: Bool, stamp: Date) {
            self.uid = uid
            self.starts = starts
            self.ends = ends
            self.summary = summary
            self.location = location
            self.description = description
            self.url = url
            self.cancelled = cancelled
            self.stamp = stamp
        }
    }

    public let name: String
    public let events: [Event]

    public init(name: String, events: [Event]) {
        self.name = name
        self.events = events
    }

    public static let mediaType = "text/calendar; charset=utf-8"

    public var text: String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Gongzhi//Community activities//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + Self.escape(name), "X-WR-TIMEZONE:Asia/Shanghai"]
        for event in events {
            lines += ["BEGIN:VEVENT", "UID:" + Self.escape(event.uid), "DTSTAMP:" + Self.utc(event.stamp), "LAST-MODIFIED:" + Self.utc(event.stamp),
                      "DTSTART:" + Self.utc(event.starts), "DTEND:" + Self.utc(event.ends), "SUMMARY:" + Self.escape(event.summary)]
            if !event.location.isEmpty { lines.append("LOCATION:" + Self.escape(event.location)) }
            if !event.description.isEmpty { lines.append("DESCRIPTION:" + Self.escape(event.description)) }
            if let url = event.url { lines.append("URL:" + url) }
            lines += ["STATUS:" + (event.cancelled ? "CANCELLED" : "CONFIRMED"), "END:VEVENT"]
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261207T013000Z`.
    public static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!)
    }

    /// TEXT escaped: backslash, semicolon, comma, newlines as `\n`; other control characters dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.replacingOccurrences(of: "\r\n", with: "\n").unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r": out += "\\n"
            default:
                if scalar.properties.generalCategory == .control, scalar != "\t" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A content line folded into lines of at most 75 octets, continuation lines starting with a space.
    public static func fold(_ line: String) -> String {
        var parts: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            let limit = parts.isEmpty ? 75 : 74
            if octets + size > limit {
                parts.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        parts.append(current)
        return parts.joined(separator: "\r\n ")
    }
}
