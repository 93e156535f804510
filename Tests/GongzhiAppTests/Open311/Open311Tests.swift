import Fluent
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Reads an XML body into (element path → texts); nil if it is not well-formed.
final class XMLTexts: NSObject, XMLParserDelegate {
    var path: [String] = []
    var texts: [String: [String]] = [:]
    var current = ""

    static func parse(_ body: String) -> [String: [String]]? {
        let reader = XMLTexts()
        let parser = XMLParser(data: Data(body.utf8))
        parser.delegate = reader
        return parser.parse() ? reader.texts : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(name)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        texts[path.joined(separator: "/"), default: []].append(current)
        path.removeLast()
        current = ""
    }
}

@Suite("Open311 GeoReport v2")
struct Open311Tests {
    /// A key for the district (the whole demo area) or a given node.
    func issueKey(_ app: Application, node: OrgNodeRecord? = nil) async throws -> String {
        let target: OrgNodeRecord
        if let node { target = node } else { target = try #require(try await OrgNodeRecord.query(on: app.db).filter(\.$level == .district).first()) }
        let value = Open311KeyRecord.newValue()
        try await Open311KeyRecord(name: "市民随手拍", node: target, key: value, now: testNow).create(on: app.db)
        return value
    }

    func form(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
    }

    func post(_ client: inout TestClient, _ fields: [(String, String)], format: String = "json") async throws -> TestingHTTPResponse {
        try await client.send(.POST, "/open311/v2/requests.\(format)", raw: form(fields), contentType: .urlEncodedForm)
    }

    func json(_ response: TestingHTTPResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as? [[String: Any]])
    }

