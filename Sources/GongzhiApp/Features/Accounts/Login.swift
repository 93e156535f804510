import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Checking a username and password, with lockout after repeated failures (5 failures → 15 minutes).
/// Every outcome is audited; a failure gives the same answer whether or not the username exists.
enum Login {
    enum Failure: Error {
        case wrongCredentials
        case locked(retryAfter: Int)
    }

    static func authenticate(username: String, password: String, on request: Request) async throws -> User {
        let services = request.gongzhi
        let now = request.now
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty, name.count <= 64, password.count <= PasswordPolicy.maximumLength,
              let user = try await User.query(on: request.db).filter(\.$username == name).first()
        else {
            _ = services.passwords.verify(password, against: services.decoyPasswordHash)
            try await request.write { db in
                try await request.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: "unknown",
                                                   outcome: "failure", summary: "unknown_user"), on: db)
            }
            throw Failure.wrongCredentials
        }
        let userID = try user.requireID()
        if let wait = services.config.lockout.retryAfter(user.lockoutState, now: now) {
            try await request.write { db in
                try await request.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: userID.uuidString.lowercased(),
                                                   outcome: "failure", summary: "locked"), on: db)
            }
            throw Failure.locked(retryAfter: wait)
        }
        guard services.passwords.verify(password, against: user.passwordHash), !user.disabled else {
            let next = try await request.write { db -> LoginLockout.State in
                guard let fresh = try await User.find(userID, on: db) else { return .init() }
                fresh.lockoutState = services.config.lockout.recordingFailure(fresh.lockoutState, now: now)
                try await fresh.update(on: db)
                try await request.audit(AuditEvent(action: "login.failure", objectType: "user", objectID: userID.uuidString.lowercased(),
                                                   outcome: "failure", summary: user.disabled ? "disabled" : "wrong_password"), on: db)
                return fresh.lockoutState
            }
            if let wait = services.config.lockout.retryAfter(next, now: now) {
                request.logger.warning("account locked after failed logins", metadata: ["user": "\(userID)"])
                throw Failure.locked(retryAfter: wait)
            }
            throw Failure.wrongCredentials
        }
        return user
    }

    /// After a successful check: clears the failures, upgrades a hash made with fewer rounds, opens a new session (a new id at every
    /// login, against fixation; the previous session of this browser is deleted) and audits it. Returns the
    /// session's cookie token.
    static func openSession(for user: User, password: String, replacing oldToken: String?, on request: Request) async throws -> String {
        let token = Tokens.random()
        let now = request.now
        let services = request.gongzhi
        let userID = try user.requireID()
        let newHash = services.passwords.needsRehash(user.passwordHash) ? services.passwords.hash(password) : nil
        try await request.write { db in
            guard let fresh = try await User.find(userID, on: db) else { throw AppError.unauthorized }
            fresh.lockoutState = .init()
            if let newHash { fresh.passwordHash = newHash }
            try await fresh.update(on: db)
            if let oldToken {
                try await LoginSession.query(on: db).filter(\.$tokenHash == Tokens.digest(oldToken)).delete()
            }
            let session = LoginSession(tokenHash: Tokens.digest(token), userID: userID, csrfToken: Tokens.random(), now: now)
            try await session.create(on: db)
            var context = request.auditContext
            context.actor = userID.uuidString.lowercased()
            try await AuditLog.append(AuditEvent(action: "login.success", objectType: "user", objectID: context.actor),
                                      context: context, now: now, on: db)
        }
        return token
    }
}
