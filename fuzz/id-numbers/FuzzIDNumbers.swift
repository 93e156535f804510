import Foundation
import GongzhiCore

/// Identity and mobile numbers from any text: the validators never crash, what they accept is canonical and
/// accepted again, and the display masks never show a whole number.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDNumbers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let today = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

    if let number = try? ResidentIDNumber(validating: text, today: today) {
        let chars = Array(number.value)
        precondition(chars.count == 18 && chars.allSatisfy { ("0"..."9").contains($0) || $0 == "X" }, "non-canonical \(number.value)")
        precondition(ResidentIDNumber.checkCharacter(for: String(chars[0..<17])) == chars[17], "check character")
        precondition((try? ResidentIDNumber(validating: number.value, today: today)) == number, "not accepted again")
        precondition(number.birthDate.year >= 1900, "birth year")
        precondition(!number.description.contains(String(chars[6..<14])), "mask shows the birth date")
    }
    if let phone = try? MobileNumber(validating: text) {
        precondition(phone.value.count == 11 && phone.value.allSatisfy { ("0"..."9").contains($0) }, "non-canonical \(phone.value)")
        precondition((try? MobileNumber(validating: phone.value)) == phone, "not accepted again")
        precondition(phone.description != phone.value && phone.description.contains("****"), "mask shows the number")
    }
    // The masks take any stored text (a landline, a typo) and must hide some of it whatever its length.
    for masked in [Masking.phone(text), Masking.idNumber(text), Masking.name(text)] where !text.isEmpty {
        precondition(masked.unicodeScalars.contains("*"), "nothing hidden in \(masked.debugDescription)")
        precondition(masked.count <= max(text.count, 2), "mask longer than the text")
    }
    return 0
}
