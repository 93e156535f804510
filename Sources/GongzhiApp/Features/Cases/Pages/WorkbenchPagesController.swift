import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// The staff queue (`/workbench`): the cases the user may see, filtered by state, time-limit level, category,
/// grid, handler and period, sorted and paged; the level is shown in words and colour.
struct WorkbenchPagesController: RouteCollection {
    static let pageSize = 25
    /// The orders the list offers (words: `workbench.sort_<order>`).
    static let sorts = ["due", "newest", "oldest"]
    /// The count shown is exact up to this many cases beyond the page's start ("200+" above): the database stops there.
    static let countCap = 200
    /// How many unsigned emergencies the queue reads at a time.
    static let urgentBatch = 200

    func boot(routes: any RoutesBuilder) throws {
        routes.get("workbench", use: queue)
        routes.post("workbench", "bulk", use: bulk)
    }

    struct QueuePage: Encodable {
        let page: PageBase
        /// One tab per stage of the work, with its count; the open cases' tab first.
        let tabs: [Tab]
        let rows: [QueueRow]
        let caption: String
        /// May accept or dispatch cases here: the rows can be selected and acted on together.
        let canBulk: Bool
        /// Where selected cases can be dispatched to.
        let dispatchTargets: [SelectOption]
        /// What the last bulk action did, in words; empty otherwise.
        let bulkMessage: String
        let stage: String
        /// The filters in force, in words ("安定社区 · 超期（红灯）"); empty when none.
        let narrowed: String
        let total: String
        let states: [SelectOption]
        let levels: [SelectOption]
        let categories: [SelectOption]
        let grids: [SelectOption]
        let handlers: [SelectOption]
        let sorts: [SelectOption]
        let from: String
        let to: String
        let openOnly: Bool
        let canEnter: Bool
        /// "N requests to join a household wait for you", or empty.
        let joinsWaiting: String
        let nextHref: String?
        let previousHref: String?
        /// Numbered page links around the current page (the count is capped: then the last page is not offered).
        let pages: [PageLink]
        let messages: [FormMessage]
    }

    struct Tab: Encodable {
        let label: String
        let count: String
        let href: String
        let current: Bool
    }

    struct PageLink: Encodable {
        let number: Int
        let href: String
        let current: Bool
    }

    /// One case in the queue: what it is, since when, the deadline that matters now, and who holds it.
    struct QueueRow: Encodable {
        let id: String
        let href: String
        let number: String
        let title: String
        let category: String
        let stateLabel: String
        let submitted: String
        /// "签收 12-08 10:00" or "办结 12-20 17:30": the deadline that matters now.
        let deadline: String
        let sla: String
        let slaLabel: String
        let holder: String
        let emergency: Bool
    }

    /// The filters as the query string gives them; unknown values are refused with a message, not ignored.
    struct Filters {
        var stage: WorkStage?
        var state: CaseState?
        var level: SLAClock.Level?
        var category: String?
        var grid: UUID?
        var handler: UUID?
        var from: CivilDate?
        var to: CivilDate?
        var sort = "due"
        var openOnly = true
        var supervised = false
        var offset = 0

        init() {}

