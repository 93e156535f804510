import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A login account (staff, resident or administrator).
final class UserRecord: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    /// The resident record of a resident account.
    @OptionalParent(key: "person_id") var person: PersonRecord?
    @Field(key: "disabled") var disabled: Bool
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "first_failure_at") var firstFailureAt: Date?
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Field(key: "password_changed_at") var passwordChangedAt: Date
    /// The authenticator secret (TOTP, sealed), once enrolled; the one shown for enrolment until it is confirmed;
    /// the last time step whose code was used (a code is good once).
    @OptionalField(key: "second_factor_enc") var secondFactorSealed: String?
    @OptionalField(key: "second_factor_pending_enc") var pendingSecondFactorSealed: String?
    @OptionalField(key: "second_factor_last_step") var secondFactorLastStep: Int64?
    /// The account's own mobile number, for sign-in by code: sealed, its blind index (unique), masked.
    @OptionalField(key: "phone_enc") var phoneSealed: String?
    @OptionalField(key: "phone_hash") var phoneHash: String?
    @OptionalField(key: "phone_mask") var phoneMask: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Children(for: \.$user) var grants: [RoleGrantRecord]

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $username, $displayName, $passwordHash, $person, $disabled, $failedLogins, $firstFailureAt, $lockedUntil,
            $passwordChangedAt, $secondFactorSealed, $pendingSecondFactorSealed, $secondFactorLastStep, $phoneSealed, $phoneHash, $phoneMask,
            $createdAt, $grants
        ]
    }

    init() {}

    init(id: UUID? = nil, username: String, displayName: String, passwordHash: String, personID: UUID? = nil, now: Date) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.$person.id = personID
        self.disabled = false
        self.failedLogins = 0
        self.passwordChangedAt = now
    }

    var lockoutState: LoginLockout.State {
        get { .init(failures: failedLogins, firstFailureAt: firstFailureAt, lockedUntil: lockedUntil) }
        set {
            failedLogins = newValue.failures
            firstFailureAt = newValue.firstFailureAt
            lockedUntil = newValue.lockedUntil
        }
    }
}

/// A role granted to a user at a node of the tree (nil node: the whole installation).
final class RoleGrantRecord: Model, @unchecked Sendable {
    static let schema = "role_grants"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: UserRecord
    @Field(key: "role") var role: Role
    @OptionalParent(key: "node_id") var node: OrgNodeRecord?
    /// The node's path, kept with the grant so authorisation needs no join.
    @Field(key: "path") var path: String
    @OptionalField(key: "granted_by") var grantedBy: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $user, $role, $node, $path, $grantedBy, $createdAt] }

    init() {}

    init(userID: UUID, role: Role, nodeID: UUID?, path: OrgPath, grantedBy: UUID?) {
        self.$user.id = userID
        self.role = role
        self.$node.id = nodeID
        self.path = path.rawValue
        self.grantedBy = grantedBy
    }

    var grant: RoleGrant? { OrgPath(path).map { RoleGrant(role: role, path: $0) } }
}

/// A bearer token for the API; only its SHA-256 is stored.
final class APITokenRecord: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: UserRecord
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "name") var name: String
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $user, $tokenHash, $name, $expiresAt, $createdAt] }

    init() {}

    init(userID: UUID, tokenHash: String, name: String, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.name = name
        self.expiresAt = expiresAt
    }
}

/// A browser login session, kept on the server; the cookie holds a random token whose SHA-256 is the key here.
final class LoginSessionRecord: Model, @unchecked Sendable {
    static let schema = "login_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "user_id") var user: UserRecord
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    /// Opened with the password of an account that has a second factor: good for nothing but entering the code.
    @Field(key: "awaiting_second_factor") var awaitingSecondFactor: Bool

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $tokenHash, $user, $csrfToken, $createdAt, $lastSeenAt, $awaitingSecondFactor] }

    init() {}

    init(tokenHash: String, userID: UUID, csrfToken: String, now: Date, awaitingSecondFactor: Bool = false) {
        self.tokenHash = tokenHash
        self.$user.id = userID
        self.csrfToken = csrfToken
        self.createdAt = now
        self.lastSeenAt = now
        self.awaitingSecondFactor = awaitingSecondFactor
    }
}
