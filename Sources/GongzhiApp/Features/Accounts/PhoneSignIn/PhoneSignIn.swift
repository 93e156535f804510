import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// Sign-up and sign-in with a mobile number and a one-time code (`PhoneCodeRules`). A code proves the number;
/// the number finds the account that has it, or makes a new resident account (not yet anyone's neighbour: joining
/// a household comes after, confirmed by the community). A number typed into the register of residents never
/// opens an account by itself: it may be wrong, shared by a family or passed on. The answer to "send a code" is
/// the same whether or not any account has the number; codes never reach a log. Wrong codes count against the
/// caller's address as failed sign-ins do (`AddressFailures`); every check and spend of a code is one
/// conditional update, so parallel requests cannot get more tries or use a code twice.
enum PhoneSignIn {
    enum Failure: Error, Equatable {
        /// Another code may be asked for in `seconds` (which limit holds it back: `PhoneCodeRules.Limit`).
        case wait(seconds: Int, because: PhoneCodeRules.Limit)
        /// Too many wrong codes from this address: try again in `seconds`.
        case tooManyTries(seconds: Int)
        case wrongCode(triesLeft: Int)
        /// No code is pending: it expired, was used, or ran out of tries.
        case newCodeNeeded
        /// No SMS provider, or the gateway failed.
        case unavailable
        /// The number's account is disabled.
        case disabled
    }

    static func number(_ raw: String?) throws -> MobileNumber {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { throw AppError.invalid("phone", "required") }
        do { return try MobileNumber(validating: raw) } catch { throw AppError.invalid("phone") }
    }

    /// A code's keyed hash, bound to the row it belongs to (a code copied to another row does not match).
    static func codeHash(_ code: String, row: UUID, cipher: FieldCipher) -> String {
        cipher.blindIndex("code:\(row.uuidString.lowercased()):\(code)", field: .phone)
    }

