import Fluent
import SQLKit

struct CreateCase: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema)
            .id()
            .field("number", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("channel", .string, .required)
            .field("public", .bool, .required)
            .field("anonymous", .bool, .required)
            .field("tracking_hash", .string)
            .field("submitter_user_id", .uuid, .references(UserRecord.schema, .id, onDelete: .setNull))
            .field("submitter_person_id", .uuid, .references(PersonRecord.schema, .id, onDelete: .setNull))
            .field("catalogue_version", .int, .required)
            .field("item_code", .string, .required)
            .field("category", .string, .required)
            .field("classification_score", .double, .required)
            .field("override_reason", .string)
            .field("place_path", .string, .required)
            .field("building_id", .uuid, .references(BuildingRecord.schema, .id, onDelete: .setNull))
            .field("address", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("handler_node_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("handler_path", .string, .required)
            .field("handler_party", .string, .required)
            .field("handler_department", .string, .required)
            .field("accused_path", .string)
            .field("state", .string, .required)
            .field("returns", .int, .required)
            .field("reopens", .int, .required)
            .field("suspended_from", .string)
            .field("arbitrated", .bool, .required)
            .field("supervised", .bool, .required)
            .field("merged_into", .uuid)
            .field("response_hours", .int, .required)
            .field("completion_days", .int, .required)
            .field("extension_days", .int, .required)
            .field("opened_at", .datetime, .required)
            .field("response_due_at", .datetime, .required)
            .field("completion_due_at", .datetime, .required)
            .field("sla_level", .string, .required)
            .field("signed_at", .datetime)
            .field("replied_at", .datetime)
            .field("closed_at", .datetime)
            .field("rating_solved", .bool)
            .field("rating_satisfaction", .string)
            .field("event_count", .int, .required)
            .field("updated_at", .datetime)
            .unique(on: "number")
            .unique(on: "tracking_hash")
            .create()
        try await database.schema(CaseEventRecord.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .cascade))
            .field("seq", .int, .required)
            .field("action", .string, .required)
            .field("from_state", .string)
            .field("to_state", .string, .required)
            .field("actor_user_id", .uuid)
            .field("actor_name", .string, .required)
            .field("note", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "case_id", "seq")
            .create()
        try await database.schema(CasePauseRecord.schema)
            .id()
            .field("case_id", .uuid, .required, .references(CaseRecord.schema, .id, onDelete: .cascade))
            .field("started_at", .datetime, .required)
            .field("ended_at", .datetime)
            .create()
        let sql = database.sql()
        for (name, column) in [("idx_cases_place", "place_path"), ("idx_cases_handler", "handler_path"), ("idx_cases_state", "state"),
                               ("idx_cases_opened", "opened_at"), ("idx_cases_submitter", "submitter_user_id")] {
            try await sql.create(index: name).on("cases").column(column).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CasePauseRecord.schema).delete()
        try await database.schema(CaseEventRecord.schema).delete()
        try await database.schema(CaseRecord.schema).delete()
    }
}

/// Possible duplicates are looked up within 50 m: a box on latitude first (issue 4 item 7).
struct CreateCaseLocationIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().create(index: "idx_cases_latitude").on("cases").column("latitude").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_latitude").run()
    }
}

/// Answers to an item's questions, the Open311 client that sent a case and its contact details (issue 4 item 10).
struct UpdateCaseAddIntakeDetails: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite adds one column per ALTER TABLE.
        try await database.schema(CaseRecord.schema).field("answers_json", .string).update()
        try await database.schema(CaseRecord.schema).field("api_key_id", .uuid).update()
        try await database.schema(CaseRecord.schema).field("contact_sealed", .string).update()
    }

    func revert(on database: any Database) async throws {
        for column in ["answers_json", "api_key_id", "contact_sealed"] {
            try await database.schema(CaseRecord.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}

/// Possible duplicates at intake: the newest cases of one item, walked from the newest and stopping at 20 (issue 7
/// row 34). Without it the lookup read every case ever opened at the place (a burst of reports from one building
/// made each intake slower than the last).
struct CreateCaseDuplicateIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().create(index: "idx_cases_item_opened").on(CaseRecord.schema).column("item_code").column("opened_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_item_opened").run()
    }
}

/// The workbench's default queue: open cases (by state name) in order of their completion deadline (issue 8).
struct CreateCaseQueueIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().create(index: "idx_cases_state_due").on(CaseRecord.schema).column("state").column("completion_due_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_state_due").run()
    }
}

/// Deadlines reaching into a year without the State Council's arrangement are marked provisional and computed again
/// when it is loaded (issue 23 item 1); the index finds the few such open cases without reading every case.
struct UpdateCaseAddDeadlinesProvisional: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema).field("deadlines_provisional", .bool, .required, .sql(.default(false))).update()
        try await database.sql().create(index: "idx_cases_provisional").on(CaseRecord.schema).column("deadlines_provisional").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_provisional").run()
        try await database.schema(CaseRecord.schema).deleteField("deadlines_provisional").update()
    }
}

/// Rejected and merged cases that were never signed no longer count as waiting to be signed (issue 23 item 6): their
/// stored KPI contributions are marked dirty, so that the rollups take them out of the response rate's denominator.
struct RecountNeverSignedCases: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().raw("""
            INSERT INTO kpi_dirty (case_id) SELECT id FROM cases
            WHERE state IN ('rejected', 'merged') AND signed_at IS NULL AND id NOT IN (SELECT case_id FROM kpi_dirty)
            """).run()
    }

    func revert(on database: any Database) async throws {}
}

/// Open cases opened before the deadline rules of issue 23 (a year without an arrangement, the opening day's
/// suspension, same-day items) are marked for computing again: start-up computes every marked open case on the
/// calendar in force, and a case whose deadlines move gets a timeline entry saying from when to when.
struct MarkOpenCasesForRecompute: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().raw("""
            UPDATE cases SET deadlines_provisional = \(bind: true) WHERE state NOT IN ('closed', 'rejected', 'merged')
            """).run()
    }

    func revert(on database: any Database) async throws {}
}
