import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Raising a problem before having an account (issue 26): a visitor writes it, chooses what it is and where, gives
/// their mobile number; the problem waits here, sealed, while the code is texted; the code, entered, makes or opens
/// their account and sends the problem in the same request. A draft belongs to the number that was given: it is
/// sent only for an account holding that number, and is deleted when sent or after a day.
final class CaseDraftRecord: Model, @unchecked Sendable {
    static let schema = "case_drafts"

    @ID(key: .id) var id: UUID?
    /// The number's blind index (as `users.phone_hash`).
    @Field(key: "phone_hash") var phoneHash: String
    /// The form as JSON, sealed (`FieldCipher.Field.caseDraft`).
    @Field(key: "draft_sealed") var draftSealed: String
    @Field(key: "created_at") var createdAt: Date

    var properties: [any AnyProperty] { [$id, $phoneHash, $draftSealed, $createdAt] }

    init() {}

    init(id: UUID, phoneHash: String, draftSealed: String, createdAt: Date) {
        self.id = id
        self.phoneHash = phoneHash
        self.draftSealed = draftSealed
        self.createdAt = createdAt
    }
}

struct CreateCaseDrafts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseDraftRecord.schema)
            .id()
            .field("phone_hash", .string, .required)
            .field("draft_sealed", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CaseDraftRecord.schema).delete() }
}

enum CaseDrafts {
    /// What the visitor filled in: everything the resident's form sends but photos.
    struct Draft: Codable, Sendable {
        var title: String
        var description: String
        var itemCode: String?
        var buildingID: UUID?
        var answers: [String: [String]]
        var isPublic: Bool
        /// Raised anonymously: staff do not see who; the tracking code is shown once after the code.
        var anonymous: Bool = false
    }

    /// How long a draft waits for its code.
    static let lifetime: TimeInterval = 86_400

    /// Checks the draft as far as it can be without an account (the words, the item and its questions, the
    /// building), keeps it sealed and texts a code to `rawPhone`. Returns the draft's id and the number.
    static func save(_ draft: Draft, phone rawPhone: String?, in context: UseCaseContext) async throws -> (UUID, MobileNumber) {
        let phone = try PhoneSignIn.number(rawPhone)
        let title = try Validate.name(draft.title, field: "title")
        _ = try Validate.text(draft.description, field: "description", limit: 4_000)
        guard let catalogue = try await CatalogueStore.current(on: context.db) else { throw AppError.conflict("no_catalogue") }
        if let code = draft.itemCode {
            guard let item = catalogue.item(code) else { throw AppError.invalid("itemCode") }
            do throws(CatalogueQuestion.Problem) {
                _ = try CatalogueQuestion.validate(draft.answers, against: item.questions, requireAll: true)
            } catch {
                let (question, code) = CaseIntake.describe(error)
                throw AppError.invalid("attribute[\(question)]", code)
            }
        }
        guard let building = draft.buildingID, try await BuildingRecord.find(building, on: context.db) != nil else {
            throw AppError.invalid("buildingId", "required")
        }
        var kept = draft
        kept.title = title
        let cipher = context.services.cipher
        let sealed = cipher.seal(String(decoding: try JSONEncoder().encode(kept), as: UTF8.self), field: .caseDraft)
        let id = context.ids.next(), now = context.now
        try await context.write { db in
            try await CaseDraftRecord(id: id, phoneHash: cipher.blindIndex(phone.value, field: .phone), draftSealed: sealed, createdAt: now).create(on: db)
        }
        try await PhoneSignIn.sendCode(to: phone.value, in: context)
        return (id, phone)
    }

    /// Sends the draft as the signed-in account holding its number, and deletes it. Nil when the draft is gone
    /// (sent already, expired) or belongs to another number.
    static func submit(_ id: UUID, in context: UseCaseContext) async throws -> CaseIntake.Result? {
        let actor = try context.account()
        guard let record = try await CaseDraftRecord.find(id, on: context.db), record.createdAt > context.now.addingTimeInterval(-lifetime),
              let user = try await UserRecord.find(actor.userID.uuid, on: context.db), user.phoneHash == record.phoneHash,
              let opened = try? context.services.cipher.open(record.draftSealed, field: .caseDraft) else { return nil }
        let draft = try JSONDecoder().decode(Draft.self, from: Data(opened.utf8))
        let input = CaseIntake.Input(
            title: draft.title, description: draft.description, buildingID: draft.buildingID, gridID: nil, address: "", latitude: nil, longitude: nil,
            itemCode: draft.itemCode, overrideReason: nil, channel: nil, fallbackChannel: .resident, isPublic: draft.isPublic, anonymous: draft.anonymous,
            accusedNodeID: nil, answers: draft.answers)
        let result = try await CaseIntake.submit(input, in: context)
        try await context.write { db in try await CaseDraftRecord.query(on: db).filter(\.$id == id).delete() }
        return result
    }

    /// The draft a sign-in's `next` names ("/requests/draft/<id>"), if any.
    static func id(inNext next: String?) -> UUID? {
        guard let next, next.hasPrefix("/requests/draft/") else { return nil }
        return UUID(uuidString: String(next.dropFirst("/requests/draft/".count)))
    }

    /// Sends the draft as `user`, who has just entered the code; returns where to go — the problem's page, or the
    /// form again when the draft is gone or could not be sent — and an anonymous problem's tracking code to show once.
    static func send(_ id: UUID, as user: UserRecord, created: Bool, in context: UseCaseContext) async throws -> (target: String, secret: String?) {
        let grants = try await RoleGrantRecord.query(on: context.db).filter(\.$user.$id == user.id!).all().compactMap(\.grant)
        let actor = Actor(userID: AccountID(user.id!), username: user.username, grants: grants, personID: user.$person.id.map(PersonID.init))
        do {
            guard let result = try await submit(id, in: context.acting(as: .account(actor))) else { return ("/requests/new?lost=1", nil) }
            return ("/requests/\(result.record.id!.uuidString.lowercased())?done=submitted" + (created ? "&welcome=1" : ""), result.trackingCode)
        } catch let error as AppError where error.status.code < 500 {
            context.logger.info("a draft could not be sent", metadata: ["code": "\(error.code)"])
            return ("/requests/new?lost=1", nil)
        }
    }

    static func sweep(_ context: UseCaseContext) async throws {
        let before = context.now.addingTimeInterval(-lifetime)
        try await context.write { db in try await CaseDraftRecord.query(on: db).filter(\.$createdAt < before).delete() }
    }
}
