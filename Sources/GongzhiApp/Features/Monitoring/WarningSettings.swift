import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// The early-warning rules' thresholds as data (issue 8 item 2): one row for the whole deployment, read by every
/// evaluation round; the defaults of `WarningRules.Settings` until someone sets them. Changing them is audited.
enum WarningSettingsStore {
    static let table = "warning_settings"

    static func current(on db: any Database) async throws -> WarningRules.Settings {
        guard let row = try await db.sql().select().column("settings_json").from(table).where("id", .equal, 1).first() else {
            return WarningRules.Settings()
        }
        let json = try row.decode(column: "settings_json", as: String.self)
        return (try? JSONDecoder().decode(WarningRules.Settings.self, from: Data(json.utf8))) ?? WarningRules.Settings()
    }

    static func save(_ settings: WarningRules.Settings, by userID: String, now: Date, on db: any Database) async throws {
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try await db.sql().delete(from: table).where("id", .equal, 1).run()
        try await db.sql().insert(into: table).columns("id", "settings_json", "updated_at", "updated_by")
            .values(SQLBind(1), SQLBind(json), SQLBind(now), SQLBind(userID)).run()
    }
}

struct CreateWarningSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WarningSettingsStore.table)
            .field("id", .int, .identifier(auto: false))
            .field("settings_json", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(WarningSettingsStore.table).delete() }
}

extension WarningRules.Settings: Content {}
