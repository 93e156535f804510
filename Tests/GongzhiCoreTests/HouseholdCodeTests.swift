import Foundation
import Testing
@testable import GongzhiCore

@Suite("Household codes (入户码) and names as people write them")
struct HouseholdCodeTests {
    let rules = HouseholdCodeRules()

    @Test("codes are 8 digits, leading zeros kept, uniform enough that 2 000 draws hardly repeat")
    func generate() {
        var generator = SystemRandomNumberGenerator()
        let codes = (0..<2_000).map { _ in rules.generate(using: &generator) }
        #expect(codes.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isASCIIDigit) })
        #expect(Set(codes).count > 1_990)
        #expect(Set(codes.map(\.first!)).count == 10, "every first digit, zero included")
    }

    @Test("typed with spaces, dashes or full-width digits reads the same; anything else is not a code", arguments: [
        ("1234 5678", "12345678"), ("1234-5678", "12345678"), ("１２３４５６７８", "12345678"), (" 00001234 ", "00001234"),
    ])
    func normalised(typed: String, code: String) {
        #expect(rules.normalised(typed) == code)
    }

    @Test("not a code", arguments: ["1234567", "123456789", "1234567a", "", "一二三四五六七八"])
    func notACode(typed: String) {
        #expect(rules.normalised(typed) == nil)
    }

    @Test("shown in groups of four; valid for 30 days from its issue, not before")
    func displayAndLifetime() {
        #expect(rules.display("12345678") == "1234 5678")
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(rules.isValid(issuedAt: issued, now: issued))
        #expect(rules.isValid(issuedAt: issued, now: issued.addingTimeInterval(30 * 86_400 - 1)))
        #expect(!rules.isValid(issuedAt: issued, now: issued.addingTimeInterval(30 * 86_400)))
        #expect(!rules.isValid(issuedAt: issued, now: issued.addingTimeInterval(-1)))
    }

    @Test("names match as written: spaces and the kind of middle dot do not matter; another name or an empty one never matches")
    func names() {
        #expect(PersonName.matches(" 王 秀兰", registered: "王秀兰"))
        #expect(PersonName.matches("买买提•艾力", registered: "买买提·艾力"))
        #expect(PersonName.matches("Li Na", registered: "li na"))
        #expect(!PersonName.matches("王秀", registered: "王秀兰"))
        #expect(!PersonName.matches("  ", registered: ""))
    }
}
