import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// A resident's erasure of their account (PIPL art. 47). What other law or other people rely on is kept but no
/// longer leads to them: the account row stays as a tombstone (a random name, no password, no resident record),
/// so their cases, supports, votes and ratings still count, under an id that names nobody. Everything that exists
/// only for them is deleted. The community's register of residents (`persons`, households) is the community's
/// record, kept under its own legal basis: the resident asks their community worker about it.
enum PersonalDataErasure {
    enum Action: Sendable, Equatable {
        /// Rows deleted.
        case delete
        /// The column set to NULL.
        case unlink
        /// The row stays under the tombstone id: why.
        case keep(String)
    }

    /// What happens to every column that names the data subject (`DataInventory.Subject`): `erase` carries out
    /// exactly this table, and a test checks that it covers the inventory, so a new such column cannot be forgotten.
    static let actions: [String: Action] = [
        "api_tokens.user_id": .delete,
        "household_joins.user_id": .delete,
        "login_sessions.user_id": .delete,
        "login_account_failures.user_id": .delete,
        "login_known_places.user_id": .delete,
        "vote_notices.user_id": .delete,
        "case_notices.user_id": .delete,
        "announcement_reads.user_id": .delete,
        "idempotency_keys.scope": .delete,
        "role_grants.user_id": .delete,
        "cases.submitter_user_id": .unlink,
        "cases.submitter_person_id": .unlink,
        "case_events.actor_user_id": .unlink,
        "users.person_id": .unlink,
        "audit_log.actor": .keep("the audit log is append-only; it holds ids, never names"),
        "case_attachments.uploaded_by": .keep("the photo belongs to the case"),
        "deliberation_photos.uploaded_by": .keep("the photo belongs to the need, project or meeting"),
        "need_supports.user_id": .keep("the support still counts"),
        "needs.raised_by": .keep("the need belongs to the community"),
        "poll_votes.user_id": .keep("the vote still counts"),
        "project_ratings.user_id": .keep("the rating still counts; its comment is cleared"),
        "property_survey_responses.user_id": .keep("the yearly rating still counts; its comment is cleared"),
        "household_members.person_id": .keep("the community's register of residents"),
        "committee_members.person_id": .keep("a seat on the owners' committee is a public office of the compound"),
        "units.vote_representative_id": .keep("the community's register of owners"),
        "owner_vote_ballots.voter_key": .keep("an owners' vote is a legal record (Civil Code art. 278)"),
        "owner_vote_voters.voter_key": .keep("an owners' vote is a legal record"),
        "owner_vote_voters.cast_by": .keep("an owners' vote is a legal record"),
        "owner_vote_ballots.recorded_by": .keep("staff who entered a paper ballot"),
        "owner_votes.created_by": .keep("staff record"),
        "meetings.created_by": .keep("staff record"),
        "polls.created_by": .keep("staff record"),
        "announcements.created_by": .keep("staff record: who published a community's announcement"),
        "ledger_accounts.person_id": .keep("the points ledger is append-only; its balances must keep adding up"),
        "redemptions.person_id": .keep("a redemption moved points and stock on the ledger"),
        "ledger_transfers.created_by": .keep("staff record on an append-only ledger"),
        "points_rules.created_by": .keep("staff record"),
        "redemptions.resolved_by": .keep("staff record"),
        "volunteers.person_id": .delete,
        "activity_signups.person_id": .keep("volunteer hours confirmed and credited as points on the ledger"),
        "activity_signups.confirmed_by": .keep("staff record"),
        "activities.organiser_id": .keep("staff record"),
        "convention_comments.user_id": .delete,
        "convention_pledges.person_id": .keep("the convention's pledge count is public; no name is shown"),
        "convention_versions.created_by": .keep("staff record"),
        "convention_comments.moderated_by": .keep("staff record"),
        "party_registrations.person_id": .keep("the party organisation's register of members; the member leaves it by withdrawing"),
        "party_registrations.decided_by": .keep("staff record"),
        "party_service_posts.created_by": .keep("staff record"),
        "party_service_logs.logged_by": .keep("service reported to the member's unit (双报告)"),
        "party_service_logs.decided_by": .keep("staff record"),
        "projects.created_by": .keep("staff record"),
        "project_updates.created_by": .keep("staff record"),
        "resources.created_by": .keep("the offer belongs to the community"),
        "role_grants.granted_by": .keep("staff record"),
        "warnings.handled_by": .keep("staff record"),
        "case_follow_ups.called_by": .keep("staff record"),
        "rectifications.created_by": .keep("staff record"),
        "rectifications.submitted_by": .keep("staff record"),
        "rectifications.verified_by": .keep("staff record"),
        "warning_settings.updated_by": .keep("staff record"),
    ]

    enum Failure: Error {
        /// Staff accounts are closed by the security administrator, not by themselves.
        case staffAccount
        case wrongPassword
    }

    /// Erases `user`'s account in one transaction, with its audit entry. `password` re-authenticates.
    static func erase(userID: AccountID, password: String, in context: UseCaseContext) async throws {
        guard let user = try await UserRecord.find(userID.uuid, on: context.db) else { throw AppError.unauthorized }
        let grants = try await RoleGrantRecord.query(on: context.db).filter(\.$user.$id == userID.uuid).all()
        guard grants.allSatisfy({ $0.role == .resident }) else { throw Failure.staffAccount }
        guard context.services.passwords.verify(password, against: user.passwordHash) else { throw Failure.wrongPassword }
        let services = context.services
        let tombstone = "erased-" + Tokens.random().prefix(12).lowercased()
        let unusable = services.passwords.hash(Tokens.random() + Tokens.random())
        let lowered = userID.description
        let subject = PersonalDataExport.Subject(userID: userID.uuid, personID: user.$person.id)
        let columns = services.dataInventory.personal.filter { $0.subject != nil }
        try await context.write { db in
            let sql = db.sql()
            // What goes with a row that stays: the contact an API client sent, a rating's words.
            try await sql.raw("UPDATE cases SET contact_sealed = NULL WHERE submitter_user_id = \(bind: userID.uuid)").run()
            try await sql.raw("UPDATE project_ratings SET comment = '' WHERE user_id = \(bind: userID.uuid)").run()
            try await sql.raw("UPDATE property_survey_responses SET comment = '' WHERE user_id = \(bind: userID.uuid)").run()
            // Then each column that names the person, as the table above says.
            let typed = try await PersonalDataExport.uuidColumns(on: db)
            for column in columns {
                guard let action = actions["\(column.table).\(column.column)"],
                      let names = PersonalDataExport.names(column, subject, typed: typed) else { continue }
                switch action {
                case .delete: try await sql.raw("DELETE FROM \(ident: column.table) WHERE \(names)").run()
                case .unlink: try await sql.raw("UPDATE \(ident: column.table) SET \(ident: column.column) = NULL WHERE \(names)").run()
                case .keep: break
                }
            }
            // The account itself becomes the tombstone the kept rows point to.
            try await sql.raw("""
                UPDATE users SET username = \(bind: tombstone), display_name = '', password_hash = \(bind: unusable),
                phone_enc = NULL, phone_hash = NULL, phone_mask = NULL, disabled = \(bind: true) WHERE id = \(bind: userID.uuid)
                """).run()
            try await context.audit(AuditEvent(action: "data.erasure", objectType: "user", objectID: lowered,
                                               summary: "account erased by its owner; kept rows point to a tombstone"), on: db)
        }
    }
}
