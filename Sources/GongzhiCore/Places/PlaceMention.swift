import Foundation

/// Buildings named in a resident's words ("3号楼的电梯坏了", "三栋", "12幢"): the form proposes that building as
/// the place instead of the resident's own (issue 26).
public enum PlaceMention {
    /// The building numbers the text names, in order of appearance, without repeats ("3", "12").
    public static func buildingNumbers(in text: String) -> [String] {
        var found: [String] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            var end = index
            var digits = ""
            while end < characters.count, let value = digit(characters[end]) {
                digits.append(value)
                end += 1
            }
            if digits.isEmpty, let (number, next) = chineseNumber(characters, from: index) {
                digits = number
                end = next
            }
            guard !digits.isEmpty else { index += 1; continue }
            // A building: the number then 号楼, 栋, 幢 or 座 (号 optional); the number then 楼 alone is a floor.
            var rest = end
            if rest < characters.count, characters[rest] == "号" { rest += 1 }
            if rest < characters.count, ["楼", "栋", "幢", "座"].contains(characters[rest]), !(rest + 1 < characters.count && characters[rest + 1] == "层"),
               rest > end || characters[rest] != "楼" {
                let number = String(Int(digits) ?? 0)
                if number != "0", !found.contains(number) { found.append(number) }
            }
            index = max(end, index + 1)
        }
        return found
    }

    /// The number a building name carries ("3号楼" → "3", "B座" → nil).
    public static func number(ofBuilding name: String) -> String? {
        buildingNumbers(in: name).first ?? {
            let digits = name.filter(\.isASCIIDigit)
            return digits.isEmpty ? nil : String(Int(digits) ?? 0)
        }()
    }

    private static func digit(_ character: Character) -> Character? {
        if character.isASCIIDigit { return character }
        if let scalar = character.unicodeScalars.first, (0xFF10...0xFF19).contains(scalar.value) {
            return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
        }
        return nil
    }

    private static let chineseDigits: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]

    /// 一 to 九十九 written in Chinese numerals ("十二", "二十", "三"), and where they end.
    private static func chineseNumber(_ characters: [Character], from start: Int) -> (String, Int)? {
        var index = start
        var value = 0
        if let tens = chineseDigits[characters[index]], index + 1 < characters.count, characters[index + 1] == "十" {
            value = tens * 10
            index += 2
            if index < characters.count, let ones = chineseDigits[characters[index]] { value += ones; index += 1 }
        } else if characters[index] == "十" {
            value = 10
            index += 1
            if index < characters.count, let ones = chineseDigits[characters[index]] { value += ones; index += 1 }
        } else if let ones = chineseDigits[characters[index]] {
            value = ones
            index += 1
        } else {
            return nil
        }
        return (String(value), index)
    }
}
