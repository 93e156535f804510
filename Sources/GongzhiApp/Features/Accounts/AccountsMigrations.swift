import Fluent
import SQLKit

struct CreateUser: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("person_id", .uuid, .references(PersonRecord.schema, .id, onDelete: .setNull))
            .field("disabled", .bool, .required)
            .field("failed_logins", .int, .required)
            .field("first_failure_at", .datetime)
            .field("locked_until", .datetime)
            .field("password_changed_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "username")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(UserRecord.schema).delete() }
}

struct CreateRoleGrant: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RoleGrantRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("role", .string, .required)
            .field("node_id", .uuid, .references(OrgNodeRecord.schema, .id, onDelete: .cascade))
            .field("path", .string, .required)
            .field("granted_by", .uuid)
            .field("created_at", .datetime)
            .unique(on: "user_id", "role", "path")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(RoleGrantRecord.schema).delete() }
}

struct CreateAPIToken: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(APITokenRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("name", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(APITokenRecord.schema).delete() }
}

struct CreateLoginSession: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LoginSessionRecord.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(LoginSessionRecord.schema).delete() }
}

/// The authenticator secret of an account, and sessions that still await its code (checklist row 31).
struct AddSecondFactor: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).field("second_factor_enc", .string).update()
        try await database.schema(UserRecord.schema).field("second_factor_pending_enc", .string).update()
        try await database.schema(UserRecord.schema).field("second_factor_last_step", .int64).update()
        try await database.schema(LoginSessionRecord.schema)
            .field("awaiting_second_factor", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LoginSessionRecord.schema).deleteField("awaiting_second_factor").update()
        try await database.schema(UserRecord.schema).deleteField("second_factor_last_step").update()
        try await database.schema(UserRecord.schema).deleteField("second_factor_pending_enc").update()
        try await database.schema(UserRecord.schema).deleteField("second_factor_enc").update()
    }
}
