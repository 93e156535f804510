import Foundation
import Testing
@testable import GongzhiCore

@Suite("Passwords, lockout and sessions")
struct PasswordTests {
    let hasher = PasswordHasher(rounds: 1_000)

    @Test("hash and verify; a wrong password fails; hashes are salted")
    func hashAndVerify() {
        let stored = hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(hasher.verify("correct horse battery", against: stored))
        #expect(!hasher.verify("correct horse batterY", against: stored))
        #expect(stored != hasher.hash("correct horse battery"))
        #expect(!hasher.verify("x", against: "garbage"))
        #expect(!hasher.verify("x", against: "pbkdf2-sha256$0$AA==$AA=="))
    }

    @Test("a 64-character Chinese password is hashed whole: changing its last character fails")
    func noTruncation() {
        let long = String(repeating: "社区共建共治共享平台", count: 7).prefix(64)
        #expect(long.count == 64 && long.utf8.count == 192)
        let stored = hasher.hash(String(long))
        #expect(hasher.verify(String(long), against: stored))
        #expect(!hasher.verify(String(long.dropLast()) + "甲", against: stored))
        #expect(!hasher.verify(String(long.prefix(24)), against: stored))
    }

    @Test("hashes with fewer rounds than configured are upgraded")
    func rehash() {
        let old = PasswordHasher(rounds: 1_000).hash("pw-one-two")
        #expect(PasswordHasher(rounds: 2_000).needsRehash(old))
        #expect(!PasswordHasher(rounds: 1_000).needsRehash(old))
        #expect(PasswordHasher(rounds: 1_000).needsRehash("bcrypt$whatever"))
    }

    @Test("policy: length in characters, common passwords, the username, and the 等保 profile")
    func policy() throws {
        let standard = PasswordPolicy()
        #expect(throws: PasswordPolicy.Violation.tooShort(minimum: 8)) { try standard.check("short1", username: "li") }
        #expect(throws: PasswordPolicy.Violation.common) { try standard.check("12345678", username: "li") }
        #expect(throws: PasswordPolicy.Violation.common) { try standard.check("Password123", username: "li") }
        #expect(throws: PasswordPolicy.Violation.containsUsername) { try standard.check("wangwei-2026-ok", username: "wangwei") }
        #expect(throws: PasswordPolicy.Violation.tooLong(maximum: 128)) { try standard.check(String(repeating: "a", count: 129), username: "li") }
        try standard.check("社区共治八个汉字", username: "li")
        #expect(throws: PasswordPolicy.Violation.tooShort(minimum: 8)) { try standard.check("社区共治七个字", username: "li") }
        try standard.check("我家住在和平里三号楼", username: "li")
        let dengbao = PasswordPolicy(profile: .dengbao)
        #expect(throws: PasswordPolicy.Violation.tooFewCharacterClasses(required: 3)) { try dengbao.check("onlylowercase", username: "li") }
        try dengbao.check("Lower-and-9", username: "li")
    }

    @Test("the checklist's top-3 000 leaked passwords are refused in any case, near the top and at the end; a variant a character away is not 'common'")
    func topThreeThousand() throws {
        let standard = PasswordPolicy()
        #expect(CommonPasswords.leaked.count == 3_000 && Set(CommonPasswords.leaked).count == 3_000)
        #expect(CommonPasswords.leaked.prefix(3) == ["123456", "password", "12345678"])
        for common in ["password", "baseball", "iloveyou", "trustno1", "Sunshine", "QWERTYUIOP", "leavemealone", "tinkerbell", "woaini1314"] {
            #expect(throws: PasswordPolicy.Violation.common, "\(common)") { try standard.check(common, username: "li") }
        }
        for variant in ["sunshine!", "superman7x", "tinkerbell#2"] { try standard.check(variant, username: "li") }
        #expect(CommonPasswords.all.allSatisfy { $0 == $0.lowercased() }, "compared in lower case, so stored in lower case")
    }
}

@Suite("Login lockout and session lifetime")
struct LockoutTests {
    let rule = LoginLockout()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func fail(_ times: Int, from state: LoginLockout.State = .init(), every seconds: TimeInterval = 10) -> LoginLockout.State {
        var state = state
        for i in 0..<times { state = rule.recordingFailure(state, now: t0.addingTimeInterval(Double(i) * seconds)) }
        return state
    }

    @Test("four failures do not lock; the fifth locks for 15 minutes")
    func locksAtFive() {
        let four = fail(4)
        #expect(rule.retryAfter(four, now: t0.addingTimeInterval(40)) == nil)
        let five = fail(5)
        #expect(rule.retryAfter(five, now: t0.addingTimeInterval(40)) == 15 * 60)
        #expect(rule.retryAfter(five, now: t0.addingTimeInterval(40 + 15 * 60 - 1)) == 1)
        #expect(rule.retryAfter(five, now: t0.addingTimeInterval(40 + 15 * 60)) == nil)
    }

