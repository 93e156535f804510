import Foundation

/// A token bucket (checklist row 18, the general per-address request limit): a burst of up to `rate.limit`
/// requests, refilled at `rate.limit` per `rate.window` seconds. Pure: the caller keeps the state per key.
public struct TokenBucket: Sendable, Equatable {
    public var tokens: Double
    public var updatedAt: Date

    public init(full rate: RateWindow, at now: Date) {
        tokens = Double(rate.limit)
        updatedAt = now
    }

    /// Takes one token at `now` if there is one; otherwise the whole seconds until there is (for `Retry-After`).
    public mutating func take(_ rate: RateWindow, now: Date) -> (allowed: Bool, retryAfter: Int) {
        guard rate.limit > 0 else { return (true, 0) }
        let perSecond = Double(rate.limit) / rate.window
        tokens = min(Double(rate.limit), tokens + max(0, now.timeIntervalSince(updatedAt)) * perSecond)
        updatedAt = now
        if tokens >= 1 {
            tokens -= 1
            return (true, 0)
        }
        return (false, max(1, Int(((1 - tokens) / perSecond).rounded(.up))))
    }

    /// Full again by `now` (so it can be forgotten).
    public func isFull(_ rate: RateWindow, at now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updatedAt)) * Double(rate.limit) / rate.window >= Double(rate.limit)
    }
}
