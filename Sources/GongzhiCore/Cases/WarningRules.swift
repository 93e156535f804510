import Foundation

/// Early warnings (SPEC §9): the rules and their thresholds are data (`WarningRules.Settings`), the evaluation
/// is pure, and a warning goes open → acknowledged → resolved.
public enum WarningRules {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A case past its completion limit (red).
        case slaRed = "sla_red"
        /// A case not signed (签收) by its response limit.
        case responseOverdue = "response_overdue"
        /// A rectification item not verified by the end of its deadline day (`RectificationRules`).
        case overdueRectification = "overdue_rectification"
        /// A category in a grid far above its own baseline.
        case hotspot
        /// The same person about the same item again and again: a possible dispute, for mediation.
        case repeatComplainant = "repeat_complainant"
        /// Danger to people (`EmergencyRule`), not yet taken: raised at intake, resolved once someone takes it.
        case emergency
    }

    public enum State: String, Codable, Sendable, CaseIterable {
        case open, acknowledged, resolved
    }

    public enum Step: String, Codable, Sendable, CaseIterable {
        case acknowledge, resolve
    }

    public static func next(_ state: State, _ step: Step) -> State? {
        switch (state, step) {
        case (.open, .acknowledge): .acknowledged
        case (.open, .resolve), (.acknowledged, .resolve): .resolved
        default: nil
        }
    }

    public struct Settings: Codable, Sendable, Equatable {
        /// Days of the recent window and of the baseline before it.
        public var hotspotWindowDays = 7
        public var hotspotBaselineDays = 56
        /// The window's count must reach `factor` × the baseline's mean for a window of that length, and at least
        /// `minimum` cases.
        public var hotspotFactor = 3.0
        public var hotspotMinimum = 5
        public var repeatDays = 30
        public var repeatMinimum = 3

        public init() {}

        /// Each setting with its allowed range.
        public var checks: [(name: String, range: ClosedRange<Double>, value: Double)] {
            [("hotspotWindowDays", 1...60, Double(hotspotWindowDays)),
             ("hotspotBaselineDays", 7...365, Double(hotspotBaselineDays)),
             ("hotspotFactor", 1...50, hotspotFactor),
             ("hotspotMinimum", 1...10_000, Double(hotspotMinimum)),
             ("repeatDays", 1...365, Double(repeatDays)),
             ("repeatMinimum", 2...100, Double(repeatMinimum))]
        }

        public struct OutOfRange: Error, Equatable, Sendable {
            public let field: String
        }

        /// Itself when every setting is in range.
        public func validated() throws(OutOfRange) -> Settings {
            // The first setting out of range is named (NaN is in no range).
            for (name, range, value) in checks where !range.contains(value) { throw OutOfRange(field: name) }
            return self
        }
    }

    /// Cases of one category in one grid: in the recent window and in the baseline before it.
    public struct Counts: Sendable, Equatable {
        public let grid: String
        public let category: String
        public let window: Int
        public let baseline: Int

        public init(grid: String, category: String, window: Int, baseline: Int) {
            self.grid = grid
            self.category = category
            self.window = window
            self.baseline = baseline
        }
    }

    /// The counts that are hotspots: window ≥ minimum and window × baseline days ≥ factor × baseline × window days
    /// (compared without division; a category new to the grid counts from its minimum).
    public static func hotspots(_ counts: [Counts], settings: Settings) -> [Counts] {
        counts.filter { c in
            c.window >= settings.hotspotMinimum
                && Double(c.window) * Double(settings.hotspotBaselineDays) >= settings.hotspotFactor * Double(c.baseline) * Double(settings.hotspotWindowDays)
        }
    }

    /// Whether `count` cases of one person about one item within the window call for mediation.
    public static func isRepeat(_ count: Int, settings: Settings) -> Bool { count >= settings.repeatMinimum }
}
