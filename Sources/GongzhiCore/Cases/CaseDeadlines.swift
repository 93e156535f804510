import Foundation

/// A case's two deadlines (SPEC §4), computed in one place for intake, every action, the background rounds and a
/// newly loaded holiday arrangement:
///
/// - **Response** (响应, signing): `responseHours` working hours from the opening, to the second; a suspension
///   before signing pushes it back by the working time it lasted. Once signed it no longer moves.
/// - **Completion** (办结): `completionDays` (+ approved extensions) working days, ending at the close of work of
///   the last one; the day of opening is not counted; a suspension pushes it back by the working time it lasted
///   after that day, and it then ends at the close of work of the day it lands on. A same-day limit (0 days) ends
///   at the close of work of the day of opening, or the next working day when opened after hours. In no case does
///   it end before the close of work on the day the response is due (a same-day item opened less than its
///   response time before the close of work is due the next working day).
/// - **Emergency**: the response is due minutes after the opening, on the clock (`EmergencyRule`), whatever the
///   working hours; the completion follows the usual rule from there.
/// - **Provisional**: the span crosses a year whose State Council arrangement is not loaded; such a year counts
///   the statutory holidays only, and the deadlines are computed again when the arrangement is loaded.
public struct CaseDeadlines: Sendable, Equatable {
    public let response: Date
    public let completion: Date
    public let provisional: Bool
    /// The completion clock's level at the moment of computing.
    public let level: SLAClock.Level

    /// What the computation needs of a case.
    public struct Facts: Sendable {
        public let openedAt: Date
        public let responseHours: Int
        public let completionDays: Int
        public let extensionDays: Int
        public let pauses: [SLAClock.Pause]
        /// Signed (签收) at: the response deadline then stays as it was (`currentResponse`).
        public let signedAt: Date?
        public let currentResponse: Date?
        /// An emergency (`EmergencyRule`): the response is due this many minutes after the opening, on the clock,
        /// day and night, holidays included.
        public let emergencyMinutes: Int?

        public init(openedAt: Date, responseHours: Int, completionDays: Int, extensionDays: Int = 0, pauses: [SLAClock.Pause] = [],
                    signedAt: Date? = nil, currentResponse: Date? = nil, emergencyMinutes: Int? = nil) {
            self.emergencyMinutes = emergencyMinutes
            self.openedAt = openedAt
            self.responseHours = responseHours
            self.completionDays = completionDays
            self.extensionDays = extensionDays
            self.pauses = pauses
            self.signedAt = signedAt
            self.currentResponse = currentResponse
        }
    }

    public static func compute(_ facts: Facts, calendar: WorkingCalendar, now: Date) -> CaseDeadlines {
        let response: Date
        if facts.signedAt != nil, let fixed = facts.currentResponse {
            response = fixed
        } else if let minutes = facts.emergencyMinutes {
            response = facts.openedAt.addingTimeInterval(TimeInterval(minutes * 60))
        } else {
            // Pauses after signing do not concern the response (the case is signed before they start).
            let before = facts.pauses.filter { facts.signedAt == nil || $0.start < facts.signedAt! }
            response = SLAClock(calendar: calendar, openedAt: facts.openedAt, limit: .workingHours(facts.responseHours), pauses: before)
                .deadline(now: now)
        }
        let completionClock = completion(facts, calendar: calendar, response: response)
        let completion = completionClock.deadline(now: now)
        return CaseDeadlines(response: response, completion: completion,
                             provisional: calendar.isProvisional(from: facts.openedAt, to: max(response, completion)),
                             level: completionClock.level(now: now))
    }

    /// The completion clock of `facts`, its floor the close of work on the day `response` falls on.
    public static func completion(_ facts: Facts, calendar: WorkingCalendar, response: Date) -> SLAClock {
        SLAClock(calendar: calendar, openedAt: facts.openedAt, limit: .workingDays(facts.completionDays + facts.extensionDays),
                 pauses: facts.pauses, notBefore: calendar.closeOfWork(onOrAfter: response))
    }
}
