import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import GongzhiCore

@Suite("Announcements and their Atom feed")
struct AnnouncementTests {
    let now = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("a window: now when no start is given; a start a day back at most and a year ahead at most; an end after the start")
    func windows() throws {
        #expect(try Announcement.window(from: nil, until: nil, now: now) == .init(from: now, until: nil))
        let later = now.addingTimeInterval(3600)
        #expect(try Announcement.window(from: later, until: later.addingTimeInterval(1), now: now) == .init(from: later, until: later.addingTimeInterval(1)))
        #expect(throws: Announcement.WindowProblem.endsBeforeStart) { try Announcement.window(from: later, until: later, now: now) }
        #expect(throws: Announcement.WindowProblem.endsBeforeStart) { try Announcement.window(from: nil, until: now.addingTimeInterval(-1), now: now) }
        // A start backdated within the day may not end before now.
        #expect(throws: Announcement.WindowProblem.endsBeforeStart) {
            try Announcement.window(from: now.addingTimeInterval(-7200), until: now.addingTimeInterval(-3600), now: now)
        }
        #expect(try Announcement.window(from: now.addingTimeInterval(-86_400), until: nil, now: now).from == now.addingTimeInterval(-86_400))
        #expect(throws: Announcement.WindowProblem.startsInPast) { try Announcement.window(from: now.addingTimeInterval(-86_401), until: nil, now: now) }
        #expect(throws: Announcement.WindowProblem.startsTooLate) {
            try Announcement.window(from: now.addingTimeInterval(Announcement.longestScheduling + 1), until: nil, now: now)
        }
    }

    @Test("its status at an instant: scheduled before the start, live from it, ended at the end, withdrawn from the withdrawal", arguments: [
        (-10.0, nil as Double?, nil as Double?, Announcement.Status.scheduled),
        (0, nil, nil, .live), (5, 10, nil, .live), (10, 10, nil, .ended), (11, 10, nil, .ended),
        (5, nil, 5, .withdrawn), (4, nil, 5, .live), (-5, nil, -6, .withdrawn), (20, 10, 15, .withdrawn),
    ])
    func status(at seconds: Double, until: Double?, withdrawn: Double?, expected: Announcement.Status) {
        let window = Announcement.Window(from: now, until: until.map { now.addingTimeInterval($0) })
        #expect(Announcement.status(window, withdrawnAt: withdrawn.map { now.addingTimeInterval($0) }, now: now.addingTimeInterval(seconds)) == expected)
    }

    @Test("whom it reaches: the whole community, one compound or one building, never another community")
    func audience() {
        let homes = [Announcement.Home(community: "/1/2/3/", compound: "c1", building: "b1")]
        let elsewhere = [Announcement.Home(community: "/1/2/4/", compound: "c1", building: "b1")]
        for (scope, compound, building, expected) in [
            (Announcement.Scope.community, nil as String?, nil as String?, true),
            (.compound, "c1", nil, true), (.compound, "c2", nil, false),
            (.building, "c1", "b1", true), (.building, "c1", "b2", false),
        ] {
            let audience = Announcement.Audience(scope: scope, community: "/1/2/3/", compound: compound, building: building)
            #expect(audience.reaches(homes) == expected, "\(scope) \(String(describing: compound)) \(String(describing: building))")
            #expect(!audience.reaches(elsewhere))
            #expect(!audience.reaches([]))
        }
        let two = homes + [Announcement.Home(community: "/1/2/3/", compound: "c2", building: "b9")]
        #expect(Announcement.Audience(scope: .building, community: "/1/2/3/", compound: "c2", building: "b9").reaches(two))
    }

    @Test("pinned first, then newest, then by id")
    func order() {
        let items = [
            Announcement.Listed(id: "a", pinned: false, from: now),
            Announcement.Listed(id: "b", pinned: true, from: now.addingTimeInterval(-100)),
            Announcement.Listed(id: "c", pinned: false, from: now.addingTimeInterval(50)),
            Announcement.Listed(id: "d", pinned: true, from: now),
            Announcement.Listed(id: "e", pinned: false, from: now),
        ]
        #expect(Announcement.ordered(items).map(\.id) == ["d", "b", "c", "a", "e"])
    }

    @Test("RFC 3339 timestamps in UTC")
    func timestamps() {
        #expect(AtomFeed.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(AtomFeed.timestamp(Date(timeIntervalSince1970: 1_796_000_000.9)) == "2026-11-30T00:53:20Z")
    }

    @Test("text is escaped for XML and characters XML cannot carry are dropped")
    func escaping() {
        #expect(AtomFeed.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;")
        #expect(AtomFeed.escape("x\u{1}y\u{FFFE}z\t\n") == "xyz\t\n")
        #expect(AtomFeed.escape("停水通知 😀") == "停水通知 😀")
    }

    @Test("the feed parses as XML with the elements RFC 4287 requires, its updated the latest entry's")
    func feed() throws {
        let entry = { (id: String, seconds: Double) in
            AtomFeed.Entry(id: "urn:uuid:\(id)", title: "停水 <通知> & 说明", published: self.now.addingTimeInterval(seconds),
                           updated: self.now.addingTimeInterval(seconds), link: "https://example.org/announcements/\(id)", author: "幸福社区居委会",
                           content: "明天 9:00–12:00 停水\u{7}", category: "community")
        }
        let feed = AtomFeed(id: "urn:uuid:feed", title: "幸福社区公告", subtitle: nil, selfLink: "https://example.org/feed?a=1&b=2",
                            pageLink: "https://example.org/announcements", author: "幸福社区", language: "zh-Hans",
                            entries: [entry("1", 10), entry("2", 99)], emptyUpdated: now)
        let xml = feed.xml
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(collector.names.filter { $0 == "entry" }.count == 2)
        #expect(collector.texts["updated"]?.first == "2026-11-30T00:54:59Z")
        #expect(collector.texts["title"]?.contains("停水 <通知> & 说明") == true)
        #expect(!xml.contains("\u{7}"))
        let empty = AtomFeed(id: "urn:uuid:feed", title: "t", subtitle: "s", selfLink: "x", pageLink: "y", author: "a", language: "en",
                             entries: [], emptyUpdated: now)
        #expect(empty.updated == now && empty.xml.contains("<subtitle type=\"text\">s</subtitle>"))
    }
}

private final class ElementCollector: NSObject, XMLParserDelegate, @unchecked Sendable {
    var names: [String] = []
    var texts: [String: [String]] = [:]
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        names.append(name)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        texts[name, default: []].append(current)
        current = ""
    }
}
