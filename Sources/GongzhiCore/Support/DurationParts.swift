import Foundation

/// Whole days, hours and minutes of a span (rounded down to the minute; negative spans count as zero).
public struct DurationParts: Sendable, Equatable {
    public let days: Int
    public let hours: Int
    public let minutes: Int

    public init(seconds: TimeInterval) {
        let total = max(0, Int(seconds / 60))
        days = total / 1_440
        hours = total % 1_440 / 60
        minutes = total % 60
    }
}
