import Foundation

/// A double-entry ledger that cannot be wrong, for points (积分) and for the stock of what they buy (after
/// TigerBeetle's accounts and transfers; `../shared/reference/ledgers.md`). Accounts hold only totals; transfers are
/// immutable, each debiting one account and crediting another of the same book; a guarded account's debits never
/// exceed its credits (a person's points, an item's stock); a pending transfer reserves an amount until it is posted
/// or voided, once. The books balance at every instant: in each book the debits equal the credits, posted and
/// pending separately. The database applies exactly these rules (`Points` in the app); this type is their definition,
/// replayed over stored transfers to check the stored balances.
public enum Ledger {
    public enum Book: String, Codable, Sendable, CaseIterable {
        case points
        case stock
        /// A compound's public money, in fen (公共收益, 专项维修资金).
        case money
    }

    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Moves the amount at once.
        case posted
        /// Reserves the amount (it counts against a guarded debit account at once).
        case pending
        /// Completes a pending transfer (the same accounts and amount).
        case postPending = "post_pending"
        /// Releases a pending transfer.
        case voidPending = "void_pending"
    }

    public struct Balance: Sendable, Equatable, Codable {
        public var debitsPending: Int64 = 0
        public var debitsPosted: Int64 = 0
        public var creditsPending: Int64 = 0
        public var creditsPosted: Int64 = 0

        public init(debitsPending: Int64 = 0, debitsPosted: Int64 = 0, creditsPending: Int64 = 0, creditsPosted: Int64 = 0) {
            self.debitsPending = debitsPending
            self.debitsPosted = debitsPosted
            self.creditsPending = creditsPending
            self.creditsPosted = creditsPosted
        }

        /// What may still be spent from a credit-normal account (a person's points, an item's stock).
        public var available: Int64 { creditsPosted - debitsPosted - debitsPending }
        /// Reserved by pending transfers out.
        public var reserved: Int64 { debitsPending }
    }

    public struct Account: Sendable, Equatable {
        public let id: String
        public let book: Book
        /// Debits (posted and pending) may never exceed posted credits.
        public let guarded: Bool

        public init(id: String, book: Book, guarded: Bool) {
            self.id = id
            self.book = book
            self.guarded = guarded
        }
    }

    public struct Transfer: Sendable, Equatable {
        public let id: String
        public let book: Book
        public let debit: String
        public let credit: String
        public let amount: Int64
        public let kind: Kind
        /// The pending transfer a `postPending` or `voidPending` resolves.
        public let pendingID: String?

        public init(id: String, book: Book, debit: String, credit: String, amount: Int64, kind: Kind = .posted, pendingID: String? = nil) {
            self.id = id
            self.book = book
            self.debit = debit
            self.credit = credit
            self.amount = amount
            self.kind = kind
            self.pendingID = pendingID
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        case amountNotPositive
        case sameAccount
        case unknownAccount(String)
        case wrongBook
        /// The debit account is guarded and would go below zero.
        case exceedsCredits(String)
        case idExists(String)
        case pendingNotFound
        case pendingAlreadyResolved
        /// A resolution names other accounts or another amount than its pending transfer.
        case resolutionMismatch
    }

    /// Whether the accounts of one book balance: their debits equal their credits, posted and pending separately.
    public static func isBalanced(_ balances: [Balance]) -> Bool {
        balances.reduce(0) { $0 + $1.debitsPosted } == balances.reduce(0) { $0 + $1.creditsPosted }
            && balances.reduce(0) { $0 + $1.debitsPending } == balances.reduce(0) { $0 + $1.creditsPending }
    }

    /// Each account's totals as the sum of the transfers that name it, in any order: the definition the incremental
    /// books (and the database's stored totals) must agree with.
    public static func totals(of transfers: [Transfer]) -> [String: Balance] {
        var totals: [String: Balance] = [:]
        for t in transfers {
            var d = totals[t.debit] ?? Balance(), c = totals[t.credit] ?? Balance()
            switch t.kind {
            case .posted:
                d.debitsPosted += t.amount
                c.creditsPosted += t.amount
            case .pending:
                d.debitsPending += t.amount
                c.creditsPending += t.amount
            case .postPending, .voidPending:
                d.debitsPending -= t.amount
                c.creditsPending -= t.amount
                if t.kind == .postPending {
                    d.debitsPosted += t.amount
                    c.creditsPosted += t.amount
                }
            }
            totals[t.debit] = d
            totals[t.credit] = c
        }
        return totals
    }

    /// The books: accounts, their balances, and what is needed to check new transfers.
    public struct Books: Sendable, Equatable {
        public private(set) var accounts: [String: Account] = [:]
        public private(set) var balances: [String: Balance] = [:]
        public private(set) var ids: Set<String> = []
        /// Pending transfers not yet posted or voided.
        public private(set) var open: [String: Transfer] = [:]

        public init(accounts: [Account] = []) {
            for account in accounts { add(account) }
        }

        public mutating func add(_ account: Account) {
            guard accounts[account.id] == nil else { return }
            accounts[account.id] = account
            balances[account.id] = Balance()
        }

        /// The books after `transfer`, or why it is refused (then nothing changed).
        public func applying(_ transfer: Transfer) throws(Problem) -> Books {
            try applying(linked: [transfer])
        }

        /// The books after all of `transfers`, applied in order, or none of them.
        public func applying(linked transfers: [Transfer]) throws(Problem) -> Books {
            var next = self
            for transfer in transfers { try next.apply(transfer) }
            return next
        }

        private mutating func apply(_ transfer: Transfer) throws(Problem) {
            guard !ids.contains(transfer.id) else { throw .idExists(transfer.id) }
            guard transfer.amount > 0 else { throw .amountNotPositive }
            guard transfer.debit != transfer.credit else { throw .sameAccount }
            guard let debit = accounts[transfer.debit] else { throw .unknownAccount(transfer.debit) }
            guard let credit = accounts[transfer.credit] else { throw .unknownAccount(transfer.credit) }
            guard debit.book == transfer.book, credit.book == transfer.book else { throw .wrongBook }
            var d = balances[debit.id]!, c = balances[credit.id]!
            switch transfer.kind {
            case .posted, .pending:
                guard !debit.guarded || d.debitsPosted + d.debitsPending + transfer.amount <= d.creditsPosted else { throw .exceedsCredits(debit.id) }
                if transfer.kind == .posted {
                    d.debitsPosted += transfer.amount
                    c.creditsPosted += transfer.amount
                } else {
                    d.debitsPending += transfer.amount
                    c.creditsPending += transfer.amount
                    open[transfer.id] = transfer
                }
            case .postPending, .voidPending:
                guard let pendingID = transfer.pendingID, ids.contains(pendingID) else { throw .pendingNotFound }
                guard let pending = open[pendingID] else { throw .pendingAlreadyResolved }
                guard pending.debit == transfer.debit, pending.credit == transfer.credit, pending.amount == transfer.amount else { throw .resolutionMismatch }
                d.debitsPending -= transfer.amount
                c.creditsPending -= transfer.amount
                if transfer.kind == .postPending {
                    d.debitsPosted += transfer.amount
                    c.creditsPosted += transfer.amount
                }
                open[pendingID] = nil
            }
            balances[debit.id] = d
            balances[credit.id] = c
            ids.insert(transfer.id)
        }

        /// Whether the book balances: debits equal credits, posted and pending separately.
        func balanced(_ book: Book) -> Bool {
            Ledger.isBalanced(accounts.values.filter { $0.book == book }.compactMap { balances[$0.id] })
        }

        /// Whether no guarded account has gone below zero.
        public var guardsHold: Bool {
            accounts.values.filter(\.guarded).allSatisfy { balances[$0.id].map { $0.debitsPosted + $0.debitsPending <= $0.creditsPosted } ?? true }
        }
    }
}
