import Fluent
import Foundation
import GongzhiCore

/// What an emergency case's pages say first (`EmergencyRule`): whom to call, in large text, and that the community
/// and the street were alerted and must take it within minutes.
struct EmergencyView: Encodable {
    struct Call: Encodable {
        let number: String
        let label: String
    }

    let calls: [Call]
    let minutes: Int
    /// Someone has taken it (accepted or further): the alert is over, the numbers still shown.
    let taken: Bool
    let alerted: String

    /// The view of `record`, or nil when it is no emergency or is closed.
    static func of(_ record: CaseRecord, lang: Lang, on db: any Database) async throws -> EmergencyView? {
        guard let minutes = record.emergencyMinutes, record.state.isOpen else { return nil }
        let rule = try await CatalogueStore.item(record.itemCode, version: record.catalogueVersion, on: db)?.emergency
        let calls = (rule?.calls ?? []).map { Call(number: $0, label: Strings.entry("call.\($0)", lang) ?? $0) }
        return EmergencyView(calls: calls, minutes: minutes, taken: record.state != .submitted,
                             alerted: Strings.text("emergency.alerted", lang).replacingOccurrences(of: "{minutes}", with: "\(minutes)"))
    }
}
