import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A resident's request to be confirmed as a registered person (name + ID number, issue 26): the community's
/// workers see it in their workbench and confirm it — the account is then linked to the person and may vote —
/// or refuse it. The ID number is kept as `persons` keeps it (sealed, keyed hash, mask) until the request is
/// decided and swept 30 days later.
final class HouseholdJoinRecord: Model, @unchecked Sendable {
    static let schema = "household_joins"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    /// The community the resident says they live in (the building they chose): whose workers decide.
    @Field(key: "org_path") var orgPath: String
    @Field(key: "building_id") var buildingID: UUID
    @Field(key: "name") var name: String
    @Field(key: "id_number_enc") var idNumberSealed: String
    @Field(key: "id_number_hash") var idNumberHash: String
    @Field(key: "id_number_mask") var idNumberMask: String
    @Enum(key: "state") var state: State
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "decided_by") var decidedBy: UUID?

    enum State: String, Codable, CaseIterable, Sendable {
        case pending, confirmed, refused
    }

    var properties: [any AnyProperty] {
        [$id, $userID, $orgPath, $buildingID, $name, $idNumberSealed, $idNumberHash, $idNumberMask, $state, $createdAt, $decidedAt, $decidedBy]
    }

    init() {}

    init(id: UUID, userID: UUID, orgPath: OrgPath, buildingID: UUID, name: String, idNumber: ResidentIDNumber, cipher: FieldCipher, now: Date) {
        self.id = id
        self.userID = userID
        self.orgPath = orgPath.rawValue
        self.buildingID = buildingID
        self.name = name
        idNumberSealed = cipher.seal(idNumber.value, field: .idNumber)
        idNumberHash = cipher.blindIndex(idNumber.value, field: .idNumber)
        idNumberMask = Masking.idNumber(idNumber.value)
        state = .pending
        createdAt = now
    }
}

extension HouseholdJoinRecord: OrgScoped { static var pathKey: KeyPath<HouseholdJoinRecord, FieldProperty<HouseholdJoinRecord, String>> { \.$orgPath } }

/// Households get a code for joining them (入户码); residents' requests to join wait for the community.
struct CreateHouseholdJoins: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema(HouseholdRecord.schema).field("join_code_enc", .string).update()
        try await database.schema(HouseholdRecord.schema).field("join_code_hash", .string).update()
        try await database.schema(HouseholdRecord.schema).field("join_code_issued_at", .datetime).update()
        try await database.sql().create(index: "idx_households_join_code").on(HouseholdRecord.schema).column("join_code_hash").unique().run()
        try await database.schema(HouseholdJoinRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("org_path", .string, .required)
            .field("building_id", .uuid, .required)
            .field("name", .string, .required)
            .field("id_number_enc", .string, .required)
            .field("id_number_hash", .string, .required)
            .field("id_number_mask", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .datetime, .required)
            .field("decided_at", .datetime)
            .field("decided_by", .uuid)
            .create()
        try await database.sql().create(index: "idx_household_joins_path").on(HouseholdJoinRecord.schema).column("org_path").column("state").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(HouseholdJoinRecord.schema).delete()
        try await database.sql().drop(index: "idx_households_join_code").run()
        for field in ["join_code_enc", "join_code_hash", "join_code_issued_at"] {
            try await database.schema(HouseholdRecord.schema).deleteField(.string(field)).update()
        }
    }
}
