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

/// Failed sign-ins against one account, judged by where they come from (issue 24 finding 5). Five wrong passwords
/// from anywhere used to lock an account — administrators' included — for everyone, so any stranger could lock its
/// owner out. Now:
/// - five failures from one address within 15 minutes lock the account **for that address** for 15 minutes;
/// - failures from many addresses (at least `spreadAddresses` of them and `spreadFailures` in all within the window:
///   a spread attack, logged and audited) slow the account down instead of locking it: from an address or device
///   that has never signed in to it, one attempt per `slowInterval`, doubling with every further `spreadFailures`
///   failures up to the window;
/// - from an address or device that has signed in to it before, the owner is never slowed.
/// The per-address limit on all accounts (`LoginLockout`, 5 per 10 minutes) still holds beside it.
public struct AccountGuard: Sendable, Equatable {
    public var pairLimit = 5
    public var window: TimeInterval = 15 * 60
    public var lockDuration: TimeInterval = 15 * 60
    public var spreadAddresses = 3
    public var spreadFailures = 10
    public var slowInterval: TimeInterval = 30

    public init() {}

    public struct Failure: Sendable, Equatable {
        public let address: String
        public let at: Date

        public init(address: String, at: Date) {
            self.address = address
            self.at = at
        }
    }

    public enum Decision: Sendable, Equatable {
        case allow
        /// Too many failures from this address: locked for it.
        case lockedHere(retryAfter: Int)
        /// A spread attack, and this place is unknown: one attempt per `slowInterval`.
        case slowed(retryAfter: Int)
    }

    /// The failures that still count at `now`.
    public func recent(_ failures: [Failure], now: Date) -> [Failure] {
        failures.filter { now.timeIntervalSince($0.at) < window && $0.at <= now }
    }

    /// Whether the account is under a spread attack at `now`.
    public func isSpread(_ failures: [Failure], now: Date) -> Bool {
        let counted = recent(failures, now: now)
        return counted.count >= spreadFailures && Set(counted.map(\.address)).count >= spreadAddresses
    }

    /// May an attempt from `address` (known: it or the device has signed in to the account before) go ahead?
    public func decide(_ failures: [Failure], address: String, known: Bool, now: Date) -> Decision {
        let here = failures.filter { $0.address == address && $0.at <= now }.map(\.at).sorted()
        // Locked from the `pairLimit`-th failure of a window for `lockDuration`.
        if here.count >= pairLimit {
            for index in (pairLimit - 1)..<here.count where here[index].timeIntervalSince(here[index - pairLimit + 1]) < window {
                let until = here[index].addingTimeInterval(lockDuration)
                if until > now { return .lockedHere(retryAfter: Int(until.timeIntervalSince(now).rounded(.up))) }
            }
        }
        let counted = recent(failures, now: now)
        guard !known, isSpread(failures, now: now), let last = counted.map(\.at).max() else { return .allow }
        // The wait doubles with every further `spreadFailures` failures, up to the window: strangers get a few tries
        // an hour, not thousands a day.
        let doublings = min(10, (counted.count - spreadFailures) / spreadFailures)
        let next = last.addingTimeInterval(min(window, slowInterval * Double(1 << doublings)))
        return next > now ? .slowed(retryAfter: Int(next.timeIntervalSince(now).rounded(.up))) : .allow
    }
}
