import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Putting an account on a resident's identity (issue 24 finding 2). The security administrator creates accounts but
/// cannot give one a person: with that alone, a second account on a resident's identity could read their ballot,
/// replace it, and download their numbers. A community worker where the person lives confirms who the account
/// holder is — and says how (the evidence seen) — and links it; a person has at most one account (a unique index on
/// `users.person_id`, both databases).
enum AccountLinks {
    static func link(personID: PersonID, userID: AccountID, evidence rawEvidence: String?, in context: UseCaseContext) async throws -> UserRecord {
        let actor = try context.account()
        let evidence = try Validate.text(rawEvidence, field: "evidence", limit: 500)
        guard evidence.count >= 2 else { throw AppError.invalid("evidence", "identity_evidence_required") }
        return try await context.write { db in
            let person = try await Scoped.find(PersonRecord.self, personID.uuid, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: person.orgPath)
            guard let user = try await UserRecord.find(userID.uuid, on: db) else { throw AppError.invalid("userId", "not_found") }
            // Never one's own account: a worker must not give themselves a resident's identity (and their ballot).
            guard AccountID(userID.uuid) != actor.userID else { throw AppError.conflict("own_account", field: "userId") }
            _ = try await checkLinkable(user, to: personID.uuid, on: db)
            user.$person.id = personID.uuid
            try await user.update(on: db)
            try await context.audit(AuditEvent(action: "user.link_person", objectType: "user", objectID: userID.description,
                                               change: ["person": personID.description, "evidence": Masking.numbersInText(evidence)]), on: db)
            return user
        }
    }
}

extension AccountLinks {
    /// Whether `user` may be put on the person, in the caller's transaction (here, and when a resident joins their
    /// household): not linked already; not an administrator (三员分立) nor staff (only accounts holding no role but
    /// the resident's); and the person has no account yet. Returns the account's grants.
    static func checkLinkable(_ user: UserRecord, to personID: UUID, on db: any Database) async throws -> [RoleGrantRecord] {
        guard user.$person.id == nil else { throw AppError.conflict("account_linked", field: "userId") }
        let grants = try await RoleGrantRecord.query(on: db).filter(\.$user.$id == user.requireID()).all()
        guard !grants.contains(where: { $0.role.isAdministrator }) else { throw AppError.conflict("administrator_account", field: "userId") }
        guard grants.allSatisfy({ $0.role == .resident }) else { throw AppError.conflict("staff_account", field: "userId") }
        guard try await UserRecord.query(on: db).filter(\.$person.$id == personID).count() == 0 else {
            throw AppError.conflict("person_has_account", field: "userId")
        }
        return grants
    }
}

/// A person has at most one account (issue 24 finding 2). Where a database already has several accounts on one
/// person, the oldest keeps it and the others are unlinked, each with an audit entry, before the index is made.
struct UniqueAccountPerPerson: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let rows = try await sql.raw("""
            SELECT id, person_id FROM users WHERE person_id IN
              (SELECT person_id FROM users WHERE person_id IS NOT NULL GROUP BY person_id HAVING COUNT(*) > 1)
            ORDER BY person_id, created_at, id
            """).all()
        var seen = Set<UUID>()
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self), person = try row.decode(column: "person_id", as: UUID.self)
            guard !seen.insert(person).inserted else { continue }
            try await sql.update(UserRecord.schema).set("person_id", to: SQLLiteral.null).where("id", .equal, SQLBind(id)).run()
            try await AuditLog.append(AuditEvent(action: "user.unlink_person", objectType: "user", objectID: id.uuidString.lowercased(),
                                                 summary: "a second account on one person, unlinked by the migration"),
                                      context: .system, now: Date(), on: database)
        }
        try await sql.create(index: "idx_users_person_unique").on(UserRecord.schema).column("person_id").unique().run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_users_person_unique").run()
    }
}
