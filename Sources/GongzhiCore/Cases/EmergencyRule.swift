import Foundation

/// What makes a case an emergency, as catalogue data: an item that is one whatever is answered (a gas leak), or one
/// whose answer says so (someone trapped in the lift: `CatalogueQuestion.Choice.emergency`). An emergency is told
/// at once whom to call, is due to be taken within minutes, day and night, tops every queue and alerts the
/// community and the street.
public struct EmergencyRule: Codable, Sendable, Equatable {
    /// Numbers the resident is told to call at once (119, 120, 110, 96333 for a lift); may be empty.
    public let calls: [String]
    /// Someone must take (accept) the case within this many minutes, counted on the clock, not in working hours.
    public let responseMinutes: Int
    /// An emergency whatever the answers; otherwise only when an answer marked `emergency` is chosen.
    public let always: Bool

    public init(calls: [String], responseMinutes: Int, always: Bool = false) {
        self.calls = calls
        self.responseMinutes = responseMinutes
        self.always = always
    }

    enum CodingKeys: String, CodingKey { case calls, responseMinutes, always }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        calls = try c.decodeIfPresent([String].self, forKey: .calls) ?? []
        responseMinutes = try c.decode(Int.self, forKey: .responseMinutes)
        always = try c.decodeIfPresent(Bool.self, forKey: .always) ?? false
    }

    /// The rule that applies to a case of `item` with `answers` (question code → chosen keys), or nil.
    public static func applying(to item: CatalogueItem, answers: [String: [String]]) -> EmergencyRule? {
        guard let rule = item.emergency else { return nil }
        if rule.always { return rule }
        let chosen = item.questions.contains { question in
            let picked = Set(answers[question.code] ?? [])
            return question.choices.contains { $0.emergency && picked.contains($0.key) }
        }
        return chosen ? rule : nil
    }
}
