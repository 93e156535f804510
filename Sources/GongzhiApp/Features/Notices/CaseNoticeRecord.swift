import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A message to an account about a case it follows (站内消息): its case was merged into another, or the case it
/// follows was answered or closed. Residents read them on their page and through the API.
final class CaseNoticeRecord: Model, @unchecked Sendable {
    static let schema = "case_notices"

    enum Kind: String, Codable, Sendable, CaseIterable {
        /// Your case was merged into another one, which you now follow.
        case merged
        /// The case you follow was answered.
        case replied
        /// The case you follow was closed or refused.
        case closed
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "case_number") var caseNumber: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $userID, $caseID, $caseNumber, $kind, $createdAt, $readAt] }

    init() {}

    init(userID: UUID, caseID: UUID, caseNumber: String, kind: Kind, now: Date) {
        self.id = UUID()
        self.userID = userID
        self.caseID = caseID
        self.caseNumber = caseNumber
        self.kind = kind
        self.createdAt = now
    }
}

struct CreateCaseNotice: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseNoticeRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .cascade))
            .field("case_number", .string, .required)
            .field("kind", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.sql().create(index: "idx_case_notices_user").on(CaseNoticeRecord.schema).column("user_id").run()
        try await database.sql().create(index: "idx_cases_merged_into").on(CaseRecord.schema).column("merged_into").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_merged_into").run()
        try await database.schema(CaseNoticeRecord.schema).delete()
    }
}

/// Who hears about what happens to a case: its submitter and the submitters of the cases merged into it.
enum CaseNotices {
    /// The accounts following `caseID` through merged duplicates.
    static func followers(of caseID: UUID, on db: any Database) async throws -> [UUID] {
        try await CaseRecord.query(on: db).filter(\.$mergedInto == caseID).filter(\.$submitterUserID != nil).all()
            .compactMap(\.submitterUserID)
    }

    /// Writes one notice per follower (and the submitter) of `record`, in the caller's transaction.
    static func notify(_ record: CaseRecord, kind: CaseNoticeRecord.Kind, except actor: UUID? = nil, now: Date, on db: any Database) async throws {
        var users = Set(try await followers(of: record.id!, on: db))
        if let submitter = record.submitterUserID { users.insert(submitter) }
        if let actor { users.remove(actor) }
        for user in users.sorted(by: { $0.uuidString < $1.uuidString }) {
            try await CaseNoticeRecord(userID: user, caseID: record.id!, caseNumber: record.number, kind: kind, now: now).create(on: db)
        }
    }

    /// After `duplicate` is merged into `master`: the cases merged into the duplicate now follow the master too,
    /// and every submitter of the duplicate's family is told which case to follow.
    static func merged(_ duplicate: CaseRecord, into master: CaseRecord, now: Date, on db: any Database) async throws {
        let earlier = try await CaseRecord.query(on: db).filter(\.$mergedInto == duplicate.id!).all()
        var users = Set(earlier.compactMap(\.submitterUserID))
        if let submitter = duplicate.submitterUserID { users.insert(submitter) }
        for record in earlier {
            record.mergedInto = master.id
            try await record.update(on: db)
        }
        for user in users.sorted(by: { $0.uuidString < $1.uuidString }) {
            try await CaseNoticeRecord(userID: user, caseID: master.id!, caseNumber: master.number, kind: .merged, now: now).create(on: db)
        }
    }
}

struct CaseNoticeDTO: Content {
    let id: UUID
    let caseId: UUID
    let caseNumber: String
    let kind: CaseNoticeRecord.Kind
    /// In the caller's language.
    let message: String
    let createdAt: Date
    let read: Bool

    init(_ notice: CaseNoticeRecord, lang: Lang) {
        id = notice.id!
        caseId = notice.caseID
        caseNumber = notice.caseNumber
        kind = notice.kind
        message = Strings.text("notice.\(notice.kind.rawValue)", lang).replacingOccurrences(of: "{number}", with: notice.caseNumber)
        createdAt = notice.createdAt
        read = notice.readAt != nil
    }
}

