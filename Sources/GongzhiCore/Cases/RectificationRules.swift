import Foundation

/// Rectification (整改, SPEC §8): a supervisor's finding becomes an item with an owner org, a plan and a deadline;
/// the owner submits evidence; the supervisor verifies it or sends it back. An item not verified by the end of its
/// deadline day (Beijing time) is overdue, and raises an early warning (SPEC §9).
public enum RectificationRules {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Waiting for the owner's evidence.
        case open
        /// Evidence submitted, waiting for verification.
        case submitted
        /// Verified: done.
        case verified
    }

    public enum Step: String, Codable, Sendable, CaseIterable {
        /// The owner hands in evidence.
        case submit
        /// The supervisor accepts the evidence.
        case verify
        /// The supervisor sends it back for more.
        case sendBack = "send_back"
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        case notAllowed(from: State, step: Step)
    }

    public static func next(_ state: State, _ step: Step) throws(Error) -> State {
        switch (state, step) {
        case (.open, .submit): .submitted
        case (.submitted, .verify): .verified
        case (.submitted, .sendBack): .open
        default: throw .notAllowed(from: state, step: step)
        }
    }

    /// Past the end of its deadline day and not verified (evidence waiting for verification still counts: the
    /// supervisor's part is late then).
    public static func isOverdue(deadline: CivilDate, state: State, now: Date) -> Bool {
        state != .verified && CivilDate(now) > deadline
    }
}
