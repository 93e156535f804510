import Crypto
import Foundation

/// Follow-ups (回访, SPEC §4 and §8): how a replied case may close, what a phone follow-up recorded by staff must
/// say, and which closed cases are drawn for a follow-up visit that the evaluation's spot checks read.
public enum FollowUpRules {
    /// How a replied case closes. There is no fourth way: staff cannot close a case the resident has not rated
    /// (a false closure, 虚假办结).
    public enum Closing: String, Sendable, Codable, CaseIterable {
        /// The resident rated it online.
        case residentRating = "resident_rating"
        /// Staff called the resident and recorded who called, when, and what the resident said, with the rating.
        case phoneFollowUp = "phone_follow_up"
        /// Nobody rated it within the rating period (`WorkingCalendar.periodEnd`).
        case autoClose = "auto_close"
    }

    /// What a follow-up is for.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The call that recorded a rating on the resident's behalf.
        case ratingCall = "rating_call"
        /// A visit or call after closing, for a sample of closed cases (spot checks of the evaluation).
        case afterClose = "after_close"
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Scheduled, not yet done.
        case due
        /// Done: the resident was reached and said what is recorded.
        case done
        /// Tried, and the resident could not be reached.
        case unreachable
    }

    public enum CallError: Error, Equatable, Sendable {
        /// What the resident said is required (2–2 000 characters).
        case wordsRequired
        /// The call cannot be before the reply it follows up, nor in the future.
        case beforeReply
        case inFuture
    }

    /// The longest record of what the resident said.
    public static let maxWords = 2_000

    /// Checks a phone follow-up recorded by staff: what the resident said, and a call between the reply and now.
    public static func checkCall(calledAt: Date, repliedAt: Date?, now: Date, residentSaid: String) throws(CallError) {
        let words = residentSaid.trimmingCharacters(in: .whitespacesAndNewlines)
        guard words.count >= 2, words.count <= maxWords else { throw .wordsRequired }
        guard calledAt <= now else { throw .inFuture }
        if let replied = repliedAt, calledAt < replied { throw .beforeReply }
    }

    /// Whether the closed case `caseID` is drawn for a follow-up after closing: `perMille` of every 1 000 cases, fixed
    /// by the case's id (SHA-256), so that nobody chooses which cases are checked and a draw can be repeated.
    public static func isDrawn(caseID: UUID, perMille: Int) -> Bool {
        guard perMille > 0 else { return false }
        guard perMille < 1_000 else { return true }
        let digest = Array(SHA256.hash(data: Array(caseID.uuidString.lowercased().utf8)))
        let value = Int(digest[0]) << 16 | Int(digest[1]) << 8 | Int(digest[2])
        return value % 1_000 < perMille
    }

    /// Working days after closing within which a drawn follow-up is due.
    public static let afterCloseWorkingDays = 5
}
