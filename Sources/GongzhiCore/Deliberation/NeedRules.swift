/// The needs list (需求清单) and how a need becomes a topic (议题) (SPEC §6): residents and grid workers raise
/// needs, residents support them (附议) once each; a need whose support reaches its community's threshold, or that
/// the residents' committee takes up, becomes a topic for the "3+X" council; a topic goes on to a project or is
/// closed; staff may decline an open need, with a reason that is shown to everyone.
public enum NeedRules {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// 征集中: open for support.
        case open
        /// 已立为议题: on the council's agenda.
        case topic
        /// 不予立项: declined, with the reason.
        case declined
        /// 已转为项目.
        case project
        /// 已办结 without a project (decided otherwise).
        case closed
    }

    public enum Event: Sendable, Equatable {
        /// A resident supports it; `supports` is the count including this one.
        case support(supports: Int, threshold: Int)
        /// The residents' committee takes it up (居委会研究确定).
        case takeUp
        case decline
        case startProject
        case close
    }

    public enum Refusal: Error, Equatable, Sendable {
        /// Support is for open needs and topics only.
        case notOpen
        /// That cannot happen to a need in this state.
        case notAllowed(from: State)
    }

    /// Ten supporters by default; each community may set its own (data, `deliberation_settings`).
    public static let defaultSupportThreshold = 10

    /// The state after `event`, or why it cannot happen.
    public static func next(_ state: State, _ event: Event) throws(Refusal) -> State {
        switch (state, event) {
        case (.open, .support(let supports, let threshold)):
            return threshold > 0 && supports >= threshold ? .topic : .open
        case (.topic, .support):
            return .topic
        case (_, .support):
            throw .notOpen
        case (.open, .takeUp):
            return .topic
        case (.open, .decline):
            return .declined
        case (.topic, .startProject):
            return .project
        case (.topic, .close), (.project, .close):
            return .closed
        default:
            throw .notAllowed(from: state)
        }
    }

    /// Whether residents may still add their support.
    public static func acceptsSupport(_ state: State) -> Bool { state == .open || state == .topic }
}
