import Foundation

/// The KPIs as sums (SPEC §4, issue 8): every case contributes a vector of counters that does not depend on the
/// moment of asking, so that counters kept per day × place × category × handler add up to the figures of any
/// period and subtree. The one part that does depend on the moment — unsigned cases past their response limit —
/// is counted live (it concerns open cases only).
public enum KPIRollup {
    public struct Counters: Sendable, Equatable, Codable {
        public var intake = 0
        public var signed = 0
        public var signedOnTime = 0
        public var rated = 0
        public var ratedSolved = 0
        public var ratedSatisfied = 0
        public var closed = 0
        public var closedOnTime = 0
        /// Σ (closed − opened) of closed cases, in milliseconds.
        public var handlingMillis: Int64 = 0
        public var returned = 0
        public var repeated = 0
        /// Not signed (yet): once past its response limit, a few hours or days after opening, it counts against
        /// the response rate, without any write.
        public var unsigned = 0

        public init() {}

        public static let names = ["intake", "signed", "signed_on_time", "rated", "rated_solved", "rated_satisfied", "closed", "closed_on_time",
                                   "handling_ms", "returned", "repeated", "unsigned"]

        /// In the order of `names` (for storage).
        public var values: [Int64] {
            [Int64(intake), Int64(signed), Int64(signedOnTime), Int64(rated), Int64(ratedSolved), Int64(ratedSatisfied), Int64(closed),
             Int64(closedOnTime), handlingMillis, Int64(returned), Int64(repeated), Int64(unsigned)]
        }

        public init(values: [Int64]) {
            precondition(values.count == Self.names.count)
            intake = Int(values[0]); signed = Int(values[1]); signedOnTime = Int(values[2]); rated = Int(values[3])
            ratedSolved = Int(values[4]); ratedSatisfied = Int(values[5]); closed = Int(values[6]); closedOnTime = Int(values[7])
            handlingMillis = values[8]; returned = Int(values[9]); repeated = Int(values[10]); unsigned = Int(values[11])
        }

        public static func + (a: Counters, b: Counters) -> Counters { a.combined(with: b, sign: 1) }
        public static func - (a: Counters, b: Counters) -> Counters { a.combined(with: b, sign: -1) }

        func combined(with b: Counters, sign: Int) -> Counters {
            var c = self
            c.intake += sign * b.intake; c.signed += sign * b.signed; c.signedOnTime += sign * b.signedOnTime; c.rated += sign * b.rated
            c.ratedSolved += sign * b.ratedSolved; c.ratedSatisfied += sign * b.ratedSatisfied; c.closed += sign * b.closed
            c.closedOnTime += sign * b.closedOnTime; c.handlingMillis += Int64(sign) * b.handlingMillis
            c.returned += sign * b.returned; c.repeated += sign * b.repeated; c.unsigned += sign * b.unsigned
            return c
        }
        public var isZero: Bool { values.allSatisfy { $0 == 0 } }
    }

    /// What one case adds to the counters.
    public static func contribution(of row: CaseKPIs.Row) -> Counters {
        var c = Counters()
        c.intake = 1
        if let signed = row.signedAt {
            c.signed = 1
            c.signedOnTime = signed <= row.responseDueAt ? 1 : 0
        }
        if let satisfaction = row.ratingSatisfaction {
            c.rated = 1
            c.ratedSolved = row.ratingSolved == true ? 1 : 0
            c.ratedSatisfied = satisfaction == "satisfied" || satisfaction == "basically_satisfied" ? 1 : 0
        }
        if row.state == .closed, let closed = row.closedAt {
            c.closed = 1
            c.closedOnTime = closed <= row.completionDueAt ? 1 : 0
            c.handlingMillis = Int64((closed.timeIntervalSince(row.openedAt) * 1000).rounded())
        }
        c.returned = row.returns > 0 ? 1 : 0
        c.repeated = row.reopens > 0 || row.state == .merged ? 1 : 0
        c.unsigned = awaitsSigning(row) ? 1 : 0
        return c
    }

    /// States in which an unsigned case is no longer waiting to be signed: refused at intake (不予受理) or merged
    /// into another case. They leave the response rate's denominator; the case they were merged into counts.
    public static let neverSigned: Set<CaseState> = [.rejected, .merged]

    /// Whether the case is waiting to be signed (counts against the response rate once past its limit).
    public static func awaitsSigning(_ row: CaseKPIs.Row) -> Bool { row.signedAt == nil && !neverSigned.contains(row.state) }

    /// Whether the case counts, at `now`, among the unsigned cases past their response limit. From rollups this is
    /// `unsigned` − the unsigned cases not yet past their limit, a live set of recent cases only.
    public static func unsignedOverdue(_ row: CaseKPIs.Row, now: Date) -> Bool { awaitsSigning(row) && row.responseDueAt <= now }

    /// The minute (since 1970, UTC) in which a case waiting to be signed reaches its response limit, by which the
    /// waiting cases are counted (`kpi_waiting`): at `now` the cases still within their limit are those counted
    /// in minutes after `minute(of: now)`, and those of the current minute itself whose limit is after `now`.
    /// nil for a case not waiting to be signed.
    public static func waitingMinute(_ row: CaseKPIs.Row) -> Int? {
        awaitsSigning(row) ? minute(of: row.responseDueAt) : nil
    }

    /// The minute since 1970 (UTC) that `instant` falls in.
    public static func minute(of instant: Date) -> Int { Int((instant.timeIntervalSince1970 / 60).rounded(.down)) }

    /// The figures from summed counters and the live count of unsigned overdue cases.
    public static func figures(_ c: Counters, unsignedOverdue: Int) -> CaseKPIs.Figures {
        CaseKPIs.Figures(
            intake: c.intake,
            responseRate: CaseKPIs.Rate(c.signedOnTime, c.signed + unsignedOverdue),
            solveRate: CaseKPIs.Rate(c.ratedSolved, c.rated),
            satisfactionRate: CaseKPIs.Rate(c.ratedSatisfied, c.rated),
            onTimeRate: CaseKPIs.Rate(c.closedOnTime, c.closed),
            returnRate: CaseKPIs.Rate(c.returned, c.intake),
            repeatRate: CaseKPIs.Rate(c.repeated, c.intake),
            meanHandlingHours: c.closed == 0 ? nil : Double(c.handlingMillis) / Double(c.closed) / 3_600_000)
    }
}
