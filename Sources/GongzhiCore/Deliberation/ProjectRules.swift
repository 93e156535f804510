/// The projects list (项目清单) (SPEC §6): a project comes from a council decision, has a budget and funding
/// sources (resources among them), milestones and public progress, and ends with acceptance (验收) that residents
/// evaluate. Money is in fen (hundredths of a yuan), compared in integers.
public enum ProjectRules {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// 已立项
        case planned
        /// 实施中
        case inProgress = "in_progress"
        /// 待验收: residents may evaluate it.
        case acceptance
        /// 已验收
        case accepted
        /// 已终止
        case cancelled
    }

    public enum Action: String, Codable, Sendable, CaseIterable {
        case start, requestAcceptance = "request_acceptance", accept, reopen, cancel
    }

    public enum Refusal: Error, Equatable, Sendable {
        case notAllowed(from: State)
        /// Acceptance needs every milestone done.
        case milestonesOpen(Int)
    }

    public static func next(_ state: State, _ action: Action, openMilestones: Int = 0) throws(Refusal) -> State {
        switch (state, action) {
        case (.planned, .start): return .inProgress
        case (.inProgress, .requestAcceptance):
            guard openMilestones == 0 else { throw .milestonesOpen(openMilestones) }
            return .acceptance
        case (.acceptance, .accept): return .accepted
        case (.acceptance, .reopen): return .inProgress
        case (.planned, .cancel), (.inProgress, .cancel): return .cancelled
        default: throw .notAllowed(from: state)
        }
    }

    /// Residents rate a project at acceptance: 满意 / 基本满意 / 不满意.
    public enum Rating: String, Codable, Sendable, CaseIterable {
        case satisfied, basicallySatisfied = "basically_satisfied", unsatisfied
    }

    public struct Evaluation: Sendable, Equatable {
        public let satisfied: Int
        public let basicallySatisfied: Int
        public let unsatisfied: Int
        public var total: Int { satisfied + basicallySatisfied + unsatisfied }
        /// Satisfaction (满意 + 基本满意) in whole per mille, rounded down; nil without ratings.
        public var satisfactionPerMille: Int? { total == 0 ? nil : (satisfied + basicallySatisfied) * 1000 / total }
    }

    public static func evaluate(_ ratings: [Rating]) -> Evaluation {
        Evaluation(satisfied: ratings.filter { $0 == .satisfied }.count,
                   basicallySatisfied: ratings.filter { $0 == .basicallySatisfied }.count,
                   unsatisfied: ratings.filter { $0 == .unsatisfied }.count)
    }

    /// What the funding sources cover of the budget: the shortfall (> 0) or surplus (< 0), in fen.
    public static func shortfall(budget: Int, funding: [Int]) -> Int { budget - funding.reduce(0, +) }
}
