import Fluent
import SQLKit

struct CreateOrgNode: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OrgNodeRecord.schema)
            .id()
            .field("level", .string, .required)
            .field("name", .string, .required)
            .field("code", .string, .required)
            .field("parent_id", .uuid, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("path", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "path")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(OrgNodeRecord.schema).delete() }
}

struct CreateCompound: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CompoundRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("commercial", .bool, .required)
            .field("created_at", .datetime)
            .unique(on: "community_id", "name")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CompoundRecord.schema).delete() }
}

struct CreateBuilding: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(BuildingRecord.schema)
            .id()
            .field("compound_id", .uuid, .required, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("grid_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "compound_id", "name")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(BuildingRecord.schema).delete() }
}

struct CreateUnit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(HousingUnitRecord.schema)
            .id()
            .field("building_id", .uuid, .required, .references(BuildingRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("number", .string, .required)
            .field("area_centi", .int, .required)
            .field("developer_held", .bool, .required)
            .field("created_at", .datetime)
            .unique(on: "building_id", "number")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(HousingUnitRecord.schema).delete() }
}

/// Indexes for the subtree filters (`org_path LIKE 'prefix%'`) and the parent lookups.
struct CreateOrgIndexes: AsyncMigration {
    static let indexes = [
        ("idx_org_nodes_parent", "org_nodes", "parent_id"),
        ("idx_compounds_path", "compounds", "org_path"),
        ("idx_buildings_path", "buildings", "org_path"),
        ("idx_buildings_grid", "buildings", "grid_id"),
        ("idx_units_path", "units", "org_path"),
        ("idx_households_unit", "households", "unit_id"),
        ("idx_households_path", "households", "org_path"),
        ("idx_persons_path", "persons", "org_path"),
        ("idx_persons_phone_hash", "persons", "phone_hash"),
        ("idx_members_person", "household_members", "person_id"),
        ("idx_role_grants_user", "role_grants", "user_id"),
    ]

    func prepare(on database: any Database) async throws {
        for (name, table, column) in Self.indexes {
            try await database.sql().create(index: name).on(table).column(column).run()
        }
    }

    func revert(on database: any Database) async throws {
        for (name, _, _) in Self.indexes { try await database.sql().drop(index: name).run() }
    }
}

/// Buildings get a point, so that coordinates can be placed in a grid (issue 4 item 2).
struct UpdateBuildingAddLocation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite adds one column per ALTER TABLE.
        try await database.schema(BuildingRecord.schema).field("latitude", .double).update()
        try await database.schema(BuildingRecord.schema).field("longitude", .double).update()
        try await database.sql().create(index: "idx_buildings_latitude").on("buildings").column("latitude").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_buildings_latitude").run()
        try await database.schema(BuildingRecord.schema).deleteField("latitude").update()
        try await database.schema(BuildingRecord.schema).deleteField("longitude").update()
    }
}
