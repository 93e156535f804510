import Foundation

/// Who may read the note written with a step of a case: a reply is for everyone who may see the case, a rating's
/// words for the one who rated and staff, every other note (instructions on dispatch, a return's reason, a request
/// to suspend…) for staff only — never on the resident's pages, the public board, tracking or Open311.
public enum NoteAudience: Int, Sendable, Comparable {
    case staff, submitter, everyone

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Whether a reader of `reach` reads notes of this audience (`.staff` reads all, `.everyone` only public ones).
    public func isRead(by reach: NoteAudience) -> Bool { self >= reach }
}

extension CaseAction {
    /// The timeline entry of deadlines computed again on a newly loaded holiday arrangement.
    public static let recomputedEvent = "recompute_deadlines"

    public var noteAudience: NoteAudience {
        switch self {
        case .reply, .reject, .merge: .everyone
        case .rateSatisfied, .rateUnsatisfied: .submitter
        case .accept, .dispatch, .sign, .return, .start, .close, .reopen, .escalate, .suspend, .resume, .supervise, .urge, .arbitrate,
             .extend, .requestSuspension, .requestExtension: .staff
        }
    }

    /// The audience of a stored timeline entry's note by its action name: workflow steps as above; the submission
    /// and a recomputed deadline for everyone; anything else (a handler moved with its org) for staff.
    public static func noteAudience(ofEvent action: String) -> NoteAudience {
        if let step = CaseAction(rawValue: action) { return step.noteAudience }
        switch action {
        case "submit", recomputedEvent: return .everyone
        case "rate": return .submitter
        default: return .staff
        }
    }
}
