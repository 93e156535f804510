import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// An account of the points or stock ledger (`Ledger` in Core): totals only, changed in the same transaction as the
/// transfers that move them, a guarded account never below zero (`LedgerStore`). Known by a key that says what it is:
/// `points/person/<community>/<person>`, `points/earned/<community>/<earning>`, `points/redeemed/<community>`,
/// `stock/item/<item>`, `stock/in/<item>`, `stock/out/<item>`.
final class LedgerAccountRecord: Model, @unchecked Sendable {
    static let schema = "ledger_accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    @Field(key: "book") var book: Ledger.Book
    @Field(key: "community_id") var communityID: UUID
    /// The community's path (moved with it).
    @Field(key: "org_path") var orgPath: String
    /// The person whose points these are (person accounts only).
    @OptionalField(key: "person_id") var personID: UUID?
    @Field(key: "guarded") var guarded: Bool
    @Field(key: "debits_pending") var debitsPending: Int64
    @Field(key: "debits_posted") var debitsPosted: Int64
    @Field(key: "credits_pending") var creditsPending: Int64
    @Field(key: "credits_posted") var creditsPosted: Int64
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $key, $book, $communityID, $orgPath, $personID, $guarded, $debitsPending, $debitsPosted, $creditsPending, $creditsPosted, $createdAt]
    }

    init() {}

    var balance: Ledger.Balance {
        .init(debitsPending: debitsPending, debitsPosted: debitsPosted, creditsPending: creditsPending, creditsPosted: creditsPosted)
    }
}

/// A transfer: immutable (triggers refuse UPDATE and DELETE), its id chosen by the client so that a retry cannot
/// apply it twice; a pending transfer is resolved at most once (unique `pending_id`).
final class LedgerTransferRecord: Model, @unchecked Sendable {
    static let schema = "ledger_transfers"

    /// Why points or stock moved.
    enum Code: String, Codable, Sendable, CaseIterable {
        case volunteerHours = "volunteer_hours"
        case meetingAttendance = "meeting_attendance"
        case validReport = "valid_report"
        case pledge
        /// A wrong award taken back (the other way, never an edit).
        case correction
        /// Points and an item reserved, collected or released.
        case redemption
        /// Stock given (from the community's resources or a sponsor).
        case stockAdded = "stock_added"
        /// A reservation not collected in time.
        case expiry
        /// A compound's money: income into its public revenue or a deposit into its maintenance fund.
        case income
        /// Spent from the public revenue, with its voucher.
        case expense
        /// An approved use of the maintenance fund, with the owners' vote that approved it.
        case fundUse = "fund_use"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "book") var book: Ledger.Book
    @Field(key: "debit_account_id") var debitAccountID: UUID
    @Field(key: "credit_account_id") var creditAccountID: UUID
    @Field(key: "amount") var amount: Int64
    @Field(key: "kind") var kind: Ledger.Kind
    @OptionalField(key: "pending_id") var pendingID: UUID?
    @Field(key: "code") var code: Code
    /// What it is about: the transfer a correction reverses, the redemption, an activity.
    @OptionalField(key: "reference_id") var referenceID: UUID?
    @Field(key: "note") var note: String
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $book, $debitAccountID, $creditAccountID, $amount, $kind, $pendingID, $code, $referenceID, $note, $createdBy, $createdAt]
    }

    init() {}

    var core: Ledger.Transfer {
        .init(id: id!.uuidString, book: book, debit: debitAccountID.uuidString, credit: creditAccountID.uuidString, amount: amount, kind: kind,
              pendingID: pendingID?.uuidString)
    }
}

/// An earning rule of a community (`PointsRules.Rule`): a new row for each change, in force from its date (rows are
/// never changed by the code; only their `org_path` moves with the tree).
final class PointsRuleRecord: Model, @unchecked Sendable {
    static let schema = "points_rules"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "earning") var earning: PointsRules.Earning
    @Field(key: "points_per_unit") var pointsPerUnit: Int
    @OptionalField(key: "daily_cap") var dailyCap: Int?
    @OptionalField(key: "monthly_cap") var monthlyCap: Int?
    /// "YYYY-MM-DD", Beijing.
    @Field(key: "effective_from") var effectiveFrom: String
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $communityID, $orgPath, $earning, $pointsPerUnit, $dailyCap, $monthlyCap, $effectiveFrom, $createdBy, $createdAt]
    }

    init() {}

    var core: PointsRules.Rule? {
        CivilDate(iso: effectiveFrom).map { .init(earning: earning, pointsPerUnit: pointsPerUnit, dailyCap: dailyCap, monthlyCap: monthlyCap, effectiveFrom: $0) }
    }
}

