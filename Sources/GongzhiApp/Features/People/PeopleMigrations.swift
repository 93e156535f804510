import Fluent
import SQLKit

struct CreateHousehold: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(HouseholdRecord.schema)
            .id()
            .field("unit_id", .uuid, .required, .references(HousingUnitRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("label", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "unit_id", "label")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(HouseholdRecord.schema).delete() }
}

struct CreatePerson: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PersonRecord.schema)
            .id()
            .field("org_path", .string, .required)
            .field("name", .string, .required)
            .field("id_number_enc", .string, .required)
            .field("id_number_hash", .string, .required)
            .field("id_number_mask", .string, .required)
            .field("phone_enc", .string)
            .field("phone_hash", .string)
            .field("phone_mask", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "id_number_hash")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(PersonRecord.schema).delete() }
}

struct CreateHouseholdMember: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(HouseholdMemberRecord.schema)
            .id()
            .field("household_id", .uuid, .required, .references(HouseholdRecord.schema, .id, onDelete: .cascade))
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .cascade))
            .field("relation", .string, .required)
            .field("resides", .bool, .required)
            .unique(on: "household_id", "person_id")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(HouseholdMemberRecord.schema).delete() }
}

/// When a person left their last household: the start of the register's five-year retention (checklist row 28).
/// People already without a household when this runs keep nil: when they left is not known.
struct AddPersonDeregisteredAt: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PersonRecord.schema).field("deregistered_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PersonRecord.schema).deleteField("deregistered_at").update()
    }
}
