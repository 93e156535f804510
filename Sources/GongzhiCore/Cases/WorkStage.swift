import Foundation

/// The stages of a worker's queue (issue 26): what needs them now, in the words of someone handling fifty cases a
/// day. Every open state is in exactly one stage.
public enum WorkStage: String, Sendable, CaseIterable {
    /// 新的 — to accept (or reject).
    case new
    /// 待派单 — accepted, or returned by the one it was sent to: to dispatch.
    case toDispatch = "to_dispatch"
    /// 待签收 — dispatched, waiting for the one responsible to sign for it.
    case toSign = "to_sign"
    /// 办理中
    case inProgress = "in_progress"
    /// 待回访 — answered, waiting for the resident's rating or a call back.
    case toCallBack = "to_call_back"
    /// 等别人 — with the street for arbitration, escalated, or suspended.
    case waiting

    public var states: [CaseState] {
        switch self {
        case .new: [.submitted]
        case .toDispatch: [.accepted, .returned]
        case .toSign: [.dispatched]
        case .inProgress: [.signed, .inProgress]
        case .toCallBack: [.replied]
        case .waiting: [.arbitration, .escalated, .suspended]
        }
    }

    /// The stage of an open state; nil for closed, rejected and merged cases.
    public static func of(_ state: CaseState) -> WorkStage? {
        allCases.first { $0.states.contains(state) }
    }

    /// Which deadline matters now for a case in `state`: the response (签收) deadline until the one responsible
    /// has signed for it, the completion (办结) deadline after.
    public enum Deadline: String, Sendable, CaseIterable {
        case response, completion
    }

    public static func deadlineThatMatters(_ state: CaseState) -> Deadline {
        [.submitted, .accepted, .returned, .dispatched].contains(state) ? .response : .completion
    }
}
