import Foundation
import Testing
@testable import GongzhiCore

@Suite("Personal data: ID numbers, mobiles, masks, areas")
struct PersonalDataTests {
    let today = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

    /// A valid number built from the first 17 characters.
    func valid(_ first17: String) -> String { first17 + String(ResidentIDNumber.checkCharacter(for: first17)) }

    @Test("GB 11643 check character of known numbers")
    func checkCharacterOfKnownNumbers() {
        // The standard's worked example, and a number whose check character is X.
        #expect(ResidentIDNumber.checkCharacter(for: "11010519491231002") == "X")
        #expect(ResidentIDNumber.checkCharacter(for: "44052418800101001") == "4")
    }

    @Test("valid numbers pass; a lower-case x and spaces are accepted")
    func validNumbers() throws {
        #expect(try ResidentIDNumber(validating: "11010519491231002X", today: today).value == "11010519491231002X")
        #expect(try ResidentIDNumber(validating: " 11010519491231002x ", today: today).value == "11010519491231002X")
        #expect(try ResidentIDNumber(validating: valid("11010120000229123"), today: today).birthDate == CivilDate(year: 2000, month: 2, day: 29))
    }

    @Test("each kind of invalid number is refused with its reason", arguments: [
        ("11010519491231002", ResidentIDNumber.Error.wrongLength),
        ("11010519491231002X1", .wrongLength),
        ("1101051949123100AX", .invalidCharacters),
        ("11010519491231002Y", .invalidCharacters),
        ("99010519491231002X", .unknownRegion),
        ("110105194912310021", .wrongCheckDigit),
    ])
    func invalidNumbers(text: String, error: ResidentIDNumber.Error) {
        #expect(throws: error) { try ResidentIDNumber(validating: text, today: today) }
    }

    @Test("birth dates that do not exist, are in the future or before 1900 are refused", arguments: [
        "11010120230229123",  // 2023 is not a leap year
        "11010119000229123",  // 1900 is not a leap year
        "11010120210431123",  // April has 30 days
        "11010120211301123",  // month 13
        "11010118991231123",  // before 1900
        "11010120270101123",  // after today
    ])
    func impossibleBirthDates(first17: String) {
        #expect(throws: ResidentIDNumber.Error.invalidBirthDate) { try ResidentIDNumber(validating: valid(first17), today: today) }
    }

    @Test("mobile numbers: 11 digits from 13 to 19, with +86, spaces or dashes")
    func mobiles() throws {
        #expect(try MobileNumber(validating: "13812341234").value == "13812341234")
        #expect(try MobileNumber(validating: "+86 138-1234-1234").value == "13812341234")
        #expect(try MobileNumber(validating: "8613812341234").value == "13812341234")
        for bad in ["1381234123", "138123412345", "12812341234", "23812341234", "1381234123a", "", "010-12345678"] {
            #expect(throws: MobileNumber.Error.invalid, "\(bad)") { try MobileNumber(validating: bad) }
        }
    }

    @Test("masks: 138****1234, 110105********002X, 张*, 欧阳**")
    func masks() {
        #expect(Masking.phone("13812341234") == "138****1234")
        #expect(Masking.idNumber("11010519491231002X") == "110105********002X")
        #expect(Masking.name("张三") == "张*")
        #expect(Masking.name("欧阳娜娜") == "欧***")
        #expect(Masking.name("王") == "王*")
        #expect(Masking.name("") == "")
    }

    @Test("short text is hidden whole: a 7-character landline, a 10-character fragment (found by fuzz-id-numbers)")
    func shortTextMasked() {
        #expect(Masking.phone("6543210") == "*******")
        #expect(Masking.phone("86543210") == "865*3210")
        #expect(Masking.idNumber("1101051949") == "**********")
        #expect(Masking.idNumber("11010519491") == "110105*9491")
        for text in ["1", "12", "1234567", "12345678", "1234567890", "12345678901"] {
            #expect(Masking.phone(text).contains("*") && Masking.idNumber(text).contains("*"), "\(text)")
        }
    }

    @Test("areas parse exactly to hundredths of a m²")
    func areas() {
        #expect(Area(parsing: "89.5")?.centiSquareMetres == 8950)
        #expect(Area(parsing: "89.50")?.centiSquareMetres == 8950)
        #expect(Area(parsing: "120.05")?.centiSquareMetres == 12005)
        #expect(Area(parsing: " 75 ")?.centiSquareMetres == 7500)
        #expect(Area(parsing: "0.01")?.centiSquareMetres == 1)
        #expect(Area(centiSquareMetres: 12005).description == "120.05")
        #expect(Area(centiSquareMetres: 8950).description == "89.50")
        for bad in ["0", "0.00", "-1", "1.234", "abc", "1e3", "", ".5", "5.", "1,5", "1000000"] {
            #expect(Area(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("civil dates in China Standard Time")
    func civilDates() {
        // 2026-01-01 16:00 UTC is already 2 January in Beijing.
        #expect(CivilDate(Date(timeIntervalSince1970: 1_767_283_200)) == CivilDate(year: 2026, month: 1, day: 2))
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2025-02-29") == nil)
        #expect(CivilDate(iso: "2025-2-1") == nil)
    }
}
