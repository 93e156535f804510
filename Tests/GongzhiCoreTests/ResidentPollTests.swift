import Foundation
import Testing
@testable import GongzhiCore

@Suite("Residents' polls")
struct ResidentPollTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func vote(_ resident: String, _ household: String, _ choices: [Int], at seconds: Double, _ sequence: Int = 0) -> ResidentPoll.Vote {
        .init(resident: resident, household: household, choices: choices, castAt: t0.addingTimeInterval(seconds), sequence: sequence)
    }

    @Test("one vote per resident, or per household: the household's latest vote stands for all its members")
    func units() {
        let votes = [vote("a", "h1", [0], at: 1), vote("b", "h1", [1], at: 2), vote("c", "h2", [1], at: 3)]
        let byResident = ResidentPoll.tally(votes, rules: .init(optionCount: 2, multipleChoice: false, unit: .resident))
        #expect(byResident.counts == [1, 2] && byResident.participants == 3)
        let byHousehold = ResidentPoll.tally(votes, rules: .init(optionCount: 2, multipleChoice: false, unit: .household))
        #expect(byHousehold.counts == [0, 2] && byHousehold.participants == 2)
    }

    @Test("a changed vote replaces the earlier one; multiple choices count once each")
    func changesAndMultiple() {
        let rules = ResidentPoll.Rules(optionCount: 3, multipleChoice: true, unit: .resident)
        let result = ResidentPoll.tally([vote("a", "h", [0, 2, 2], at: 5), vote("a", "h", [1], at: 1), vote("b", "g", [2], at: 2)], rules: rules)
        #expect(result.counts == [1, 0, 2] && result.participants == 2)
    }

    @Test("choices are checked: none, too many for a single-choice poll, an unknown option")
    func checks() {
        let single = ResidentPoll.Rules(optionCount: 3, multipleChoice: false, unit: .resident)
        #expect(throws: ResidentPoll.Problem.noChoice) { try ResidentPoll.check([], rules: single) }
        #expect(throws: ResidentPoll.Problem.tooManyChoices) { try ResidentPoll.check([0, 1], rules: single) }
        #expect(throws: ResidentPoll.Problem.unknownOption(3)) { try ResidentPoll.check([3], rules: single) }
        #expect(throws: ResidentPoll.Problem.unknownOption(-1)) { try ResidentPoll.check([-1], rules: single) }
        #expect((try? ResidentPoll.check([1, 1], rules: single)) == [1])
        // An unacceptable vote is not counted and does not replace an acceptable one.
        let result = ResidentPoll.tally([vote("a", "h", [0], at: 1), vote("a", "h", [0, 1], at: 2)], rules: single)
        #expect(result.counts == [1, 0, 0])
    }
}