    @Test("failures while locked change nothing; after the lock, counting starts afresh")
    func whileLocked() {
        let locked = fail(5)
        #expect(rule.recordingFailure(locked, now: t0.addingTimeInterval(100)) == locked)
        let after = rule.recordingFailure(locked, now: t0.addingTimeInterval(40 + 15 * 60 + 1))
        #expect(after.failures == 1 && after.lockedUntil == nil)
    }

    @Test("failures spread beyond the window do not add up")
    func window() {
        let spread = fail(5, every: 5 * 60)  // the fifth comes 20 minutes after the first
        #expect(rule.retryAfter(spread, now: t0.addingTimeInterval(20 * 60)) == nil)
        #expect(spread.failures < 5)
    }

    @Test("sessions end after 30 idle minutes (administrators: 15) or 12 hours in all")
    func sessionLifetime() {
        let life = SessionLifetime()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        #expect(life.isAlive(createdAt: t0, lastSeenAt: t0, now: t0.addingTimeInterval(14 * 60), administrator: true))
        #expect(!life.isAlive(createdAt: t0, lastSeenAt: t0, now: t0.addingTimeInterval(15 * 60), administrator: true))
        #expect(life.isAlive(createdAt: t0, lastSeenAt: t0, now: t0.addingTimeInterval(15 * 60)))
        #expect(life.isAlive(createdAt: t0, lastSeenAt: t0, now: t0.addingTimeInterval(29 * 60)))
        #expect(!life.isAlive(createdAt: t0, lastSeenAt: t0, now: t0.addingTimeInterval(30 * 60)))
        #expect(life.isAlive(createdAt: t0, lastSeenAt: t0.addingTimeInterval(11.9 * 3600), now: t0.addingTimeInterval(11.95 * 3600)))
        #expect(!life.isAlive(createdAt: t0, lastSeenAt: t0.addingTimeInterval(11.99 * 3600), now: t0.addingTimeInterval(12 * 3600)))
    }
}

@Suite("Account guard: locked where the guessing comes from, slowed under a spread attack, never for the owner's places")
struct AccountGuardTests {
    let guardrail = AccountGuard()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ list: [(String, Double)]) -> [AccountGuard.Failure] { list.map { .init(address: $0.0, at: t0.addingTimeInterval($0.1)) } }

    @Test("five failures from one address lock the account for that address only, for 15 minutes from the fifth")
    func lockedHere() {
        let five = failures((0..<5).map { ("203.0.113.7", Double($0) * 10) })
        #expect(guardrail.decide(Array(five.prefix(4)), address: "203.0.113.7", known: false, now: t0.addingTimeInterval(45)) == .allow)
        #expect(guardrail.decide(five, address: "203.0.113.7", known: false, now: t0.addingTimeInterval(40)) == .lockedHere(retryAfter: 900))
        #expect(guardrail.decide(five, address: "203.0.113.7", known: true, now: t0.addingTimeInterval(100)) == .lockedHere(retryAfter: 840))
        #expect(guardrail.decide(five, address: "198.51.100.1", known: false, now: t0.addingTimeInterval(40)) == .allow)
        #expect(guardrail.decide(five, address: "203.0.113.7", known: false, now: t0.addingTimeInterval(40 + 900)) == .allow)
        // Five spread over more than the window do not lock.
        let slow = failures((0..<5).map { ("203.0.113.7", Double($0) * 300) })
        #expect(guardrail.decide(slow, address: "203.0.113.7", known: false, now: t0.addingTimeInterval(1_201)) == .allow)
    }

    @Test("failures from many addresses slow strangers to one attempt per 30 s; a known place goes through")
    func spread() {
        let attack = failures((0..<10).map { ("198.51.100.\($0)", Double($0)) })
        #expect(guardrail.isSpread(attack, now: t0.addingTimeInterval(10)))
        #expect(!guardrail.isSpread(Array(attack.prefix(9)), now: t0.addingTimeInterval(10)))
        #expect(!guardrail.isSpread(failures((0..<10).map { ("198.51.100.\($0 % 2)", Double($0)) }), now: t0.addingTimeInterval(10)))
        #expect(guardrail.decide(attack, address: "192.0.2.1", known: false, now: t0.addingTimeInterval(10)) == .slowed(retryAfter: 29))
        #expect(guardrail.decide(attack, address: "192.0.2.1", known: true, now: t0.addingTimeInterval(10)) == .allow)
        #expect(guardrail.decide(attack, address: "192.0.2.1", known: false, now: t0.addingTimeInterval(39)) == .allow)
        // Ten failures more: the wait doubles; forty more: it is the whole window.
        let more = failures((0..<20).map { ("198.51.100.\($0)", Double($0)) })
        #expect(guardrail.decide(more, address: "192.0.2.1", known: false, now: t0.addingTimeInterval(19)) == .slowed(retryAfter: 60))
        let many = failures((0..<60).map { ("198.51.100.\($0)", Double($0)) })
        #expect(guardrail.decide(many, address: "192.0.2.1", known: false, now: t0.addingTimeInterval(59)) == .slowed(retryAfter: 900))
        // The window passes: no longer a spread attack.
        #expect(!guardrail.isSpread(attack, now: t0.addingTimeInterval(15 * 60 + 10)))
    }
}
