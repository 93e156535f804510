import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Checking a username and password: 5 failures from one address lock the account for that address for 15 minutes;
/// failures from many addresses slow strangers down without locking the owner out (`AccountGuard`); 5 failures from
/// one address on any accounts refuse that address for 10 minutes (`AddressFailures`).
/// Every outcome is audited; a failure gives the same answer whether or not the username exists.
enum Login {
    enum Failure: Error {
        case wrongCredentials
        case locked(retryAfter: Int)
        /// Too many failures from the caller's address, whatever the accounts tried.
        case addressLocked(retryAfter: Int)
        /// The account is under a spread attack and this address is new to it: one attempt per interval.
        case slowed(retryAfter: Int)
    }

    /// The account guard of `config`: its limit, window and lock are those of `GONGZHI`'s account lockout settings.
    static func accountGuard(_ config: AppConfig) -> AccountGuard {
        var rule = AccountGuard()
        rule.pairLimit = config.lockout.maxFailures
        rule.window = config.lockout.window
        rule.lockDuration = config.lockout.lockDuration
        return rule
    }

    static func authenticate(username: String, password: String, in context: UseCaseContext) async throws -> UserRecord {
        let services = context.services
        let now = context.now
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        let address = context.address
        if let wait = services.config.addressLockout.retryAfter(try await AddressFailures.state(address, on: context.db), now: now) {
            try await context.write { db in
                try await context.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: "unknown",
                                                   outcome: "failure", summary: "address_locked"), on: db)
            }
            throw Failure.addressLocked(retryAfter: wait)
        }
        // A resident who set a password signs in with their mobile number in place of a username.
        var found: UserRecord?
        if let number = try? MobileNumber(validating: name) {
            found = try await UserRecord.query(on: context.db).filter(\.$phoneHash == services.cipher.blindIndex(number.value, field: .phone)).first()
        } else {
            found = try await UserRecord.query(on: context.db).filter(\.$username == name).first()
        }
        guard !name.isEmpty, name.count <= 64, password.count <= PasswordPolicy.maximumLength, let user = found else {
            _ = services.passwords.verify(password, against: services.decoyPasswordHash)
            let byAddress = try await context.write { db in
                try await context.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: "unknown",
                                                   outcome: "failure", summary: "unknown_user"), on: db)
                return try await AddressFailures.record(address, lockout: services.config.addressLockout, now: now, on: db)
            }
            if let wait = services.config.addressLockout.retryAfter(byAddress, now: now) { throw Failure.addressLocked(retryAfter: wait) }
            throw Failure.wrongCredentials
        }
        let userID = try user.requireID()
        try await checkAccountGuard(AccountID(userID), in: context)
        guard services.passwords.verify(password, against: user.passwordHash), !user.disabled else {
            try await recordFailure(of: AccountID(userID), summary: user.disabled ? "disabled" : "wrong_password", in: context)
        }
        return user
    }

    /// Refuses (audited) a password check for `userID` from the caller's address while the account is locked there or
    /// slowed for strangers; every check of an account's password goes through it (sign-in, token, re-entry).
    static func checkAccountGuard(_ userID: AccountID, in context: UseCaseContext) async throws {
        let services = context.services
        let now = context.now
        let address = context.address
        if let wait = services.config.addressLockout.retryAfter(try await AddressFailures.state(address, on: context.db), now: now) {
            throw Failure.addressLocked(retryAfter: wait)
        }
        let rule = accountGuard(services.config)
        let failures = try await SignInPlaces.recentFailures(of: userID.uuid, guard: rule, now: now, on: context.db)
        let known = try await SignInPlaces.isKnown(address, for: userID.uuid, now: now, on: context.db)
        let decision = rule.decide(failures, address: address, known: known, now: now)
        guard decision != .allow else { return }
        try await context.write { db in
            try await context.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: userID.description,
                                               outcome: "failure", summary: { if case .slowed = decision { "slowed" } else { "locked" } }()), on: db)
        }
        switch decision {
        case .allow: return
        case .lockedHere(let wait): throw Failure.locked(retryAfter: wait)
        case .slowed(let wait): throw Failure.slowed(retryAfter: wait)
        }
    }

    /// Counts a failed sign-in step against the account and the caller's address (a wrong password, a wrong
    /// authenticator code), audits it, and throws: locked (429) once either limit is reached, wrong credentials before.
    static func recordFailure(of userID: AccountID, summary: String, in context: UseCaseContext) async throws -> Never {
        let services = context.services
        let now = context.now
        let address = context.address
        let rule = accountGuard(services.config)
        let (decision, spreadBegan, byAddress) = try await context.write { db -> (AccountGuard.Decision, Bool, LoginLockout.State) in
            let byAddress = try await AddressFailures.record(address, lockout: services.config.addressLockout, now: now, on: db)
            let before = try await SignInPlaces.recentFailures(of: userID.uuid, guard: rule, now: now, on: db)
            try await SignInPlaces.recordFailure(of: userID.uuid, from: address, now: now, on: db)
            let after = before + [AccountGuard.Failure(address: address, at: now)]
            try await context.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: userID.description,
                                               outcome: "failure", summary: summary), on: db)
            let began = rule.isSpread(after, now: now) && !rule.isSpread(before, now: now)
            if began {
                try await context.audit(AuditEvent(action: "login.spread_attack", objectType: "user", objectID: userID.description,
                                                   outcome: "failure",
                                                   summary: "\(after.count) failures from \(Set(after.map(\.address)).count) addresses in \(Int(rule.window / 60)) minutes"),
                                        on: db)
            }
            return (rule.decide(after, address: address, known: false, now: now), began, byAddress)
        }
        if spreadBegan {
            context.logger.warning("failed sign-ins against one account from many addresses: strangers are slowed", metadata: ["user": "\(userID)"])
        }
        if case .lockedHere(let wait) = decision {
            context.logger.warning("account locked for one address after failed logins", metadata: ["user": "\(userID)"])
            throw Failure.locked(retryAfter: wait)
        }
        if let wait = services.config.addressLockout.retryAfter(byAddress, now: now) {
            context.logger.warning("address refused after failed logins")
            throw Failure.addressLocked(retryAfter: wait)
        }
        throw Failure.wrongCredentials
    }

    /// After a successful check: clears the failures, upgrades a hash made with fewer rounds, opens a new session (a new id at every
    /// login, against fixation; the previous session of this browser is deleted) and audits it. Returns the
    /// session's cookie token.
    static func openSession(for user: UserRecord, password: String?, replacing oldToken: String?, in context: UseCaseContext) async throws -> String {
        let token = Tokens.random()
        let now = context.now
        let services = context.services
        let userID = try user.requireID()
        let newHash = password.flatMap { services.passwords.needsRehash(user.passwordHash) ? services.passwords.hash($0) : nil }
        let address = context.address
        try await context.write { db in
            guard let fresh = try await UserRecord.find(userID, on: db) else { throw AppError.unauthorized }
            fresh.lockoutState = .init()
            try await SignInPlaces.signedIn(userID, from: address, now: now, on: db)
            if let newHash { fresh.passwordHash = newHash }
            try await fresh.update(on: db)
            if let oldToken {
                try await LoginSessionRecord.query(on: db).filter(\.$tokenHash == Tokens.digest(oldToken)).delete()
            }
            // An account with a second factor gets a session good only for entering the code.
            let session = LoginSessionRecord(tokenHash: Tokens.digest(token), userID: userID, csrfToken: Tokens.random(), now: now,
                                       awaitingSecondFactor: fresh.secondFactorSealed != nil)
            try await session.create(on: db)
            var audit = context.audit
            audit.actor = userID.uuidString.lowercased()
            try await AuditLog.append(AuditEvent(action: "login.success", objectType: "user", objectID: audit.actor),
                                      context: audit, now: now, on: db)
        }
        return token
    }
}

