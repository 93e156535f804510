import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of owners' votes: the list, drafting one (staff), and a vote's page: the rule in plain words,
/// participation, three big buttons for an owner, the receipt code and its check, the published result, and for
/// staff opening, paper ballots and closing. Every form works without JavaScript.
struct OwnerVotePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("votes", use: list)
        routes.get("votes", "new", use: newForm)
        routes.post("votes", use: create)
        routes.get("votes", ":id", use: show)
        routes.post("votes", ":id", "ballot", use: cast)
        routes.on(.POST, "votes", ":id", "paper", bodyUpTo: CasePhoto.maxFormSize, use: paper)
        routes.post("votes", ":id", "open", use: open)
        routes.post("votes", ":id", "close", use: close)
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let compound: String
        let matter: String
        let state: String
        let stateLabel: String
        let closes: String
    }

    struct ListPageView: Encodable {
        let page: PageBase
        let rows: [Row]
        let canCreate: Bool
        let nextOffset: Int?
        let previousOffset: Int?
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let offset = request.pageOffset
        let found = try await OwnerVotes.list(actor: actor, offset: offset, limit: 20, on: request.db)
        let names = try await Self.compoundNames(found.items.map { $0.$compound.id }, on: request.db)
        let lang = request.lang
        let page = await PageBase.make(for: request, title: Strings.text("vote.list_title", lang))
        return try await request.view.render("deliberation/owner-votes/votes", ListPageView(
            page: page,
            rows: found.items.map { Self.row($0, compound: names[$0.$compound.id] ?? "", lang: lang) },
            canCreate: AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor),
            nextOffset: offset + 20 < found.total ? offset + 20 : nil, previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    static func row(_ vote: OwnerVoteRecord, compound: String, lang: Lang) -> Row {
        Row(href: "/votes/\(vote.id!.uuidString.lowercased())", title: vote.title, compound: compound,
            matter: Strings.text("matter.\(vote.matter.rawValue)", lang), state: vote.state.rawValue,
            stateLabel: Strings.text("vote.state.\(vote.state.rawValue)", lang), closes: PageDates.minute(vote.closesAt))
    }

    static func compoundNames(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        return Dictionary(try await CompoundRecord.query(on: db).filter(\.$id ~~ Array(Set(ids))).all().map { ($0.id!, $0.name) }) { first, _ in first }
    }

    // MARK: Drafting

    struct NewPage: Encodable {
        let page: PageBase
        let compounds: [SelectOption]
        let matters: [SelectOption]
        let title: String
        let description: String
        let closesAt: String
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var compoundId: String?
        var title: String?
        var description: String?
        var matter: String?
        var closesAt: String?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let week = PageDates.local(request.now.addingTimeInterval(14 * 86_400))
        return try await renderNew(request, actor: actor, form: NewForm(closesAt: week))
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let compounds = try await CompoundRecord.query(on: request.db).visible(to: actor, .manageDeliberation).sort(\.$name).limit(500).all()
        let page = await PageBase.make(for: request, title: Strings.text("vote.new", lang))
        return try await request.view.render("deliberation/owner-votes/vote-new", NewPage(
            page: page,
            compounds: compounds.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.compoundId?.lowercased()) },
            matters: OwnersVote.Matter.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("matter.\($0.rawValue)", lang), selected: $0.rawValue == form.matter) },
            title: form.title ?? "", description: form.description ?? "", closesAt: form.closesAt ?? "", messages: messages))
            .encodeResponse(status: status, for: request)
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let form = try request.content.decode(NewForm.self)
        do {
            guard let compound = form.compoundId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("compoundId", "required") }
            guard let matter = form.matter.flatMap(OwnersVote.Matter.init(rawValue:)) else { throw AppError.invalid("matter", "required") }
            guard let closesAt = form.closesAt.flatMap(PageDates.parseLocal) else { throw AppError.invalid("closesAt", "required") }
            let vote = try await OwnerVotes.create(.init(
                compoundID: compound, title: form.title,
                details: form.description, matter: matter, closesAt: closesAt),
                in: request.context)
            return request.redirect(to: "/votes/\(vote.id!.uuidString.lowercased())", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    // MARK: A vote's page

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let flash = request.query[String.self, at: "done"] == "ballot" ? Strings.text("vote.cast_done", request.lang) : nil
        return try await render(request, actor: actor, id: try request.uuidParameter(), flash: flash)
    }

    /// `confirming`: the owner picked a choice for one of their entries; the page asks them to confirm it.
    func render(_ request: Request, actor: Actor, id: UUID, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok,
                confirming: (key: String, choice: OwnersVote.Choice)? = nil) async throws -> Response {
        let db = request.db
        let lang = request.lang
        let (vote, access) = try await OwnerVotes.visible(id, actor: actor, on: db)
        let dto = try await OwnerVotesAPIController.detail(vote, access: access, on: db)
        let compound = try await CompoundRecord.find(vote.$compound.id, on: db)?.name ?? ""
        func m2(_ centi: Int) -> String { Area(centiSquareMetres: centi).description }
        func fill(_ key: String, _ values: [String: String]) -> String {
            values.reduce(Strings.text(key, lang)) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        }
        var participation: String?, percent: Int?
        if let so = dto.participation, vote.totalHeadcount > 0 {
            participation = fill("vote.participation_figures", ["heads": String(so.headcount), "area": m2(so.areaCenti)])
            percent = so.headcount * 100 / vote.totalHeadcount
        }
        var thresholds: [ThresholdRow] = []
        var counts: String?
        if let result = dto.result {
            func row(_ key: String, _ t: ThresholdDTO, area: Bool) -> ThresholdRow {
                let show: (Int) -> String = area ? { m2($0) + " " + Strings.text("vote.unit_m2", lang) } : { "\($0) " + Strings.text("vote.persons", lang) }
                return ThresholdRow(label: fill(key, ["rule": t.rule]), actual: show(t.actual), needed: show(t.needed),
                                    margin: (t.margin >= 0 ? "+" : "−") + show(abs(t.margin)), passed: t.passed)
            }
            thresholds = [row("vote.quorum_area", result.quorumArea, area: true), row("vote.quorum_heads", result.quorumHeadcount, area: false),
                          row("vote.approval_area", result.approvalArea, area: true), row("vote.approval_heads", result.approvalHeadcount, area: false)]
            counts = "\(result.yesHeadcount) / \(result.noHeadcount) / \(result.abstainHeadcount) \(Strings.text("vote.persons", lang))；"
                + "\(m2(result.yesAreaCenti)) / \(m2(result.noAreaCenti)) / \(m2(result.abstainAreaCenti)) \(Strings.text("vote.unit_m2", lang))"
        }
        var voters: [VoterOption] = []
        if access.manage, vote.state == .open {
            voters = try await OwnerVotes.roll(of: vote, on: db).map { voter, voted in
                VoterOption(key: voter.voterKey, label: (voter.voterKey == OwnersVote.developerKey ? Strings.text("vote.developer", lang) + " " : "") + voter.units
                            + " (\(m2(voter.areaCenti)) \(Strings.text("vote.unit_m2", lang)))" + (voted ? " — " + Strings.text("vote.voted", lang) : ""),
                            voted: voted)
            }
        }
        // A receipt code asked about in the query: is it counted?
        let receipt = (request.query[String.self, at: "receipt"] ?? "").trimmingCharacters(in: .whitespaces)
        var receiptAnswer: String?
        if !receipt.isEmpty {
            if receipt.count <= 40, let (ballot, status) = try await OwnerVotes.receipt(receipt, vote: vote, on: db) {
                receiptAnswer = fill(status == .counted ? "vote.check_counted" : "vote.check_replaced", ["at": PageDates.minute(ballot.castAt)])
            } else {
                receiptAnswer = Strings.text("vote.check_unknown", lang)
            }
        }
        let open = vote.state == .open && request.now < vote.closesAt
        let context = VotePage(
            page: await PageBase.make(for: request, title: vote.title), id: vote.id!.uuidString.lowercased(), title: vote.title,
            description: vote.details, compound: compound, matter: Strings.text("matter.\(vote.matter.rawValue)", lang),
            rule: Strings.text(vote.matter.needsSpecialMajority ? "vote.rule_special" : "vote.rule_simple", lang),
            state: vote.state.rawValue, stateLabel: Strings.text("vote.state.\(vote.state.rawValue)", lang), closes: PageDates.minute(vote.closesAt),
            electorate: vote.state == .draft ? nil : fill("vote.electorate_figures", ["area": m2(vote.totalAreaCenti), "heads": String(vote.totalHeadcount)]),
            participation: participation, participationPercent: percent,
            canVote: open && dto.mine?.eligible == true, notEligible: !access.staff && dto.mine?.eligible == false,
            entries: (dto.mine?.entries ?? []).map { entry in
                let asked = confirming.flatMap { ($0.key == entry.voterKey || $0.key.isEmpty) ? $0.choice : nil }
                return EntryView(key: entry.voterKey, units: entry.units, choice: entry.choice.map { Strings.text("vote.choice.\($0.rawValue)", lang) },
                                 receipt: entry.receiptCode,
                                 paperNotice: entry.channel == .paper ? fill("vote.paper_notice", ["at": entry.castAt.map(PageDates.minute) ?? ""]) : nil,
                                 confirming: asked?.rawValue, confirmingLabel: asked.map { Strings.text("vote.choice.\($0.rawValue)", lang) })
            },
            myReceipt: (dto.mine?.entries ?? []).filter { $0.castAt != nil }.max { $0.castAt! < $1.castAt! }?.receiptCode,
            channels: vote.state == .closed || access.staff ? try await Self.channels(of: vote, lang: lang, on: db) : nil,
            canManage: access.manage, canOpen: access.manage && vote.state == .draft,
            canClose: access.manage && vote.state == .open && request.now >= vote.closesAt, voters: open ? voters : [],
            resultPassed: dto.result?.passed, quorumMet: dto.result?.quorumMet ?? false, counts: counts, thresholds: thresholds,
            receipt: receipt, receiptAnswer: receiptAnswer, flash: flash, messages: messages)
        let response = try await request.view.render("deliberation/owner-votes/vote", context).encodeResponse(status: status, for: request)
        response.headers.cacheControl = .init(noStore: true)
        // The page showed the owner every paper ballot entered for them here.
        if context.entries.contains(where: { $0.paperNotice != nil }) {
            let userID = actor.userID.uuid
            try await VoteNotices.markRead(for: AccountID(userID), vote: id, now: request.now, context: request.context)
        }
        return response
    }

    struct BallotForm: Content {
        var choice: String?
        var voterKey: String?
        var photo: File?
        /// "1" once the owner has seen their choice stated and confirmed it; without it the page asks first.
        var confirm: String?
    }

    /// The counted ballots (each voter's last) by channel, in words.
    static func channels(of vote: OwnerVoteRecord, lang: Lang, on db: any Database) async throws -> String? {
        var last: [String: OwnerVoteBallotRecord.Channel] = [:]
        for ballot in try await OwnerVoteBallotRecord.query(on: db).filter(\.$voteID == vote.id!).sort(\.$sequence).all() { last[ballot.voterKey] = ballot.channel }
        guard !last.isEmpty else { return nil }
        let online = last.values.filter { $0 == .online }.count
        return Strings.text("vote.channels", lang).replacingOccurrences(of: "{online}", with: String(online))
            .replacingOccurrences(of: "{paper}", with: String(last.count - online))
    }

    /// Runs a write for the vote's page: on success back to the page, on a refusal the page again with the reason.
    func act(_ request: Request, flash: String? = nil, _ body: (Actor, UUID) async throws -> Void) async throws -> Response {
        try await request.objectFormWrite(base: "/votes", done: flash, body) { actor, id, messages, status in
            try await render(request, actor: actor, id: id, messages: messages, status: status)
        }
    }

    /// Casting is two steps: the owner picks one of three equal choices, then the page states it and asks them to
    /// confirm (nothing is written before). A legally binding ballot is never cast by one stray tap.
    @Sendable func cast(_ request: Request) async throws -> Response {
        let picked = try request.content.decode(BallotForm.self)
        if picked.confirm != "1", let choice = picked.choice.flatMap(OwnersVote.Choice.init(rawValue:)) {
            let actor = try request.requireActor()
            let key = picked.voterKey ?? ""
            guard key.count <= 400 else { throw AppError.invalid("voterKey") }
            return try await render(request, actor: actor, id: try request.uuidParameter(), confirming: (key, choice))
        }
        return try await act(request, flash: "ballot") { actor, id in
            let form = try request.content.decode(BallotForm.self)
            guard let choice = form.choice.flatMap(OwnersVote.Choice.init(rawValue:)) else { throw AppError.invalid("choice", "required") }
            let voterKey = form.voterKey.flatMap { $0.isEmpty ? nil : $0 }
            guard (voterKey?.count ?? 0) <= 400 else { throw AppError.invalid("voterKey") }
            _ = try await OwnerVotes.cast(id, choice: choice, from: .online(voterKey: voterKey), in: request.context)
        }
    }

    @Sendable func paper(_ request: Request) async throws -> Response {
        try await act(request) { actor, id in
            let form = try request.content.decode(BallotForm.self)
            guard let choice = form.choice.flatMap(OwnersVote.Choice.init(rawValue:)) else { throw AppError.invalid("choice", "required") }
            guard let voterKey = form.voterKey, !voterKey.isEmpty, voterKey.count <= 400 else { throw AppError.invalid("voterKey", "required") }
            guard let file = form.photo, file.data.readableBytes > 0 else { throw AppError.invalid("photo", "evidence_required") }
            let evidence = try CasePhoto(checking: file, field: "photo")
            _ = try await OwnerVotes.cast(id, choice: choice, from: .paper(voterKey: voterKey, evidence: evidence), in: request.context)
        }
    }

    @Sendable func open(_ request: Request) async throws -> Response {
        try await act(request) { actor, id in _ = try await OwnerVotes.open(id, in: request.context) }
    }

    @Sendable func close(_ request: Request) async throws -> Response {
        try await act(request) { actor, id in _ = try await OwnerVotes.close(id, in: request.context) }
    }
}

