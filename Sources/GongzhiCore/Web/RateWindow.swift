import Foundation

/// A sliding-window rate limit (checklist row 18): at most `limit` events per `window` seconds per key. Pure:
/// the caller keeps the state (the times of the events still inside the window) and passes the time.
public struct RateWindow: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Whether one more event at `now` is allowed; if so, `events` records it. If not, the seconds until the
    /// oldest event leaves the window (for `Retry-After`, at least 1).
    public func admit(_ events: inout [Date], now: Date) -> (allowed: Bool, retryAfter: Int) {
        events.removeAll { now.timeIntervalSince($0) >= window }
        guard limit > 0 else { return (true, 0) }
        if events.count < limit {
            events.append(now)
            return (true, 0)
        }
        let oldest = events.min() ?? now
        return (false, max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up))))
    }

    /// "20/3600" → 20 per hour; "0" switches the limit off (nil: malformed).
    public static func parse(_ text: String) -> RateWindow? {
        let parts = text.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts == ["0"] { return RateWindow(limit: 0, window: 1) }
        guard parts.count == 2, let limit = Int(parts[0]), let seconds = Int(parts[1]), limit >= 0, (1...86_400).contains(seconds) else { return nil }
        return RateWindow(limit: limit, window: TimeInterval(seconds))
    }
}
