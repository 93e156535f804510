import Fluent
import Foundation
import GongzhiCore
import Vapor

/// An Open311 client's key (`api_key`): issued for an org node, which bounds where the client may report; only
/// its SHA-256 is kept. Revoked keys stay for the record.
final class Open311KeyRecord: Model, @unchecked Sendable {
    static let schema = "open311_keys"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "org_node_id") var orgNodeID: UUID
    @Field(key: "org_path") var orgPath: String
    @Field(key: "key_hash") var keyHash: String
    /// The first characters of the key ("gz311_" and six more), so that an administrator can tell keys apart.
    @Field(key: "key_prefix") var keyPrefix: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $name, $orgNodeID, $orgPath, $keyHash, $keyPrefix, $createdAt, $revokedAt] }

    init() {}

    init(name: String, node: OrgNodeRecord, key: String, now: Date) {
        self.id = UUID()
        self.name = name
        self.orgNodeID = node.id!
        self.orgPath = node.path
        self.keyHash = Tokens.digest(key)
        self.keyPrefix = String(key.prefix(Self.shownPrefixLength))
        self.createdAt = now
    }

    /// Every key starts with this, so that it is recognisable (secret scanners, logs) and never starts with "-"
    /// (a command-line argument would read it as an option).
    static let marker = "gz311_"
    static let shownPrefixLength = 12

    /// A new key value: the marker and 43 random URL-safe characters (256 bits).
    static func newValue() -> String { marker + Tokens.random() }

    /// The live key with this value, if any.
    static func find(key: String, on db: any Database) async throws -> Open311KeyRecord? {
        guard (20...100).contains(key.count) else { return nil }
        return try await Open311KeyRecord.query(on: db).filter(\.$keyHash == Tokens.digest(key)).filter(\.$revokedAt == nil).first()
    }
}

struct CreateOpen311Key: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Open311KeyRecord.schema)
            .id()
            .field("name", .string, .required)
            .field("org_node_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("key_hash", .string, .required)
            .field("key_prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Open311KeyRecord.schema).delete()
    }
}
