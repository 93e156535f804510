import Foundation
import Vapor

/// The current time, injected: tests fix it to an instant and move it forward.
final class AppClock: @unchecked Sendable {
    private let lock = NSLock()
    private var fixed: Date?

    init(fixed: Date? = nil) { self.fixed = fixed }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return fixed ?? Date()
    }

    /// Fixes the clock at `date` (tests).
    func set(_ date: Date) {
        lock.lock()
        fixed = date
        lock.unlock()
    }

    func advance(by interval: TimeInterval) { set(now.addingTimeInterval(interval)) }
}

extension Application {
    private struct ClockKey: StorageKey { typealias Value = AppClock }

    var clock: AppClock {
        if let clock = storage[ClockKey.self] { return clock }
        let clock = AppClock()
        storage[ClockKey.self] = clock
        return clock
    }
}

extension Request {
    var now: Date { application.clock.now }
}