/// Something points buy (兑换目录): a service or goods, its price in points, a limit per person; its stock is the
/// guarded ledger account `stock/item/<id>`.
final class RewardItemRecord: Model, @unchecked Sendable {
    static let schema = "reward_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "name") var name: String
    @Field(key: "description") var details: String
    @Field(key: "points") var points: Int64
    /// How many one person may redeem in all (0: no limit).
    @Field(key: "per_person_limit") var perPersonLimit: Int
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] { [$id, $communityID, $orgPath, $name, $details, $points, $perPersonLimit, $active, $createdAt] }

    init() {}
}

/// A resident's redemption: points and one item reserved (two linked pending transfers), then collected when handed
/// over or released (cancelled, refused, or not collected in time).
final class RedemptionRecord: Model, @unchecked Sendable {
    static let schema = "redemptions"

    enum State: String, Codable, Sendable, CaseIterable {
        case reserved, collected, released
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "points_transfer_id") var pointsTransferID: UUID
    @Field(key: "stock_transfer_id") var stockTransferID: UUID
    @Field(key: "state") var state: State
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalField(key: "resolved_by") var resolvedBy: UUID?
    @Field(key: "note") var note: String

    /// Every property wrapper above, in order, listed by hand (`ModelRegistry`).
    var properties: [any AnyProperty] {
        [$id, $itemID, $personID, $communityID, $orgPath, $pointsTransferID, $stockTransferID, $state, $expiresAt, $createdAt, $resolvedAt, $resolvedBy, $note]
    }

    init() {}
}

struct CreatePointsLedger: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LedgerAccountRecord.schema)
            .id()
            .field("key", .string, .required)
            .field("book", .string, .required)
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("person_id", .uuid, .references(PersonRecord.schema, .id, onDelete: .restrict))
            .field("guarded", .bool, .required)
            .field("debits_pending", .int64, .required)
            .field("debits_posted", .int64, .required)
            .field("credits_pending", .int64, .required)
            .field("credits_posted", .int64, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "key")
            .create()
        try await database.schema(LedgerTransferRecord.schema)
            .id()
            .field("book", .string, .required)
            .field("debit_account_id", .uuid, .required, .references(LedgerAccountRecord.schema, .id, onDelete: .restrict))
            .field("credit_account_id", .uuid, .required, .references(LedgerAccountRecord.schema, .id, onDelete: .restrict))
            .field("amount", .int64, .required)
            .field("kind", .string, .required)
            .field("pending_id", .uuid)
            .field("code", .string, .required)
            .field("reference_id", .uuid)
            .field("note", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "pending_id")
            .create()
        try await database.sql().create(index: "idx_ledger_transfers_debit").on(LedgerTransferRecord.schema).column("debit_account_id").column("created_at").run()
        try await database.sql().create(index: "idx_ledger_transfers_credit").on(LedgerTransferRecord.schema).column("credit_account_id").column("created_at").run()
        try await AppendOnly.install(LedgerTransferRecord.schema, on: database)
        try await database.schema(PointsRuleRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("earning", .string, .required)
            .field("points_per_unit", .int, .required)
            .field("daily_cap", .int)
            .field("monthly_cap", .int)
            .field("effective_from", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(RewardItemRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("points", .int64, .required)
            .field("per_person_limit", .int, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(RedemptionRecord.schema)
            .id()
            .field("item_id", .uuid, .required, .references(RewardItemRecord.schema, .id, onDelete: .restrict))
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .restrict))
            .field("community_id", .uuid, .required)
            .field("org_path", .string, .required)
            .field("points_transfer_id", .uuid, .required)
            .field("stock_transfer_id", .uuid, .required)
            .field("state", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("resolved_at", .datetime)
            .field("resolved_by", .uuid)
            .field("note", .string, .required)
            .create()
        try await database.sql().create(index: "idx_redemptions_person").on(RedemptionRecord.schema).column("person_id").column("item_id").run()
        try await database.sql().create(index: "idx_redemptions_state").on(RedemptionRecord.schema).column("state").column("expires_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RedemptionRecord.schema).delete()
        try await database.schema(RewardItemRecord.schema).delete()
        try await database.schema(PointsRuleRecord.schema).delete()
        try await AppendOnly.remove(LedgerTransferRecord.schema, on: database)
        try await database.schema(LedgerTransferRecord.schema).delete()
        try await database.schema(LedgerAccountRecord.schema).delete()
    }
}
