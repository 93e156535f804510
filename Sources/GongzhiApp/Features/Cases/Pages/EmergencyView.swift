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
    /// The one responsible has signed for it: the alert is over.
    let taken: Bool
    let alerted: String

    /// Numbers to call with their names ("电梯困人救援 96333"); a number without a name shows alone.
    static func calls(_ numbers: [String], _ lang: Lang) -> [Call] {
        numbers.map { Call(number: $0, label: Strings.entry("call.\($0)", lang) ?? $0) }
    }

    /// The view of `record`, or nil when it is no emergency or is closed.
    static func of(_ record: CaseRecord, lang: Lang, on db: any Database) async throws -> EmergencyView? {
        guard let minutes = record.emergencyMinutes, record.state.isOpen else { return nil }
        let rule = try await CatalogueStore.item(record.itemCode, version: record.catalogueVersion, on: db)?.emergency
        return EmergencyView(calls: calls(rule?.calls ?? [], lang), minutes: minutes, taken: !record.isPendingEmergency,
                             alerted: Strings.text("emergency.alerted", lang).replacingOccurrences(of: "{minutes}", with: "\(minutes)"))
    }
}
