import Fluent
import SQLKit

/// Emergencies (issue 26 item 3): the minutes a case has to be taken, set at intake from the catalogue's rule.
struct AddCaseEmergencyMinutes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema).field("emergency_minutes", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema).deleteField("emergency_minutes").update()
    }
}

/// The workbench's emergencies (issue 29): a partial index of the cases still waiting for a signature on an
/// emergency, in the order they opened — a few rows whatever the history, on SQLite and PostgreSQL alike.
struct AddCaseEmergencyQueueIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().raw("CREATE INDEX idx_cases_emergency_unsigned ON cases (opened_at) WHERE emergency_minutes IS NOT NULL AND signed_at IS NULL").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().raw("DROP INDEX idx_cases_emergency_unsigned").run()
    }
}
