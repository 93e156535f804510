import Fluent
import SQLKit
import Crypto
import Foundation
import GongzhiCore

/// The ledger in the database, by the rules of `Ledger` in Core: transfers inserted, never changed; each account's
/// totals moved in the same transaction by one conditional UPDATE per account, in the order of their ids (so two
/// transactions never wait on each other crosswise), the guard in its WHERE clause: on PostgreSQL the UPDATE waits
/// for a concurrent writer and checks the guard again on the row it committed; SQLite has one writer. A refusal
/// throws, and the caller's transaction rolls everything back.
enum LedgerStore {
    struct Move: Sendable {
        let id: UUID
        let book: Ledger.Book
        let debit: UUID
        let credit: UUID
        let amount: Int64
        var kind: Ledger.Kind = .posted
        var pendingID: UUID? = nil
        let code: LedgerTransferRecord.Code
        var referenceID: UUID? = nil
        var note: String = ""
    }

    /// The account with `key`, made if missing (two makers at once: one insert wins, both read it).
    static func account(_ key: String, book: Ledger.Book, community: OrgNodeRecord, person: UUID? = nil, guarded: Bool, now: Date,
                        on db: any Database) async throws -> LedgerAccountRecord {
        if let found = try await LedgerAccountRecord.query(on: db).filter(\.$key == key).first() { return found }
        try await db.sql().raw("INSERT INTO ledger_accounts (id, key, book, community_id, org_path, person_id, guarded, debits_pending, debits_posted, credits_pending, credits_posted, created_at) VALUES (\(bind: UUID()), \(bind: key), \(bind: book.rawValue), \(bind: community.id!), \(bind: community.path), \(bind: person), \(bind: guarded), 0, 0, 0, 0, \(bind: now)) ON CONFLICT (key) DO NOTHING").run()
        guard let made = try await LedgerAccountRecord.query(on: db).filter(\.$key == key).first() else { throw AppError.conflict("ledger_account") }
        return made
    }

    /// Holds the rows of `accounts` for the rest of the transaction, in the order of their ids (the order `apply`
    /// updates them in), so that what is read next (caps, limits) cannot change under the caller on PostgreSQL and two
    /// transactions never wait on each other crosswise. SQLite has one writer.
    static func lock(_ accounts: [UUID], on db: any Database) async throws {
        for id in Set(accounts).sorted(by: { $0.uuidString < $1.uuidString }) {
            try await db.sql().raw("UPDATE ledger_accounts SET key = key WHERE id = \(bind: id)").run()
        }
    }

