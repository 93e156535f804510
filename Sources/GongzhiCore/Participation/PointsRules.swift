import Foundation

/// What earns points in a community (积分规则, seed 001 "积分可兑换社区服务资源或福利"): rules are data per community,
/// a change applies from its date and never backwards, and caps per day and month bound what one person earns.
public enum PointsRules {
    public enum Earning: String, Codable, Sendable, CaseIterable {
        /// 志愿服务时长: points per confirmed hour.
        case volunteerHours = "volunteer_hours"
        /// 参加议事会议: points per meeting attended.
        case meetingAttendance = "meeting_attendance"
        /// 有效反映: points per report found valid.
        case validReport = "valid_report"
        /// 公约承诺: points per pledge.
        case pledge
    }

    public struct Rule: Sendable, Equatable {
        public let earning: Earning
        public let pointsPerUnit: Int
        public let dailyCap: Int?
        public let monthlyCap: Int?
        public let effectiveFrom: CivilDate

        public init(earning: Earning, pointsPerUnit: Int, dailyCap: Int?, monthlyCap: Int?, effectiveFrom: CivilDate) {
            self.earning = earning
            self.pointsPerUnit = pointsPerUnit
            self.dailyCap = dailyCap
            self.monthlyCap = monthlyCap
            self.effectiveFrom = effectiveFrom
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        case pointsOutOfRange
        case capOutOfRange
        /// A daily cap above the monthly cap.
        case capsDisagree
        /// A change may not reach back before today.
        case backdated
    }

    /// A new rule checked: 1–1 000 points a unit, caps of 1–100 000 (the daily not above the monthly), from today on.
    public static func check(_ rule: Rule, today: CivilDate) throws(Problem) -> Rule {
        guard (1...1_000).contains(rule.pointsPerUnit) else { throw .pointsOutOfRange }
        for cap in [rule.dailyCap, rule.monthlyCap].compactMap({ $0 }) where !(1...100_000).contains(cap) { throw .capOutOfRange }
        if let daily = rule.dailyCap, let monthly = rule.monthlyCap, daily > monthly { throw .capsDisagree }
        guard rule.effectiveFrom >= today else { throw .backdated }
        return rule
    }

    /// The rule for `earning` in force on `day`: the one with the latest start on or before it (the later one listed
    /// wins a tie: it was made later).
    public static func inForce(_ earning: Earning, on day: CivilDate, among rules: [Rule]) -> Rule? {
        var found: Rule?
        for rule in rules where rule.earning == earning && rule.effectiveFrom <= day {
            if found == nil || rule.effectiveFrom >= found!.effectiveFrom { found = rule }
        }
        return found
    }

    /// Points for `units` under `rule`, cut to what the caps leave after what the person earned of this kind today and
    /// this month (never below zero).
    public static func award(units: Int, rule: Rule, earnedToday: Int, earnedThisMonth: Int) -> Int {
        var points = max(0, units) * rule.pointsPerUnit
        if let cap = rule.dailyCap { points = min(points, max(0, cap - earnedToday)) }
        if let cap = rule.monthlyCap { points = min(points, max(0, cap - earnedThisMonth)) }
        return points
    }
}
