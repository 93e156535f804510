import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A compound's money, month by month: each fund's opening, in, out and closing; every movement with its voucher for
/// the compound's residents and staff; the form to record one for those who keep the books.
struct FinancePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("finances", use: page)
        routes.on(.POST, "finances", bodyUpTo: CasePhoto.maxFormSize, use: record)
    }

    struct FundView: Encodable {
        let label: String
        let opening: String
        let incoming: String
        let outgoing: String
        let closing: String
    }

    struct LineView: Encodable {
        let day: String
        let fund: String
        let what: String
        let amount: String
        let plus: Bool
        let vote: String?
        let vouchers: [String]
    }

    struct PageView: Encodable {
        let page: PageBase
        let compounds: [SelectOption]
        let compound: String?
        let compoundId: String
        let month: String
        let previous: String
        let next: String?
        let funds: [FundView]
        let detail: Bool
        let lines: [LineView]
        let manage: Bool
        let votes: [SelectOption]
        let incomes: [SelectOption]
        let flash: String?
        let messages: [FormMessage]
    }

    static func yuan(_ fen: Int64) -> String { Yuan.format(Int(fen)) }

    @Sendable func page(_ request: Request) async throws -> Response {
        let flash = request.query[String.self, at: "done"] == "recorded" ? Strings.text("finance.recorded", request.lang) : nil
        return try await render(request, flash: flash)
    }

    func render(_ request: Request, compoundID: UUID? = nil, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try request.requireActor()
        let db = request.db, lang = request.lang
        // The compounds the reader may open: those of their community, and those in their staff scope.
        let homes = try await Announcements.homes(of: actor, on: db)
        var query = CompoundRecord.query(on: db)
        let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor).map(\.rawValue)
        let communities = homes.compactMap { UUID(uuidString: $0.community) }
        let committee = try await CompoundFinances.committeeCompound(of: actor, on: db)
        guard !scopes.isEmpty || !communities.isEmpty || committee != nil else { throw AppError.forbidden }
        query = query.group(.or) { group in
            for scope in scopes { group.filter(\.$orgPath =~ scope) }
            if !communities.isEmpty { group.filter(\.$community.$id ~~ communities) }
            if let committee { group.filter(\.$id == committee) }
        }
        let compounds = try await query.sort(\.$name).limit(300).all()
        let chosenID = compoundID ?? request.query[String.self, at: "compoundId"].flatMap(UUID.init(uuidString:))
            ?? homes.first.flatMap { UUID(uuidString: $0.compound) } ?? committee ?? compounds.first?.id
        let month = try DisclosurePagesController.month(request)
        let current = DisclosureRecord.Month(request.now)
        var view = PageView(page: await PageBase.make(for: request, title: Strings.text("finance.title", lang)),
                            compounds: compounds.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id == chosenID) },
                            compound: nil, compoundId: "", month: month.description, previous: month.previous.description, next: month < current ? month.next.description : nil,
                            funds: [], detail: false, lines: [], manage: false, votes: [], incomes: [], flash: flash, messages: messages)
        if let chosenID, let compound = compounds.first(where: { $0.id == chosenID }) {
            let access = try await CompoundFinances.access(actor, to: compound, on: db)
            let dto = try await FinancesAPIController.month(compound, month: month, detail: access.detail, on: db)
            let votes = try await OwnerVoteRecord.query(on: db).filter(\.$compound.$id == chosenID).filter(\.$matter == .useMaintenanceFund).filter(\.$state == .closed).all()
                .filter { OwnerVoteTallyDTO.decode($0.resultJSON)?.passed == true }
            let titles = Dictionary(uniqueKeysWithValues: votes.map { ($0.id!, $0.title) })
            view = PageView(
                page: view.page, compounds: view.compounds, compound: compound.name, compoundId: chosenID.uuidString.lowercased(), month: view.month, previous: view.previous,
                next: view.next,
                funds: dto.funds.map { FundView(label: Strings.text("finance.fund.\($0.fund.rawValue)", lang), opening: Self.yuan($0.openingFen), incoming: Self.yuan($0.incomingFen),
                                                outgoing: Self.yuan($0.outgoingFen), closing: Self.yuan($0.closingFen)) },
                detail: access.detail,
                lines: (dto.lines ?? []).map { line in
                    LineView(day: CivilDate(line.at).description, fund: Strings.text("finance.fund.\(line.fund.rawValue)", lang),
                             what: Strings.text("points.code.\(line.code.rawValue)", lang) + "：" + line.note,
                             amount: (line.signedFen > 0 ? "+" : "−") + Self.yuan(abs(line.signedFen)), plus: line.signedFen > 0,
                             vote: line.voteId.flatMap { titles[$0] }, vouchers: line.vouchers)
                },
                manage: access.manage, votes: votes.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.title) },
                incomes: FundStatement.Income.allCases.filter { $0 != .deposit }.map { SelectOption(value: $0.rawValue, label: Strings.text("finance.income.\($0.rawValue)", lang)) },
                flash: flash, messages: messages)
        }
        return try await request.view.render("participation/finances", view).encodeResponse(status: status, for: request)
    }

    struct RecordForm: Content {
        var compoundId: String?
        var movement: String?
        var income: String?
        var amount: String?
        var note: String?
        var voteId: String?
        var photos: [File]?
    }

    @Sendable func record(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(RecordForm.self)
        guard let compoundID = form.compoundId.flatMap(UUID.init(uuidString:)), let compound = try await CompoundRecord.find(compoundID, on: request.db) else { throw AppError.notFound }
        guard try await CompoundFinances.access(actor, to: compound, on: request.db).manage else { throw AppError.forbidden }
        do {
            guard let movement = form.movement.flatMap(CompoundFinances.Movement.init(rawValue:)) else { throw AppError.invalid("movement", "required") }
            guard let fen = form.amount.flatMap({ Yuan.fen(parsing: $0) }) else { throw AppError.invalid("amount") }
            let transfer = try await CompoundFinances.record(compoundID: compoundID, .init(
                movement: movement, income: form.income.flatMap(FundStatement.Income.init(rawValue:)), amountFen: Int64(fen), note: form.note,
                voteID: try NeedPagesController.optionalUUID(form.voteId, field: "voteId"), transferID: nil), photos: try DeliberationPhotos.checked(form.photos), in: request.context)
            return PageRedirect.to("/finances?compoundId=\(compoundID.uuidString.lowercased())&month=\(DisclosureRecord.Month(transfer.createdAt))&done=recorded", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, compoundID: compoundID, messages: request.formMessages(for: error), status: error.status)
        }
    }
}
