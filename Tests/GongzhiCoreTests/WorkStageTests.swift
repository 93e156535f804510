import Testing
@testable import GongzhiCore

@Suite("A worker's queue: stages and the deadline that matters")
struct WorkStageTests {
    @Test("every open state is in exactly one stage; closed, rejected and merged in none")
    func partition() {
        for state in CaseState.allCases {
            let stages = WorkStage.allCases.filter { $0.states.contains(state) }
            #expect(stages.count == (state.isOpen ? 1 : 0), "\(state)")
            #expect(WorkStage.of(state) == stages.first)
        }
    }

    @Test("the response deadline matters until someone signs for the case, the completion deadline after")
    func deadline() {
        #expect(WorkStage.deadlineThatMatters(.submitted) == .response)
        #expect(WorkStage.deadlineThatMatters(.dispatched) == .response)
        #expect(WorkStage.deadlineThatMatters(.returned) == .response)
        #expect(WorkStage.deadlineThatMatters(.signed) == .completion)
        #expect(WorkStage.deadlineThatMatters(.inProgress) == .completion)
        #expect(WorkStage.deadlineThatMatters(.replied) == .completion)
    }
}
