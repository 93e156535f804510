import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A compound's money on the ledger's money book (fen): its public revenue (公共收益) and its maintenance fund
/// (专项维修资金), each a guarded account that cannot be overspent. Staff who run the community, or the compound's
/// owners' committee, record income and deposits, expenses with their voucher, and uses of the maintenance fund with
/// the owners' vote that approved them (Civil Code art. 278: closed and passed). Residents of the community see each
/// month's totals; the compound's residents (its owners) and staff see every movement with its voucher.
enum CompoundFinances {
    enum Movement: String, Codable, Sendable, CaseIterable {
        case income, deposit, expense, fundUse = "fund_use"
    }

    static func fundKey(_ compound: UUID, _ fund: FundStatement.Fund) -> String { "money/fund/\(compound.uuidString.lowercased())/\(fund.rawValue)" }
    static func inKey(_ compound: UUID, _ income: FundStatement.Income) -> String { "money/in/\(compound.uuidString.lowercased())/\(income.rawValue)" }
    static func outKey(_ compound: UUID, _ fund: FundStatement.Fund) -> String { "money/out/\(compound.uuidString.lowercased())/\(fund.rawValue)" }

    struct Access: Sendable {
        let manage: Bool
        /// Every movement with its voucher.
        let detail: Bool
    }

    /// Staff who see the community, the compound's committee and its residents see the detail; the community's
    /// other residents the totals; anyone else nothing (404).
    static func access(_ actor: Actor?, to compound: CompoundRecord, on db: any Database) async throws -> Access {
        guard let actor else { throw AppError.notFound }
        let place = OrgPath(compound.orgPath) ?? .root
        let manageStaff = AccessPolicy.allows(.manageDeliberation, actor: actor, at: place)
        let committee = try await committeeCompound(of: actor, on: db) == compound.id
        let staff = AccessPolicy.reaches(.viewDeliberation, actor: actor, place: place)
        let homes = try await Announcements.homes(of: actor, on: db)
        let own = homes.contains { $0.compound == compound.id!.uuidString }
        let neighbour = homes.contains { $0.community == compound.$community.id.uuidString }
        guard staff || committee || neighbour else { throw AppError.notFound }
        return Access(manage: manageStaff || committee, detail: staff || committee || own)
    }

    /// The compound of the owners' committee whose staff `actor` is, if any.
    static func committeeCompound(of actor: Actor, on db: any Database) async throws -> UUID? {
        guard let committee = try await Announcements.committees(of: actor, on: db).first else { return nil }
        return try await PartyProfileRecord.query(on: db).filter(\.$node.$id == committee.id!).first()?.compoundID
    }

    struct Entry: Sendable {
        let movement: Movement
        let income: FundStatement.Income?
        let amountFen: Int64?
        let note: String?
        let voteID: UUID?
        let transferID: UUID?
    }

