import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// Points (积分, seed 001 "积分可兑换社区服务资源或福利") on the ledger (`LedgerStore`, `Ledger` in Core): a community's
/// staff who run its deliberation set the earning rules, confirm what residents earned, correct a wrong award by a
/// transfer the other way, and keep the catalogue of what points buy and its stock; a resident reserves an item
/// (points and stock held), and staff hand it over (collected) or release it; a reservation not collected in
/// `reservationDays` is released by the background round.
enum Points {
    static let reservationDays = 14

    static func personKey(_ community: UUID, _ person: UUID) -> String { "points/person/\(community.uuidString.lowercased())/\(person.uuidString.lowercased())" }
    static func earnedKey(_ community: UUID, _ earning: String) -> String { "points/earned/\(community.uuidString.lowercased())/\(earning)" }
    static func redeemedKey(_ community: UUID) -> String { "points/redeemed/\(community.uuidString.lowercased())" }
    static func stockKey(_ item: UUID, _ side: String) -> String { "stock/\(side)/\(item.uuidString.lowercased())" }

    /// The community a person lives in (their household's), if any.
    static func community(of person: PersonRecord, on db: any Database) async throws -> OrgNodeRecord? {
        let segments = (OrgPath(person.orgPath) ?? .root).segments
        guard segments.count >= 3, let id = UUID(uuidString: segments[2]), let node = try await OrgNodeRecord.find(id, on: db), node.isArea(.community) else { return nil }
        return node
    }

