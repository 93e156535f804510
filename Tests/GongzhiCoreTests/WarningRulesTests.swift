import Testing
@testable import GongzhiCore

@Suite("Early-warning rules")
struct WarningRulesTests {
    let settings = WarningRules.Settings()

    @Test("a hotspot is at least three times its baseline rate and at least five cases; exactly three times counts")
    func hotspots() {
        // Baseline 56 days, window 7: a baseline of 16 is 2 a week; 6 in the window is exactly 3 ×.
        let counts = [
            WarningRules.Counts(grid: "g1", category: "A", window: 6, baseline: 16),
            WarningRules.Counts(grid: "g2", category: "A", window: 5, baseline: 16),
            WarningRules.Counts(grid: "g3", category: "A", window: 4, baseline: 0),
            WarningRules.Counts(grid: "g4", category: "A", window: 5, baseline: 0),
            WarningRules.Counts(grid: "g5", category: "A", window: 40, baseline: 200),
        ]
        #expect(WarningRules.hotspots(counts, settings: settings).map(\.grid) == ["g1", "g4"])
        var looser = settings
        looser.hotspotFactor = 1.0
        #expect(WarningRules.hotspots(counts, settings: looser).map(\.grid) == ["g1", "g2", "g4", "g5"])
    }

    @Test("the warning lifecycle: open → acknowledged → resolved, and nothing else")
    func lifecycle() {
        #expect(WarningRules.next(.open, .acknowledge) == .acknowledged)
        #expect(WarningRules.next(.open, .resolve) == .resolved)
        #expect(WarningRules.next(.acknowledged, .resolve) == .resolved)
        #expect(WarningRules.next(.acknowledged, .acknowledge) == nil)
        #expect(WarningRules.next(.resolved, .resolve) == nil && WarningRules.next(.resolved, .acknowledge) == nil)
        #expect(WarningRules.isRepeat(3, settings: settings) && !WarningRules.isRepeat(2, settings: settings))
    }
}

@Suite("Warning settings ranges")
struct WarningSettingsRangeTests {
    @Test("defaults are valid; each setting outside its range is named")
    func ranges() throws {
        #expect(try WarningRules.Settings().validated() == WarningRules.Settings())
        var s = WarningRules.Settings()
        s.hotspotFactor = .nan
        #expect(throws: WarningRules.Settings.OutOfRange(field: "hotspotFactor")) { try s.validated() }
        s = WarningRules.Settings()
        s.hotspotWindowDays = 61
        #expect(throws: WarningRules.Settings.OutOfRange(field: "hotspotWindowDays")) { try s.validated() }
        s = WarningRules.Settings()
        s.repeatMinimum = 2
        #expect(try s.validated().repeatMinimum == 2)
        s.repeatMinimum = 1
        #expect(throws: WarningRules.Settings.OutOfRange(field: "repeatMinimum")) { try s.validated() }
        s = WarningRules.Settings()
        s.hotspotBaselineDays = 6
        #expect(throws: WarningRules.Settings.OutOfRange(field: "hotspotBaselineDays")) { try s.validated() }
    }
}
