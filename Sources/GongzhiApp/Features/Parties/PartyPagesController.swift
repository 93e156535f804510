import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The parties' pages (issue 27): who they are, what they answer for, whom to call, their figures; registering
/// and changing them; a property company's contracts. Forms post back, re-shown with the reason when refused.
struct PartyPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("parties", use: list)
        routes.post("parties", use: create)
        routes.get("parties", ":id", use: show)
        routes.post("parties", ":id", use: edit)
        routes.post("parties", ":id", "remove", use: remove)
        routes.post("parties", ":id", "contracts", use: addContract)
        routes.post("contracts", ":id", "remove", use: removeContract)
        routes.post("parties", ":id", "members", use: seat)
        routes.post("parties", ":id", "members", ":memberId", "remove", use: unseat)
    }

    /// Figures over the last 90 days: long enough for a company's ranking, short enough to show today's service.
    static let periodDays = 90

    struct Row: Encodable {
        let name: String
        let href: String
        let kind: String
        let area: String
        let contact: String
        let cells: [SupervisionPagesController.Cell]
    }

    struct Group: Encodable {
        let title: String
        /// The figures' headings (a company's group has its yearly rating too).
        let columns: [String]
        let rows: [Row]
    }

    struct ListPageView: Encodable {
        let page: PageBase
        let groups: [Group]
        let kinds: [SelectOption]
        let areas: [SelectOption]
        let canRegister: Bool
        let form: FormValues
        let messages: [FormMessage]
    }

    struct FormValues: Encodable {
        var name = ""
        var contactName = ""
        var contactPhone = ""
        var functions = ""
        var services = ""
        var powers = ""
        var duties = ""
        var termStarts = ""
        var termEnds = ""
    }

    static func period(_ now: Date) -> (CivilDate, CivilDate) {
        let to = CivilDate(now)
        return (CivilDate(DayNumber.start(of: to).addingTimeInterval(-Double(periodDays - 1) * 86_400)), to)
    }

    /// The figures of each party handler the actor may see, keyed by node id.
    static func figures(actor: Actor, now: Date, lang: Lang, on db: any Database) async throws -> [String: CaseKPIs.Figures] {
        let (from, to) = period(now)
        let cells = try await KPIAPIController.cells(actor: actor, from: from, to: to, now: now, grain: .init(by: "party"), on: db)
        let answer = try await KPIAPIController.report(cells, from: from, to: to, by: "party", lang: lang, on: db)
        return Dictionary(answer.groups.map { ($0.key, $0.figures) }) { a, _ in a }
    }

    static func cells(_ figures: CaseKPIs.Figures?, _ lang: Lang) -> [SupervisionPagesController.Cell] {
        func percent(_ rate: CaseKPIs.Rate?) -> String { rate.map { SVGChart.text($0.value, .percent) } ?? "—" }
        return [
            .init(label: Strings.text("kpi.intake", lang), value: figures.map { String($0.intake) } ?? "0"),
            .init(label: Strings.text("kpi.response", lang), value: percent(figures?.responseRate)),
            .init(label: Strings.text("kpi.solve", lang), value: percent(figures?.solveRate)),
            .init(label: Strings.text("kpi.satisfaction", lang), value: percent(figures?.satisfactionRate)),
            .init(label: Strings.text("kpi.on_time", lang), value: percent(figures?.onTimeRate)),
        ]
    }

    /// The residents' yearly rating of a company this year: "87%（23 人）".
    static func surveyCell(_ company: UUID, now: Date, lang: Lang, on db: any Database) async throws -> SupervisionPagesController.Cell {
        let rate = try await PropertySurveys.figure(company: company, year: CivilDate(now).year, on: db)
        let value = rate.denominator == 0 ? "—" : SVGChart.text(rate.value, .percent) + "（\(rate.denominator)\(Strings.text("parties.survey_people", lang))）"
        return .init(label: surveyLabel(now, lang), value: value)
    }

    static func surveyLabel(_ now: Date, _ lang: Lang) -> String { Strings.text("parties.survey", lang) + " \(CivilDate(now).year)" }

    /// Areas where the actor may register a party (its managed districts, streets and communities).
    static func managedAreas(_ actor: Actor, on db: any Database) async throws -> [OrgNodeRecord] {
        try await OrgNodeRecord.query(on: db).visible(to: actor, .manageOrganisation).filter(\.$party == nil)
            .filter(\.$level != .grid).sort(\.$path).limit(300).all()
    }

    func renderList(_ request: Request, actor: Actor, form: FormValues = .init(), messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        let kindFilter = try? request.query.get(String.self, at: "kind")
        var query = PartyScope.parties(visibleTo: actor, on: db)
        if let kind = kindFilter.flatMap(PartyKind.init(rawValue:)) { query = query.filter(\.$party == kind) }
        let parties = try await query.sort(\.$name).limit(500).all()
        let profiles = try await PartiesAPIController.profiles(parties.compactMap(\.id), on: db)
        let areaIDs = Set(parties.compactMap { $0.$parent.id })
        let areaNames = Dictionary(try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(areaIDs)).all().map { ($0.id!, $0.name) }) { a, _ in a }
        let figures = try await Self.figures(actor: actor, now: request.now, lang: lang, on: db)
        var groups: [Group] = []
        for kind in PartyKind.allCases {
            let members = parties.filter { $0.party == kind }
            guard !members.isEmpty else { continue }
            // Ranked by satisfaction, then on-time completion (property companies are compared this way).
            let ranked = members.sorted { a, b in
                let fa = figures[a.id!.uuidString.lowercased()], fb = figures[b.id!.uuidString.lowercased()]
                let ka = (fa?.satisfactionRate.value ?? -1, fa?.onTimeRate.value ?? -1), kb = (fb?.satisfactionRate.value ?? -1, fb?.onTimeRate.value ?? -1)
                return ka != kb ? ka > kb : a.name < b.name
            }
            var rows: [Row] = []
            for node in ranked {
                let profile = profiles[node.id!]
                var cells = Self.cells(figures[node.id!.uuidString.lowercased()], lang)
                if kind == .propertyCompany { cells.append(try await Self.surveyCell(node.id!, now: request.now, lang: lang, on: db)) }
                rows.append(Row(name: node.name, href: "/parties/\(node.id!.uuidString.lowercased())", kind: Strings.text("partykind.\(kind.rawValue)", lang),
                                area: node.$parent.id.flatMap { areaNames[$0] } ?? "",
                                contact: [profile?.contactName ?? "", profile?.contactPhone ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
                                cells: cells))
            }
            let columns = Self.cells(nil, lang).map(\.label) + (kind == .propertyCompany ? [Self.surveyLabel(request.now, lang)] : [])
            groups.append(Group(title: Strings.text("partykind.\(kind.rawValue)", lang), columns: columns, rows: rows))
        }
        let areas = try await Self.managedAreas(actor, on: db)
        let context = ListPageView(
            page: await PageBase.make(for: request, title: Strings.text("parties.title", lang)), groups: groups,
            kinds: [SelectOption(value: "", label: Strings.text("workbench.any", lang), selected: kindFilter == nil)]
                + PartyKind.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("partykind.\($0.rawValue)", lang), selected: kindFilter == $0.rawValue) },
            areas: areas.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: "\($0.name)（\(Strings.text("level.\($0.level.rawValue)", lang))）") },
            canRegister: !areas.isEmpty, form: form, messages: messages)
        return try await request.view.render("org/parties", context).encodeResponse(status: status, for: request)
    }

    @Sendable func list(_ request: Request) async throws -> Response {
        try await renderList(request, actor: try request.require(.viewOrganisation))
    }

    struct PartyForm: Content {
        var kind: String?
        var areaId: String?
        var name: String?
        var code: String?
        var contactName: String?
        var contactPhone: String?
        var functions: String?
        var services: String?
        var compoundId: String?
        var termStarts: String?
        var termEnds: String?
        var electedByVoteId: String?
        var powers: String?
        var duties: String?

        func lines(_ text: String?) -> [String]? { text.map { PartyProfileRecord.lines($0) } }

        var input: PartyChanges.Input {
            PartyChanges.Input(name: name, code: code, contactName: contactName, contactPhone: contactPhone, functions: lines(functions),
                               services: services, compoundID: compoundId.flatMap(UUID.init(uuidString:)),
                               termStarts: termStarts.flatMap { $0.isEmpty ? nil : $0 }, termEnds: termEnds.flatMap { $0.isEmpty ? nil : $0 },
                               electedByVoteID: electedByVoteId.flatMap(UUID.init(uuidString:)), powers: lines(powers), duties: lines(duties))
        }

        var values: FormValues {
            FormValues(name: name ?? "", contactName: contactName ?? "", contactPhone: contactPhone ?? "", functions: functions ?? "",
                       services: services ?? "", powers: powers ?? "", duties: duties ?? "", termStarts: termStarts ?? "", termEnds: termEnds ?? "")
        }
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let form = try request.content.decode(PartyForm.self)
        do {
            guard let kind = form.kind.flatMap(PartyKind.init(rawValue:)) else { throw AppError.invalid("kind", "required") }
            let node = try await PartyChanges.register(kind: kind, areaID: form.areaId.flatMap(UUID.init(uuidString:)), input: form.input, in: request.context)
            // A committee is registered from its compound's page, and goes back there.
            return request.redirect(to: "/parties/\(node.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            if form.kind == PartyKind.ownersCommittee.rawValue, let compound = form.compoundId.flatMap(UUID.init(uuidString:)) {
                return try await OrgPagesController().renderCompound(request, actor: actor, id: compound, messages: request.formMessages(for: error),
                                                                     status: error.status)
            }
            return try await renderList(request, actor: actor, form: form.values, messages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: One party

    struct Line: Encodable {
        let label: String
        let value: String
        var href: String? = nil
    }

    struct ContractRow: Encodable {
        let id: String
        let compound: String
        let compoundHref: String
        let period: String
        let level: String
        let fee: String
        let current: Bool
        let canRemove: Bool
    }

    struct ShowPage: Encodable {
        let page: PageBase
        let id: String
        let name: String
        let kind: String
        let isCompany: Bool
        let isCommittee: Bool
        let facts: [Line]
        let functions: [String]
        let powers: [String]
        let duties: [String]
        let cells: [SupervisionPagesController.Cell]
        let periodDays: Int
        let openCases: Int
        let casesHref: String
        let contracts: [ContractRow]
        let compounds: [SelectOption]
        let canManage: Bool
        let form: FormValues
        let messages: [FormMessage]
        /// An owners' committee's compound: its property cases and the company's figures.
        var oversight: CommitteeOversight.View? = nil
        /// An owners' committee's seats, and (for its managers) the compound's owners and the seats to give.
        var members: [CommitteeMembers.Row] = []
        var owners: [SelectOption] = []
        var seats: [SelectOption] = []
        /// An owners' committee's own staff: where they write a notice to the compound's owners (`Announcements`).
        var notifyHref: String? = nil
    }

    func renderShow(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        let node = try await PartyScope.party(id, actor: actor, on: db)
        let kind = node.party!
        let profile = try await PartyProfileRecord.query(on: db).filter(\.$node.$id == id).first()
        var area: OrgNodeRecord?
        if let areaID = node.$parent.id { area = try await OrgNodeRecord.find(areaID, on: db) }
        let canManage = area.map { AccessPolicy.allows(.manageOrganisation, actor: actor, at: $0.orgPath) } ?? false
        var facts = [Line(label: Strings.text("parties.registered_with", lang), value: area?.name ?? "")]
        if let profile, !profile.contactName.isEmpty || !profile.contactPhone.isEmpty {
            facts.append(Line(label: Strings.text("parties.contact", lang), value: [profile.contactName, profile.contactPhone].filter { !$0.isEmpty }.joined(separator: " ")))
        }
        if let services = profile?.services, !services.isEmpty { facts.append(Line(label: Strings.text("parties.services", lang), value: services)) }
        // A committee: its compound, term and the owners' vote that elected it.
        if kind == .ownersCommittee, let profile {
            if let compoundID = profile.compoundID, let compound = try await CompoundRecord.find(compoundID, on: db) {
                facts.append(Line(label: Strings.text("parties.compound", lang), value: compound.name, href: "/org/compounds/\(compoundID.uuidString.lowercased())"))
            }
            facts.append(Line(label: Strings.text("parties.term", lang), value: "\(profile.termStarts ?? "") — \(profile.termEnds ?? "")"))
            if let voteID = profile.electedByVoteID, let vote = try await OwnerVoteRecord.find(voteID, on: db) {
                facts.append(Line(label: Strings.text("parties.elected_by", lang), value: vote.title, href: "/votes/\(voteID.uuidString.lowercased())"))
            }
        }
        // The catalogue's names for the functions given as item codes.
        let catalogue = try await CatalogueStore.current(on: db)
        let functions = (profile?.functionList ?? []).map { code in
            catalogue?.item(code).map { lang == .zh ? $0.name : $0.nameEn } ?? code
        }
        let figures = try await Self.figures(actor: actor, now: request.now, lang: lang, on: db)
        let open = try await CaseRecord.visible(to: actor, on: db).filter(\.$handlerNodeID == id).filter(\.$state !~ [.closed, .rejected, .merged]).count()
        var contracts: [ContractRow] = []
        var compounds: [SelectOption] = []
        if kind == .propertyCompany {
            let today = CivilDate(request.now)
            let records = try await PartyScope.contracts(visibleTo: actor, on: db).filter(\.$company.$id == id).with(\.$compound).sort(\.$startsOn).all()
            contracts = records.map { contract in
                ContractRow(id: contract.id!.uuidString.lowercased(), compound: contract.compound.name,
                            compoundHref: "/org/compounds/\(contract.$compound.id.uuidString.lowercased())",
                            period: "\(contract.startsOn) — \(contract.endsOn)", level: contract.serviceLevel,
                            fee: String(format: "%.2f", Double(contract.feeCenti) / 100) + Strings.text("parties.fee_unit", lang),
                            current: contract.term?.covers(today) == true,
                            canRemove: AccessPolicy.allows(.manageOrganisation, actor: actor, at: OrgPath(contract.orgPath) ?? .root))
            }
            // Commercial compounds of the company's district that the actor manages.
            compounds = try await CompoundRecord.query(on: db).visible(to: actor, .manageOrganisation).filter(\.$commercial == true)
                .filter(\.$orgPath =~ (area?.path ?? "/none/")).sort(\.$name).limit(300).all()
                .map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name) }
        }
        var context = ShowPage(
            page: await PageBase.make(for: request, title: node.name), id: id.uuidString.lowercased(), name: node.name,
            kind: Strings.text("partykind.\(kind.rawValue)", lang), isCompany: kind == .propertyCompany, isCommittee: kind == .ownersCommittee,
            facts: facts, functions: functions, powers: profile?.powerList ?? [], duties: profile?.dutyList ?? [],
            cells: Self.cells(figures[id.uuidString.lowercased()], lang)
                + (kind == .propertyCompany ? [try await Self.surveyCell(id, now: request.now, lang: lang, on: db)] : []),
            periodDays: Self.periodDays, openCases: open,
            casesHref: "/workbench?handler=\(id.uuidString.lowercased())", contracts: contracts, compounds: compounds, canManage: canManage,
            form: FormValues(name: node.name, contactName: profile?.contactName ?? "", contactPhone: profile?.contactPhone ?? "",
                             functions: profile?.functions ?? "", services: profile?.services ?? "", powers: profile?.powers ?? "",
                             duties: profile?.duties ?? "", termStarts: profile?.termStarts ?? "", termEnds: profile?.termEnds ?? ""),
            messages: messages)
        if kind == .ownersCommittee, actor.grants.contains(where: { $0.role == .partyStaff && $0.path.rawValue == node.path }) {
            context.notifyHref = "/announcements/new?committeeId=\(id.uuidString.lowercased())"
        }
        if kind == .ownersCommittee {
            context.oversight = try await CommitteeOversight.view(committee: node, profile: profile, actor: actor, now: request.now, lang: lang, on: db)
            context.members = try await CommitteeMembers.rows(committee: node, compoundID: profile?.compoundID, actor: actor, lang: lang, on: db)
            if canManage, let compoundID = profile?.compoundID {
                let seated = Set(context.members.map(\.personId))
                let owners = try await CommitteeMembers.owners(of: compoundID, on: db).filter { !seated.contains($0.person) }
                let names = Dictionary(try await PersonRecord.query(on: db).filter(\.$id ~~ owners.map(\.person)).all().map { ($0.id!, $0.name) }) { a, _ in a }
                let full = AccessPolicy.allows(.viewFullNames, actor: actor, at: node.orgPath)
                context.owners = owners.sorted { $0.unit.localizedStandardCompare($1.unit) == .orderedAscending }.map { owner in
                    let name = names[owner.person] ?? ""
                    return SelectOption(value: owner.person.uuidString.lowercased(), label: "\(full ? name : Masking.name(name)) · \(owner.unit)")
                }
                context.seats = CommitteeRoster.Seat.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("committee.seat.\($0.rawValue)", lang)) }
            }
        }
        return try await request.view.render("org/party", context).encodeResponse(status: status, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        try await renderShow(request, actor: try request.require(.viewOrganisation), id: try request.uuidParameter())
    }

    func write(_ request: Request, _ body: @escaping @Sendable (UUID) async throws -> Void) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        return try await request.objectFormWrite(base: "/parties", { _, id in try await body(id) },
                                                 rerender: { actor, id, messages, status in try await renderShow(request, actor: actor, id: id, messages: messages, status: status) })
    }

    @Sendable func edit(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PartyForm.self)
        return try await write(request) { id in _ = try await PartyChanges.update(id: id, input: form.input, in: request.context) }
    }

    @Sendable func remove(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let id = try request.uuidParameter()
        do {
            try await PartyChanges.remove(id: id, in: request.context)
            return request.redirect(to: "/parties", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderShow(request, actor: actor, id: id, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct ContractForm: Content {
        var compoundId: String?
        var startsOn: String?
        var endsOn: String?
        var serviceLevel: String?
        /// Yuan per m² per month, as people write it ("2.5").
        var fee: String?
    }

    @Sendable func addContract(_ request: Request) async throws -> Response {
        let form = try request.content.decode(ContractForm.self)
        return try await write(request) { id in
            guard let fee = Self.fen(form.fee) else { throw AppError.invalid("fee") }
            _ = try await PartyChanges.addContract(
                companyID: id, input: .init(compoundID: form.compoundId.flatMap(UUID.init(uuidString:)), startsOn: form.startsOn, endsOn: form.endsOn,
                                            serviceLevel: form.serviceLevel, feeCenti: fee), in: request.context)
        }
    }

    struct SeatForm: Content {
        var personId: String?
        var seat: String?
    }

    @Sendable func seat(_ request: Request) async throws -> Response {
        let form = try request.content.decode(SeatForm.self)
        return try await write(request) { id in
            _ = try await CommitteeMembers.seat(committeeID: id, personID: form.personId.flatMap(UUID.init(uuidString:)).map(PersonID.init), seat: form.seat, in: request.context)
        }
    }

    @Sendable func unseat(_ request: Request) async throws -> Response {
        let member = try request.uuidParameter("memberId")
        return try await write(request) { id in try await CommitteeMembers.unseat(committeeID: id, memberID: member, in: request.context) }
    }

    /// "2.5" or "2.50" yuan → 250 fen; nil for anything else.
    static func fen(_ text: String?) -> Int? {
        let value = (text ?? "").trimmingCharacters(in: .whitespaces)
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let yuan = Int(parts[0]), yuan >= 0, yuan <= 1_000 else { return nil }
        guard parts.count == 2 else { return yuan * 100 }
        let decimals = String(parts[1])
        guard (1...2).contains(decimals.count), decimals.allSatisfy(\.isASCII), let cents = Int(decimals.count == 1 ? decimals + "0" : decimals) else { return nil }
        return yuan * 100 + cents
    }

    @Sendable func removeContract(_ request: Request) async throws -> Response {
        _ = try request.require(.manageOrganisation)
        let id = try request.uuidParameter()
        let actor = try request.requireActor()
        let contract = try await Scoped.find(PropertyContractRecord.self, id, actor: actor, .viewOrganisation, on: request.db)
        try await PartyChanges.removeContract(id: id, in: request.context)
        return request.redirect(to: "/parties/\(contract.$company.id.uuidString.lowercased())", redirectType: .normal)
    }
}