/// Failed sign-ins by address (checklist row 3: ≤ 5 per 10 minutes per account *and* per address), in the
/// database so that every instance counts them together. Rows are removed once their window and lock are over.
enum AddressFailures {
    static let table = "login_address_failures"

    static func state(_ address: String, on db: any Database) async throws -> LoginLockout.State {
        guard let row = try await db.sql().select().columns("failures", "first_failure_at", "locked_until").from(table)
            .where("address", .equal, address).first() else { return .init() }
        return LoginLockout.State(failures: try row.decode(column: "failures", as: Int.self),
                                  firstFailureAt: try row.decode(column: "first_failure_at", as: Date?.self),
                                  lockedUntil: try row.decode(column: "locked_until", as: Date?.self))
    }

    /// Counts one more failure from `address` inside the caller's transaction; returns the new state.
    static func record(_ address: String, lockout: LoginLockout, now: Date, on db: any Database) async throws -> LoginLockout.State {
        let next = lockout.recordingFailure(try await state(address, on: db), now: now)
        try await db.sql().delete(from: table).where("address", .equal, address).run()
        try await db.sql().insert(into: table).columns("address", "failures", "first_failure_at", "locked_until")
            .values(SQLBind(address), SQLBind(next.failures), SQLBind(next.firstFailureAt), SQLBind(next.lockedUntil)).run()
        return next
    }

    /// Forgets addresses whose window and lock are over.
    static func sweep(_ context: UseCaseContext) async throws {
        let now = context.now
        let lockout = context.services.config.addressLockout
        try await context.write { db in
            try await db.sql().delete(from: table)
                .where("first_failure_at", .lessThan, SQLBind(now.addingTimeInterval(-lockout.window)))
                .where { $0.where("locked_until", .is, SQLLiteral.null).orWhere("locked_until", .lessThan, SQLBind(now)) }
                .run()
        }
    }
}

struct CreateLoginAddressFailures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AddressFailures.table)
            .field("address", .string, .identifier(auto: false))
            .field("failures", .int, .required)
            .field("first_failure_at", .datetime)
            .field("locked_until", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(AddressFailures.table).delete() }
}
