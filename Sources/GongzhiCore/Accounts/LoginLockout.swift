import Foundation

/// Account lockout after repeated failed logins (MLPS L3-CES1-02; ASVS 6.3.1): 5 failures lock the account for
/// 15 minutes; failures older than the window are forgotten.
public struct LoginLockout: Sendable, Equatable {
    public var maxFailures: Int
    public var window: TimeInterval
    public var lockDuration: TimeInterval

    public init(maxFailures: Int = 5, window: TimeInterval = 15 * 60, lockDuration: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.window = window
        self.lockDuration = lockDuration
    }

    /// The failure record of one account.
    public struct State: Sendable, Equatable {
        public var failures: Int
        public var firstFailureAt: Date?
        public var lockedUntil: Date?

        public init(failures: Int = 0, firstFailureAt: Date? = nil, lockedUntil: Date? = nil) {
            self.failures = failures
            self.firstFailureAt = firstFailureAt
            self.lockedUntil = lockedUntil
        }
    }

    /// Seconds until the lock ends, or nil when the account is not locked at `now`.
    public func retryAfter(_ state: State, now: Date) -> Int? {
        guard let until = state.lockedUntil, until > now else { return nil }
        return Int((until.timeIntervalSince(now)).rounded(.up))
    }

    /// The state after one more failed attempt at `now`. While locked, attempts change nothing; after a lock
    /// ends or the window passes, counting starts afresh.
    public func recordingFailure(_ state: State, now: Date) -> State {
        if retryAfter(state, now: now) != nil { return state }
        var next = State(failures: 1, firstFailureAt: now, lockedUntil: nil)
        if let first = state.firstFailureAt, state.lockedUntil == nil, now.timeIntervalSince(first) <= window {
            next = State(failures: state.failures + 1, firstFailureAt: first, lockedUntil: nil)
        }
        if next.failures >= maxFailures { next.lockedUntil = now.addingTimeInterval(lockDuration) }
        return next
    }
}

/// How long a login session lives: an idle timeout and an absolute lifetime (ASVS 7.3; MLPS 超时自动退出).
public struct SessionLifetime: Sendable, Equatable {
    public var idle: TimeInterval
    public var absolute: TimeInterval
    /// The administrators' (三员) idle timeout: shorter, never longer than `idle` (checklist row 7: 15 minutes).
    public var administratorIdle: TimeInterval

    public init(idle: TimeInterval = 30 * 60, absolute: TimeInterval = 12 * 3600, administratorIdle: TimeInterval = 15 * 60) {
        self.idle = idle
        self.absolute = absolute
        self.administratorIdle = administratorIdle
    }

    public func isAlive(createdAt: Date, lastSeenAt: Date, now: Date, administrator: Bool = false) -> Bool {
        let idleLimit = administrator ? min(idle, administratorIdle) : idle
        return now.timeIntervalSince(lastSeenAt) < idleLimit && now.timeIntervalSince(createdAt) < absolute
    }
}