    /// Records one movement with its vouchers, in one transaction (409 `insufficient` when a fund would go below zero).
    static func record(compoundID: UUID, _ entry: Entry, photos: [CasePhoto], in context: UseCaseContext) async throws -> LedgerTransferRecord {
        let actor = try context.account()
        let now = context.now
        let id = entry.transferID ?? UUID()
        var recorded: LedgerTransferRecord?
        try await CasePhoto.writing(photos, in: context) { files in
            recorded = try await context.write { db in
                guard let compound = try await CompoundRecord.find(compoundID, on: db) else { throw AppError.notFound }
                let access = try await access(actor, to: compound, on: db)
                guard access.manage else { throw AppError.forbidden }
                guard let amount = entry.amountFen, (1...100_000_000_00).contains(amount) else { throw AppError.invalid("amount", "out_of_range") }
                let note = try Validate.text(entry.note, field: "note", limit: 500)
                guard !note.isEmpty else { throw AppError.invalid("note", "required") }
                guard let community = try await OrgNodeRecord.find(compound.$community.id, on: db) else { throw AppError.notFound }
                let account = { (key: String, guarded: Bool) async throws -> UUID in
                    try await LedgerStore.account(key, book: .money, community: community, guarded: guarded, now: now, on: db).id!
                }
                let move: LedgerStore.Move
                switch entry.movement {
                case .income, .deposit:
                    let income: FundStatement.Income = entry.movement == .deposit ? .deposit : (entry.income ?? .other)
                    guard income != .deposit || entry.movement == .deposit else { throw AppError.invalid("income") }
                    let fund: FundStatement.Fund = entry.movement == .deposit ? .maintenance : .revenue
                    move = .init(id: id, book: .money, debit: try await account(inKey(compoundID, income), false),
                                 credit: try await account(fundKey(compoundID, fund), true), amount: amount, code: .income, note: note)
                case .expense:
                    guard !photos.isEmpty else { throw AppError.invalid("photos", "voucher_required") }
                    move = .init(id: id, book: .money, debit: try await account(fundKey(compoundID, .revenue), true),
                                 credit: try await account(outKey(compoundID, .revenue), false), amount: amount, code: .expense, note: note)
                case .fundUse:
                    guard !photos.isEmpty else { throw AppError.invalid("photos", "voucher_required") }
                    guard let voteID = entry.voteID, let vote = try await OwnerVoteRecord.find(voteID, on: db), vote.$compound.id == compoundID,
                          vote.matter == .useMaintenanceFund, vote.state == .closed, OwnerVoteTallyDTO.decode(vote.resultJSON)?.passed == true else {
                        throw AppError.invalid("voteId", "vote_not_passed")
                    }
                    move = .init(id: id, book: .money, debit: try await account(fundKey(compoundID, .maintenance), true),
                                 credit: try await account(outKey(compoundID, .maintenance), false), amount: amount, code: .fundUse, referenceID: voteID, note: note)
                }
                let fresh = try await LedgerStore.apply([move], by: actor.userID.uuid, now: now, on: db)
                if fresh {
                    try await DeliberationPhotos.save(photos, files: files, subject: .voucher, id: id, uploadedBy: actor.userID.uuid, now: now, on: db)
                    try await context.audit(AuditEvent(action: "finance.\(entry.movement.rawValue)", objectType: "compound", objectID: compoundID.uuidString.lowercased(),
                                                       change: ["fen": String(amount)]), on: db)
                }
                return try await LedgerTransferRecord.find(id, on: db)!
            }
        }
        guard let recorded else { throw AppError.notFound }
        return recorded
    }

    struct Line: Sendable {
        let transfer: LedgerTransferRecord
        let fund: FundStatement.Fund
        /// + in, − out.
        let signed: Int64
    }

    struct Month: Sendable {
        let funds: [(fund: FundStatement.Fund, month: FundStatement.Month)]
        let lines: [Line]
    }

    /// Each fund's statement of [from, to) and the movements in it.
    static func month(compound: UUID, from: Date, to: Date, on db: any Database) async throws -> Month {
        let keys = FundStatement.Fund.allCases.map { fundKey(compound, $0) }
        let accounts = try await LedgerAccountRecord.query(on: db).filter(\.$key ~~ keys).all()
        var funds: [(FundStatement.Fund, FundStatement.Month)] = []
        var lines: [Line] = []
        for fund in FundStatement.Fund.allCases {
            guard let account = accounts.first(where: { $0.key == fundKey(compound, fund) }) else {
                funds.append((fund, FundStatement.month([], from: from, to: to)))
                continue
            }
            let id = account.id!
            let transfers = try await LedgerTransferRecord.query(on: db).filter(\.$createdAt < to)
                .group(.or) { $0.filter(\.$debitAccountID == id).filter(\.$creditAccountID == id) }.all()
            let signed = transfers.map { ($0, $0.creditAccountID == id ? $0.amount : -$0.amount) }
            funds.append((fund, FundStatement.month(signed.map { .init(at: $0.0.createdAt, amount: $0.1) }, from: from, to: to)))
            lines += signed.filter { $0.0.createdAt >= from }.map { Line(transfer: $0.0, fund: fund, signed: $0.1) }
        }
        return Month(funds: funds, lines: lines.sorted { $0.transfer.createdAt > $1.transfer.createdAt })
    }
}
