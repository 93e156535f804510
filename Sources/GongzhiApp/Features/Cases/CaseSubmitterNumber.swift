import Fluent
import Foundation
import GongzhiCore

/// The full mobile number of whoever raised a case, for calling them back (issue 26): for staff with the right to
/// unmask at the case's place, with a reason, audited — as a person's numbers are on their page. An anonymous
/// case has no number to show.
enum CaseSubmitterNumber {
    static func unmask(caseID: CaseID, reason raw: String, in context: UseCaseContext) async throws -> String {
        let actor = try context.account()
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 2 else { throw AppError.invalid("reason", "reason_required") }
        guard reason.count <= 200 else { throw AppError.invalid("reason", "too_long") }
        let cipher = context.services.cipher
        return try await context.write { db in
            let record = try await CaseActions.visibleCase(caseID.uuid, actor: actor, on: db)
            try Scoped.require(.unmaskPersonalData, actor: actor, at: record.placePath)
            guard !record.anonymous else { throw AppError.notFound }
            var sealed: String?
            if let id = record.submitterPersonID { sealed = try await PersonRecord.find(id, on: db)?.phoneSealed }
            if sealed == nil, let id = record.submitterUserID { sealed = try await UserRecord.find(id, on: db)?.phoneSealed }
            guard let sealed else { throw AppError.notFound }
            let phone = try cipher.open(sealed, field: .phone)
            try await context.audit(AuditEvent(action: "case.unmask_submitter", objectType: "case", objectID: caseID.description,
                                               summary: "reason=" + reason, change: ["reason": reason]), on: db)
            return phone
        }
    }
}
