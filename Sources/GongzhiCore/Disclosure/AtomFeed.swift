import Foundation

/// An Atom feed document (RFC 4287), written by hand: a feed of a community's announcements or of its disclosure
/// record, for ordinary feed readers. Text is escaped for XML, and characters XML 1.0 cannot carry are dropped.
public struct AtomFeed: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// A permanent IRI, e.g. `urn:uuid:…` (RFC 4287 §4.2.6).
        public let id: String
        public let title: String
        public let published: Date
        public let updated: Date
        /// The page a person reads it on (absolute).
        public let link: String
        public let author: String
        /// Plain text (`type="text"`).
        public let content: String
        public let category: String?

        public init(id: String, title: String, published: Date, updated: Date, link: String, author: String, content: String,
                    category: String? = nil) {
            self.id = id
            self.title = title
            self.published = published
            self.updated = updated
            self.link = link
            self.author = author
            self.content = content
            self.category = category
        }
    }

    public let id: String
    public let title: String
    public let subtitle: String?
    /// The feed's own address (`rel="self"`) and the page it mirrors (`rel="alternate"`), both absolute.
    public let selfLink: String
    public let pageLink: String
    /// The feed's author (every entry also names its own).
    public let author: String
    public let language: String
    public let entries: [Entry]
    /// When nothing is in it: when the feed was made.
    public let emptyUpdated: Date

    public init(id: String, title: String, subtitle: String?, selfLink: String, pageLink: String, author: String, language: String,
                entries: [Entry], emptyUpdated: Date) {
        self.id = id
        self.title = title
        self.subtitle = subtitle
        self.selfLink = selfLink
        self.pageLink = pageLink
        self.author = author
        self.language = language
        self.entries = entries
        self.emptyUpdated = emptyUpdated
    }

    public static let mediaType = "application/atom+xml; charset=utf-8"

    /// The feed's `updated`: the latest of its entries'.
    public var updated: Date { entries.map(\.updated).max() ?? emptyUpdated }

    public var xml: String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        out += "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"\(Self.escape(language))\">\n"
        out += "  <id>\(Self.escape(id))</id>\n"
        out += "  <title type=\"text\">\(Self.escape(title))</title>\n"
        if let subtitle { out += "  <subtitle type=\"text\">\(Self.escape(subtitle))</subtitle>\n" }
        out += "  <updated>\(Self.timestamp(updated))</updated>\n"
        out += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"\(Self.escape(selfLink))\"/>\n"
        out += "  <link rel=\"alternate\" type=\"text/html\" href=\"\(Self.escape(pageLink))\"/>\n"
        out += "  <author><name>\(Self.escape(author))</name></author>\n"
        out += "  <generator>Gongzhi</generator>\n"
        for entry in entries {
            out += "  <entry>\n"
            out += "    <id>\(Self.escape(entry.id))</id>\n"
            out += "    <title type=\"text\">\(Self.escape(entry.title))</title>\n"
            out += "    <published>\(Self.timestamp(entry.published))</published>\n"
            out += "    <updated>\(Self.timestamp(entry.updated))</updated>\n"
            out += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(Self.escape(entry.link))\"/>\n"
            out += "    <author><name>\(Self.escape(entry.author))</name></author>\n"
            if let category = entry.category { out += "    <category term=\"\(Self.escape(category))\"/>\n" }
            out += "    <content type=\"text\">\(Self.escape(entry.content))</content>\n"
            out += "  </entry>\n"
        }
        out += "</feed>\n"
        return out
    }

    /// RFC 3339 in UTC, to the second (`2026-12-07T01:02:03Z`).
    public static func timestamp(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    /// Text fit for an XML 1.0 element or attribute: `& < > " '` escaped, characters XML cannot carry dropped (the
    /// escaping Open311's XML and the charts use).
    public static func escape(_ text: String) -> String { Open311Renderer.escapeXML(text) }
}
