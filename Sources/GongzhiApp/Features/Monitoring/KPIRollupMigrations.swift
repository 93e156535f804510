import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The update trigger fires only for the columns a contribution depends on (`KPIRollups.sourceColumns`).
struct NarrowKPIDirtyTrigger: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let columns = KPIRollups.sourceColumns.joined(separator: ", ")
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
            // raw SQL: `columns` is the code's own list `KPIRollups.sourceColumns`.
            try await sql.raw("""
                CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE OF \(unsafeRaw: columns) ON cases
                FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()
                """).run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
            // raw SQL: `columns` is the code's own list `KPIRollups.sourceColumns`.
            try await sql.raw("""
                CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE OF \(unsafeRaw: columns) ON cases
                BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update ON cases").run()
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
        }
    }
}

/// Marks every written case dirty for the rollups, in the writing transaction; existing cases start dirty.
struct CreateKPIRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        let counters = KPIRollup.Counters.names
        func keyed(_ builder: SQLCreateTableBuilder) -> SQLCreateTableBuilder {
            var b = builder
            for column in KPIRollups.keyColumns { b = b.column(column, type: .text, .notNull) }
            for column in counters { b = b.column(column, type: .bigint, .notNull) }
            return b
        }
        try await keyed(sql.create(table: KPIRollups.table)).run()
        try await sql.create(index: "idx_kpi_rollups_key").on(KPIRollups.table).unique().column("day").column("place_path").column("category")
            .column("handler_node_id").column("handler_path").column("accused_path").run()
        // raw SQL: the type name is one of two fixed strings.
        try await keyed(sql.create(table: KPIRollups.contributions).column("case_id", type: .custom(SQLRaw(sql.dialect.name == "postgresql" ? "UUID" : "BLOB")), .primaryKey(autoIncrement: false))).run()
        try await sql.create(table: KPIRollups.dirty).column("case_id", type: .custom(SQLRaw(sql.dialect.name == "postgresql" ? "UUID" : "BLOB")), .primaryKey(autoIncrement: false)).run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION kpi_mark_dirty() RETURNS trigger AS $$
                BEGIN INSERT INTO kpi_dirty (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING; RETURN NEW; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty AFTER INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()").run()
        } else {
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_insert AFTER INSERT ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
            try await sql.raw("CREATE TRIGGER cases_kpi_dirty_update AFTER UPDATE ON cases BEGIN INSERT OR IGNORE INTO kpi_dirty (case_id) VALUES (NEW.id); END").run()
        }
        try await sql.raw("INSERT INTO kpi_dirty (case_id) SELECT id FROM cases").run()
        // The live part of a KPI answer looks for unsigned cases still within their response limit.
        try await sql.create(index: "idx_cases_response_due").on("cases").column("response_due_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty ON cases").run()
            try await sql.raw("DROP FUNCTION IF EXISTS kpi_mark_dirty()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_insert").run()
            try await sql.raw("DROP TRIGGER IF EXISTS cases_kpi_dirty_update").run()
        }
        try await sql.drop(index: "idx_cases_response_due").run()
        for table in [KPIRollups.dirty, KPIRollups.contributions, KPIRollups.table] { try await sql.drop(table: table).run() }
    }
}

/// The monthly rollups (`KPIRollups.monthlyTable`), derived from the daily ones already there.
struct CreateKPIMonthlyRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        var create = sql.create(table: KPIRollups.monthlyTable)
        for column in KPIRollups.keyColumns { create = create.column(column, type: .text, .notNull) }
        for column in KPIRollup.Counters.names { create = create.column(column, type: .bigint, .notNull) }
        try await create.run()
        try await sql.create(index: "idx_kpi_rollups_monthly_key").on(KPIRollups.monthlyTable).unique().column("day").column("place_path")
            .column("category").column("handler_node_id").column("handler_path").column("accused_path").run()
        try await KPIRollups.deriveMonthly(under: ["/"], on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(table: KPIRollups.monthlyTable).run()
    }
}

/// The waiting cases' counts by the minute of their response limit (`KPIRollups.waitingTable`), and each case's
/// minute in its contribution, taken from the cases as they are.
struct CreateKPIWaitingCounters: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql()
        var create = sql.create(table: KPIRollups.waitingTable).column("due_minute", type: .bigint, .notNull)
        for column in KPIRollups.keyColumns { create = create.column(column, type: .text, .notNull) }
        try await create.column("n", type: .bigint, .notNull).run()
        var index = sql.create(index: "idx_kpi_waiting_key").on(KPIRollups.waitingTable).unique()
        for column in KPIRollups.waitingKeyColumns { index = index.column(column) }
        try await index.run()
        try await sql.alter(table: KPIRollups.contributions).column("waiting_due_minute", type: .bigint).run()
        let minute = sql.dialect.name == "postgresql"
            ? "CAST(floor(extract(epoch FROM c.response_due_at) / 60) AS BIGINT)"
            : "CAST(c.response_due_at / 60 AS INTEGER)"
        // raw SQL: `minute` is one of two fixed expressions; the table and column names are the code's own.
        try await sql.raw("""
            UPDATE kpi_contributions SET waiting_due_minute = (
                SELECT \(unsafeRaw: minute) FROM cases c
                WHERE c.id = kpi_contributions.case_id AND c.signed_at IS NULL AND c.state NOT IN ('rejected', 'merged'))
            """).run()
        let keys = KPIRollups.keyColumns.joined(separator: ", ")
        // raw SQL: `keys` are the code's own column names.
        try await sql.raw("""
            INSERT INTO kpi_waiting (due_minute, \(unsafeRaw: keys), n)
            SELECT waiting_due_minute, \(unsafeRaw: keys), count(*) FROM kpi_contributions WHERE waiting_due_minute IS NOT NULL
            GROUP BY waiting_due_minute, \(unsafeRaw: keys)
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database.sql()
        try await sql.drop(table: KPIRollups.waitingTable).run()
        try await sql.alter(table: KPIRollups.contributions).dropColumn("waiting_due_minute").run()
    }
}
