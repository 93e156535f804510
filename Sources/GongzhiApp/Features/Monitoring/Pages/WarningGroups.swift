import Fluent
import Foundation
import GongzhiCore

/// The supervision page's warnings, grouped by kind (the most urgent first), one line per warning with what a
/// supervisor needs to act: the case's title, where (a grid named with its community), how long overdue, and who
/// holds it.
struct WarningGroup: Encodable {
    let kind: String
    let title: String
    let rows: [Row]

    struct Row: Encodable {
        let id: String
        let title: String
        let caseID: UUID?
        let caseHref: String?
        let number: String
        let place: String
        let overdue: String
        let handler: String
        let stateLabel: String
        let canAcknowledge: Bool
    }

    /// Kinds in the order a supervisor should look at them.
    static let order: [WarningRules.Kind] = [.emergency, .slaRed, .responseOverdue, .overdueRectification, .repeatComplainant, .hotspot]

    static func load(actor: Actor, lang: Lang, now: Date, on db: any Database) async throws -> [WarningGroup] {
        let found = try await Warnings.visible(actor: actor, states: [.open, .acknowledged], on: db)
        let cases = Dictionary(uniqueKeysWithValues: try await CaseRecord.query(on: db).filter(\.$id ~~ found.compactMap(\.caseID)).all().map { ($0.id!, $0) })
        let labels = try await CaseLabels.load(for: Array(cases.values), lang: lang, reader: actor, on: db)
        // A grid is named with its community ("新华社区 · 第1网格"): every community has a 第1网格.
        let nodeIDs = Set(found.flatMap { (OrgPath($0.orgPath)?.segments ?? []).suffix(2) }.compactMap(UUID.init(uuidString:)))
        let names = nodeIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(nodeIDs)).all()
            .map { ($0.id!, ($0.name, $0.level)) })
        func placeName(_ path: String) -> String {
            let ids = (OrgPath(path)?.segments ?? []).suffix(2).compactMap(UUID.init(uuidString:))
            guard let last = ids.last, let (name, level) = names[last] else { return "" }
            if level == .grid, ids.count == 2, let parent = names[ids[0]] { return parent.0 + " · " + name }
            return name
        }
        let grouped = Dictionary(grouping: found, by: \.kind)
        return order.compactMap { kind in
            guard let warnings = grouped[kind], !warnings.isEmpty else { return nil }
            let rows = warnings.map { w -> Row in
                let record = w.caseID.flatMap { cases[$0] }
                let since: Date? = switch kind {
                case .slaRed: record?.completionDueAt
                case .responseOverdue, .emergency: record?.responseDueAt
                default: nil
                }
                let overdue = since.map { now > $0 ? DurationWords.text(seconds: now.timeIntervalSince($0), lang) : "—" } ?? ""
                return Row(id: w.id!.uuidString.lowercased(), title: record.map { CaseText.shown($0.title, to: actor, of: $0) } ?? w.detail,
                           caseID: w.caseID, caseHref: w.caseID.map { "/cases/\($0.uuidString.lowercased())" }, number: record?.number ?? "",
                           place: record.map { placeName($0.placePath) + " · " + labels.place($0) } ?? placeName(w.orgPath),
                           overdue: overdue, handler: record.map(labels.handler) ?? "",
                           stateLabel: Strings.text("warning.state.\(w.state.rawValue)", lang), canAcknowledge: w.state == .open)
            }
            return WarningGroup(kind: kind.rawValue, title: Strings.text("warning.kind.\(kind.rawValue)", lang), rows: rows)
        }
    }
}

/// A span of time as people say it: "8 天 19 小时", "3 小时 20 分钟", not "210.9 小时".
enum DurationWords {
    static func text(seconds: TimeInterval, _ lang: Lang) -> String {
        let parts = DurationParts(seconds: seconds)
        let key = parts.days > 0 ? "duration.days_hours" : parts.hours > 0 ? "duration.hours_minutes" : "duration.minutes"
        return Strings.text(key, lang).replacingOccurrences(of: "{d}", with: "\(parts.days)")
            .replacingOccurrences(of: "{h}", with: "\(parts.hours)").replacingOccurrences(of: "{m}", with: "\(parts.minutes)")
    }
}