    /// Applies `moves` together in the caller's transaction: all of them or none (409 `insufficient`, `resolved`,
    /// `transfer_exists`). A move whose id is already stored with the same content is the retry of one applied
    /// before: then nothing is applied again and `false` is returned.
    @discardableResult
    static func apply(_ moves: [Move], by userID: UUID?, now: Date, on db: any Database) async throws -> Bool {
        guard !moves.isEmpty else { return true }
        let existing = try await LedgerTransferRecord.query(on: db).filter(\.$id ~~ moves.map(\.id)).all()
        if !existing.isEmpty {
            let same = existing.count == moves.count && moves.allSatisfy { move in
                existing.contains { $0.id == move.id && $0.debitAccountID == move.debit && $0.creditAccountID == move.credit && $0.amount == move.amount && $0.kind == move.kind }
            }
            if same { return false }
            throw AppError.conflict("transfer_exists")
        }
        // What each account's totals move by.
        struct Delta { var dPending: Int64 = 0, dPosted: Int64 = 0, cPending: Int64 = 0, cPosted: Int64 = 0 }
        var deltas: [UUID: Delta] = [:]
        for move in moves {
            guard move.amount > 0, move.debit != move.credit else { throw AppError.invalid("amount") }
            switch move.kind {
            case .posted:
                deltas[move.debit, default: .init()].dPosted += move.amount
                deltas[move.credit, default: .init()].cPosted += move.amount
            case .pending:
                deltas[move.debit, default: .init()].dPending += move.amount
                deltas[move.credit, default: .init()].cPending += move.amount
            case .postPending, .voidPending:
                guard let pendingID = move.pendingID, let pending = try await LedgerTransferRecord.find(pendingID, on: db), pending.kind == .pending,
                      pending.debitAccountID == move.debit, pending.creditAccountID == move.credit, pending.amount == move.amount else {
                    throw AppError.conflict("pending_not_found")
                }
                guard try await LedgerTransferRecord.query(on: db).filter(\.$pendingID == pendingID).count() == 0 else { throw AppError.conflict("resolved") }
                deltas[move.debit, default: .init()].dPending -= move.amount
                deltas[move.credit, default: .init()].cPending -= move.amount
                if move.kind == .postPending {
                    deltas[move.debit, default: .init()].dPosted += move.amount
                    deltas[move.credit, default: .init()].cPosted += move.amount
                }
            }
        }
        for move in moves {
            let row = LedgerTransferRecord()
            row.id = move.id
            row.book = move.book
            row.debitAccountID = move.debit
            row.creditAccountID = move.credit
            row.amount = move.amount
            row.kind = move.kind
            row.pendingID = move.pendingID
            row.code = move.code
            row.referenceID = move.referenceID
            row.note = move.note
            row.createdBy = userID
            row.createdAt = now
            do { try await row.create(on: db) } catch { throw AppError.conflict(move.pendingID == nil ? "transfer_exists" : "resolved") }
        }
        for (account, d) in deltas.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            // A guarded account: posted and pending debits after the move never above its posted credits after it.
            let rows = try await db.sql().raw("UPDATE ledger_accounts SET debits_pending = debits_pending + \(bind: d.dPending), debits_posted = debits_posted + \(bind: d.dPosted), credits_pending = credits_pending + \(bind: d.cPending), credits_posted = credits_posted + \(bind: d.cPosted) WHERE id = \(bind: account) AND (guarded = \(bind: false) OR debits_posted + debits_pending + \(bind: d.dPosted + d.dPending) <= credits_posted + \(bind: d.cPosted)) RETURNING id").all()
            guard !rows.isEmpty else { throw AppError.conflict("insufficient") }
        }
        return true
    }

    /// A transfer id derived from another (a correction of a transfer, the resolution of a reservation): the same
    /// every time, so that a second attempt meets the first.
    static func derivedID(_ base: UUID, _ purpose: String) -> UUID {
        let digest = Array(SHA256.hash(data: Data((purpose + ":" + base.uuidString).utf8)))
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                           bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Checks the stored ledger against the Core's definition: every account's stored totals equal the sums of its
    /// transfers (`Ledger.totals`), each book balances, no guarded account is below zero, every resolution names its
    /// pending transfer's accounts and amount. The keys of the accounts (or ids of transfers) at fault; empty when all hold.
    static func check(on db: any Database) async throws -> [String] {
        let accounts = try await LedgerAccountRecord.query(on: db).all()
        let transfers = try await LedgerTransferRecord.query(on: db).all()
        let totals = Ledger.totals(of: transfers.map(\.core))
        var faults = accounts.filter { (totals[$0.id!.uuidString] ?? Ledger.Balance()) != $0.balance }.map(\.key)
        faults += accounts.filter { $0.guarded && $0.debitsPosted + $0.debitsPending > $0.creditsPosted }.map { "guard " + $0.key }
        for book in Ledger.Book.allCases where !Ledger.isBalanced(accounts.filter { $0.book == book }.map(\.balance)) {
            faults.append("unbalanced " + book.rawValue)
        }
        let byID = Dictionary(uniqueKeysWithValues: transfers.map { ($0.id!, $0) })
        for resolution in transfers where resolution.pendingID != nil {
            guard let pending = byID[resolution.pendingID!], pending.kind == .pending, pending.debitAccountID == resolution.debitAccountID,
                  pending.creditAccountID == resolution.creditAccountID, pending.amount == resolution.amount else { faults.append(resolution.id!.uuidString); continue }
        }
        return faults
    }
}
