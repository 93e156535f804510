import Fluent
import SQLKit
import Foundation

/// A one-time code sent to a mobile number. Only a keyed hash of the number and of the code is kept; rows are
/// swept a day after they were sent (the per-day limit needs them that long).
final class PhoneCodeRecord: Model, @unchecked Sendable {
    static let schema = "phone_codes"

    @ID(key: .id) var id: UUID?
    /// The number's blind index (`FieldCipher.blindIndex`, as `persons.phone_hash`).
    @Field(key: "phone_hash") var phoneHash: String
    /// The code's keyed hash, bound to this row.
    @Field(key: "code_hash") var codeHash: String
    /// The address that asked for it (the per-address limit).
    @Field(key: "address") var address: String
    @Field(key: "sent_at") var sentAt: Date
    @Field(key: "tries") var tries: Int
    @OptionalField(key: "used_at") var usedAt: Date?

    var properties: [any AnyProperty] { [$id, $phoneHash, $codeHash, $address, $sentAt, $tries, $usedAt] }

    init() {}

    init(id: UUID, phoneHash: String, codeHash: String, address: String, sentAt: Date) {
        self.id = id
        self.phoneHash = phoneHash
        self.codeHash = codeHash
        self.address = address
        self.sentAt = sentAt
        self.tries = 0
    }
}

struct CreatePhoneCodes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PhoneCodeRecord.schema)
            .id()
            .field("phone_hash", .string, .required)
            .field("code_hash", .string, .required)
            .field("address", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("tries", .int, .required)
            .field("used_at", .datetime)
            .create()
        try await database.sql().create(index: "idx_phone_codes_phone").on(PhoneCodeRecord.schema).column("phone_hash").column("sent_at").run()
        try await database.sql().create(index: "idx_phone_codes_address").on(PhoneCodeRecord.schema).column("address").column("sent_at").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(PhoneCodeRecord.schema).delete() }
}

/// An account's own mobile number (sign-in by code): sealed, a blind index that is unique, and the masked form.
struct AddUserPhone: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).field("phone_enc", .string).update()
        try await database.schema(UserRecord.schema).field("phone_hash", .string).update()
        try await database.schema(UserRecord.schema).field("phone_mask", .string).update()
        try await database.sql().create(index: "idx_users_phone_unique").on(UserRecord.schema).column("phone_hash").unique().run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_users_phone_unique").run()
        for column in ["phone_enc", "phone_hash", "phone_mask"] { try await database.schema(UserRecord.schema).deleteField(.string(column)).update() }
    }
}
