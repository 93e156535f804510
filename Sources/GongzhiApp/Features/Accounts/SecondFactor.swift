import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// An account's authenticator (TOTP) second factor (checklist row 31): enrolment with a confirming code, the code
/// after the password (pages) or with it (API tokens), and the security administrator's reset. The secret is
/// sealed with the data key; a code is accepted once (its time step is recorded in the same statement that checks
/// it has not been used).
enum SecondFactor {
    static let issuer = "共治 Gongzhi"

    static func secret(_ sealed: String, in context: UseCaseContext) throws -> [UInt8] {
        guard let bytes = TOTP.bytes(base32: try context.services.cipher.open(sealed, field: .secondFactor)) else { throw Abort(.internalServerError) }
        return bytes
    }

    /// True when `code` is the account's current code and was not used before; records its step.
    static func accept(_ code: String, user: UserRecord, in context: UseCaseContext) async throws -> Bool {
        guard let sealed = user.secondFactorSealed else { return false }
        let userID = try user.requireID()
        guard let step = TOTP.matchingStep(code, secret: try secret(sealed, in: context), at: context.now, after: user.secondFactorLastStep) else {
            return false
        }
        return try await context.write { db in
            let claimed = try await db.sql().raw("""
                UPDATE users SET second_factor_last_step = \(bind: step)
                WHERE id = \(bind: userID) AND (second_factor_last_step IS NULL OR second_factor_last_step < \(bind: step))
                RETURNING id
                """).all()
            return !claimed.isEmpty
        }
    }

    /// Checks the code of a sign-in step; a wrong or reused code counts as a failed sign-in (and may lock).
    static func require(_ code: String?, user: UserRecord, in context: UseCaseContext) async throws {
        guard let code, !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AppError(status: .unauthorized, code: "second_factor_required", messageKey: "account.second_factor_required", field: "otp")
        }
        guard try await accept(code, user: user, in: context) else {
            try await Login.recordFailure(of: AccountID(try user.requireID()), summary: "wrong_second_factor", in: context)
        }
    }

    /// A new secret awaiting confirmation (replacing any earlier one); returns it in Base32.
    static func startEnrolment(userID: AccountID, in context: UseCaseContext) async throws -> String {
        let key = TOTP.base32(TOTP.newSecret())
        let sealed = context.services.cipher.seal(key, field: .secondFactor)
        try await context.write { db in
            guard let user = try await UserRecord.find(userID.uuid, on: db) else { throw AppError.unauthorized }
            guard user.secondFactorSealed == nil else { throw AppError.conflict("second_factor_enrolled", field: nil) }
            user.pendingSecondFactorSealed = sealed
            try await user.update(on: db)
        }
        return key
    }

    /// Confirms enrolment with a code from the app: the pending secret becomes the account's. Audited.
    static func confirmEnrolment(userID: AccountID, code: String, in context: UseCaseContext) async throws {
        guard let user = try await UserRecord.find(userID.uuid, on: context.db), let pending = user.pendingSecondFactorSealed else {
            throw AppError.invalid("code", "second_factor_not_started")
        }
        guard let step = TOTP.matchingStep(code, secret: try secret(pending, in: context), at: context.now, after: nil) else {
            throw AppError.invalid("code", "wrong_second_factor")
        }
        try await context.write { db in
            guard let fresh = try await UserRecord.find(userID.uuid, on: db), fresh.pendingSecondFactorSealed == pending else { throw AppError.conflict("stale", field: "code") }
            fresh.secondFactorSealed = pending
            fresh.pendingSecondFactorSealed = nil
            fresh.secondFactorLastStep = step
            try await fresh.update(on: db)
            try await context.audit(AuditEvent(action: "user.second_factor.enrol", objectType: "user", objectID: userID.description), on: db)
        }
    }

    /// The security administrator clears an account's second factor (a lost phone); the account's sessions and
    /// tokens end, and an administrator under the 等保 profile must enrol again at the next sign-in. Audited.
    static func reset(userID: AccountID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        return try await context.write { db in
            guard AccessPolicy.allowsAnywhere(.manageAccounts, actor: actor) else { throw AppError.forbidden }
            guard actor.userID != AccountID(userID.uuid) else { throw AppError.invalid("userId", "self_grant") }
            guard let user = try await UserRecord.find(userID.uuid, on: db) else { throw AppError.notFound }
            user.secondFactorSealed = nil
            user.pendingSecondFactorSealed = nil
            user.secondFactorLastStep = nil
            try await user.update(on: db)
            try await AccountChanges.endAllSessions(of: userID.uuid, on: db)
            try await context.audit(AuditEvent(action: "user.second_factor.reset", objectType: "user", objectID: userID.description), on: db)
        }
    }
}
