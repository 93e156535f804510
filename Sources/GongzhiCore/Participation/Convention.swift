import Foundation

/// The residents' convention (居民公约, seed 001 "我制定、我承诺、我执行"): drafted by the community, open for residents'
/// comments for a period, revised (every version kept), adopted on a recorded basis (a residents' meeting, a poll or
/// an owners' vote), then pledged by residents with one button.
public enum Convention {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Being written; only staff see it.
        case draft
        /// Public, residents comment until the period ends.
        case consultation
        /// In force; residents pledge.
        case adopted
    }

    public enum Step: String, Codable, Sendable, CaseIterable {
        /// A new text (a new version): back to a draft (from consultation, or to revise an adopted one).
        case revise
        /// Open for comments until a date.
        case consult
        /// Adopted on a recorded basis.
        case adopt
    }

    public enum Problem: Error, Equatable, Sendable {
        case notAllowed(from: State, step: Step)
        /// A comment period of 7 to 90 days.
        case periodOutOfRange
    }

    /// The state after `step`, or why it cannot be taken.
    public static func next(_ state: State, _ step: Step) throws(Problem) -> State {
        switch (state, step) {
        case (.draft, .consult): return .consultation
        case (.consultation, .revise), (.adopted, .revise), (.draft, .revise): return .draft
        case (.consultation, .adopt), (.draft, .adopt): return .adopted
        default: throw .notAllowed(from: state, step: step)
        }
    }

    /// A comment period ending `until`, checked against now: 7 to 90 days.
    public static func checkPeriod(until: Date, now: Date) throws(Problem) {
        let days = until.timeIntervalSince(now) / 86_400
        guard days >= 7, days <= 90 else { throw .periodOutOfRange }
    }

    public static func acceptsComments(_ state: State, until: Date?, now: Date) -> Bool {
        state == .consultation && (until.map { now < $0 } ?? false)
    }
}
