import Fluent

/// The org a case went to, named in its timeline (issue 26: "派单" alone did not say to whom).
struct AddCaseEventTarget: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseEventRecord.schema).field("target", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseEventRecord.schema).deleteField("target").update()
    }
}

/// A report may name the person it is about, beside the body (issue 27 item 5).
struct AddCaseAccusedPerson: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema).field("accused_person", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CaseRecord.schema).deleteField("accused_person").update()
    }
}

/// The queue orders cases not yet signed for by their response deadline: an index serves it per state.
struct AddCaseResponseDueIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().create(index: "idx_cases_state_response_due").on(CaseRecord.schema).column("state").column("response_due_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "idx_cases_state_response_due").run()
    }
}
