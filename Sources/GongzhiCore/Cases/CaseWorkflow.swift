/// Where a case stands (SPEC §4). Display labels are data (`Strings`); these are the fixed categories.
public enum CaseState: String, Codable, Sendable, CaseIterable {
    /// 待受理
    case submitted
    /// 已受理，待派单
    case accepted
    /// 不予受理 (closed with a reason)
    case rejected
    /// 已派单，待签收
    case dispatched
    /// 已签收
    case signed
    /// 办理中
    case inProgress = "in_progress"
    /// 已退单，待重新派单
    case returned
    /// 两次退单，待街道指定承办
    case arbitration
    /// 已上报，待上级处理
    case escalated
    /// 已挂起 (clock paused)
    case suspended
    /// 已答复，待评价
    case replied
    /// 已办结
    case closed
    /// 已合并 (a duplicate of another case)
    case merged

    /// Open cases count against their time limits and can be supervised, urged, merged.
    public var isOpen: Bool { !(self == .rejected || self == .closed || self == .merged) }
}

/// What can be done to a case.
public enum CaseAction: String, Codable, Sendable, CaseIterable {
    /// 受理
    case accept
    /// 不予受理
    case reject
    /// 派单 (also re-dispatch after a return)
    case dispatch
    /// 签收
    case sign
    /// 退单, with a reason
    case `return`
    /// 开始办理
    case start
    /// 答复
    case reply
    /// 评价：满意或基本满意，已解决
    case rateSatisfied = "rate_satisfied"
    /// 评价：不满意或未解决
    case rateUnsatisfied = "rate_unsatisfied"
    /// 办结 (auto-close after the rating period, or a recorded phone follow-up)
    case close
    /// 重办 (a closed case found falsely closed)
    case reopen
    /// 上报
    case escalate
    /// 挂起 (approved)
    case suspend
    /// 恢复
    case resume
    /// 合并
    case merge
    /// 督办
    case supervise
    /// 催办
    case urge
    /// 指定承办 (the street decides a twice-returned case; binding)
    case arbitrate
    /// 延期 (approved)
    case extend
    /// 申请挂起: the handler asks; the street approves by suspending
    case requestSuspension = "request_suspension"
    /// 申请延期: the handler asks; the street approves by extending
    case requestExtension = "request_extension"
}

/// The part of a case the workflow decides on.
public struct CaseSnapshot: Sendable, Equatable {
    public var state: CaseState
    /// Returns so far (退单次数).
    public var returns: Int
    /// Reopenings after an unsatisfied rating (重办次数).
    public var reopens: Int
    /// The state to go back to when a suspension ends.
    public var suspendedFrom: CaseState?
    /// The street has decided the handler: no more returns.
    public var arbitrated: Bool
    /// Under supervision (督办).
    public var supervised: Bool

    public init(state: CaseState, returns: Int = 0, reopens: Int = 0, suspendedFrom: CaseState? = nil,
                arbitrated: Bool = false, supervised: Bool = false) {
        self.state = state
        self.returns = returns
        self.reopens = reopens
        self.suspendedFrom = suspendedFrom
        self.arbitrated = arbitrated
        self.supervised = supervised
    }
}

/// The case state machine (SPEC §4) as one pure function.
public enum CaseWorkflow {
    public enum Error: Swift.Error, Equatable, Sendable {
        /// Not possible in this state; `allowed` names what is.
        case notAllowed(action: CaseAction, state: CaseState, allowed: [CaseAction])
        /// A case the street has assigned cannot be returned again (its decision binds).
        case arbitrationBinds
    }

    /// Reopenings after an unsatisfied rating before the case goes under supervision instead.
    public static let maxReopens = 2
    /// The return that sends a case to the street for arbitration.
    public static let returnsBeforeArbitration = 2

    /// States in which the handler is working on the case.
    static let handling: Set<CaseState> = [.dispatched, .signed, .inProgress]

    /// The actions possible in `snapshot`, in the order of `CaseAction.allCases`.
    public static func allowedActions(_ snapshot: CaseSnapshot) -> [CaseAction] {
        CaseAction.allCases.filter { if case .success = transition($0, from: snapshot) { true } else { false } }
    }

    /// The case after `action`, or why it cannot be done (naming what can).
    public static func apply(_ action: CaseAction, to current: CaseSnapshot) throws(Error) -> CaseSnapshot {
        switch transition(action, from: current) {
        case .success(let next): return next
        case .failure(.binding): throw .arbitrationBinds
        case .failure(.refused):
            throw .notAllowed(action: action, state: current.state, allowed: allowedActions(current))
        }
    }

    enum Refusal: Swift.Error { case refused, binding }

    /// The transition table.
    static func transition(_ action: CaseAction, from current: CaseSnapshot) -> Result<CaseSnapshot, Refusal> {
        var next = current
        let state = current.state

        switch (action, state) {
        case (.accept, .submitted), (.accept, .escalated):
            next.state = .accepted
        case (.reject, .submitted), (.reject, .escalated):
            next.state = .rejected
        case (.dispatch, .accepted), (.dispatch, .escalated), (.dispatch, .returned), (.dispatch, .dispatched):
            next.state = .dispatched
        case (.sign, .dispatched):
            next.state = .signed
        case (.return, .dispatched), (.return, .signed):
            if current.arbitrated { return .failure(.binding) }
            next.returns += 1
            next.state = next.returns >= returnsBeforeArbitration ? .arbitration : .returned
        case (.arbitrate, .arbitration):
            next.arbitrated = true
            next.state = .dispatched
        case (.start, .signed):
            next.state = .inProgress
        case (.reply, .signed), (.reply, .inProgress):
            next.state = .replied
        case (.rateSatisfied, .replied):
            next.state = .closed
        case (.rateUnsatisfied, .replied):
            // Reopened at most twice; after that the case stays open under supervision.
            if current.reopens < maxReopens {
                next.reopens += 1
            } else {
                next.supervised = true
            }
            next.state = .inProgress
        case (.close, .replied):
            next.state = .closed
        case (.reopen, .closed):
            next.reopens += 1
            next.state = .inProgress
        case (.escalate, _) where [.submitted, .accepted, .returned, .dispatched, .signed, .inProgress].contains(state):
            next.state = .escalated
        case (.suspend, _) where [.accepted, .dispatched, .signed, .inProgress, .returned, .escalated].contains(state):
            next.suspendedFrom = state
            next.state = .suspended
        case (.resume, .suspended):
            next.state = current.suspendedFrom ?? .accepted
            next.suspendedFrom = nil
        case (.merge, _) where state.isOpen && state != .suspended:
            next.state = .merged
        case (.supervise, _) where state.isOpen:
            next.supervised = true
        case (.urge, _) where state.isOpen && state != .suspended:
            break
        case (.extend, _) where handling.contains(state) || state == .returned:
            break
        case (.requestSuspension, _), (.requestExtension, _):
            guard handling.contains(state) else { return .failure(.refused) }
        default:
            return .failure(.refused)
        }
        return .success(next)
    }
}