        init(_ request: Request) throws {
            func text(_ name: String) -> String? {
                guard let raw = try? request.query.get(String.self, at: name) else { return nil }
                let value = raw.trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            if let raw = text("stage") {
                guard let value = WorkStage(rawValue: raw) else { throw AppError.invalid("stage") }
                stage = value
            }
            if let raw = text("state") {
                guard let value = CaseState(rawValue: raw) else { throw AppError.invalid("state") }
                state = value
            }
            if let raw = text("sla") {
                guard let value = SLAClock.Level(rawValue: raw) else { throw AppError.invalid("sla") }
                level = value
            }
            func id(_ name: String) throws -> UUID? {
                guard let raw = text(name) else { return nil }
                guard let value = UUID(uuidString: raw) else { throw AppError.invalid(name) }
                return value
            }
            category = text("category")
            grid = try id("grid")
            handler = try id("handler")
            if let raw = text("from") {
                guard let value = CivilDate(iso: raw) else { throw AppError.invalid("from") }
                from = value
            }
            if let raw = text("to") {
                guard let value = CivilDate(iso: raw) else { throw AppError.invalid("to") }
                to = value
            }
            if let raw = text("sort") {
                guard WorkbenchPagesController.sorts.contains(raw) else { throw AppError.invalid("sort") }
                sort = raw
            }
            openOnly = text("all") != "1"
            supervised = text("supervised") == "1"
            if let raw = text("offset") {
                guard let value = Int(raw), (0...1_000_000).contains(value) else { throw AppError.invalid("offset") }
                offset = value
            }
        }

        /// The query string of these filters, at another offset.
        func query(offset: Int) -> String {
            var items: [(String, String)] = []
            if let stage { items.append(("stage", stage.rawValue)) }
            if let state { items.append(("state", state.rawValue)) }
            if let level { items.append(("sla", level.rawValue)) }
            if let category { items.append(("category", category)) }
            if let grid { items.append(("grid", grid.uuidString.lowercased())) }
            if let handler { items.append(("handler", handler.uuidString.lowercased())) }
            if let from { items.append(("from", from.description)) }
            if let to { items.append(("to", to.description)) }
            items.append(("sort", sort))
            if !openOnly { items.append(("all", "1")) }
            if supervised { items.append(("supervised", "1")) }
            items.append(("offset", String(offset)))
            return pageQueryString(items)
        }
    }

    /// A page of `query` in the order of the deadline that matters now (`WorkStage.deadlineThatMatters`: the
    /// response deadline until someone signs for the case, the completion deadline after), merged from one query
    /// per state: each walks the index on (state, that deadline) in order and stops after `offset + limit` rows.
    /// One query for all the states at once has to sort every open case first (1.9 s on SQLite with 267 000 open
    /// of 10 M cases). The states' queries go in one statement (`UNION ALL`) and read only the id and the sort
    /// keys; then the page's own rows are read whole.
    /// `unfiltered` is the same query without its state filter: the emergencies are found through it (see below).
    static func byDeadline(_ query: QueryBuilder<CaseRecord>, unfiltered: QueryBuilder<CaseRecord>, states: [CaseState], offset: Int,
                           limit: Int) async throws -> [CaseRecord] {
        func columns(due: String, urgent: Bool) -> [any SQLExpression] {
            [SQLColumn("id"), SQLAlias(SQLColumn(due), as: SQLIdentifier("due")), SQLColumn("number"), SQLColumn("state"),
             SQLAlias(SQLLiteral.numeric(urgent ? "1" : "0"), as: SQLIdentifier("urgent"))]
        }
        func order(_ column: String) -> [any SQLExpression] {
            [SQLOrderBy(expression: SQLColumn(column), direction: SQLDirection.ascending),
             SQLOrderBy(expression: SQLColumn("number"), direction: SQLDirection.ascending)]
        }
        let parts = states.map { state in
            let column = WorkStage.deadlineThatMatters(state) == .response ? "response_due_at" : "completion_due_at"
            return NestedQueries.select(query.copy().filter(\.$state == state), columns: columns(due: column, urgent: false),
                                        order: order(column), limit: offset + limit)
        }
        // Emergencies not yet signed for by the one responsible come before everything, oldest first (`EmergencyRule`).
        // Read through the partial index of unsigned emergencies (a few rows at any size) and without the state
        // filter, which would lead the planner to the (state, deadline) index and a sort of every open case (187 ms
        // of a 250 ms page at 1 M cases on SQLite); the states are then checked here. The first batch comes in the
        // same statement as the states' parts; when it is full, the next batches are read until the page is full:
        // the unsigned emergencies of states not shown (a case closed before anyone signed) are skipped, however
        // many there are.
        let emergencies = unfiltered.copy().filter(\.$emergencyMinutes != nil).filter(\.$signedAt == nil)
        let urgentPart = NestedQueries.select(emergencies, columns: columns(due: "opened_at", urgent: true), order: order("opened_at"),
                                              limit: Self.urgentBatch)
        let keys = try await NestedQueries.union(parts + [urgentPart], on: query.database.sql()).map(DeadlineKey.init)
        let found = keys.filter { !$0.urgent }
        let shown = Set(states)
        let firstBatch = keys.filter(\.urgent)
        var urgent = firstBatch.sorted().filter { shown.contains($0.state) }.map(\.id)
        var start = Self.urgentBatch
        var full = firstBatch.count == Self.urgentBatch
        while full && urgent.count < offset + limit {
            let batch = try await emergencies.copy().sort(\.$openedAt).sort(\.$number).field(\.$id).field(\.$state)
                .range(start..<(start + Self.urgentBatch)).all()
            urgent += batch.filter { shown.contains($0.state) }.compactMap(\.id)
            full = batch.count == Self.urgentBatch
            start += Self.urgentBatch
        }
        urgent = Array(urgent.prefix(offset + limit))
        let first = Set(urgent)
        let page = (urgent + found.sorted().map(\.id).filter { !first.contains($0) }).dropFirst(offset).prefix(limit)
        guard !page.isEmpty else { return [] }
        // Through the same scope and filters: a case that left them in between is left out, never shown unchecked.
        let rows = Dictionary(try await query.copy().filter(\.$id ~~ page).all().map { ($0.id!, $0) }) { first, _ in first }
        return page.compactMap { rows[$0] }
    }

