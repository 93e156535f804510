import Testing
@testable import GongzhiCore

@Suite("The 3+X council and projects")
struct CouncilAndProjectRulesTests {
    @Test("core seats: three with a property company, two without; a meeting decides with every core seat and more than half present")
    func council() {
        #expect(CouncilRules.Seat.allCases.filter(\.isCore) == [.community, .ownersCommittee, .propertyCompany])
        #expect(CouncilRules.missingCore([.community, .police], hasPropertyCompany: true) == [.ownersCommittee, .propertyCompany])
        #expect(CouncilRules.missingCore([.community, .ownersCommittee], hasPropertyCompany: false).isEmpty)
        let core: [CouncilRules.Seat] = [.community, .ownersCommittee, .propertyCompany]
        #expect(CouncilRules.canDecide(present: core, members: 5, hasPropertyCompany: true))
        // Exactly half is not more than half.
        #expect(!CouncilRules.canDecide(present: core, members: 6, hasPropertyCompany: true))
        #expect(CouncilRules.canDecide(present: core + [.police], members: 6, hasPropertyCompany: true))
        #expect(!CouncilRules.canDecide(present: [.community, .ownersCommittee, .police, .concerned], members: 5, hasPropertyCompany: true))
        #expect(CouncilRules.canDecide(present: [.community, .ownersCommittee], members: 3, hasPropertyCompany: false))
        #expect(!CouncilRules.canDecide(present: [], members: 0, hasPropertyCompany: false))
    }

    @Test("every project state × action: the allowed moves and only those; acceptance waits for the milestones")
    func projectMoves() throws {
        let allowed: [ProjectRules.State: [ProjectRules.Action: ProjectRules.State]] = [
            .planned: [.start: .inProgress, .cancel: .cancelled],
            .inProgress: [.requestAcceptance: .acceptance, .cancel: .cancelled],
            .acceptance: [.accept: .accepted, .reopen: .inProgress],
            .accepted: [:], .cancelled: [:],
        ]
        for state in ProjectRules.State.allCases {
            for action in ProjectRules.Action.allCases {
                #expect((try? ProjectRules.next(state, action)) == allowed[state]?[action], "\(state) + \(action)")
            }
        }
        #expect(throws: ProjectRules.Refusal.milestonesOpen(2)) { try ProjectRules.next(.inProgress, .requestAcceptance, openMilestones: 2) }
    }

    @Test("evaluation in whole per mille, rounded down; funding shortfall in fen")
    func evaluation() {
        let e = ProjectRules.evaluate([.satisfied, .basicallySatisfied, .unsatisfied])
        #expect(e.total == 3 && e.satisfactionPerMille == 666)
        #expect(ProjectRules.evaluate([]).satisfactionPerMille == nil)
        #expect(ProjectRules.evaluate([.satisfied, .satisfied]).satisfactionPerMille == 1000)
        #expect(ProjectRules.shortfall(budget: 100_000, funding: [30_000, 50_000]) == 20_000)
        #expect(ProjectRules.shortfall(budget: 100_000, funding: [60_000, 50_001]) == -10_001)
    }
}

@Suite("Money in fen")
struct YuanTests {
    @Test("parsing yuan into fen exactly, and writing it back")
    func roundTrip() {
        #expect(Yuan.fen(parsing: "12345") == 1_234_500)
        #expect(Yuan.fen(parsing: "12,345.6") == 1_234_560)
        #expect(Yuan.fen(parsing: " 0.07 ") == 7)
        #expect(Yuan.fen(parsing: "100000000") == 10_000_000_000)
        for bad in ["", "-1", "1.234", "1e3", "abc", "1000000000", ".5", "1.", "１２"] { #expect(Yuan.fen(parsing: bad) == nil, "\(bad)") }
        #expect(Yuan.format(1_234_567) == "12,345.67")
        #expect(Yuan.format(7) == "0.07")
        #expect(Yuan.format(-500_000) == "-5,000.00")
        #expect(Yuan.format(100_000_000) == "1,000,000.00")
    }
}
