import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A household (户) living in a unit.
final class HouseholdRecord: Model, @unchecked Sendable {
    static let schema = "households"

    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_id") var unit: HousingUnitRecord
    @Field(key: "org_path") var orgPath: String
    /// A label when a unit holds several households ("主户", "2").
    @Field(key: "label") var label: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// The household code (入户码, `HouseholdCodeRules`): sealed for the workers who show it, its keyed hash for
    /// finding the household, and when it was issued (it is valid for 30 days).
    @OptionalField(key: "join_code_enc") var joinCodeSealed: String?
    @OptionalField(key: "join_code_hash") var joinCodeHash: String?
    @OptionalField(key: "join_code_issued_at") var joinCodeIssuedAt: Date?
    @Children(for: \.$household) var members: [HouseholdMemberRecord]

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [$id, $unit, $orgPath, $label, $createdAt, $joinCodeSealed, $joinCodeHash, $joinCodeIssuedAt, $members]
    }

    init() {}

    init(id: UUID = UUID(), unitID: UUID, orgPath: String, label: String = "") {
        self.id = id
        self.$unit.id = unitID
        self.orgPath = orgPath
        self.label = label
    }
}

/// A person. The ID number and mobile are stored encrypted (AES-GCM) with a keyed hash for exact lookups.
final class PersonRecord: Model, @unchecked Sendable {
    static let schema = "persons"

    @ID(key: .id) var id: UUID?
    @Field(key: "org_path") var orgPath: String
    @Field(key: "name") var name: String
    @Field(key: "id_number_enc") var idNumberSealed: String
    @Field(key: "id_number_hash") var idNumberHash: String
    /// Kept in clear for masking without decryption: the first 6 and last 4 characters only.
    @Field(key: "id_number_mask") var idNumberMask: String
    @OptionalField(key: "phone_enc") var phoneSealed: String?
    @OptionalField(key: "phone_hash") var phoneHash: String?
    @OptionalField(key: "phone_mask") var phoneMask: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    /// When the person left their last household (nil while in one): five years on, `RetentionSweep` deletes them.
    @OptionalField(key: "deregistered_at") var deregisteredAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $orgPath, $name, $idNumberSealed, $idNumberHash, $idNumberMask, $phoneSealed, $phoneHash, $phoneMask, $createdAt,
            $updatedAt, $deregisteredAt
        ]
    }

    init() {}

    init(id: UUID = UUID(), orgPath: String, name: String, idNumber: ResidentIDNumber, phone: MobileNumber?, cipher: FieldCipher) {
        self.id = id
        self.orgPath = orgPath
        self.name = name
        setIDNumber(idNumber, cipher: cipher)
        setPhone(phone, cipher: cipher)
    }

    func setIDNumber(_ number: ResidentIDNumber, cipher: FieldCipher) {
        idNumberSealed = cipher.seal(number.value, field: .idNumber)
        idNumberHash = cipher.blindIndex(number.value, field: .idNumber)
        idNumberMask = Masking.idNumber(number.value)
    }

    func setPhone(_ phone: MobileNumber?, cipher: FieldCipher) {
        phoneSealed = phone.map { cipher.seal($0.value, field: .phone) }
        phoneHash = phone.map { cipher.blindIndex($0.value, field: .phone) }
        phoneMask = phone.map { Masking.phone($0.value) }
    }
}

/// A person's place in a household: owner, co-owner, tenant or family member.
final class HouseholdMemberRecord: Model, @unchecked Sendable {
    static let schema = "household_members"

    @ID(key: .id) var id: UUID?
    @Parent(key: "household_id") var household: HouseholdRecord
    @Parent(key: "person_id") var person: PersonRecord
    @Field(key: "relation") var relation: HouseholdRelation
    /// False for an owner who lets the unit and lives elsewhere.
    @Field(key: "resides") var resides: Bool

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $household, $person, $relation, $resides] }

    init() {}

    init(id: UUID = UUID(), householdID: UUID, personID: UUID, relation: HouseholdRelation, resides: Bool) {
        self.id = id
        self.$household.id = householdID
        self.$person.id = personID
        self.relation = relation
        self.resides = resides
    }
}

extension HouseholdRecord: OrgScoped { static var pathKey: KeyPath<HouseholdRecord, FieldProperty<HouseholdRecord, String>> { \.$orgPath } }
extension PersonRecord: OrgScoped { static var pathKey: KeyPath<PersonRecord, FieldProperty<PersonRecord, String>> { \.$orgPath } }
