import Fluent
import GongzhiCore
import SQLKit

/// Every column that holds a place in the organisation tree (an `OrgPath`). A node's move rewrites all of them in
/// its transaction (`rebase`); a test compares this list with the columns named `path` or `*_path` in the
/// migrated database, so a new table's path column cannot be forgotten.
enum OrgPathColumns {
    struct Column: Hashable, Sendable, CustomStringConvertible {
        let table: String
        let column: String
        var description: String { "\(table).\(column)" }
    }

    static let all: [Column] = [
        ("org_nodes", "path"), ("role_grants", "path"),
        ("compounds", "org_path"), ("buildings", "org_path"), ("units", "org_path"), ("households", "org_path"), ("persons", "org_path"),
        ("cases", "place_path"), ("cases", "handler_path"), ("cases", "accused_path"),
        ("case_follow_ups", "org_path"), ("rectifications", "org_path"), ("warnings", "org_path"),
        ("kpi_rollups", "place_path"), ("kpi_rollups", "handler_path"), ("kpi_rollups", "accused_path"),
        ("kpi_rollups_monthly", "place_path"), ("kpi_rollups_monthly", "handler_path"), ("kpi_rollups_monthly", "accused_path"),
        ("kpi_waiting", "place_path"), ("kpi_waiting", "handler_path"), ("kpi_waiting", "accused_path"),
        ("kpi_contributions", "place_path"), ("kpi_contributions", "handler_path"), ("kpi_contributions", "accused_path"),
        ("needs", "org_path"), ("polls", "org_path"), ("owner_votes", "org_path"), ("projects", "org_path"),
        ("council_members", "org_path"), ("meetings", "org_path"), ("resources", "org_path"),
        ("open311_keys", "org_path"), ("household_joins", "org_path"),
        ("party_profiles", "org_path"), ("property_contracts", "org_path"), ("property_survey_responses", "org_path"), ("committee_members", "org_path"), ("announcements", "org_path"), ("ledger_accounts", "org_path"), ("points_rules", "org_path"), ("reward_items", "org_path"), ("redemptions", "org_path"), ("volunteers", "org_path"), ("activities", "org_path"), ("conventions", "org_path"), ("party_registrations", "org_path"), ("party_service_posts", "org_path"),
    ].map { Column(table: $0.0, column: $0.1) }

    /// The columns named `path` or ending in `_path` in the database's own tables.
    static func inSchema(_ db: any Database) async throws -> Set<Column> {
        let sql = db.sql()
        let rows = if sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema()").all()
        } else {
            try await sql.raw("SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'").all()
        }
        return Set(try rows.map { Column(table: try $0.decode(column: "t", as: String.self), column: try $0.decode(column: "c", as: String.self)) }
            .filter { !$0.table.hasPrefix("_fluent") && ($0.column == "path" || $0.column.hasSuffix("_path")) })
    }

    /// Rewrites the prefix `old` to `new` in every column, in the caller's transaction.
    static func rebase(from old: OrgPath, to new: OrgPath, on db: any Database) async throws {
        let sql = db.sql(), move = OrgPath.Rebase(from: old, to: new)
        for column in all {
            try await sql.raw("""
                UPDATE \(ident: column.table) SET \(ident: column.column) = \(bind: move.new.rawValue) || SUBSTR(\(ident: column.column), CAST(\(bind: move.keptFrom) AS INTEGER))
                WHERE \(ident: column.column) LIKE \(bind: move.pattern)
                """).run()
        }
    }
}