    /// Staff who run no community's deliberation are refused before anything they sent is looked at.
    static func requireRunsSomeCommunity(_ actor: Actor) throws {
        guard AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) else { throw AppError.forbidden }
    }

    // MARK: Rules

    static func rules(of community: UUID, on db: any Database) async throws -> [PointsRuleRecord] {
        try await PointsRuleRecord.query(on: db).filter(\.$communityID == community).sort(\.$createdAt).all()
    }

    /// A new rule for one way of earning, in force from `from` (today when not given), never backwards.
    static func setRule(communityID: OrgNodeID?, earning: PointsRules.Earning?, pointsPerUnit: Int?, dailyCap: Int?, monthlyCap: Int?, from: CivilDate?,
                        in context: UseCaseContext) async throws -> PointsRuleRecord {
        let actor = try context.account()
        try requireRunsSomeCommunity(actor)
        let today = CivilDate(context.now)
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(communityID?.uuid, actor: actor, on: db)
            guard let earning else { throw AppError.invalid("earning", "required") }
            guard let pointsPerUnit else { throw AppError.invalid("pointsPerUnit", "required") }
            let rule: PointsRules.Rule
            do {
                rule = try PointsRules.check(.init(earning: earning, pointsPerUnit: pointsPerUnit, dailyCap: dailyCap, monthlyCap: monthlyCap,
                                                   effectiveFrom: from ?? today), today: today)
            } catch let problem as PointsRules.Problem {
                switch problem {
                case .pointsOutOfRange: throw AppError.invalid("pointsPerUnit", "out_of_range")
                case .capOutOfRange: throw AppError.invalid("dailyCap", "out_of_range")
                case .capsDisagree: throw AppError.invalid("dailyCap", "caps_disagree")
                case .backdated: throw AppError.invalid("effectiveFrom", "backdated")
                }
            }
            let record = PointsRuleRecord()
            record.id = UUID()
            record.communityID = community.id!
            record.orgPath = community.path
            record.earning = rule.earning
            record.pointsPerUnit = rule.pointsPerUnit
            record.dailyCap = rule.dailyCap
            record.monthlyCap = rule.monthlyCap
            record.effectiveFrom = rule.effectiveFrom.description
            record.createdBy = actor.userID.uuid
            record.createdAt = context.now
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "points.rule", objectType: "community", objectID: community.id!.uuidString.lowercased(),
                                               change: ["earning": earning.rawValue, "points": String(pointsPerUnit), "from": rule.effectiveFrom.description]), on: db)
            return record
        }
    }

    // MARK: Earning

    /// Credits a resident of the community with points for `units` of `earning` by the rule in force today, cut by
    /// its caps (409 `cap_reached` when nothing is left today or this month; 409 `no_rule` without a rule). Staff who
    /// run the community confirm it.
    static func award(communityID: OrgNodeID?, personID: PersonID, earning: PointsRules.Earning?, units: Int?, note raw: String?, transferID: UUID?,
                      in context: UseCaseContext) async throws -> LedgerTransferRecord {
        let actor = try context.account()
        try requireRunsSomeCommunity(actor)
        let now = context.now
        let id = transferID ?? UUID()
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(communityID?.uuid, actor: actor, on: db)
            guard let earning else { throw AppError.invalid("earning", "required") }
            guard let units, (1...1_000).contains(units) else { throw AppError.invalid("units", "out_of_range") }
            let note = try Validate.text(raw, field: "note", limit: 200)
            return try await credit(community: community, personID: personID, earning: earning, units: units, note: note, id: id,
                                    by: actor.userID.uuid, now: now, in: context, on: db)
        }
    }

    /// What a rule gives without anyone confirming it (a pledge to the convention): the same crediting, as the
    /// system; the caller checked that the person may earn it.
    static func credit(communityID: OrgNodeID, personID: PersonID, earning: PointsRules.Earning, units: Int, note: String, transferID: UUID,
                       in context: UseCaseContext) async throws -> LedgerTransferRecord {
        let now = context.now
        return try await context.write { db in
            guard let community = try await OrgNodeRecord.find(communityID.uuid, on: db) else { throw AppError.notFound }
            return try await credit(community: community, personID: personID, earning: earning, units: units, note: note, id: transferID,
                                    by: nil, now: now, in: context, on: db)
        }
    }

    /// Credits in the caller's transaction: the person must live in the community; a transfer already stored under
    /// `id` is answered as it is.
    static func credit(community: OrgNodeRecord, personID: PersonID, earning: PointsRules.Earning, units: Int, note: String, id: UUID, by userID: UUID?,
                       now: Date, in context: UseCaseContext, on db: any Database) async throws -> LedgerTransferRecord {
        guard let person = try await PersonRecord.find(personID.uuid, on: db), try await Self.community(of: person, on: db)?.id == community.id else {
            throw AppError.invalid("personId", "not_found")
        }
        let code = LedgerTransferRecord.Code(rawValue: earning.rawValue)!
        let today = CivilDate(now)
        guard let rule = PointsRules.inForce(earning, on: today, among: try await rules(of: community.id!, on: db).compactMap(\.core)) else {
            throw AppError.conflict("no_rule", field: "earning")
        }
        let account = try await LedgerStore.account(personKey(community.id!, person.id!), book: .points, community: community, person: person.id,
                                                    guarded: true, now: now, on: db)
        // A transfer already stored under this id: the same award sent again, or someone else's id (refused).
        if let done = try await LedgerTransferRecord.find(id, on: db) {
            guard done.creditAccountID == account.id, done.code == code else { throw AppError.conflict("transfer_exists") }
            return done
        }
        let source = try await LedgerStore.account(earnedKey(community.id!, earning.rawValue), book: .points, community: community, guarded: false, now: now, on: db)
        // The caps are read with the accounts held: two awards at once cannot both pass them.
        try await LedgerStore.lock([account.id!, source.id!], on: db)
        func earned(since start: Date) async throws -> Int {
            Int(try await LedgerTransferRecord.query(on: db).filter(\.$creditAccountID == account.id!).filter(\.$code == code)
                .filter(\.$createdAt >= start).all().reduce(0) { $0 + $1.amount })
        }
        let points = PointsRules.award(units: units, rule: rule, earnedToday: try await earned(since: DayNumber.start(of: today)),
                                       earnedThisMonth: try await earned(since: DayNumber.start(of: CivilDate(year: today.year, month: today.month, day: 1)!)))
        guard points > 0 else { throw AppError.conflict("cap_reached", field: "units") }
        try await LedgerStore.apply([.init(id: id, book: .points, debit: source.id!, credit: account.id!, amount: Int64(points), code: code, note: note)],
                                    by: userID, now: now, on: db)
        try await context.audit(AuditEvent(action: "points.award", objectType: "person", objectID: person.id!.uuidString.lowercased(),
                                           change: ["earning": earning.rawValue, "points": String(points)]), on: db)
        return try await LedgerTransferRecord.find(id, on: db)!
    }

    /// Takes back a wrong award by a transfer the other way (once; 409 `insufficient` when the points were spent).
    static func correct(_ transferID: UUID, reason raw: String?, in context: UseCaseContext) async throws -> LedgerTransferRecord {
        let actor = try context.account()
        try requireRunsSomeCommunity(actor)
        let now = context.now
        return try await context.write { db in
            guard let original = try await LedgerTransferRecord.find(transferID, on: db), original.kind == .posted, original.book == .points,
                  PointsRules.Earning(rawValue: original.code.rawValue) != nil,
                  let account = try await LedgerAccountRecord.find(original.creditAccountID, on: db) else { throw AppError.notFound }
            _ = try await DeliberationScope.managedCommunity(account.communityID, actor: actor, on: db)
            let reason = try Validate.text(raw, field: "reason", limit: 200)
            guard !reason.isEmpty else { throw AppError.invalid("reason", "required") }
            let id = LedgerStore.derivedID(transferID, "correction")
            guard try await LedgerTransferRecord.find(id, on: db) == nil else { throw AppError.conflict("already_corrected") }
            try await LedgerStore.apply([.init(id: id, book: .points, debit: original.creditAccountID, credit: original.debitAccountID, amount: original.amount,
                                               code: .correction, referenceID: transferID, note: reason)], by: actor.userID.uuid, now: now, on: db)
            try await context.audit(AuditEvent(action: "points.correct", objectType: "points_transfer", objectID: transferID.uuidString.lowercased(),
                                               change: ["points": String(original.amount)]), on: db)
            return try await LedgerTransferRecord.find(id, on: db)!
        }
    }

    // MARK: What points buy

    static func addItem(communityID: OrgNodeID?, name raw: String?, description: String?, points: Int64?, perPersonLimit: Int?, stock: Int64 = 0,
                        in context: UseCaseContext) async throws -> RewardItemRecord {
        let actor = try context.account()
        try requireRunsSomeCommunity(actor)
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(communityID?.uuid, actor: actor, on: db)
            let name = try Validate.name(raw, field: "name")
            let details = try Validate.text(description, field: "description", limit: 1_000)
            guard let points, (1...100_000).contains(points) else { throw AppError.invalid("points", "out_of_range") }
            let limit = perPersonLimit ?? 0
            guard (0...1_000).contains(limit) else { throw AppError.invalid("perPersonLimit", "out_of_range") }
            guard (0...100_000).contains(stock) else { throw AppError.invalid("quantity", "out_of_range") }
            let item = RewardItemRecord()
            item.id = UUID()
            item.communityID = community.id!
            item.orgPath = community.path
            item.name = name
            item.details = details
            item.points = points
            item.perPersonLimit = limit
            item.active = true
            item.createdAt = now
            try await item.create(on: db)
            let shelf = try await LedgerStore.account(stockKey(item.id!, "item"), book: .stock, community: community, guarded: true, now: now, on: db)
            if stock > 0 {
                let given = try await LedgerStore.account(stockKey(item.id!, "in"), book: .stock, community: community, guarded: false, now: now, on: db)
                try await LedgerStore.apply([.init(id: UUID(), book: .stock, debit: given.id!, credit: shelf.id!, amount: stock, code: .stockAdded, referenceID: item.id)],
                                            by: actor.userID.uuid, now: now, on: db)
            }
            try await context.audit(AuditEvent(action: "points.item", objectType: "reward_item", objectID: item.id!.uuidString.lowercased(),
                                               change: ["points": String(points)]), on: db)
            return item
        }
    }

    /// Stock given for an item (from the community's resources or a sponsor).
    static func addStock(_ itemID: UUID, quantity: Int64?, note raw: String?, transferID: UUID?, in context: UseCaseContext) async throws -> Int64 {
        let actor = try context.account()
        try requireRunsSomeCommunity(actor)
        let now = context.now
        return try await context.write { db in
            guard let item = try await RewardItemRecord.find(itemID, on: db) else { throw AppError.notFound }
            let community = try await DeliberationScope.managedCommunity(item.communityID, actor: actor, field: "itemId", on: db)
            guard let quantity, (1...100_000).contains(quantity) else { throw AppError.invalid("quantity", "out_of_range") }
            let note = try Validate.text(raw, field: "note", limit: 200)
            let stock = try await LedgerStore.account(stockKey(itemID, "item"), book: .stock, community: community, guarded: true, now: now, on: db)
            let given = try await LedgerStore.account(stockKey(itemID, "in"), book: .stock, community: community, guarded: false, now: now, on: db)
            try await LedgerStore.apply([.init(id: transferID ?? UUID(), book: .stock, debit: given.id!, credit: stock.id!, amount: quantity, code: .stockAdded,
                                               referenceID: itemID, note: note)], by: actor.userID.uuid, now: now, on: db)
            try await context.audit(AuditEvent(action: "points.stock", objectType: "reward_item", objectID: itemID.uuidString.lowercased(),
                                               change: ["quantity": String(quantity)]), on: db)
            return try await LedgerAccountRecord.find(stock.id!, on: db)!.balance.available
        }
    }

    /// Stock still available per item.
    static func available(_ items: [UUID], on db: any Database) async throws -> [UUID: Int64] {
        guard !items.isEmpty else { return [:] }
        let keys = items.map { stockKey($0, "item") }
        var result: [UUID: Int64] = [:]
        for account in try await LedgerAccountRecord.query(on: db).filter(\.$key ~~ keys).all() {
            if let id = UUID(uuidString: String(account.key.split(separator: "/").last ?? "")) { result[id] = account.balance.available }
        }
        return result
    }

    // MARK: Redemption

    /// The resident reserves one of `itemID`: its points and one unit of stock held together (409 `insufficient`
    /// when either is short, `limit_reached` past the item's limit per person). The same `transferID` sent again
    /// answers the first reservation.
    static func redeem(_ itemID: UUID, transferID: UUID?, in context: UseCaseContext) async throws -> RedemptionRecord {
        let actor = try context.account()
        let now = context.now
        guard actor.isResident, let personID = actor.personID?.uuid else { throw AppError.forbidden }
        let pointsID = transferID ?? UUID()
        return try await context.write { db in
            if let done = try await RedemptionRecord.query(on: db).filter(\.$pointsTransferID == pointsID).first() {
                guard done.personID == personID else { throw AppError.conflict("transfer_exists") }
                return done
            }
            guard let item = try await RewardItemRecord.find(itemID, on: db), item.active, let person = try await PersonRecord.find(personID, on: db),
                  let community = try await Self.community(of: person, on: db), community.id == item.communityID else { throw AppError.notFound }
            let account = try await LedgerStore.account(personKey(community.id!, personID), book: .points, community: community, person: personID,
                                                        guarded: true, now: now, on: db)
            let sink = try await LedgerStore.account(redeemedKey(community.id!), book: .points, community: community, guarded: false, now: now, on: db)
            let stock = try await LedgerStore.account(stockKey(itemID, "item"), book: .stock, community: community, guarded: true, now: now, on: db)
            let out = try await LedgerStore.account(stockKey(itemID, "out"), book: .stock, community: community, guarded: false, now: now, on: db)
            // Every account of the exchange held, in id order, so that two reservations at once count each other.
            try await LedgerStore.lock([account.id!, sink.id!, stock.id!, out.id!], on: db)
            if item.perPersonLimit > 0 {
                let taken = try await RedemptionRecord.query(on: db).filter(\.$itemID == itemID).filter(\.$personID == personID)
                    .filter(\.$state != .released).count()
                guard taken < item.perPersonLimit else { throw AppError.conflict("limit_reached") }
            }
            let redemption = RedemptionRecord()
            redemption.id = UUID()
            let stockID = LedgerStore.derivedID(pointsID, "stock")
            try await LedgerStore.apply([
                .init(id: pointsID, book: .points, debit: account.id!, credit: sink.id!, amount: item.points, kind: .pending, code: .redemption, referenceID: redemption.id),
                .init(id: stockID, book: .stock, debit: stock.id!, credit: out.id!, amount: 1, kind: .pending, code: .redemption, referenceID: redemption.id),
            ], by: actor.userID.uuid, now: now, on: db)
            redemption.itemID = itemID
            redemption.personID = personID
            redemption.communityID = community.id!
            redemption.orgPath = community.path
            redemption.pointsTransferID = pointsID
            redemption.stockTransferID = stockID
            redemption.state = .reserved
            redemption.expiresAt = now.addingTimeInterval(Double(reservationDays) * 86_400)
            redemption.createdAt = now
            redemption.note = ""
            try await redemption.create(on: db)
            try await context.audit(AuditEvent(action: "points.redeem", objectType: "redemption", objectID: redemption.id!.uuidString.lowercased(),
                                               change: ["points": String(item.points)]), on: db)
            return redemption
        }
    }

    /// Hands the item over (`collect`: the reservation is posted) or releases it (points and stock back). Staff who
    /// run the community do either; the resident may release their own reservation.
    static func resolve(_ redemptionID: UUID, collect: Bool, note raw: String?, in context: UseCaseContext) async throws -> RedemptionRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            guard let redemption = try await RedemptionRecord.find(redemptionID, on: db) else { throw AppError.notFound }
            let own = actor.personID?.uuid == redemption.personID
            let staff = AccessPolicy.reaches(.viewDeliberation, actor: actor, place: OrgPath(redemption.orgPath) ?? .root)
            guard own || staff else { throw AppError.notFound }
            guard AccessPolicy.allows(.manageDeliberation, actor: actor, at: OrgPath(redemption.orgPath) ?? .root) || (own && !collect) else { throw AppError.forbidden }
            let note = try Validate.text(raw, field: "note", limit: 200)
            try await settle(redemption, collect: collect, code: .redemption, note: note, by: actor.userID.uuid, now: now, on: db)
            try await context.audit(AuditEvent(action: collect ? "points.collect" : "points.release", objectType: "redemption",
                                               objectID: redemptionID.uuidString.lowercased()), on: db)
            return redemption
        }
    }

    /// Posts or voids both halves of a reservation and marks it (409 `resolved` if it already was).
    static func settle(_ redemption: RedemptionRecord, collect: Bool, code: LedgerTransferRecord.Code, note: String, by userID: UUID?, now: Date,
                       on db: any Database) async throws {
        guard redemption.state == .reserved else { throw AppError.conflict("resolved") }
        var moves: [LedgerStore.Move] = []
        for pendingID in [redemption.pointsTransferID, redemption.stockTransferID] {
            guard let pending = try await LedgerTransferRecord.find(pendingID, on: db) else { throw AppError.conflict("pending_not_found") }
            moves.append(.init(id: LedgerStore.derivedID(pendingID, "resolve"), book: pending.book, debit: pending.debitAccountID, credit: pending.creditAccountID,
                               amount: pending.amount, kind: collect ? .postPending : .voidPending, pendingID: pendingID, code: code,
                               referenceID: redemption.id, note: note))
        }
        try await LedgerStore.apply(moves, by: userID, now: now, on: db)
        let moved = try await db.sql().raw("UPDATE redemptions SET state = \(bind: collect ? "collected" : "released"), resolved_at = \(bind: now), resolved_by = \(bind: userID), note = \(bind: note) WHERE id = \(bind: redemption.id!) AND state = 'reserved' RETURNING id").all()
        guard !moved.isEmpty else { throw AppError.conflict("resolved") }
        redemption.state = collect ? .collected : .released
        redemption.resolvedAt = now
    }

    /// Releases reservations not collected in time (the background round; safe with two instances).
    static func expireDue(in context: UseCaseContext, batch: Int = 100) async throws -> Int {
        let now = context.now
        var released = 0
        for due in try await RedemptionRecord.query(on: context.db).filter(\.$state == .reserved).filter(\.$expiresAt <= now).limit(batch).all() {
            do {
                try await context.write { db in
                    guard let redemption = try await RedemptionRecord.find(due.id!, on: db) else { return }
                    try await settle(redemption, collect: false, code: .expiry, note: "", by: nil, now: now, on: db)
                    try await context.audit(AuditEvent(action: "points.expire", objectType: "redemption", objectID: due.id!.uuidString.lowercased()), on: db)
                }
                released += 1
            } catch let error as AppError where error.status == .conflict {
                continue
            }
        }
        return released
    }
}
