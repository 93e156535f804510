import Testing
@testable import GongzhiCore

@Suite("Case state machine")
struct CaseWorkflowTests {
    /// Every state's allowed actions and where each leads (same state where the action only adds a record).
    static let table: [CaseState: [CaseAction: CaseState]] = [
        .submitted: [.accept: .accepted, .reject: .rejected, .escalate: .escalated, .merge: .merged, .supervise: .submitted, .urge: .submitted],
        .accepted: [.dispatch: .dispatched, .escalate: .escalated, .suspend: .suspended, .merge: .merged, .supervise: .accepted, .urge: .accepted],
        .rejected: [:],
        .dispatched: [.dispatch: .dispatched, .sign: .signed, .return: .returned, .escalate: .escalated, .suspend: .suspended,
                      .merge: .merged, .supervise: .dispatched, .urge: .dispatched, .extend: .dispatched,
                      .requestSuspension: .dispatched, .requestExtension: .dispatched],
        .signed: [.return: .returned, .start: .inProgress, .reply: .replied, .escalate: .escalated, .suspend: .suspended,
                  .merge: .merged, .supervise: .signed, .urge: .signed, .extend: .signed,
                  .requestSuspension: .signed, .requestExtension: .signed],
        .inProgress: [.reply: .replied, .escalate: .escalated, .suspend: .suspended, .merge: .merged, .supervise: .inProgress,
                      .urge: .inProgress, .extend: .inProgress, .requestSuspension: .inProgress, .requestExtension: .inProgress],
        .returned: [.dispatch: .dispatched, .escalate: .escalated, .suspend: .suspended, .merge: .merged, .supervise: .returned,
                    .urge: .returned, .extend: .returned],
        .arbitration: [.arbitrate: .dispatched, .merge: .merged, .supervise: .arbitration, .urge: .arbitration],
        .escalated: [.accept: .accepted, .reject: .rejected, .dispatch: .dispatched, .suspend: .suspended, .merge: .merged,
                     .supervise: .escalated, .urge: .escalated],
        .suspended: [.resume: .signed, .supervise: .suspended],
        .replied: [.rateSatisfied: .closed, .rateUnsatisfied: .inProgress, .close: .closed, .merge: .merged, .supervise: .replied, .urge: .replied],
        .closed: [.reopen: .inProgress],
        .merged: [:],
    ]

    static let pairs: [(CaseState, CaseAction)] = CaseState.allCases.flatMap { state in CaseAction.allCases.map { (state, $0) } }

    @Test("every state × action: the allowed ones lead where the table says, the others are refused naming the allowed", arguments: pairs)
    func everyTransition(state: CaseState, action: CaseAction) throws {
        let snapshot = CaseSnapshot(state: state, suspendedFrom: state == .suspended ? .signed : nil)
        let expected = try #require(Self.table[state])
        let allowed = CaseAction.allCases.filter { expected[$0] != nil }
        #expect(CaseWorkflow.allowedActions(snapshot) == allowed)
        if let target = expected[action] {
            #expect(try CaseWorkflow.apply(action, to: snapshot).state == target)
        } else {
            #expect(throws: CaseWorkflow.Error.notAllowed(action: action, state: state, allowed: allowed)) {
                try CaseWorkflow.apply(action, to: snapshot)
            }
        }
    }

    @Test("the table covers every state")
    func tableIsComplete() {
        #expect(Set(Self.table.keys) == Set(CaseState.allCases))
        #expect(CaseState.allCases.filter { !$0.isOpen } == [.rejected, .closed, .merged])
    }

    @Test("a first return goes back for re-dispatch; the second goes to the street, whose decision binds")
    func returnsAndArbitration() throws {
        var case1 = CaseSnapshot(state: .dispatched)
        case1 = try CaseWorkflow.apply(.return, to: case1)
        #expect(case1.state == .returned && case1.returns == 1)
        case1 = try CaseWorkflow.apply(.dispatch, to: case1)
        case1 = try CaseWorkflow.apply(.sign, to: case1)
        case1 = try CaseWorkflow.apply(.return, to: case1)
        #expect(case1.state == .arbitration && case1.returns == 2)
        #expect(CaseWorkflow.allowedActions(case1).contains(.arbitrate))
        #expect(!CaseWorkflow.allowedActions(case1).contains(.dispatch))
        case1 = try CaseWorkflow.apply(.arbitrate, to: case1)
        #expect(case1.state == .dispatched && case1.arbitrated)
        #expect(throws: CaseWorkflow.Error.arbitrationBinds) { try CaseWorkflow.apply(.return, to: case1) }
        #expect(!CaseWorkflow.allowedActions(case1).contains(.return))
        case1 = try CaseWorkflow.apply(.sign, to: case1)
        #expect(throws: CaseWorkflow.Error.arbitrationBinds) { try CaseWorkflow.apply(.return, to: case1) }
    }

    @Test("an unsatisfied resident reopens a case twice; the third time it goes under supervision")
    func reopenLimit() throws {
        var snapshot = CaseSnapshot(state: .replied)
        for round in 1...2 {
            snapshot = try CaseWorkflow.apply(.rateUnsatisfied, to: snapshot)
            #expect(snapshot.state == .inProgress && snapshot.reopens == round && !snapshot.supervised)
            snapshot = try CaseWorkflow.apply(.reply, to: snapshot)
        }
        snapshot = try CaseWorkflow.apply(.rateUnsatisfied, to: snapshot)
        #expect(snapshot.reopens == 2 && snapshot.supervised && snapshot.state == .inProgress)
        snapshot = try CaseWorkflow.apply(.reply, to: snapshot)
        #expect(try CaseWorkflow.apply(.rateSatisfied, to: snapshot).state == .closed)
    }

    @Test("a suspension returns the case to the state it was suspended in", arguments: [CaseState.accepted, .dispatched, .signed, .inProgress, .returned, .escalated])
    func suspendAndResume(from state: CaseState) throws {
        let suspended = try CaseWorkflow.apply(.suspend, to: CaseSnapshot(state: state))
        #expect(suspended.state == .suspended && suspended.suspendedFrom == state)
        #expect(!CaseWorkflow.allowedActions(suspended).contains(.reply))
        let resumed = try CaseWorkflow.apply(.resume, to: suspended)
        #expect(resumed.state == state && resumed.suspendedFrom == nil)
    }

    @Test("supervision marks the case; urging and extending change no state; a closed case reopens")
    func recordsOnly() throws {
        let supervised = try CaseWorkflow.apply(.supervise, to: CaseSnapshot(state: .inProgress))
        #expect(supervised.supervised && supervised.state == .inProgress)
        #expect(try CaseWorkflow.apply(.urge, to: CaseSnapshot(state: .signed)) == CaseSnapshot(state: .signed))
        let reopened = try CaseWorkflow.apply(.reopen, to: CaseSnapshot(state: .closed))
        #expect(reopened.state == .inProgress && reopened.reopens == 1)
    }
}
