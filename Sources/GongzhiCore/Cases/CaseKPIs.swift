import Foundation

/// The hotline's "three rates" and more (SPEC §4 KPIs), counted exactly; a rate is numerator ÷ denominator.
public enum CaseKPIs {
    /// What the figures need of one case.
    public struct Row: Sendable {
        public let state: CaseState
        public let openedAt: Date
        public let responseDueAt: Date
        public let signedAt: Date?
        public let completionDueAt: Date
        public let closedAt: Date?
        public let returns: Int
        public let reopens: Int
        public let ratingSolved: Bool?
        public let ratingSatisfaction: String?

        public init(state: CaseState, openedAt: Date, responseDueAt: Date, signedAt: Date?, completionDueAt: Date, closedAt: Date?,
                    returns: Int, reopens: Int, ratingSolved: Bool?, ratingSatisfaction: String?) {
            self.state = state
            self.openedAt = openedAt
            self.responseDueAt = responseDueAt
            self.signedAt = signedAt
            self.completionDueAt = completionDueAt
            self.closedAt = closedAt
            self.returns = returns
            self.reopens = reopens
            self.ratingSolved = ratingSolved
            self.ratingSatisfaction = ratingSatisfaction
        }
    }

    public struct Rate: Codable, Sendable, Equatable {
        public let numerator: Int
        public let denominator: Int
        /// numerator ÷ denominator, or nil when there is nothing to count.
        public var value: Double? { denominator == 0 ? nil : Double(numerator) / Double(denominator) }

        enum CodingKeys: String, CodingKey { case numerator, denominator, value }

        public init(_ numerator: Int, _ denominator: Int) {
            self.numerator = numerator
            self.denominator = denominator
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            numerator = try c.decode(Int.self, forKey: .numerator)
            denominator = try c.decode(Int.self, forKey: .denominator)
            // Written by `encode(to:)`, worked out again here; read only so that the API document sees it.
            _ = try c.decodeIfPresent(Double.self, forKey: .value)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(numerator, forKey: .numerator)
            try c.encode(denominator, forKey: .denominator)
            try c.encode(value, forKey: .value)
        }
    }

    public struct Figures: Codable, Sendable, Equatable {
        /// 受理量: cases opened
        public let intake: Int
        /// 响应率: signed within the response limit ÷ cases signed or past their response limit
        public let responseRate: Rate
        /// 解决率: rated solved ÷ rated
        public let solveRate: Rate
        /// 满意率: satisfied or basically satisfied ÷ rated
        public let satisfactionRate: Rate
        /// 按时办结率: closed by the completion deadline ÷ closed
        public let onTimeRate: Rate
        /// 退单率: cases returned at least once ÷ cases opened
        public let returnRate: Rate
        /// 重复诉求率: cases reopened or merged as duplicates ÷ cases opened
        public let repeatRate: Rate
        /// Mean hours from opening to closing, of closed cases (nil: none closed).
        public let meanHandlingHours: Double?
    }

    /// The figures of these cases at `now`: the sum of their contributions (`KPIRollup`), so that figures from
    /// rows and from rollups are computed by the same rules.
    public static func figures(_ rows: [Row], now: Date) -> Figures {
        let sum = rows.reduce(KPIRollup.Counters()) { $0 + KPIRollup.contribution(of: $1) }
        return KPIRollup.figures(sum, unsignedOverdue: rows.filter { KPIRollup.unsignedOverdue($0, now: now) }.count)
    }
}
