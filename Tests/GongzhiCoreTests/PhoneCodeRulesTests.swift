import Foundation
import Testing
@testable import GongzhiCore

@Suite("One-time codes by SMS")
struct PhoneCodeRulesTests {
    let rules = PhoneCodeRules()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func ago(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(-seconds) }

    @Test("a first code goes at once; the next only 60 s after the last")
    func resend() {
        #expect(rules.sending(toNumber: [], fromAddress: [], now: now) == .send)
        #expect(rules.sending(toNumber: [ago(10)], fromAddress: [], now: now) == .wait(seconds: 50, because: .resend))
        #expect(rules.sending(toNumber: [ago(59.5)], fromAddress: [], now: now) == .wait(seconds: 1, because: .resend))
        #expect(rules.sending(toNumber: [ago(60)], fromAddress: [], now: now) == .send)
    }

    @Test("per number: 5 an hour, 10 a day; per address: 20 an hour — the wait ends when the oldest leaves the window")
    func limits() {
        let hour = (0..<5).map { ago(Double(600 + $0 * 300)) }   // 10, 15, 20, 25, 30 minutes ago
        #expect(rules.sending(toNumber: hour, fromAddress: [], now: now) == .wait(seconds: 1_800, because: .number))
        #expect(rules.sending(toNumber: Array(hour.prefix(4)), fromAddress: [], now: now) == .send)
        let day = (0..<10).map { ago(Double(7_200 + $0 * 3_600)) }   // 2 … 11 hours ago
        #expect(rules.sending(toNumber: day, fromAddress: [], now: now) == .wait(seconds: 86_400 - 11 * 3_600, because: .number))
        #expect(rules.sending(toNumber: Array(day.prefix(9)), fromAddress: [], now: now) == .send)
        let address = (0..<20).map { ago(Double(100 + $0 * 60)) }
        #expect(rules.sending(toNumber: [], fromAddress: address, now: now) == .wait(seconds: 3_600 - 100 - 19 * 60, because: .address))
        #expect(rules.sending(toNumber: [], fromAddress: Array(address.prefix(19)), now: now) == .send)
        // Codes older than the window no longer count.
        #expect(rules.sending(toNumber: [], fromAddress: (0..<20).map { _ in ago(4_000) }, now: now) == .send)
    }

    @Test("a code is good for 5 minutes, once, with 5 tries")
    func check() {
        let fresh = PhoneCodeRules.Issued(sentAt: ago(60), tries: 0, used: false)
        #expect(rules.check(fresh, matches: true, now: now) == .accepted)
        #expect(rules.check(fresh, matches: false, now: now) == .wrong(triesLeft: 4))
        #expect(rules.check(.init(sentAt: ago(60), tries: 4, used: false), matches: false, now: now) == .wrong(triesLeft: 0))
        #expect(rules.check(.init(sentAt: ago(60), tries: 4, used: false), matches: true, now: now) == .accepted)
        #expect(rules.check(.init(sentAt: ago(60), tries: 5, used: false), matches: true, now: now) == .exhausted)
        #expect(rules.check(.init(sentAt: ago(299), tries: 0, used: false), matches: true, now: now) == .accepted)
        #expect(rules.check(.init(sentAt: ago(300), tries: 0, used: false), matches: true, now: now) == .expired)
        #expect(rules.check(.init(sentAt: ago(60), tries: 0, used: true), matches: true, now: now) == .used)
        #expect(rules.check(.init(sentAt: now.addingTimeInterval(5), tries: 0, used: false), matches: true, now: now) == .expired)
    }

    @Test("codes: six digits with leading zeros kept, spaces ignored, full-width digits read, anything else refused before it costs a try")
    func shape() {
        var generator = SystemRandomNumberGenerator()
        let codes = (0..<2_000).map { _ in rules.generate(using: &generator) }
        #expect(codes.allSatisfy { $0.count == 6 && $0.allSatisfy(\.isASCIIDigit) })
        #expect(codes.contains { $0.hasPrefix("0") })
        #expect(Set(codes).count > 1_900)
        #expect(rules.normalised(" 012 345 ") == "012345")
        #expect(rules.normalised("１２３４５６") == "123456")   // a phone keyboard's full-width digits
        for bad in ["12345", "1234567", "12a456", "½23456", ""] { #expect(rules.normalised(bad) == nil, "\(bad)") }
    }
}
