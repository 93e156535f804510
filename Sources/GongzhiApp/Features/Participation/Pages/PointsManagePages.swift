import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A community's points for its staff.
extension PointsPagesController {
    struct Cell: Encodable {
        let label: String
        let value: String
    }

    struct RuleRow: Encodable {
        let earning: String
        let points: Int
        let caps: String
        let from: String
        let inForce: Bool
    }

    struct StaffItemRow: Encodable {
        let id: String
        let name: String
        let points: Int64
        let available: Int64
        let limit: String
    }

    struct PendingRow: Encodable {
        let id: String
        let item: String
        let person: String
        let when: String
    }

    struct AwardRow: Encodable {
        let id: String
        let when: String
        let person: String
        let reason: String
        let points: Int64
        let corrected: Bool
    }

    struct ManageView: Encodable {
        let page: PageBase
        let communities: [SelectOption]
        let communityId: String
        let community: String
        let cells: [Cell]
        let canManage: Bool
        let pending: [PendingRow]
        let rules: [RuleRow]
        let items: [StaffItemRow]
        let awards: [AwardRow]
        let earnings: [SelectOption]
        let today: String
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func manage(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) else { throw AppError.forbidden }
        return try await renderManage(request, actor: actor, communityID: try NeedPagesController.optionalUUID(request.query[String.self, at: "communityId"], field: "communityId"),
                                      flash: Self.flash(request))
    }

