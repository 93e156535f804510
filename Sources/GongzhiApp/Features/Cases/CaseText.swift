import Foundation
import GongzhiCore

/// Who sees the mobile and ID numbers people type into a case's free text (issue 24 finding 6): the submitter, and
/// staff with the right to unmask personal data where the case is or who handle it. Everyone else — the public board,
/// Open311, followers, staff without that right — sees them masked (`Masking.numbersInText`).
enum CaseText {
    static func seesNumbers(_ actor: Actor?, _ record: CaseRecord) -> Bool {
        guard let actor else { return false }
        if let submitter = record.submitterUserID, AccountID(submitter) == actor.userID { return true }
        let facts = record.facts
        return AccessPolicy.allows(.unmaskPersonalData, actor: actor, at: facts.placePath)
            || AccessPolicy.allows(.unmaskPersonalData, actor: actor, at: facts.handlerPath)
    }

    /// `text` as `actor` may read it on `record`.
    static func shown(_ text: String, to actor: Actor?, of record: CaseRecord) -> String {
        seesNumbers(actor, record) ? text : Masking.numbersInText(text)
    }
}
