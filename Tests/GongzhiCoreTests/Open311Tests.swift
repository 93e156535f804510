import Foundation
import Testing
@testable import GongzhiCore

@Suite("Open311: documents, parameters, statuses")
struct Open311Tests {
    let services = Open311Value.list(itemName: "service", [
        .object([("service_code", .text("PRC-001")), ("service_name", .text("电梯故障 <紧急> & \"困人\"")), ("metadata", .bool(true)),
                 ("lat", .number(39.9)), ("count", .number(3)), ("notice", .null)]),
    ])

    @Test("XML: declaration, root, one element per list entry, escaped text, empty elements for nulls")
    func xml() {
        let xml = Open311Renderer.render(root: "services", services, as: .xml)
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="utf-8"?>"#))
        #expect(xml.contains("<services><service><service_code>PRC-001</service_code>"))
        #expect(xml.contains("<service_name>电梯故障 &lt;紧急&gt; &amp; &quot;困人&quot;</service_name>"))
        #expect(xml.contains("<metadata>true</metadata><lat>39.9</lat><count>3</count><notice/></service></services>"))
        #expect(Open311Renderer.escapeXML("a\u{0}b\u{1B}c\nd") == "abc\nd")
    }

    @Test("JSON: a top-level array, keys in order, escapes that cannot close a script, numbers and nulls as such")
    func json() throws {
        let json = Open311Renderer.render(root: "services", services, as: .json)
        #expect(json.hasPrefix(#"[{"service_code":"PRC-001","service_name":"电梯故障 \u003c紧急\u003e \u0026 \"困人\"","metadata":true,"lat":39.9,"count":3,"notice":null}]"#))
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["service_name"] as? String == "电梯故障 <紧急> & \"困人\"")
        #expect(Open311Renderer.quoteJSON("a\u{1}\u{2028}") == #""a\u0001\u2028""#)
    }

    @Test("file names carry the format; others are not Open311 resources", arguments: [
        ("services.xml", "services", Open311Format.xml), ("services.JSON", "services", .json), ("PRC-001.json", "PRC-001", .json),
        ("GZ20261123-ABC.xml", "GZ20261123-ABC", .xml),
    ])
    func formats(file: String, name: String, format: Open311Format) {
        let split = Open311Format.split(file)
        #expect(split?.name == name && split?.format == format)
    }

    @Test("no or unknown extension is refused", arguments: ["services", "services.html", ".json", "services."])
    func badFormats(file: String) { #expect(Open311Format.split(file) == nil) }

    @Test("form bodies: + is a space, escapes are UTF-8, empty means absent, attributes group by code")
    func form() {
        let p = Open311Parameters(urlEncoded: "service_code=PRC-001&description=%E7%94%B5%E6%A2%AF+%E5%9D%8F%E4%BA%86&email=&lat=39.9"
            + "&attribute%5Btrapped%5D=yes&attribute[services][]=meals&attribute[services][]=bathing&attribute[]=x&broken=%E0%A4%A")
        #expect(p.value("service_code") == "PRC-001")
        #expect(p.value("description") == "电梯 坏了")
        #expect(p.value("email") == nil && p.value("missing") == nil)
        #expect(p.attributes == ["trapped": ["yes"], "services": ["meals", "bathing"]])
        #expect(p.value("broken") == "%E0%A4%A")
        #expect(Open311Parameters(urlEncoded: "service_code=a,%20b,,c").list("service_code") == ["a", "b", "c"])
    }

    let now = W3CDateTime.parse("2026-11-23T10:00:00+08:00")!

    @Test("requests: the default window is the last 90 days; a start alone reaches 90 days on; status and paging")
    func query() throws {
        let plain = try Open311RequestQuery.parse(Open311Parameters(urlEncoded: "jurisdiction_id=&status="), now: now)
        #expect(plain.end == now && plain.start == now.addingTimeInterval(-90 * 86_400))
        #expect(plain.statuses == [.open, .closed] && plain.page == 1 && plain.pageSize == 1_000 && plain.serviceRequestIDs == nil)
        let started = try Open311RequestQuery.parse(Open311Parameters(urlEncoded: "start_date=2026-10-01T00:00:00Z&status=CLOSED&page_size=20"), now: now)
        #expect(started.start == W3CDateTime.parse("2026-10-01T00:00:00Z") && started.end == now)
        #expect(started.statuses == [.closed] && started.pageSize == 20)
        let exact = try Open311RequestQuery.parse(Open311Parameters(urlEncoded: "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z"), now: now)
        #expect(exact.end.timeIntervalSince(exact.start) == 90 * 86_400)
    }

    @Test("requests: bad dates, spans over 90 days, reversed spans, unknown statuses, bad paging are 400", arguments: [
        ("start_date=yesterday", "invalid_start_date"), ("start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z", "date_range_too_long"),
        ("start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z", "invalid_date_range"), ("status=pending", "invalid_status"),
        ("page=0", "invalid_page"), ("page_size=1001", "invalid_page_size"), ("end_date=2026-13-01T00:00:00Z", "invalid_end_date"),
    ])
    func badQueries(query: String, code: String) {
        do throws(Open311Error) {
            _ = try Open311RequestQuery.parse(Open311Parameters(urlEncoded: query), now: now)
            Issue.record("accepted \(query)")
        } catch {
            #expect(error.status == 400 && error.code == code)
        }
    }

    @Test("statuses: open while the case is open; the extended status follows the workflow")
    func statuses() {
        for state in CaseState.allCases { #expect((Open311Status.status(of: state) == .open) == state.isOpen) }
        #expect(Open311Status.extended(.replied, after: "reply") == "FIXED")
        #expect(Open311Status.extended(.merged, after: "merge") == "DUPLICATE")
        #expect(Open311Status.extended(.accepted, after: "reopen") == "REOPEN")
        #expect(Open311Status.extended(.rejected, after: "reject") == "NOT_COUNCILS_RESPONSIBILITY")
        #expect(Open311Status.extended(.closed, after: "close") == "CLOSED")
    }

    @Test("date-times: offsets and Z are read; Beijing time is written with +08:00")
    func dates() {
        #expect(W3CDateTime.parse("2026-11-23T02:00:00Z") == now)
        #expect(W3CDateTime.format(now) == "2026-11-23T10:00:00+08:00")
        #expect(W3CDateTime.parse("2026-11-23") != nil)
        #expect(W3CDateTime.parse("23/11/2026") == nil)
    }
}

@Suite("Catalogue questions (Open311 attributes)")
struct CatalogueQuestionTests {
    let questions = [
        CatalogueQuestion(code: "trapped", prompt: "是否有人被困？", promptEn: "Anyone trapped?", datatype: .singlevaluelist, required: true,
                          choices: [.init(key: "yes", name: "是"), .init(key: "no", name: "否")]),
        CatalogueQuestion(code: "services", prompt: "服务", promptEn: "Services", datatype: .multivaluelist, required: false,
                          choices: [.init(key: "meals", name: "助餐"), .init(key: "bathing", name: "助浴")]),
        CatalogueQuestion(code: "lamps", prompt: "数量", promptEn: "How many", datatype: .number, required: false),
        CatalogueQuestion(code: "seen_at", prompt: "时间", promptEn: "When", datatype: .datetime, required: false),
        CatalogueQuestion(code: "note", prompt: "编号", promptEn: "Number", datatype: .string, required: false),
    ]

    @Test("valid answers are kept; empty ones dropped; multiple choices deduplicated")
    func valid() throws {
        let kept = try CatalogueQuestion.validate(["trapped": ["yes"], "services": ["meals", "bathing", "meals"], "lamps": ["3"], "note": [" "],
                                                   "seen_at": ["2026-11-23T08:00:00+08:00"]], against: questions)
        #expect(kept == ["trapped": ["yes"], "services": ["bathing", "meals"], "lamps": ["3"], "seen_at": ["2026-11-23T08:00:00+08:00"]])
    }

    @Test("each kind of wrong answer is named", arguments: [
        ([String: [String]](), CatalogueQuestion.Problem.missing(question: "trapped")),
        (["trapped": ["maybe"]], .notAChoice(question: "trapped", value: "maybe")),
        (["trapped": ["yes", "no"]], .tooMany(question: "trapped")),
        (["trapped": ["yes"], "lamps": ["three"]], .notANumber(question: "lamps")),
        (["trapped": ["yes"], "seen_at": ["last night"]], .notADatetime(question: "seen_at")),
        (["trapped": ["yes"], "colour": ["red"]], .unknownQuestion("colour")),
        (["trapped": ["yes"], "note": [String(repeating: "长", count: 201)]], .tooLong(question: "note")),
    ])
    func invalid(answers: [String: [String]], problem: CatalogueQuestion.Problem) {
        #expect(throws: problem) { try CatalogueQuestion.validate(answers, against: questions) }
    }

    @Test("the shipped catalogue asks questions of some items, and a list question without choices is refused")
    func shipped() throws {
        #expect(shippedCatalogue.items.filter { !$0.questions.isEmpty }.count >= 5)
        #expect(shippedCatalogue.item("PRC-001")?.questions.first?.code == "trapped")
        let broken = CatalogueItem(code: "X-9", category: "ADMIN", name: "x", nameEn: "x", responsible: .community, kind: .help,
                                   responseHours: 8, completionDays: 3, keywords: ["x"], communityMayHandle: true,
                                   questions: [CatalogueQuestion(code: "q", prompt: "q", promptEn: "q", datatype: .singlevaluelist, required: true)])
        let catalogue = Catalogue(version: 1, name: "t", categories: shippedCatalogue.categories, items: [broken])
        #expect(throws: Catalogue.Error.invalidItem(code: "X-9", field: "questions")) { try catalogue.validated() }
    }
}

extension CatalogueQuestionTests {
    @Test("a classifier-proposed item does not demand answers the submitter was never asked; given answers are still checked")
    func proposedItem() throws {
        #expect(try CatalogueQuestion.validate([:], against: questions, requireAll: false) == [:])
        #expect(throws: CatalogueQuestion.Problem.notAChoice(question: "trapped", value: "x")) {
            try CatalogueQuestion.validate(["trapped": ["x"]], against: questions, requireAll: false)
        }
    }
}
