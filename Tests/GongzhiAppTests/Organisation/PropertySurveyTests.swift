import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Residents rate their compound's property service once a year (issue 27 item 2); the company's figure counts them.
@Suite("Yearly rating of property service")
struct PropertySurveyTests {
    struct Answer: Encodable, Sendable {
        var compoundId: UUID?
        var satisfaction: String?
        var comment: String?
    }

    @Test("one answer per resident, compound and year, replaced when given again; the company's figure counts it; staff and strangers refused")
    func yearly() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let s = try await PartiesTests.setUp(app, f)
            var resident = try await TestClient.api(app, as: "resident")
            let open = try await resident.send(.GET, "/api/v1/property-survey").content.decode([PropertySurveyController.OpenDTO].self)
            #expect(open.map(\.companyId) == [s.companyA] && open.first?.satisfaction == nil)
            let first = try await resident.send(.POST, "/api/v1/property-survey", json: Answer(satisfaction: "unsatisfied", comment: "电梯老坏"))
            #expect(first.status == .created, "\(first.body.string)")
            let again = try await resident.send(.POST, "/api/v1/property-survey", json: Answer(compoundId: s.compound.id, satisfaction: "satisfied"))
            #expect(again.status == .created)
            #expect(try await PropertySurveyRecord.query(on: app.db).count() == 1)
            #expect(try await resident.send(.GET, "/api/v1/property-survey").content.decode([PropertySurveyController.OpenDTO].self).first?.satisfaction == "satisfied")
            #expect(try await PropertySurveys.figure(company: s.companyA, year: CivilDate(testNow).year, on: app.db) == CaseKPIs.Rate(1, 1))
            // Bad input, another compound, staff.
            #expect(try await resident.send(.POST, "/api/v1/property-survey", json: Answer(satisfaction: "great")).status == .unprocessableEntity)
            let other = try #require(try await BuildingRecord.find(f.unitB.$building.id, on: app.db)).$compound.id
            #expect(try await resident.send(.POST, "/api/v1/property-survey", json: Answer(compoundId: other, satisfaction: "satisfied")).status == .notFound)
            var worker = try await TestClient.api(app, as: "worker")
            #expect(try await worker.send(.POST, "/api/v1/property-survey", json: Answer(satisfaction: "satisfied")).status == .forbidden)
            // The resident's home page asks, and takes the answer by its form; the street sees the figure.
            var browser = try await TestClient.browser(app, as: "resident")
            let home = try await browser.send(.GET, "/")
            #expect(home.body.string.contains("给小区物业打个分") && home.body.string.contains("安居物业"))
            let sent = try await browser.send(.POST, "/property-survey", form: ["compoundId": s.compound.id!.uuidString, "satisfaction": "basically_satisfied"])
            #expect(sent.status == .seeOther)
            #expect(try await PropertySurveyRecord.query(on: app.db).first()?.satisfaction == "basically_satisfied")
            var street = try await TestClient.browser(app, as: "street")
            let list = try await street.send(.GET, "/parties?kind=property_company").body.string
            #expect(list.contains("年度评价") && list.contains("100%（1 人）"))
            // Once the contract has ended there is no company to rate.
            try await app.db.sql().raw("UPDATE property_contracts SET ends_on = \(bind: PartiesTests.day(-1))").run()
            #expect(try await resident.send(.GET, "/api/v1/property-survey").content.decode([PropertySurveyController.OpenDTO].self).isEmpty)
            let none = try await resident.send(.POST, "/api/v1/property-survey", json: Answer(compoundId: s.compound.id, satisfaction: "satisfied"))
            #expect(none.status == .unprocessableEntity && none.body.string.contains("no_company"))
        }
    }
}
