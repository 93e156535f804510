import Foundation
import Testing
@testable import GongzhiCore

@Suite("TOTP second factor and account obligations")
struct SecondFactorTests {
    let rfcSecret = Array("12345678901234567890".utf8)

    @Test("RFC 6238 appendix B vectors (SHA-1), last six digits", arguments: [
        (59.0, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
        (2_000_000_000, "279037"), (20_000_000_000, "353130"),
    ])
    func rfcVectors(seconds: Double, code: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(TOTP.code(secret: rfcSecret, step: TOTP.step(at: date)) == code)
    }

    @Test("a code is good within one step either side, once, and never for another secret")
    func matching() {
        let now = Date(timeIntervalSince1970: 1_795_000_015)
        let step = TOTP.step(at: now)
        let current = TOTP.code(secret: rfcSecret, step: step)
        #expect(TOTP.matchingStep(current, secret: rfcSecret, at: now, after: nil) == step)
        #expect(TOTP.matchingStep("\(current.prefix(3)) \(current.suffix(3))", secret: rfcSecret, at: now, after: nil) == step)
        #expect(TOTP.matchingStep(current, secret: rfcSecret, at: now, after: step) == nil, "replay of the same code")
        #expect(TOTP.matchingStep(TOTP.code(secret: rfcSecret, step: step - 1), secret: rfcSecret, at: now, after: nil) == step - 1)
        #expect(TOTP.matchingStep(TOTP.code(secret: rfcSecret, step: step + 1), secret: rfcSecret, at: now, after: nil) == step + 1)
        #expect(TOTP.matchingStep(TOTP.code(secret: rfcSecret, step: step - 2), secret: rfcSecret, at: now, after: nil) == nil)
        #expect(TOTP.matchingStep(TOTP.code(secret: rfcSecret, step: step + 2), secret: rfcSecret, at: now, after: nil) == nil)
        #expect(TOTP.matchingStep(current, secret: Array("another secret 12345".utf8), at: now, after: nil) == nil)
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            #expect(TOTP.matchingStep(bad, secret: rfcSecret, at: now, after: nil) == nil, "\(bad)")
        }
    }

    @Test("Base32 round-trips any bytes and reads RFC 4648's examples; new secrets are 160 random bits")
    func base32() {
        #expect(TOTP.base32(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(TOTP.bytes(base32: "mzxw 6ytb oi======") == Array("foobar".utf8))
        #expect(TOTP.bytes(base32: "MZXW1") == nil)
        for length in 0..<41 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            #expect(TOTP.bytes(base32: TOTP.base32(bytes)) == bytes)
        }
        let a = TOTP.newSecret(), b = TOTP.newSecret()
        #expect(a.count == 20 && a != b)
        let uri = TOTP.uri(secret: a, account: "admin", issuer: "共治")
        #expect(uri.hasPrefix("otpauth://totp/%E5%85%B1%E6%B2%BB:admin?secret=\(TOTP.base32(a))&issuer=%E5%85%B1%E6%B2%BB"))
    }

    @Test("obligations: the code first, then an administrator's enrolment, then a staff password of 90 days; none under the standard profile but the code")
    func obligations() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let fresh = now.addingTimeInterval(-89 * 86_400), old = now.addingTimeInterval(-90 * 86_400)
        func account(staff: Bool = true, admin: Bool = false, changed: Date, enrolled: Bool = false, awaiting: Bool = false) -> AccountObligation.Account {
            .init(isStaff: staff, isAdministrator: admin, passwordChangedAt: changed, secondFactorEnrolled: enrolled, awaitingSecondFactor: awaiting)
        }
        let cases: [(AccountObligation.Account, PasswordPolicy.Profile, AccountObligation?)] = [
            (account(changed: fresh), .dengbao, nil),
            (account(changed: old), .dengbao, .changePassword),
            (account(changed: old), .standard, nil),
            (account(staff: false, changed: old), .dengbao, nil),
            (account(admin: true, changed: fresh), .dengbao, .enrolSecondFactor),
            (account(admin: true, changed: old), .dengbao, .enrolSecondFactor),
            (account(admin: true, changed: old, enrolled: true), .dengbao, .changePassword),
            (account(admin: true, changed: fresh), .standard, nil),
            (account(admin: true, changed: old, enrolled: true, awaiting: true), .dengbao, .verifySecondFactor),
            (account(staff: false, changed: fresh, enrolled: true, awaiting: true), .standard, .verifySecondFactor),
            (account(changed: fresh, enrolled: false, awaiting: true), .standard, nil),
        ]
        for (index, (account, profile, expected)) in cases.enumerated() {
            #expect(AccountObligation.pending(for: account, profile: profile, now: now) == expected, "case \(index)")
        }
    }
}
