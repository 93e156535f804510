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
