import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// What the ledger shows: a resident's statement (balance and every movement with its reason), and a community's
/// totals, rules, catalogue and open reservations for its staff.
extension Points {
    struct Entry: Codable, Sendable {
        let id: UUID
        let at: Date
        let code: LedgerTransferRecord.Code
        let kind: Ledger.Kind
        /// Points in (+) or out (−) of the person's account; a reservation counts as out while it is held.
        let points: Int64
        let note: String
    }

    struct Statement: Codable, Sendable {
        /// What may be spent now.
        let available: Int64
        /// Held by reservations not yet collected.
        let reserved: Int64
        let earned: Int64
        let entries: [Entry]
    }

    /// The person's statement in their community (newest first, at most `limit` movements).
    static func statement(person: PersonRecord, limit: Int = 100, on db: any Database) async throws -> Statement {
        guard let community = try await community(of: person, on: db),
              let account = try await LedgerAccountRecord.query(on: db).filter(\.$key == personKey(community.id!, person.id!)).first() else {
            return Statement(available: 0, reserved: 0, earned: 0, entries: [])
        }
        let id = account.id!
        let transfers = try await LedgerTransferRecord.query(on: db).group(.or) { $0.filter(\.$debitAccountID == id).filter(\.$creditAccountID == id) }
            .sort(\.$createdAt, .descending).limit(limit).all()
        let entries = transfers.compactMap { t -> Entry? in
            let sign: Int64 = t.creditAccountID == id ? 1 : -1
            switch t.kind {
            case .posted, .pending: return Entry(id: t.id!, at: t.createdAt, code: t.code, kind: t.kind, points: sign * t.amount, note: t.note)
            // A released reservation gives the points back; a collected one changes nothing more.
            case .voidPending: return Entry(id: t.id!, at: t.createdAt, code: t.code, kind: t.kind, points: -sign * t.amount, note: t.note)
            case .postPending: return nil
            }
        }
        return Statement(available: account.balance.available, reserved: account.balance.reserved, earned: account.creditsPosted, entries: entries)
    }

    struct Totals: Codable, Sendable {
        /// Residents with a points account.
        let residents: Int
        /// Points earned (net of corrections), spent on collected items, held by reservations, and left to spend.
        let issued: Int64
        let spent: Int64
        let reserved: Int64
        let available: Int64
    }

    static func totals(community: UUID, on db: any Database) async throws -> Totals {
        let accounts = try await LedgerAccountRecord.query(on: db).filter(\.$communityID == community).filter(\.$book == .points).filter(\.$personID != nil).all()
        let redeemed = try await LedgerAccountRecord.query(on: db).filter(\.$key == redeemedKey(community)).first()
        let credits = accounts.reduce(Int64(0)) { $0 + $1.creditsPosted }, debits = accounts.reduce(Int64(0)) { $0 + $1.debitsPosted }
        let spent = redeemed?.creditsPosted ?? 0
        return Totals(residents: accounts.count, issued: credits - (debits - spent), spent: spent, reserved: accounts.reduce(0) { $0 + $1.debitsPending },
                      available: accounts.reduce(0) { $0 + $1.balance.available })
    }
}