    func renderManage(_ request: Request, actor: Actor, communityID: UUID?, flash: String? = nil, messages: [FormMessage] = [],
                      status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor), above = AccessPolicy.ancestors(.viewDeliberation, actor: actor).map(\.rawValue)
        let nodes = try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil).group(.or) { group in
            for scope in scopes { group.filter(\.$path =~ scope.rawValue) }
            if !above.isEmpty { group.filter(\.$path ~~ above) }
        }.sort(\.$name).limit(300).all()
        guard let community = communityID.flatMap({ id in nodes.first { $0.id == id } }) ?? (communityID == nil ? nodes.first : nil) else { throw AppError.notFound }
        let id = community.id!
        let canManage = AccessPolicy.allows(.manageDeliberation, actor: actor, at: community.orgPath)
        let fullNames = AccessPolicy.allows(.viewFullNames, actor: actor, at: community.orgPath)
        let totals = try await Points.totals(community: id, on: db)
        let reserved = try await RedemptionRecord.query(on: db).filter(\.$communityID == id).filter(\.$state == .reserved).sort(\.$createdAt).limit(100).all()
        let persons = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ Set(reserved.map(\.personID))).all().map { ($0.id!, $0.name) })
        let itemNames = Dictionary(uniqueKeysWithValues: try await RewardItemRecord.query(on: db).filter(\.$communityID == id).all().map { ($0.id!, $0.name) })
        func shown(_ name: String?) -> String { name.map { fullNames ? $0 : Masking.name($0) } ?? "" }
        // The latest awards of the community's residents, each with whether it was corrected.
        let accounts = try await LedgerAccountRecord.query(on: db).filter(\.$communityID == id).filter(\.$personID != nil).all()
        let owners = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, $0.personID!) })
        let earningCodes = PointsRules.Earning.allCases.compactMap { LedgerTransferRecord.Code(rawValue: $0.rawValue) }
        let awards = accounts.isEmpty ? [] : try await LedgerTransferRecord.query(on: db).filter(\.$creditAccountID ~~ accounts.compactMap(\.id))
            .filter(\.$code ~~ earningCodes).sort(\.$createdAt, .descending).limit(20).all()
        let corrected = Set(try await LedgerTransferRecord.query(on: db).filter(\.$referenceID ~~ awards.compactMap(\.id)).filter(\.$code == .correction).all().compactMap(\.referenceID))
        let awardNames = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ Set(owners.values)).all().map { ($0.id!, $0.name) })
        let items = try await PointsAPIController.items(of: id, on: db)
        let context = ManageView(
            page: await PageBase.make(for: request, title: Strings.text("points.manage_title", lang)),
            communities: nodes.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id == id) },
            communityId: id.uuidString.lowercased(), community: community.name,
            cells: [
                Cell(label: Strings.text("points.residents", lang), value: String(totals.residents)),
                Cell(label: Strings.text("points.issued", lang), value: String(totals.issued)),
                Cell(label: Strings.text("points.spent", lang), value: String(totals.spent)),
                Cell(label: Strings.text("points.reserved", lang), value: String(totals.reserved)),
                Cell(label: Strings.text("points.available", lang), value: String(totals.available)),
            ],
            canManage: canManage,
            pending: reserved.map { PendingRow(id: $0.id!.uuidString.lowercased(), item: itemNames[$0.itemID] ?? "", person: shown(persons[$0.personID]),
                                               when: Strings.text("points.held_until", lang).replacingOccurrences(of: "{date}", with: PageDates.minute($0.expiresAt))) },
            rules: try await PointsAPIController.rules(of: id, today: CivilDate(request.now), on: db).map { rule in
                let caps = [rule.dailyCap.map { Strings.text("points.daily_cap_of", lang).replacingOccurrences(of: "{n}", with: String($0)) },
                            rule.monthlyCap.map { Strings.text("points.monthly_cap_of", lang).replacingOccurrences(of: "{n}", with: String($0)) }].compactMap { $0 }
                return RuleRow(earning: Strings.text("points.code.\(rule.earning.rawValue)", lang), points: rule.pointsPerUnit,
                               caps: caps.isEmpty ? Strings.text("points.no_cap", lang) : caps.joined(separator: "，"), from: rule.effectiveFrom, inForce: rule.inForce)
            },
            items: items.map { StaffItemRow(id: $0.id.uuidString.lowercased(), name: $0.name, points: $0.points, available: $0.available,
                                            limit: $0.perPersonLimit == 0 ? Strings.text("points.no_limit", lang) : String($0.perPersonLimit)) },
            awards: awards.map { t in
                AwardRow(id: t.id!.uuidString.lowercased(), when: PageDates.minute(t.createdAt), person: shown(owners[t.creditAccountID].flatMap { awardNames[$0] }),
                         reason: Strings.text("points.code.\(t.code.rawValue)", lang) + (t.note.isEmpty ? "" : "（\(t.note)）"), points: t.amount,
                         corrected: corrected.contains(t.id!))
            },
            earnings: PointsRules.Earning.allCases.map { SelectOption(value: $0.rawValue, label: Strings.text("points.code.\($0.rawValue)", lang)) },
            today: CivilDate(request.now).description, flash: flash, messages: messages)
        return try await request.view.render("participation/points-manage", context).encodeResponse(status: status, for: request)
    }

    /// Runs a staff form: back to the community's page with `done`, or the page again with what was wrong.
    func staffForm(_ request: Request, done: String, _ body: (Actor, UUID?) async throws -> Void) async throws -> Response {
        let actor = try request.requireActor()
        try Points.requireRunsSomeCommunity(actor)
        let community = try? NeedPagesController.optionalUUID((try? request.content.get(String.self, at: "communityId")) ?? nil, field: "communityId")
        do {
            try await body(actor, community ?? nil)
            let query = (community ?? nil).map { "communityId=\($0.uuidString.lowercased())&" } ?? ""
            return PageRedirect.to("/points/manage?\(query)done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderManage(request, actor: actor, communityID: community ?? nil, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct AwardForm: Content {
        var communityId: String?
        var phone: String?
        var earning: String?
        var units: String?
        var note: String?
    }

    @Sendable func award(_ request: Request) async throws -> Response {
        try await staffForm(request, done: "awarded") { actor, community in
            let form = try request.content.decode(AwardForm.self)
            guard let phone = try? MobileNumber(validating: form.phone ?? "") else { throw AppError.invalid("phone") }
            let found = try await PeopleChanges.lookup(idNumber: nil, phone: phone, actor: actor, on: request.db, cipher: request.gongzhi.cipher)
            guard found.count == 1, let person = found.first else { throw AppError.invalid("phone", "not_found") }
            _ = try await Points.award(communityID: community.map(OrgNodeID.init), personID: PersonID(person.id!), earning: form.earning.flatMap(PointsRules.Earning.init(rawValue:)),
                                       units: form.units.flatMap { Int($0) }, note: form.note, transferID: nil, in: request.context)
        }
    }

    struct RuleForm: Content {
        var communityId: String?
        var earning: String?
        var pointsPerUnit: String?
        var dailyCap: String?
        var monthlyCap: String?
        var effectiveFrom: String?
    }

    @Sendable func rule(_ request: Request) async throws -> Response {
        try await staffForm(request, done: "rule") { _, community in
            let form = try request.content.decode(RuleForm.self)
            func number(_ raw: String?, _ field: String) throws -> Int? {
                guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
                guard let value = Int(raw) else { throw AppError.invalid(field) }
                return value
            }
            var from: CivilDate?
            if let raw = form.effectiveFrom, !raw.isEmpty {
                guard let day = CivilDate(iso: raw) else { throw AppError.invalid("effectiveFrom") }
                from = day
            }
            _ = try await Points.setRule(communityID: community.map(OrgNodeID.init), earning: form.earning.flatMap(PointsRules.Earning.init(rawValue:)),
                                         pointsPerUnit: try number(form.pointsPerUnit, "pointsPerUnit"), dailyCap: try number(form.dailyCap, "dailyCap"),
                                         monthlyCap: try number(form.monthlyCap, "monthlyCap"), from: from, in: request.context)
        }
    }

    struct ItemForm: Content {
        var communityId: String?
        var name: String?
        var description: String?
        var points: String?
        var perPersonLimit: String?
        var quantity: String?
    }

    @Sendable func item(_ request: Request) async throws -> Response {
        try await staffForm(request, done: "item") { _, community in
            let form = try request.content.decode(ItemForm.self)
            _ = try await Points.addItem(communityID: community.map(OrgNodeID.init), name: form.name, description: form.description, points: form.points.flatMap { Int64($0) },
                                         perPersonLimit: form.perPersonLimit.flatMap { $0.isEmpty ? 0 : Int($0) },
                                         stock: try form.quantity.map { raw in
                                             guard raw.isEmpty || Int64(raw) != nil else { throw AppError.invalid("quantity") }
                                             return Int64(raw) ?? 0
                                         } ?? 0, in: request.context)
        }
    }

    struct StockForm: Content {
        var communityId: String?
        var itemId: String?
        var quantity: String?
        var note: String?
    }

    @Sendable func stock(_ request: Request) async throws -> Response {
        try await staffForm(request, done: "stock") { _, _ in
            let form = try request.content.decode(StockForm.self)
            guard let item = form.itemId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("itemId", "required") }
            _ = try await Points.addStock(item, quantity: form.quantity.flatMap { Int64($0) }, note: form.note, transferID: nil, in: request.context)
        }
    }

    struct CorrectForm: Content {
        var communityId: String?
        var transferId: String?
        var reason: String?
    }

    @Sendable func correct(_ request: Request) async throws -> Response {
        try await staffForm(request, done: "corrected") { _, _ in
            let form = try request.content.decode(CorrectForm.self)
            guard let id = form.transferId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("transferId", "required") }
            _ = try await Points.correct(id, reason: form.reason, in: request.context)
        }
    }
}
