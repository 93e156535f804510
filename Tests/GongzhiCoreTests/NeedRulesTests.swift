import Testing
@testable import GongzhiCore

@Suite("Needs and topics (需求清单 → 议题)")
struct NeedRulesTests {
    typealias State = NeedRules.State

    @Test("support makes an open need a topic exactly at the threshold, never before; a zero threshold never does")
    func threshold() throws {
        #expect(try NeedRules.next(.open, .support(supports: 9, threshold: 10)) == .open)
        #expect(try NeedRules.next(.open, .support(supports: 10, threshold: 10)) == .topic)
        #expect(try NeedRules.next(.open, .support(supports: 11, threshold: 10)) == .topic)
        #expect(try NeedRules.next(.open, .support(supports: 1, threshold: 1)) == .topic)
        #expect(try NeedRules.next(.open, .support(supports: 500, threshold: 0)) == .open)
        #expect(try NeedRules.next(.topic, .support(supports: 3, threshold: 10)) == .topic)
    }

    @Test("every state × event: the allowed moves and only those")
    func everyTransition() {
        let events: [NeedRules.Event] = [.support(supports: 1, threshold: 5), .takeUp, .decline, .startProject, .close]
        let allowed: [State: [String: State]] = [
            .open: ["support": .open, "takeUp": .topic, "decline": .declined],
            .topic: ["support": .topic, "startProject": .project, "close": .closed],
            .project: ["close": .closed],
            .declined: [:],
            .closed: [:],
        ]
        for state in State.allCases {
            for event in events {
                let name = switch event {
                case .support: "support"
                case .takeUp: "takeUp"
                case .decline: "decline"
                case .startProject: "startProject"
                case .close: "close"
                }
                let result = try? NeedRules.next(state, event)
                #expect(result == allowed[state]?[name], "\(state) + \(name)")
            }
        }
        #expect(throws: NeedRules.Refusal.notOpen) { try NeedRules.next(.declined, .support(supports: 1, threshold: 1)) }
        #expect(throws: NeedRules.Refusal.notAllowed(from: .closed)) { try NeedRules.next(.closed, .takeUp) }
        #expect(State.allCases.filter(NeedRules.acceptsSupport) == [.open, .topic])
    }
}
