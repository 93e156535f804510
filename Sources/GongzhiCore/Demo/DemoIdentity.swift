/// Plausible personal numbers for demo residents: they pass validation but belong to nobody.
public enum DemoIdentity {
    /// County-level region codes of Beijing and of provinces residents often come from.
    static let regionCodes = [
        "110101", "110102", "110105", "110106", "110107", "110108", "110111", "110112", "110114", "110115",
        "130102", "130602", "370102", "410105", "420106", "510104", "320102", "340104", "230102", "220102",
    ]
    static let mobilePrefixes = [
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
        "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "198", "199",
    ]

    /// An ID number with a valid region, a birth date in `birthYears` and a correct check character.
    public static func idNumber(using rng: inout SeededGenerator, birthYears: ClosedRange<Int>) -> String {
        let year = rng.int(birthYears)
        let month = rng.int(1...12)
        let day = rng.int(1...CivilDate.daysIn(month: month, year: year))
        let first17 = rng.pick(regionCodes) + pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(rng.int(1...999), 3)
        return first17 + String(ResidentIDNumber.checkCharacter(for: first17))
    }

    public static func mobile(using rng: inout SeededGenerator) -> String {
        rng.pick(mobilePrefixes) + pad(rng.int(0...99_999_999), 8)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
