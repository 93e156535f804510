import Foundation
import GongzhiCore

/// The official's comparison (issue 26 item 6): the communities in the supervisor's area side by side — intake,
/// the three rates and the on-time rate, its change from the period before, the mean time to close — sortable by
/// any column (worst first), each figure's community linking to its cases, the definitions on the page.
struct CommunityComparison: Encodable {
    struct Column: Encodable {
        let label: String
        /// The page sorted by this column; nil for the name.
        let href: String?
        let sorted: Bool
        /// How a sorted column is ordered: "ascending" (rates, worst first) or "descending" (intake, time to close).
        let direction: String
        let arrow: String
    }

    struct Row: Encodable {
        let name: String
        /// The community's cases of the period on the workbench.
        let href: String
        /// Its open cases past their deadline, now.
        let overdueHref: String
        /// Each figure linking to the cases it was counted from (closed ones for the rates of closed cases).
        let cells: [SupervisionPagesController.Cell]
    }

    struct Definition: Encodable {
        let term: String
        let text: String
    }

    let columns: [Column]
    let rows: [Row]
    let definitions: [Definition]

    /// The figures defined on the page (`kpi.<key>` and `kpi.def.<key>`).
    static let definitionKeys = ["response", "solve", "satisfaction", "on_time", "on_time_change", "handling"]

    /// Sortable columns; rates sort worst (lowest) first, intake and time to close largest first.
    static let sorts = ["on_time", "response", "solve", "satisfaction", "intake", "handling"]

    static func make(current: KPIAPIController.Answer, previous: KPIAPIController.Answer, sort requested: String?,
                     from: CivilDate, to: CivilDate, lang: Lang) -> CommunityComparison {
        let sort = requested.flatMap { sorts.contains($0) ? $0 : nil } ?? "on_time"
        let before = Dictionary(previous.groups.map { ($0.key, $0.figures) }) { first, _ in first }
        func percent(_ rate: CaseKPIs.Rate) -> String { SVGChart.text(rate.value, .percent) }
        func change(_ now: CaseKPIs.Rate, _ then: CaseKPIs.Rate?) -> String {
            guard let a = now.value, let b = then?.value else { return "—" }
            let points = (a - b) * 100
            return (points >= 0 ? "+" : "−") + String(format: "%.1f", abs(points)) + Strings.text("kpi.points", lang)
        }
        func key(_ f: CaseKPIs.Figures) -> Double {
            switch sort {
            case "response": f.responseRate.value ?? 2
            case "solve": f.solveRate.value ?? 2
            case "satisfaction": f.satisfactionRate.value ?? 2
            case "intake": -Double(f.intake)
            case "handling": -(f.meanHandlingHours ?? -1)
            default: f.onTimeRate.value ?? 2
            }
        }
        let groups = current.groups.sorted { (key($0.figures), $0.name) < (key($1.figures), $1.name) }
        let period = "from=\(from.description)&to=\(to.description)"
        func column(_ label: String, _ sortKey: String?) -> Column {
            let descending = ["intake", "handling"].contains(sortKey ?? "")
            return Column(label: Strings.text(label, lang), href: sortKey.map { "/dashboard?\(period)&sort=\($0)#comparison-h" }, sorted: sortKey == sort,
                   direction: descending ? "descending" : "ascending", arrow: descending ? "▼" : "▲")
        }
        let columns = [column("level.community", nil), column("kpi.intake", "intake"), column("kpi.response", "response"),
                       column("kpi.solve", "solve"), column("kpi.satisfaction", "satisfaction"), column("kpi.on_time", "on_time"),
                       column("kpi.on_time_change", nil), column("kpi.handling", "handling")]
        let labels = columns.dropFirst().map(\.label)
        let rows = groups.map { group in
            let f = group.figures
            let values = [String(f.intake), percent(f.responseRate), percent(f.solveRate), percent(f.satisfactionRate), percent(f.onTimeRate),
                          change(f.onTimeRate, before[group.key]?.onTimeRate),
                          f.meanHandlingHours.map { DurationWords.text(seconds: $0 * 3_600, lang) } ?? "—"]
            let all = "/workbench?grid=\(group.key)&all=1&\(period)"
            let closed = "/workbench?grid=\(group.key)&state=closed&all=1&\(period)"
            let hrefs = [all, all, closed, closed, all, all, closed]
            return Row(name: group.name, href: all, overdueHref: "/workbench?grid=\(group.key)&sla=red",
                       cells: zip(zip(labels, values), hrefs).map { SupervisionPagesController.Cell(label: $0.0, value: $0.1, href: $1) })
        }
        let definitions = definitionKeys.map {
            Definition(term: Strings.text("kpi.\($0)", lang), text: Strings.text("kpi.def.\($0)", lang))
        }
        return CommunityComparison(columns: columns, rows: rows, definitions: definitions)
    }
}
