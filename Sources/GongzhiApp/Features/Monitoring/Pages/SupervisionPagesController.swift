import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Supervisors' pages (street, district): the cases that need them now (`/supervise`: red and yellow, the
/// arbitration queue of twice-returned cases, pending pause and extension requests, cases under supervision),
/// and the KPI dashboard (`/dashboard`) with server-drawn SVG charts, each with its table beside it.
struct SupervisionPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("supervise", use: supervise)
        routes.post("supervise", "warnings", ":id", ":step", use: warningStep)
        routes.get("dashboard", use: dashboard)
    }

    struct Section: Encodable {
        let title: String
        let table: CaseTable
        let count: Int
        let allHref: String
    }

    struct SupervisePage: Encodable {
        let page: PageBase
        let warnings: [WarningGroup]
        let warningCount: Int
        let sections: [Section]
    }

    struct NoteForm: Content {
        var note: String?
    }

    @Sendable func warningStep(_ request: Request) async throws -> Response {
        _ = try request.require(.superviseCases)
        guard let step = request.parameters.get("step").flatMap(WarningRules.Step.init(rawValue:)) else { throw AppError.notFound }
        let form = try request.content.decode(NoteForm.self)
        _ = try await Warnings.step(try request.uuidParameter(), step, note: form.note, in: request.context)
        return request.redirect(to: "/supervise", redirectType: .normal)
    }

    static let listSize = 10

    @Sendable func supervise(_ request: Request) async throws -> View {
        let actor = try request.require(.superviseCases)
        let db = request.db
        let lang = request.lang
        let open: [CaseState] = CaseState.allCases.filter(\.isOpen)
        func list(_ build: (QueryBuilder<CaseRecord>) -> QueryBuilder<CaseRecord>) async throws -> ([CaseRecord], Int) {
            let query = build(CaseRecord.visible(to: actor, on: db).filter(\.$state ~~ open))
            return (try await query.copy().sort(\.$completionDueAt).limit(Self.listSize).all(), try await query.count())
        }
        // Warnings first, grouped by kind; a case already listed there is not listed again below.
        let groups = try await WarningGroup.load(actor: actor, lang: lang, now: request.now, on: db)
        let warned = groups.flatMap(\.rows).compactMap(\.caseID)
        let red = try await list { warned.isEmpty ? $0.filter(\.$slaLevel == .red) : $0.filter(\.$slaLevel == .red).filter(\.$id !~ warned) }
        let yellow = try await list { $0.filter(\.$slaLevel == .yellow) }
        let arbitration = try await list { $0.filter(\.$state == .arbitration) }
        let supervised = try await list { $0.filter(\.$supervised == true) }
        // Handlers' requests waiting for approval: the case's latest event is the request.
        let requests = try await list {
            $0.join(CaseEventRecord.self, on: \CaseRecord.$id == \CaseEventRecord.$caseID)
                .filter(CaseEventRecord.self, \.$action ~~ [CaseAction.requestSuspension.rawValue, CaseAction.requestExtension.rawValue])
                .filter(.sql(unsafeRaw: "case_events.seq = cases.event_count"))
        }
        let all = red.0 + yellow.0 + arbitration.0 + supervised.0 + requests.0
        let labels = try await CaseLabels.load(for: all, lang: lang, reader: actor, on: db)
        let page = await PageBase.make(for: request, title: Strings.text("supervise.title", lang))
        func section(_ key: String, _ found: ([CaseRecord], Int), _ href: String) -> Section {
            Section(title: Strings.text(key, lang), table: CaseTable(t: page.t, rows: found.0.map { labels.row($0, linkTo: "/cases/") },
                                                                     caption: Strings.text(key, lang)), count: found.1, allHref: href)
        }
        return try await request.view.render("monitoring/supervise", SupervisePage(page: page, warnings: groups, warningCount: groups.map(\.rows.count).reduce(0, +), sections: [
            section("supervise.red", red, "/workbench?sla=red"),
            section("supervise.arbitration", arbitration, "/workbench?state=arbitration"),
            section("supervise.requests", requests, "/workbench?sort=due"),
            section("supervise.yellow", yellow, "/workbench?sla=yellow"),
            section("supervise.supervised", supervised, "/workbench?supervised=1"),
        ]))
    }

    struct Card: Encodable {
        let label: String
        let value: String
        let detail: String
    }

    struct Chart: Encodable {
        let id: String
        let title: String
        let svg: String
        let headers: [String]
        /// Each cell with its column's header (the elderly layout writes it before the value).
        let rows: [[Cell]]

        init(id: String, title: String, svg: String, headers: [String], rows: [[String]]) {
            self.id = id
            self.title = title
            self.svg = svg
            self.headers = headers
            self.rows = rows.map { row in zip(headers, row).map { Cell(label: $0, value: $1) } }
        }
    }

    struct Cell: Encodable {
        let label: String
        let value: String
        /// Where the figure's cases are (the comparison); nil for a plain figure.
        var href: String? = nil
    }

    struct DashboardPage: Encodable {
        let page: PageBase
        let from: String
        let to: String
        let cards: [Card]
        let comparison: CommunityComparison
        let charts: [Chart]
        let messages: [FormMessage]
    }

    @Sendable func dashboard(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewCases)
        let lang = request.lang
        let now = request.now
        var messages: [FormMessage] = []
        var period: (CivilDate, CivilDate)
        do { period = try KPIAPIController.period(request) } catch {
            messages = request.formMessages(for: error)
            period = (CivilDate(now.addingTimeInterval(-29 * 86_400)), CivilDate(now))
        }
        let (from, to) = period
        let days = DayNumber(to).value - DayNumber(from).value + 1
        let step = days > 92 ? "month" : days > 31 ? "week" : "day"
        // One read for the three charts: the trend's steps (days or months) × communities × categories.
        let cells = try await KPIAPIController.cells(actor: actor, from: from, to: to, now: now,
                                                  grain: .init(time: step == "month" ? .month : .day, place: .community, category: true), on: request.db)
        let trend = try await KPIAPIController.report(cells, from: from, to: to, by: step, lang: lang, on: request.db)
        let byCommunity = try await KPIAPIController.report(cells, from: from, to: to, by: "community", lang: lang, on: request.db)
        let byCategory = try await KPIAPIController.report(cells, from: from, to: to, by: "category", lang: lang, on: request.db)
        // The period as long just before, for the change of each community's on-time rate.
        let previousTo = DayNumber(DayNumber(from).value - 1).civil, previousFrom = DayNumber(DayNumber(from).value - days).civil
        let previous = try await KPIAPIController.report(
            try await KPIAPIController.cells(actor: actor, from: previousFrom, to: previousTo, now: now, grain: .init(place: .community), on: request.db),
            from: previousFrom, to: previousTo, by: "community", lang: lang, on: request.db)
        let comparison = CommunityComparison.make(current: byCommunity, previous: previous, sort: request.query[String.self, at: "sort"],
                                                  from: from, to: to, lang: lang)
        func t(_ key: String) -> String { Strings.text(key, lang) }
        func percent(_ rate: CaseKPIs.Rate) -> String { SVGChart.text(rate.value, .percent) }
        let total = trend.total
        let cards = [
            Card(label: t("kpi.intake"), value: String(total.intake), detail: ""),
            Card(label: t("kpi.response"), value: percent(total.responseRate), detail: "\(total.responseRate.numerator)/\(total.responseRate.denominator)"),
            Card(label: t("kpi.solve"), value: percent(total.solveRate), detail: "\(total.solveRate.numerator)/\(total.solveRate.denominator)"),
            Card(label: t("kpi.satisfaction"), value: percent(total.satisfactionRate), detail: "\(total.satisfactionRate.numerator)/\(total.satisfactionRate.denominator)"),
            Card(label: t("kpi.on_time"), value: percent(total.onTimeRate), detail: "\(total.onTimeRate.numerator)/\(total.onTimeRate.denominator)"),
            Card(label: t("kpi.return"), value: percent(total.returnRate), detail: "\(total.returnRate.numerator)/\(total.returnRate.denominator)"),
            Card(label: t("kpi.repeat"), value: percent(total.repeatRate), detail: "\(total.repeatRate.numerator)/\(total.repeatRate.denominator)"),
            Card(label: t("kpi.handling"), value: total.meanHandlingHours.map { DurationWords.text(seconds: $0 * 3_600, lang) } ?? "—", detail: ""),
        ]
        // 1. Trend of intake and on-time rate.
        let trendTitle = t("dashboard.trend")
        let trendSVG = SVGChart.lines(
            title: trendTitle, description: t("dashboard.trend_desc"), labels: trend.groups.map { String($0.key.suffix(5)) },
            series: [.init(name: t("kpi.intake"), values: trend.groups.map { Double($0.figures.intake) }, format: .count),
                     .init(name: t("kpi.on_time"), values: trend.groups.map { $0.figures.onTimeRate.value }, format: .percent)])
        // 2. The three rates by community, ranked by solve rate.
        let ranked = byCommunity.groups.sorted { ($0.figures.solveRate.value ?? -1, $1.name) > ($1.figures.solveRate.value ?? -1, $0.name) }
        let ratesSVG = SVGChart.groupedBars(
            title: t("dashboard.communities"), description: t("dashboard.communities_desc"), groups: ranked.map(\.name),
            series: [.init(name: t("kpi.response"), values: ranked.map { $0.figures.responseRate.value }, format: .percent),
                     .init(name: t("kpi.solve"), values: ranked.map { $0.figures.solveRate.value }, format: .percent),
                     .init(name: t("kpi.satisfaction"), values: ranked.map { $0.figures.satisfactionRate.value }, format: .percent)])
        // 3. Categories by volume.
        let categoriesSVG = SVGChart.horizontalBars(
            title: t("dashboard.categories"), description: t("dashboard.categories_desc"),
            bars: byCategory.groups.map { .init(label: $0.name, value: Double($0.figures.intake), text: String($0.figures.intake)) })
        let charts = [
            Chart(id: "trend", title: trendTitle, svg: trendSVG, headers: [t("dashboard.period"), t("kpi.intake"), t("kpi.on_time")],
                  rows: trend.groups.map { [$0.key, String($0.figures.intake), percent($0.figures.onTimeRate)] }),
            Chart(id: "communities", title: t("dashboard.communities"), svg: ratesSVG,
                  headers: [t("dashboard.rank"), t("level.community"), t("kpi.response"), t("kpi.solve"), t("kpi.satisfaction")],
                  rows: ranked.enumerated().map { [String($0.offset + 1), $0.element.name, percent($0.element.figures.responseRate),
                                                   percent($0.element.figures.solveRate), percent($0.element.figures.satisfactionRate)] }),
            Chart(id: "categories", title: t("dashboard.categories"), svg: categoriesSVG, headers: [t("case.category"), t("kpi.intake")],
                  rows: byCategory.groups.map { [$0.name, String($0.figures.intake)] }),
        ]
        return try await request.view.render("monitoring/dashboard", DashboardPage(
            page: await PageBase.make(for: request, title: t("dashboard.title")), from: from.description, to: to.description,
            cards: cards, comparison: comparison, charts: charts, messages: messages)).encodeResponse(status: messages.isEmpty ? .ok : .unprocessableEntity, for: request)
    }
}
