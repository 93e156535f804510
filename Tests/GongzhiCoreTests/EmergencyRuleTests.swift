import Foundation
import Testing
@testable import GongzhiCore

@Suite("Emergencies: catalogue data decides, minutes on the clock")
struct EmergencyRuleTests {
    static func item(_ rule: EmergencyRule?, choices: [CatalogueQuestion.Choice] = []) -> CatalogueItem {
        CatalogueItem(code: "T-1", category: "PROPERTY_OTHER", name: "电梯故障", nameEn: "Lift", responsible: .propertyCompany, kind: .urgent,
                      responseHours: 1, completionDays: 0, keywords: ["电梯"], communityMayHandle: true,
                      questions: choices.isEmpty ? [] : [CatalogueQuestion(code: "trapped", prompt: "有人被困吗", promptEn: "Trapped?",
                                                                           datatype: .singlevaluelist, required: false, choices: choices)],
                      emergency: rule)
    }

    static let lift = item(EmergencyRule(calls: ["96333", "119"], responseMinutes: 15),
                           choices: [.init(key: "yes", name: "是", nameEn: "Yes", emergency: true), .init(key: "no", name: "否", nameEn: "No")])

    @Test("an answer marked as danger makes the case an emergency; another answer, or none, does not")
    func byAnswer() {
        #expect(EmergencyRule.applying(to: Self.lift, answers: ["trapped": ["yes"]])?.calls == ["96333", "119"])
        #expect(EmergencyRule.applying(to: Self.lift, answers: ["trapped": ["no"]]) == nil)
        #expect(EmergencyRule.applying(to: Self.lift, answers: [:]) == nil)
        #expect(EmergencyRule.applying(to: Self.lift, answers: ["other": ["yes"]]) == nil)
    }

    @Test("an item that is always an emergency is one whatever is answered; an item without a rule never is")
    func always() {
        let gas = Self.item(EmergencyRule(calls: ["119"], responseMinutes: 10, always: true))
        #expect(EmergencyRule.applying(to: gas, answers: [:])?.responseMinutes == 10)
        #expect(EmergencyRule.applying(to: Self.item(nil, choices: [.init(key: "yes", name: "是")]), answers: ["trapped": ["yes"]]) == nil)
    }

    @Test("the catalogue refuses a danger answer without a rule, a rule nothing triggers, and bad minutes or numbers")
    func validation() throws {
        func catalogue(_ item: CatalogueItem) -> Catalogue {
            Catalogue(version: 1, name: "t", categories: shippedCatalogue.categories, items: [item])
        }
        _ = try catalogue(Self.lift).validated()
        #expect(throws: Catalogue.Error.invalidItem(code: "T-1", field: "emergency")) {
            try catalogue(Self.item(nil, choices: [.init(key: "yes", name: "是", emergency: true)])).validated()
        }
        #expect(throws: Catalogue.Error.invalidItem(code: "T-1", field: "emergency")) {
            try catalogue(Self.item(EmergencyRule(calls: [], responseMinutes: 15), choices: [.init(key: "yes", name: "是")])).validated()
        }
        for bad in [EmergencyRule(calls: ["119"], responseMinutes: 0, always: true), EmergencyRule(calls: ["1-1-9"], responseMinutes: 15, always: true)] {
            #expect(throws: Catalogue.Error.invalidItem(code: "T-1", field: "emergency")) { try catalogue(Self.item(bad)).validated() }
        }
    }

    @Test("the shipped catalogue: someone trapped in a lift, gas, a fall, injury from above and water pouring in are emergencies")
    func shipped() throws {
        let catalogue = try shippedCatalogue.validated()
        let cases: [(String, [String: [String]], [String])] = [
            ("PRC-001", ["trapped": ["yes"]], ["96333", "119"]), ("ADM-016", [:], ["119"]), ("SRV-008", ["fallen": ["yes"]], ["120"]),
            ("ADM-021", ["injured": ["yes"]], ["120", "110"]), ("PRC-004", ["pouring": ["yes"]], []),
        ]
        for (code, answers, calls) in cases {
            let item = try #require(catalogue.item(code))
            #expect(EmergencyRule.applying(to: item, answers: answers)?.calls == calls, "\(code)")
        }
        #expect(EmergencyRule.applying(to: try #require(catalogue.item("PRC-001")), answers: ["trapped": ["no"]]) == nil)
    }

    @Test("an emergency's response is due minutes after the opening, at night and on a holiday too; once signed it stays")
    func deadline() throws {
        let calendar = shippedCalendar
        // 2026-10-03 23:10 Beijing: a Saturday night of the National Day holiday.
        let night = try #require(ISO8601DateFormatter().date(from: "2026-10-03T15:10:00Z"))
        let emergency = CaseDeadlines.compute(.init(openedAt: night, responseHours: 1, completionDays: 0, emergencyMinutes: 15), calendar: calendar, now: night)
        #expect(emergency.response == night.addingTimeInterval(15 * 60))
        let usual = CaseDeadlines.compute(.init(openedAt: night, responseHours: 1, completionDays: 0), calendar: calendar, now: night)
        #expect(usual.response > night.addingTimeInterval(3 * 86_400))
        #expect(emergency.completion >= emergency.response)
        let signed = CaseDeadlines.compute(.init(openedAt: night, responseHours: 1, completionDays: 0, signedAt: night.addingTimeInterval(600),
                                                 currentResponse: night.addingTimeInterval(900), emergencyMinutes: 15),
                                           calendar: calendar, now: night.addingTimeInterval(3_600))
        #expect(signed.response == night.addingTimeInterval(900))
    }
}

@Suite("Whose eyes a case note is for")
struct NoteAudienceTests {
    @Test("replies, refusals and merges for everyone; a rating's words for the one who rated; every other note between staff")
    func audiences() {
        for action in CaseAction.allCases {
            let expected: NoteAudience = [.reply, .reject, .merge].contains(action) ? .everyone
                : [.rateSatisfied, .rateUnsatisfied].contains(action) ? .submitter : .staff
            #expect(action.noteAudience == expected, "\(action)")
        }
        #expect(CaseAction.noteAudience(ofEvent: "submit") == .everyone)
        #expect(CaseAction.noteAudience(ofEvent: CaseAction.recomputedEvent) == .everyone)
        #expect(CaseAction.noteAudience(ofEvent: "handler_moved") == .staff)
        #expect(CaseAction.noteAudience(ofEvent: "dispatch") == .staff)
        #expect(NoteAudience.staff.isRead(by: .staff) && !NoteAudience.staff.isRead(by: .submitter))
        #expect(NoteAudience.submitter.isRead(by: .submitter) && !NoteAudience.submitter.isRead(by: .everyone))
        #expect(NoteAudience.everyone.isRead(by: .everyone))
    }
}

@Suite("Spans in days, hours and minutes")
struct DurationPartsTests {
    @Test("days, hours and minutes, rounded down; nothing negative", arguments: [
        (0.0, 0, 0, 0), (59.0, 0, 0, 0), (60.0, 0, 0, 1), (3_600.0 * 210.9, 8, 18, 54), (86_400.0, 1, 0, 0), (-5.0, 0, 0, 0),
    ])
    func parts(seconds: Double, days: Int, hours: Int, minutes: Int) {
        #expect(DurationParts(seconds: seconds) == DurationParts(days: days, hours: hours, minutes: minutes))
    }
}

extension DurationParts {
    init(days: Int, hours: Int, minutes: Int) {
        self.init(seconds: TimeInterval(((days * 24 + hours) * 60 + minutes) * 60))
    }
}
