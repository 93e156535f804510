import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Creating accounts, granting and revoking roles, disabling accounts and changing passwords.
enum AccountChanges {
    static func username(_ raw: String?) throws -> String {
        let value = (raw ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !value.isEmpty else { throw AppError.invalid("username", "required") }
        guard (3...64).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw AppError.invalid("username")
        }
        return value
    }

    static func checkPassword(_ password: String, username: String, staff: Bool, config: AppConfig) throws {
        let policy = PasswordPolicy(profile: staff ? config.passwordProfile : .standard)
        do { try policy.check(password, username: username) } catch { throw AppError.invalid("password", "weak_password") }
    }

    static func createUser(username: String, displayName: String, password: String, personID: PersonID?, in context: UseCaseContext) async throws -> UserRecord {
        let actor = try context.account()
        try checkPassword(password, username: username, staff: personID == nil, config: context.services.config)
        let hash = context.services.passwords.hash(password)
        return try await context.write { db in
            guard AccessPolicy.allowsAnywhere(.manageAccounts, actor: actor) else { throw AppError.forbidden }
            if try await UserRecord.query(on: db).filter(\.$username == username).count() > 0 {
                throw AppError.conflict("duplicate", field: "username")
            }
            if let personID, try await PersonRecord.find(personID.uuid, on: db) == nil { throw AppError.invalid("personId") }
            let user = UserRecord(username: username, displayName: displayName, passwordHash: hash, personID: personID?.uuid, now: context.now)
            try await user.create(on: db)
            try await context.audit(AuditEvent(action: "user.create", objectType: "user", objectID: user.id!.uuidString.lowercased(),
                                               change: ["username": username, "person": personID?.uuid.uuidString ?? ""]), on: db)
            return user
        }
    }

    static func grant(userID: AccountID, role: Role, nodeID: OrgNodeID?, in context: UseCaseContext) async throws -> RoleGrantRecord {
        let actor = try context.account()
        return try await context.write { db in
            guard let user = try await UserRecord.find(userID.uuid, on: db) else { throw AppError.notFound }
            var path = OrgPath.root
            var level: OrgLevel?
            var party: PartyKind?
            if let nodeID {
                let node = try await Scoped.find(OrgNodeRecord.self, nodeID.uuid, actor: actor, .viewOrganisation, on: db)
                path = node.orgPath
                level = node.level
                party = node.party
            }
            let existing = try await RoleGrantRecord.query(on: db).filter(\.$user.$id == userID.uuid).all()
            do throws(RoleGrantRules.Error) {
                try RoleGrantRules.check(granter: actor, granteeID: AccountID(userID.uuid), role: role, at: path,
                                         level: level, party: party, existing: existing.map(\.role))
            } catch {
                switch error {
                case .notAllowed: throw AppError.forbidden
                case .selfGrant: throw AppError.invalid("userId", "self_grant")
                case .administratorRolesAreExclusive: throw AppError.conflict("role_conflict", field: "role")
                case .wrongLevel, .wrongKindOfNode: throw AppError.invalid("nodeId", "wrong_level")
                }
            }
            if let same = existing.first(where: { $0.role == role && $0.path == path.rawValue }) { return same }
            if role == .resident, user.$person.id == nil { throw AppError.invalid("role", "wrong_level") }
            let record = RoleGrantRecord(userID: userID.uuid, role: role, nodeID: nodeID?.uuid, path: path, grantedBy: actor.userID.uuid)
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "role.grant", objectType: "user", objectID: userID.description,
                                               summary: role.rawValue, change: ["role": role.rawValue, "path": path.rawValue]), on: db)
            return record
        }
    }

    static func revoke(userID: AccountID, grantID: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        return try await context.write { db in
            guard let record = try await RoleGrantRecord.query(on: db).filter(\.$id == grantID).filter(\.$user.$id == userID.uuid).first() else {
                throw AppError.notFound
            }
            guard let path = OrgPath(record.path), AccessPolicy.allows(.manageAccounts, actor: actor, at: path) else { throw AppError.forbidden }
            guard actor.userID != AccountID(userID.uuid) else { throw AppError.invalid("userId", "self_grant") }
            try await record.delete(on: db)
            try await context.audit(AuditEvent(action: "role.revoke", objectType: "user", objectID: userID.description,
                                               summary: record.role.rawValue, change: ["role": record.role.rawValue, "path": record.path]), on: db)
        }
    }

    /// Disables an account and ends all its sessions and tokens at once (server-side).
    static func setDisabled(userID: AccountID, disabled: Bool, in context: UseCaseContext) async throws {
        let actor = try context.account()
        return try await context.write { db in
            guard AccessPolicy.allowsAnywhere(.manageAccounts, actor: actor) else { throw AppError.forbidden }
            guard actor.userID != AccountID(userID.uuid) else { throw AppError.invalid("userId", "self_grant") }
            guard let user = try await UserRecord.find(userID.uuid, on: db) else { throw AppError.notFound }
            user.disabled = disabled
            try await user.update(on: db)
            if disabled { try await endAllSessions(of: userID.uuid, on: db) }
            try await context.audit(AuditEvent(action: disabled ? "user.disable" : "user.enable", objectType: "user",
                                               objectID: userID.description), on: db)
        }
    }

    /// Changes one's own password; every session and token of the account ends (the caller signs in again).
    static func changePassword(current: String, new: String, in context: UseCaseContext) async throws {
        let actor = try context.account()
        let userID = actor.userID.uuid
        guard let user = try await UserRecord.find(userID, on: context.db) else { throw AppError.unauthorized }
        guard context.services.passwords.verify(current, against: user.passwordHash) else {
            throw AppError(status: .unprocessableEntity, code: "wrong_credentials", messageKey: "login.failed", field: "currentPassword")
        }
        try checkPassword(new, username: user.username, staff: user.$person.id == nil, config: context.services.config)
        // A change must change it (the 等保 lifetime would mean nothing otherwise).
        guard !context.services.passwords.verify(new, against: user.passwordHash) else { throw AppError.invalid("newPassword", "password_reused") }
        let hash = context.services.passwords.hash(new)
        try await context.write { db in
            guard let fresh = try await UserRecord.find(userID, on: db) else { throw AppError.unauthorized }
            fresh.passwordHash = hash
            fresh.passwordChangedAt = context.now
            try await fresh.update(on: db)
            try await endAllSessions(of: userID, on: db)
            try await context.audit(AuditEvent(action: "user.password", objectType: "user", objectID: actor.userID.description), on: db)
        }
    }

    static func endAllSessions(of userID: UUID, on db: any Database) async throws {
        try await LoginSessionRecord.query(on: db).filter(\.$user.$id == userID).delete()
        try await APITokenRecord.query(on: db).filter(\.$user.$id == userID).delete()
    }
}