    /// What orders the queue after the emergencies: the deadline that matters now, then the case number.
    struct DeadlineKey: Comparable {
        let due: Date
        let number: String
        let id: UUID
        let state: CaseState
        /// From the unsigned emergencies' part (`due` is then when the case was opened).
        let urgent: Bool

        init(_ row: any SQLRow) throws {
            due = try row.decode(column: "due", as: Date.self)
            number = try row.decode(column: "number", as: String.self)
            id = try row.decode(column: "id", as: UUID.self)
            state = try row.decode(column: "state", as: CaseState.self)
            urgent = try row.decode(column: "urgent", as: Int.self) == 1
        }

        static func < (a: Self, b: Self) -> Bool { (a.due, a.number) < (b.due, b.number) }
    }


    @Sendable func queue(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewCases)
        var messages: [FormMessage] = []
        var filters: Filters
        do { filters = try Filters(request) } catch {
            messages = request.formMessages(for: error)
            filters = Filters()
        }
        // Every filter but the state: what the tabs count in.
        var base = CaseRecord.visible(to: actor, on: request.db)
        if let level = filters.level { base = base.filter(\.$slaLevel == level) }
        if filters.supervised { base = base.filter(\.$supervised == true) }
        if let category = filters.category { base = base.filter(\.$category == category) }
        if let grid = filters.grid, let node = try await OrgNodeRecord.find(grid, on: request.db) { base = base.filter(\.$placePath =~ node.path) }
        if let handler = filters.handler { base = base.filter(\.$handlerNodeID == handler) }
        if let from = filters.from { base = base.filter(\.$openedAt >= DayNumber.start(of: from)) }
        if let to = filters.to { base = base.filter(\.$openedAt < DayNumber.start(of: to).addingTimeInterval(86_400)) }
        // The states shown: one state, a stage's, or every open one (the index on (state, deadline) serves them by name).
        let states: [CaseState] = if let state = filters.state { [state] } else if let stage = filters.stage { stage.states } else {
            CaseState.allCases.filter { !filters.openOnly || $0.isOpen }
        }
        var query = base.copy()
        if filters.state != nil || filters.stage != nil || filters.openOnly { query = query.filter(\.$state ~~ states) }
        // Counted up to a cap: an exact count of a district's history costs seconds at millions of cases. Each stage's
        // count (for the tabs, under the other filters) and the list's own are read in one statement; on the first
        // page of a stage's tab or of all open cases, the list's count is the tabs' (the stages share out the open
        // cases: `WorkStage`), and is not read again.
        let fromTabs = filters.offset == 0 && filters.state == nil && (filters.stage != nil || filters.openOnly)
        let stageQueries = WorkStage.allCases.map { (base.copy().filter(\.$state ~~ $0.states), Self.countCap + 1) }
        let counted = try await NestedQueries.cappedCounts((fromTabs ? [] : [(query.copy(), filters.offset + Self.countCap + 1)]) + stageQueries,
                                                           on: request.db)
        let stageCounts = Dictionary(uniqueKeysWithValues: zip(WorkStage.allCases, counted.suffix(WorkStage.allCases.count)))
        let listed = !fromTabs ? counted[0] : filters.stage.map { stageCounts[$0] ?? 0 } ?? stageCounts.values.reduce(0, +)
        let remaining = Swift.max(0, listed - filters.offset)
        let total = remaining > Self.countCap ? "\(filters.offset + Self.countCap)+" : String(filters.offset + remaining)
        let rows: [CaseRecord]
        switch filters.sort {
        case "newest": rows = try await query.sort(\.$openedAt, .descending).sort(\.$number).range(filters.offset..<(filters.offset + Self.pageSize)).all()
        case "oldest": rows = try await query.sort(\.$openedAt, .ascending).sort(\.$number).range(filters.offset..<(filters.offset + Self.pageSize)).all()
        // A stage without a case under these filters has nothing to merge in.
        default: rows = try await Self.byDeadline(query, unfiltered: base, states: states.filter { WorkStage.of($0).map { stageCounts[$0] != 0 } ?? true },
                                                  offset: filters.offset, limit: Self.pageSize)
        }
        let lang = request.lang
        let now = request.context.now
        let catalogue = try await CatalogueStore.current(on: request.db)
        let labels = try await CaseLabels.load(for: rows, lang: lang, reader: actor, catalogue: catalogue, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("workbench.title", lang))

