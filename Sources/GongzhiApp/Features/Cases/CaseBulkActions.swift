import Foundation
import GongzhiCore

/// One action on several cases at once (issue 26: a worker accepts or dispatches the morning's new cases together).
/// Each case is its own change — its own transaction, timeline entry and audit entry, checked by the same rules as
/// one at a time — so a case that cannot be done (another worker took it meanwhile) is reported, not a reason to
/// undo the others.
enum CaseBulkActions {
    /// The actions offered for several cases at once.
    static let actions: [CaseAction] = [.accept, .dispatch]
    /// At most this many cases per request (a page of the queue is 25).
    static let limit = 100

    struct Outcome: Sendable {
        let done: [String]
        /// Case numbers (or ids, when the case is not visible) with the reason's code.
        let refused: [(number: String, code: String)]
    }

    static func perform(_ action: CaseAction, caseIDs: [CaseID], input: CaseActions.Input, in context: UseCaseContext) async throws -> Outcome {
        _ = try context.account()
        guard actions.contains(action) else { throw AppError.invalid("action") }
        guard !caseIDs.isEmpty else { throw AppError.invalid("ids", "none_selected") }
        guard caseIDs.count <= limit else { throw AppError.invalid("ids", "too_many") }
        if action == .dispatch, input.handlerNodeID == nil { throw AppError.invalid("handlerNodeId", "required") }
        var done: [String] = []
        var refused: [(String, String)] = []
        for id in Array(Set(caseIDs)).sorted() {
            do {
                done.append(try await CaseActions.perform(action, caseID: id, input: input, in: context).number)
            } catch let error as AppError where error.status != .internalServerError {
                let number = try? await CaseRecord.find(id.uuid, on: context.db).map(\.number)
                refused.append((error.status == .notFound ? "" : number ?? "", error.code))
            }
        }
        return Outcome(done: done.sorted(), refused: refused)
    }
}