    @Test("discovery, services and service definitions in XML and JSON; the singular alias; 404s in the format asked")
    func discoveryAndServices() async throws {
        try await withApp { app, _ in
            var client = TestClient(app)
            for format in ["xml", "json"] {
                let discovery = try await client.send(.GET, "/open311/v2/discovery.\(format)?jurisdiction_id=gongzhi")
                #expect(discovery.status == .ok)
                #expect(discovery.headers.contentType?.description.hasPrefix(format == "xml" ? "text/xml" : "application/json") == true)
                #expect(discovery.body.string.contains("http://wiki.open311.org/GeoReport_v2"))
            }
            let xml = try await client.send(.GET, "/open311/v2/services.xml")
            let texts = try #require(XMLTexts.parse(xml.body.string))
            let catalogue = try #require(try await CatalogueStore.current(on: app.db))
            #expect(texts["services/service/service_code"] == catalogue.items.map(\.code))
            let services = try json(try await client.send(.GET, "/open311/v2/services.json?jurisdiction_id="))
            #expect(services.count == catalogue.items.count)
            let lift = try #require(services.first { $0["service_code"] as? String == "PRC-001" })
            #expect(lift["metadata"] as? Bool == true && lift["type"] as? String == "realtime" && lift["service_name"] as? String == "电梯故障")
            #expect(services.first { $0["service_code"] as? String == "ADM-001" }?["metadata"] as? Bool == false)
            for prefix in ["services", "service"] {
                let definition = try await client.send(.GET, "/open311/v2/\(prefix)/PRC-001.json")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(definition.body.string.utf8)) as? [String: Any])
                let attributes = try #require(body["attributes"] as? [[String: Any]])
                #expect(attributes.first?["code"] as? String == "trapped" && attributes.first?["datatype"] as? String == "singlevaluelist")
                #expect((attributes.first?["values"] as? [[String: Any]])?.map { $0["key"] as? String } == ["yes", "no"])
            }
            let definitionXML = try #require(XMLTexts.parse(try await client.send(.GET, "/open311/v2/services/SRV-001.xml").body.string))
            #expect(definitionXML["service_definition/attributes/attribute/values/value/key"]?.contains("meals") == true)
            let unknown = try await client.send(.GET, "/open311/v2/services/NOPE-1.xml")
            #expect(unknown.status == .notFound)
            #expect(XMLTexts.parse(unknown.body.string)?["errors/error/code"] == ["unknown_service_code"])
            let unknownJSON = try await client.send(.GET, "/open311/v2/services/NOPE-1.json")
            #expect(try json(unknownJSON).first?["code"] as? String == "unknown_service_code")
            #expect(try await client.send(.GET, "/open311/v2/services.html").status == .notFound)
            #expect(try await client.send(.GET, "/open311/v2/nothing.json").status == .notFound)
        }
    }

    @Test("POST requests: api_key required (403), service_code known (404), the rest checked (400), in the spec's error bodies")
    func postErrors() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var client = TestClient(app)
            let key = try await issueKey(app)
            let building = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
            let place = [("address_id", building.id!.uuidString)]
            let cases: [([(String, String)], HTTPResponseStatus, String)] = [
                ([("service_code", "ADM-001")] + place, .forbidden, "invalid_api_key"),
                ([("api_key", "not-a-key-but-long-enough-000"), ("service_code", "ADM-001")] + place, .forbidden, "invalid_api_key"),
                ([("api_key", key)] + place, .badRequest, "missing_service_code"),
                ([("api_key", key), ("service_code", "NOPE-9")] + place, .notFound, "unknown_service_code"),
                ([("api_key", key), ("service_code", "ADM-001")], .badRequest, "missing_location"),
                ([("api_key", key), ("service_code", "ADM-001"), ("lat", "39.9")], .badRequest, "invalid_location"),
                ([("api_key", key), ("service_code", "ADM-001"), ("lat", "95"), ("long", "116")], .badRequest, "invalid_location"),
                ([("api_key", key), ("service_code", "ADM-001"), ("address_id", "x")], .badRequest, "invalid_address_id"),
                ([("api_key", key), ("service_code", "ADM-001"), ("address_string", "火星小区1号楼")], .badRequest, "unknown_address"),
                ([("api_key", key), ("service_code", "ADM-001"), ("description", String(repeating: "长", count: 4_001))] + place, .badRequest, "description_too_long"),
                ([("api_key", key), ("service_code", "PRC-001")] + place, .badRequest, "invalid_attribute[trapped]"),
                ([("api_key", key), ("service_code", "PRC-001"), ("attribute[trapped]", "maybe")] + place, .badRequest, "invalid_attribute[trapped]"),
            ]
            for (fields, status, code) in cases {
                let response = try await post(&client, fields, format: "xml")
                #expect(response.status == status, "\(fields.map(\.0)) \(response.body.string)")
                #expect(XMLTexts.parse(response.body.string)?["errors/error/code"] == [code], "\(response.body.string)")
            }
            // Outside the key's area: a key for community A cannot report in community B.
            let keyA = try await issueKey(app, node: f.communityA)
            let unitB = try #require(try await BuildingRecord.find(f.unitB.$building.id, on: app.db))
            let outside = try await post(&client, [("api_key", keyA), ("service_code", "ADM-001"), ("address_id", unitB.id!.uuidString)])
            let outsideCode = try json(outside).first?["code"] as? String
            #expect(outside.status == .badRequest && outsideCode == "location_outside_jurisdiction")
            #expect(try await CaseRecord.query(on: app.db).filter(\.$channel == "api").count() == 0)
        }
    }

    @Test("a posted request becomes a case: placed, answered, contact sealed, listed and read back with its deadline")
    func postAndRead() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var client = TestClient(app)
            let key = try await issueKey(app)
            let building = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
            let spot = try #require(building.location).offset(north: 8, east: 3)
            let created = try await post(&client, [
                ("api_key", key), ("jurisdiction_id", "gongzhi"), ("service_code", "PRC-001"), ("lat", "\(spot.latitude)"), ("long", "\(spot.longitude)"),
                ("description", "3号电梯停在两层之间 <b>急</b>"), ("first_name", "建国"), ("last_name", "李"), ("phone", "13912345678"),
                ("email", ""), ("attribute[trapped]", "yes"), ("attribute[lift_number]", "DT-03"), ("account_id", "u-77"),
            ])
            #expect(created.status == .created, "\(created.body.string)")
            let answer = try #require(try json(created).first)
            let number = try #require(answer["service_request_id"] as? String)
            #expect(answer["account_id"] as? String == "u-77")
            let record = try #require(try await CaseRecord.query(on: app.db).filter(\.$number == number).first())
            #expect(record.channel == "api" && record.itemCode == "PRC-001" && record.placePath == building.orgPath && record.isPublic)
            #expect(record.answers == ["trapped": ["yes"], "lift_number": ["DT-03"]])
            let sealed = try #require(record.contactSealed)
            #expect(!sealed.contains("13912345678"))
            #expect(try app.gongzhi.cipher.open(sealed, field: .caseContact).contains("13912345678"))
            let events = try await CaseEventRecord.query(on: app.db).filter(\.$caseID == record.id!).all()
            #expect(events.map(\.actorName) == ["open311:市民随手拍"])

            for format in ["json", "xml"] {
                let one = try await client.send(.GET, "/open311/v2/requests/\(number).\(format)")
                #expect(one.status == .ok)
                if format == "json" {
                    let item = try #require(try json(one).first)
                    #expect(item["status"] as? String == "open" && item["service_code"] as? String == "PRC-001")
                    #expect(item["expected_datetime"] as? String == W3CDateTime.format(record.completionDueAt))
                    #expect(item["description"] as? String == "3号电梯停在两层之间 <b>急</b>")
                    #expect((item["agency_responsible"] as? String)?.contains(f.communityA.name) == true)
                    #expect(item["lat"] as? Double == spot.latitude && item["address_id"] as? String == building.id!.uuidString.lowercased())
                    #expect(!one.body.string.contains("13912345678") && !one.body.string.contains("建国"))
                } else {
                    let texts = try #require(XMLTexts.parse(one.body.string))
                    #expect(texts["service_requests/request/service_request_id"] == [number])
                    #expect(one.body.string.contains("&lt;b&gt;"))
                }
            }
            #expect(try await client.send(.GET, "/open311/v2/requests/GZ00000000-NOPE.json").status == .notFound)
            // A token is the case's id.
            let token = try json(try await client.send(.GET, "/open311/v2/tokens/\(record.id!.uuidString).json"))
            #expect(token.first?["service_request_id"] as? String == number)
            #expect(try await client.send(.GET, "/open311/v2/tokens/\(UUID().uuidString).json").status == .notFound)

            // By address string: the compound's name and the building's.
            let compound = try #require(try await CompoundRecord.find(building.$compound.id, on: app.db))
            let byName = try await post(&client, [("api_key", key), ("service_code", "ADM-014"), ("address_string", "北京市\(compound.name)\(building.name)门口")])
            #expect(byName.status == .created, "\(byName.body.string)")
            let second = try #require(try await CaseRecord.query(on: app.db).filter(\.$number == (try json(byName).first?["service_request_id"] as? String ?? "")).first())
            #expect(second.buildingID == building.id)
        }
    }

    @Test("GET requests: public cases only, filtered by code, status and window; 90 days at most; updates need a key")
    func listAndUpdates() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var client = TestClient(app)
            let key = try await issueKey(app)
            let all = try json(try await client.send(.GET, "/open311/v2/requests.json?status=&service_code="))
            let numbers = Set(all.compactMap { $0["service_request_id"] as? String })
            let cases = try await CaseRecord.query(on: app.db).all()
            let windowStart = testNow.addingTimeInterval(-90 * 86_400)
            let expected = Set(cases.filter { $0.isPublic && $0.openedAt >= windowStart && $0.openedAt <= testNow }.map(\.number))
            #expect(!expected.isEmpty && numbers == expected)
            let privateCase = try #require(cases.first { !$0.isPublic })
            #expect(try await client.send(.GET, "/open311/v2/requests/\(privateCase.number).json").status == .notFound)
            let closed = try json(try await client.send(.GET, "/open311/v2/requests.json?status=closed"))
            #expect(!closed.isEmpty && closed.allSatisfy { $0["status"] as? String == "closed" })
            let code = try #require(cases.first { $0.isPublic }).itemCode
            let byCode = try json(try await client.send(.GET, "/open311/v2/requests.json?service_code=\(code)"))
            #expect(!byCode.isEmpty && byCode.allSatisfy { $0["service_code"] as? String == code })
            let paged = try json(try await client.send(.GET, "/open311/v2/requests.json?page_size=3&page=2"))
            #expect(paged.count == min(3, max(0, expected.count - 3)))
            let tooLong = try await client.send(.GET, "/open311/v2/requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
            #expect(tooLong.status == .badRequest)
            #expect(XMLTexts.parse(tooLong.body.string)?["errors/error/code"] == ["date_range_too_long"])

            // Updates: the timeline as seen from outside, after a worker acts on a posted request.
            #expect(try await client.send(.GET, "/open311/v2/servicerequestupdates.xml").status == .forbidden)
            let building = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
            let posted = try await post(&client, [("api_key", key), ("service_code", "ADM-014"), ("address_id", building.id!.uuidString)])
            let number = try #require(try json(posted).first?["service_request_id"] as? String)
            let id = try #require(try await CaseRecord.query(on: app.db).filter(\.$number == number).first()).id!
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/reject", json: ["note": "路灯属市政，已转 12345"]).status == .ok)
            let updates = try json(try await client.send(.GET, "/open311/v2/servicerequestupdates.json?api_key=\(key)&start_date=2026-11-18T00:00:00Z"))
            let mine = updates.filter { $0["service_request_id"] as? String == number }
            #expect(mine.map { $0["external_status_code"] as? String } == ["OPEN", "NOT_COUNCILS_RESPONSIBILITY"])
            #expect(mine.last?["description"] as? String == "路灯属市政，已转 12345" && mine.last?["status"] as? String == "closed")
            let read = try #require(try json(try await client.send(.GET, "/open311/v2/requests/\(number).json")).first)
            #expect(read["status"] as? String == "closed" && read["status_notes"] as? String == "路灯属市政，已转 12345")
        }
    }
}