        // The tabs: every open case (the stages share them out), then each stage, with their counts.
        func shown(_ n: Int) -> String { n > Self.countCap ? "\(Self.countCap)+" : String(n) }
        var tabFilters = filters
        tabFilters.state = nil
        tabFilters.openOnly = true
        tabFilters.stage = nil
        var tabs = [Tab(label: Strings.text("workbench.stage_all", lang), count: shown(stageCounts.values.reduce(0, +)),
                        href: "/workbench?" + tabFilters.query(offset: 0), current: filters.stage == nil && filters.state == nil && filters.openOnly)]
        for stage in WorkStage.allCases {
            tabFilters.stage = stage
            tabs.append(Tab(label: Strings.text("workbench.stage_\(stage.rawValue)", lang), count: shown(stageCounts[stage] ?? 0),
                            href: "/workbench?" + tabFilters.query(offset: 0), current: filters.stage == stage && filters.state == nil))
        }

        let scopes = AccessPolicy.scopes(.viewCases, actor: actor)
        let nodes = scopes.isEmpty ? [] : try await OrgNodeRecord.query(on: request.db)
            .group(.or) { group in for scope in scopes { group.filter(\.$path =~ scope.rawValue) } }
            .sort(\.$path).limit(400).all()
        let joinsWaiting = AccessPolicy.allowsAnywhere(.manageResidents, actor: actor)
            ? try await HouseholdJoining.pendingCount(for: actor, upTo: 100, on: request.db) : 0
        func option(_ value: String, _ label: String, _ selected: Bool) -> SelectOption { SelectOption(value: value, label: label, selected: selected) }
        let any = Strings.text("workbench.any", lang)
        // Places to filter by: communities, and grids named with their community ("新华社区 · 第1网格").
        let names = Dictionary(nodes.map { ($0.id!.uuidString.lowercased(), $0.name) }) { first, _ in first }
        let places: [(id: String, label: String)] = nodes.filter { $0.isArea(.community) || $0.isArea(.grid) }.map { node in
            let community = node.isArea(.grid) ? OrgPath(node.path)?.parent?.segments.last.flatMap { names[$0.lowercased()] } : nil
            return (node.id!.uuidString.lowercased(), community.map { "\($0) · \(node.name)" } ?? node.name)
        }
        // What the list is narrowed to, in words, above it (the filters fold away on a phone).
        var narrowed: [String] = []
        if let grid = filters.grid?.uuidString.lowercased() { narrowed.append(places.first { $0.id == grid }?.label ?? (names[grid] ?? "")) }
        if let state = filters.state { narrowed.append(Strings.text("state.\(state.rawValue)", lang)) }
        if let level = filters.level { narrowed.append(Strings.text("sla.\(level.rawValue)", lang)) }
        if let category = filters.category { narrowed.append(catalogue?.categories.first { $0.code == category }.map { lang == .zh ? $0.name : $0.nameEn } ?? category) }
        if filters.from != nil || filters.to != nil { narrowed.append("\(filters.from?.description ?? "…") – \(filters.to?.description ?? "…")") }
        let canBulk = AccessPolicy.allowsAnywhere(.dispatchCases, actor: actor)
        // The places the queue offers are the organisation the worker sees, as a rule: then they are read once.
        let targets = !canBulk ? [] : AccessPolicy.scopes(.viewOrganisation, actor: actor) == scopes
            ? Self.dispatchTargets(among: nodes, lang: lang) : try await Self.dispatchTargets(for: actor, lang: lang, on: request.db)
        // Numbered pages: those the capped count reaches, around the current one.
        let current = filters.offset / Self.pageSize
        let reachable = (filters.offset + min(remaining, Self.countCap) + Self.pageSize - 1) / Self.pageSize
        let pages = (max(0, current - 4)..<max(current + 1, min(reachable, current + 5))).map { index in
            PageLink(number: index + 1, href: "/workbench?" + filters.query(offset: index * Self.pageSize), current: index == current)
        }
        let context = QueuePage(
            page: page, tabs: tabs,
            rows: rows.map { record in
                let row = labels.row(record, linkTo: "/cases/")
                let matters = WorkStage.deadlineThatMatters(record.state)
                let due = matters == .response ? record.responseDueAt : record.completionDueAt
                // Not signed for in time: late now, whatever the completion deadline's level says.
                let lateToSign = record.state.isOpen && matters == .response && due < now
                return QueueRow(id: row.id, href: row.href, number: row.number, title: row.title, category: row.category, stateLabel: row.stateLabel,
                                submitted: row.opened,
                                deadline: record.state.isOpen ? Strings.text("workbench.due_\(matters.rawValue)", lang) + " " + PageDates.minute(due) : "—",
                                sla: lateToSign ? SLAClock.Level.red.rawValue : row.sla,
                                slaLabel: lateToSign ? Strings.text("workbench.late_to_sign", lang) : row.slaLabel, holder: row.handler, emergency: row.emergency)
            },
            caption: page.title, canBulk: canBulk && !rows.isEmpty, dispatchTargets: targets,
            bulkMessage: Self.bulkMessage(request, lang: lang), stage: filters.stage?.rawValue ?? "",
            narrowed: narrowed.filter { !$0.isEmpty }.joined(separator: " · "),
            total: Strings.text("workbench.count", lang).replacingOccurrences(of: "{total}", with: total),
            states: [option("", Strings.text("state.all", lang), filters.state == nil)]
                + CaseState.allCases.map { option($0.rawValue, Strings.text("state.\($0.rawValue)", lang), filters.state == $0) },
            levels: [option("", Strings.text("sla.all", lang), filters.level == nil)]
                + SLAClock.Level.allCases.map { option($0.rawValue, Strings.text("sla.\($0.rawValue)", lang), filters.level == $0) },
            categories: [option("", any, filters.category == nil)] + (catalogue?.categories ?? []).map {
                option($0.code, lang == .zh ? $0.name : $0.nameEn, filters.category == $0.code)
            },
            grids: [option("", any, filters.grid == nil)] + places.map { option($0.id, $0.label, filters.grid?.uuidString.lowercased() == $0.id) },
            handlers: [option("", any, filters.handler == nil)] + nodes.filter { $0.level != .grid }.map {
                option($0.id!.uuidString.lowercased(), $0.name, filters.handler == $0.id)
            },
            sorts: Self.sorts.map { option($0, Strings.text("workbench.sort_\($0)", lang), filters.sort == $0) },
            from: filters.from?.description ?? "", to: filters.to?.description ?? "", openOnly: filters.openOnly,
            canEnter: AccessPolicy.allowsAnywhere(.intakeCases, actor: actor),
            joinsWaiting: joinsWaiting == 0 ? "" : Strings.text("workbench.joins_waiting", lang).replacingOccurrences(of: "{count}", with: String(joinsWaiting)),
            nextHref: remaining > Self.pageSize ? "/workbench?" + filters.query(offset: filters.offset + Self.pageSize) : nil,
            previousHref: filters.offset > 0 ? "/workbench?" + filters.query(offset: max(0, filters.offset - Self.pageSize)) : nil,
            pages: pages.count > 1 ? pages : [], messages: messages)
        return try await request.view.render("cases/workbench", context).encodeResponse(status: messages.isEmpty ? .ok : .unprocessableEntity, for: request)
    }
}