    /// Sends a new code to `raw`, within the limits; the row is written before the message goes.
    static func sendCode(to raw: String?, in context: UseCaseContext) async throws {
        let phone = try number(raw)
        let services = context.services, rules = services.phoneCodes, now = context.now, address = context.address
        let hash = services.cipher.blindIndex(phone.value, field: .phone)
        var generator = SystemRandomNumberGenerator()
        let code = rules.generate(using: &generator)
        let row = context.ids.next()
        let sending = try await context.write { db -> PhoneCodeRules.Sending in
            // Two sends to one number at once on PostgreSQL: the second waits for the first's count and insert
            // (SQLite's writes are one at a time already).
            if db.sql().dialect.name == "postgresql" {
                try await db.sql().raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "phone_code:" + hash)))").run()
            }
            let toNumber = try await PhoneCodeRecord.query(on: db).filter(\.$phoneHash == hash)
                .filter(\.$sentAt > now.addingTimeInterval(-86_400)).all().map(\.sentAt)
            let fromAddress = try await PhoneCodeRecord.query(on: db).filter(\.$address == address)
                .filter(\.$sentAt > now.addingTimeInterval(-3_600)).all().map(\.sentAt)
            let sending = rules.sending(toNumber: toNumber, fromAddress: fromAddress, now: now)
            guard sending == .send else { return sending }
            try await PhoneCodeRecord(id: row, phoneHash: hash, codeHash: codeHash(code, row: row, cipher: services.cipher), address: address,
                                      sentAt: now).create(on: db)
            try await context.audit(AuditEvent(action: "phone.code_sent", objectType: "phone_code", objectID: row.uuidString.lowercased()), on: db)
            return sending
        }
        if case .wait(let seconds, let limit) = sending { throw Failure.wait(seconds: seconds, because: limit) }
        let minutes = Int(rules.lifetime / 60)
        let text = "【共治】验证码 \(code)，\(minutes) 分钟内有效，只用于登录共治。请勿告诉任何人，工作人员不会向您索要。"
        do {
            try await services.sms.send(SMSMessage(to: phone.value, text: text, code: code))
        } catch {
            context.logger.warning("a one-time code could not be sent", metadata: ["reason": "\(type(of: error))"])
            // The code was never delivered: it cannot be used.
            try? await context.write { db in try await PhoneCodeRecord.query(on: db).filter(\.$id == row).set(\.$usedAt, to: now).update() }
            throw Failure.unavailable
        }
    }

    /// What a correct code leads to.
    struct SignedIn: Sendable {
        let user: UserRecord
        /// A new account was made for the number.
        let created: Bool
    }

    /// Checks the code sent to `raw` and returns the account it signs in to (made now if there is none).
    static func verify(phone raw: String?, code rawCode: String?, in context: UseCaseContext) async throws -> SignedIn {
        let phone = try number(raw)
        let services = context.services, rules = services.phoneCodes, now = context.now, address = context.address
        guard let code = rules.normalised(rawCode ?? "") else { throw AppError.invalid("code") }
        if let wait = services.config.addressLockout.retryAfter(try await AddressFailures.state(address, on: context.db), now: now) {
            throw Failure.tooManyTries(seconds: wait)
        }
        let hash = services.cipher.blindIndex(phone.value, field: .phone)
        let outcome = try await context.write { db -> Result<SignedIn, Failure> in
            if let failure = try await spend(code, numberHash: hash, in: context, on: db) { return .failure(failure) }
            let account = try await account(for: phone, hash: hash, in: context, on: db)
            if account.user.disabled { return .failure(.disabled) }
            return .success(account)
        }
        return try outcome.get()
    }

    /// Checks `code` against the latest code sent to the number and spends it, in the caller's transaction: nil when
    /// it was right (and is now used), otherwise why not. Every try and the spending is one conditional UPDATE.
    static func spend(_ code: String, numberHash hash: String, in context: UseCaseContext, on db: any Database) async throws -> Failure? {
        let services = context.services, rules = services.phoneCodes, now = context.now, address = context.address
        guard let issued = try await PhoneCodeRecord.query(on: db).filter(\.$phoneHash == hash).sort(\.$sentAt, .descending).first(),
              let row = issued.id else {
            return .newCodeNeeded
        }
        let matches = TOTP.constantTimeEqual(codeHash(code, row: row, cipher: services.cipher), issued.codeHash)
        switch rules.check(.init(sentAt: issued.sentAt, tries: issued.tries, used: issued.usedAt != nil), matches: matches, now: now) {
        case .wrong:
            // One more try, only while the code is unused and has tries left (parallel guesses each count).
            let counted = try await db.sql().raw("""
                UPDATE phone_codes SET tries = tries + 1 WHERE id = \(bind: row) AND used_at IS NULL AND tries < \(bind: rules.maxTries)
                RETURNING tries
                """).first()?.decode(column: "tries", as: Int.self)
            _ = try await AddressFailures.record(address, lockout: services.config.addressLockout, now: now, on: db)
            guard let tries = counted, tries < rules.maxTries else { return .newCodeNeeded }
            return .wrongCode(triesLeft: rules.maxTries - tries)
        case .expired, .used, .exhausted:
            return .newCodeNeeded
        case .accepted:
            // Spent once: of two at the same time, one finds it unused.
            let spent = try await db.sql().raw("""
                UPDATE phone_codes SET used_at = \(bind: now) WHERE id = \(bind: row) AND used_at IS NULL AND tries < \(bind: rules.maxTries)
                RETURNING id
                """).all()
            return spent.isEmpty ? .newCodeNeeded : nil
        }
    }

    /// Sets the signed-in account's password with a code texted to its own number (issue 26: an optional password
    /// for residents, and its reset): no old password is asked — the code proves the number. Every session and token
    /// of the account ends, as with any password change.
    static func setPassword(code rawCode: String?, new: String?, confirm: String?, in context: UseCaseContext) async throws {
        let actor = try context.account()
        let services = context.services, now = context.now
        guard let user = try await UserRecord.find(actor.userID.uuid, on: context.db), let hash = user.phoneHash else { throw AppError.forbidden }
        guard let code = services.phoneCodes.normalised(rawCode ?? "") else { throw AppError.invalid("code") }
        guard let new, !new.isEmpty else { throw AppError.invalid("newPassword", "required") }
        guard new == confirm else { throw AppError.invalid("confirmPassword", "passwords_differ") }
        try AccountChanges.checkPassword(new, username: user.username, staff: !actor.isResident, config: services.config)
        if let wait = services.config.addressLockout.retryAfter(try await AddressFailures.state(context.address, on: context.db), now: now) {
            throw Failure.tooManyTries(seconds: wait)
        }
        let passwordHash = services.passwords.hash(new)
        let failure = try await context.write { db -> Failure? in
            if let failure = try await spend(code, numberHash: hash, in: context, on: db) { return failure }
            guard let fresh = try await UserRecord.find(actor.userID.uuid, on: db) else { throw AppError.unauthorized }
            fresh.passwordHash = passwordHash
            fresh.passwordChangedAt = now
            try await fresh.update(on: db)
            try await AccountChanges.endAllSessions(of: actor.userID.uuid, on: db)
            try await context.audit(AuditEvent(action: "user.password_by_code", objectType: "user", objectID: actor.userID.description), on: db)
            return nil
        }
        if let failure { throw failure }
    }

    /// The account with the number, or a new resident account named by the masked number.
    static func account(for phone: MobileNumber, hash: String, in context: UseCaseContext, on db: any Database) async throws -> SignedIn {
        if let user = try await UserRecord.query(on: db).filter(\.$phoneHash == hash).first() { return SignedIn(user: user, created: false) }
        let services = context.services
        let id = context.ids.next()
        let user = UserRecord(id: id, username: "phone-" + id.uuidString.lowercased().prefix(12), displayName: Masking.phone(phone.value),
                              passwordHash: services.passwords.hash(Tokens.random() + Tokens.random()), now: context.now)
        user.phoneSealed = services.cipher.seal(phone.value, field: .phone)
        user.phoneHash = hash
        user.phoneMask = Masking.phone(phone.value)
        try await user.create(on: db)
        // The action says what happened (审计页：居民用手机号注册); no summary in another language beside it.
        try await context.audit(AuditEvent(action: "user.signup", objectType: "user", objectID: id.uuidString.lowercased()), on: db)
        return SignedIn(user: user, created: true)
    }

    /// Forgets codes a day after they were sent (the per-day limit has no more use for them).
    static func sweep(_ context: UseCaseContext) async throws {
        let cutoff = context.now.addingTimeInterval(-86_400)
        try await context.write { db in try await PhoneCodeRecord.query(on: db).filter(\.$sentAt < cutoff).delete() }
    }
}
