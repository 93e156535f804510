import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `GET /api/v1/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD&by=district|street|community|grid|category|handler|party|day|week|month`:
/// the KPIs of
/// the cases opened in the period that the caller may see, in total and by group, read from the rollups
/// (`KPIRollups`), exact at the moment of asking.
struct KPIAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "kpis", use: kpis)
    }

    struct Group: Content {
        let key: String
        let name: String
        let figures: CaseKPIs.Figures
    }

    struct Answer: Content {
        let from: String
        let to: String
        let by: String?
        let total: CaseKPIs.Figures
        let groups: [Group]
    }

    @Sendable func kpis(_ request: Request) async throws -> Answer {
        let actor = try request.require(.viewCases)
        let (from, to) = try Self.period(request)
        let by = try? request.query.get(String.self, at: "by")
        try Self.check(by: by)
        let cells = try await Self.cells(actor: actor, from: from, to: to, now: request.now, grain: .init(by: by), on: request.db)
        return try await Self.report(cells, from: from, to: to, by: by, lang: request.lang, on: request.db)
    }

    static let periods = ["day", "week", "month"]

    /// `from` and `to` from the query (default: the last 30 days), at most a year apart.
    static func period(_ request: Request) throws -> (CivilDate, CivilDate) {
        let raw = { (name: String) -> String? in
            guard let value = try? request.query.get(String.self, at: name), !value.isEmpty else { return nil }
            return value
        }
        let to = try raw("to").map { try parseDay($0, field: "to") } ?? CivilDate(request.now)
        let from = try raw("from").map { try parseDay($0, field: "from") } ?? CivilDate(DayNumber.start(of: to).addingTimeInterval(-29 * 86_400))
        let start = DayNumber.start(of: from), end = DayNumber.start(of: to).addingTimeInterval(86_400)
        guard start < end else { throw AppError.invalid("from") }
        guard end.timeIntervalSince(start) <= 367 * 86_400 else { throw AppError.invalid("to") }
        return (from, to)
    }

    static func parseDay(_ text: String, field: String) throws -> CivilDate {
        guard let date = CivilDate(iso: text) else { throw AppError.invalid(field) }
        return date
    }

    static func check(by: String?) throws {
        guard let by else { return }
        guard OrgLevel(rawValue: by) != nil || ["category", "handler", "party"].contains(by) || periods.contains(by) else { throw AppError.invalid("by") }
    }

    /// The KPI cells of the cases opened in the period that `actor` may see (`KPIRollups`: cost grows with
    /// days × places × categories × handlers, not with the number of cases).
    static func cells(actor: Actor, from: CivilDate, to: CivilDate, now: Date, grain: KPIRollups.Grain = .total,
                      on db: any Database) async throws -> [KPIRollups.Cell] {
        try await KPIRollups.cells(actor: actor, from: from, to: to, now: now, grain: grain, on: db)
    }

    /// The figures of `cells` in total and grouped `by` a level of the tree, category, handler or period.
    static func report(_ cells: [KPIRollups.Cell], from: CivilDate, to: CivilDate, by: String?, lang: Lang,
                       on db: any Database) async throws -> Answer {
        let level: OrgLevel? = by.flatMap(OrgLevel.init(rawValue:))
        func figures(_ cells: [KPIRollups.Cell]) -> CaseKPIs.Figures {
            KPIRollup.figures(cells.reduce(KPIRollup.Counters()) { $0 + $1.counters }, unsignedOverdue: cells.reduce(0) { $0 + $1.unsignedOverdue })
        }
        var groups: [Group] = []
        if let by {
            var buckets: [String: [KPIRollups.Cell]] = [:]
            for cell in cells {
                let key: String
                if let level {
                    let segments = OrgPath(cell.key.placePath)?.segments ?? []
                    guard segments.count > level.depth else { continue }
                    key = segments[level.depth]
                } else if by == "category" {
                    key = cell.key.category
                } else if periods.contains(by) {
                    key = CivilDate(iso: cell.key.day).map { Self.period(of: DayNumber.start(of: $0), by: by) } ?? cell.key.day
                } else {
                    key = cell.key.handlerNodeID
                }
                buckets[key, default: []].append(cell)
            }
            let ids = buckets.keys.compactMap(UUID.init(uuidString:))
            let nodes = ids.isEmpty ? [] : try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).all()
            var names = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id!.uuidString.lowercased(), $0.name) })
            if by == "party" {
                // The handlers that are parties (a department, a property company…), named with their kind.
                let parties = nodes.filter { $0.party != nil }
                names = Dictionary(uniqueKeysWithValues: parties.map { ($0.id!.uuidString.lowercased(), "\($0.name)（\(PartyWords.kindName(of: $0, lang))）") })
                buckets = buckets.filter { names[$0.key] != nil }
            }
            groups = buckets.map { key, cells in
                Group(key: key, name: names[key] ?? (periods.contains(by) ? key : Strings.text("category.\(key)", lang)), figures: figures(cells))
            }.filter { $0.figures.intake > 0 }.sorted { a, b in
                // Periods in time order; places and categories by volume (ranked).
                if periods.contains(by) { return a.key < b.key }
                return a.figures.intake != b.figures.intake ? a.figures.intake > b.figures.intake : a.key < b.key
            }
        }
        return Answer(from: from.description, to: to.description, by: by, total: figures(cells), groups: groups)
    }

    /// "2026-11-18" (day), the Monday of its week (week), "2026-11" (month), in Beijing time.
    static func period(of instant: Date, by: String) -> String {
        let date = CivilDate(instant)
        switch by {
        case "week":
            let day = DayNumber(date)
            return DayNumber(day.value - day.weekday).civil.description
        case "month":
            return String(date.description.prefix(7))
        default:
            return date.description
        }
    }
}

extension CaseKPIs.Figures: Content {}
