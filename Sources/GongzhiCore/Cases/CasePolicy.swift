/// Who may do what to a case (SPEC §4, §12): decided from the actor's grants and the case's two places — where it
/// is (the grid of its location) and who handles it (the handler node).
public enum CasePolicy {
    /// What the policy needs to know of a case.
    public struct Facts: Sendable, Equatable {
        /// The case's place: the grid (or community) of its location.
        public let placePath: OrgPath
        /// The node that handles it.
        public let handlerPath: OrgPath
        /// The account that submitted it (nil: staff entry for an offline resident, or anonymous).
        public let submitterUserID: AccountID?
        /// A report against an official or a department (举报): never visible to the org it accuses.
        public let accusedPath: OrgPath?
        /// Submitters of cases merged into this one: they follow it (see it, never act on it).
        public let followerUserIDs: [AccountID]

        public init(placePath: OrgPath, handlerPath: OrgPath, submitterUserID: AccountID?, accusedPath: OrgPath? = nil, followerUserIDs: [AccountID] = []) {
            self.placePath = placePath
            self.handlerPath = handlerPath
            self.submitterUserID = submitterUserID
            self.accusedPath = accusedPath
            self.followerUserIDs = followerUserIDs
        }
    }

    /// Whether `actor` may see the case at all.
    public static func canView(_ actor: Actor, _ facts: Facts) -> Bool {
        if let submitter = facts.submitterUserID, submitter == actor.userID { return true }
        if let accused = facts.accusedPath, isInside(actor, accused, handler: facts.handlerPath) { return false }
        return AccessPolicy.allows(.viewCases, actor: actor, at: facts.placePath)
            || AccessPolicy.allows(.viewCases, actor: actor, at: facts.handlerPath)
            || isFollower(actor, facts)
    }

    /// Whether `actor` sees the case only because their own case was merged into it (the page then shows its
    /// progress, not another resident's words, unless the case is public).
    public static func isFollower(_ actor: Actor, _ facts: Facts) -> Bool {
        facts.followerUserIDs.contains(actor.userID)
    }

    /// Whether `actor` is inside the accused org: any of its grants lies in the accused subtree — other than in
    /// the handler's own subtree when the handler sits strictly inside the accused org (the district's supervisory
    /// body, which investigates the district it belongs to; intake and escalation let no other handler there).
    public static func isInside(_ actor: Actor, _ accused: OrgPath, handler: OrgPath) -> Bool {
        let handlerInside = accused.contains(handler) && handler != accused
        return actor.grants.contains { accused.contains($0.path) && !(handlerInside && handler.contains($0.path)) }
    }

    /// Whether `actor` may perform `action` on the case (the workflow separately decides whether the state allows it).
    public static func can(_ action: CaseAction, _ actor: Actor, _ facts: Facts) -> Bool {
        guard canView(actor, facts) else { return false }
        // Following a merged case gives sight of it, nothing more.
        let follows = isFollower(actor, facts) && facts.submitterUserID != actor.userID
            && !AccessPolicy.allows(.viewCases, actor: actor, at: facts.placePath) && !AccessPolicy.allows(.viewCases, actor: actor, at: facts.handlerPath)
        if follows { return false }
        func at(_ permission: Permission, _ path: OrgPath) -> Bool { AccessPolicy.allows(permission, actor: actor, at: path) }
        let isSubmitter = facts.submitterUserID == actor.userID
        switch action {
        case .accept, .reject, .dispatch, .escalate, .merge:
            return at(.dispatchCases, facts.placePath) || at(.dispatchCases, facts.handlerPath)
        case .sign, .return, .start, .reply, .requestSuspension, .requestExtension:
            // The handler org itself, not the levels above it (they supervise instead).
            return actor.grants.contains { $0.path == facts.handlerPath && $0.role.permissions.contains(.handleCases) }
        case .rateSatisfied, .rateUnsatisfied:
            // The resident online, or staff where the case is recording a phone follow-up (电话回访).
            return isSubmitter || at(.dispatchCases, facts.placePath)
        case .close:
            // Nobody closes a replied case by fiat (that would be a false closure, 虚假办结, SPEC §8): it closes by
            // the resident's rating, by a phone follow-up staff record as a rating, or by the system's auto-close
            // after the rating period, which does not pass through here.
            return false
        case .reopen, .supervise, .urge, .arbitrate, .suspend, .resume, .extend:
            return at(.superviseCases, facts.placePath) || at(.superviseCases, facts.handlerPath)
        }
    }
}
