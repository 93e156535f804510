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

/// `/api/v1/warning-settings`: supervisors read the thresholds; the system administrator (who keeps the
/// catalogue) changes them, any subset at a time.
struct WarningSettingsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let settings = routes.grouped("api", "v1", "warning-settings")
        settings.get(use: show)
        settings.put(use: update)
    }

    struct Patch: Content {
        var hotspotWindowDays: Int?
        var hotspotBaselineDays: Int?
        var hotspotFactor: Double?
        var hotspotMinimum: Int?
        var repeatDays: Int?
        var repeatMinimum: Int?
    }

    @Sendable func show(_ request: Request) async throws -> WarningRules.Settings {
        let context = request.context
        let actor = try request.requireActor()
        guard [.superviseCases, .dispatchCases, .manageCatalogue].contains(where: { AccessPolicy.allowsAnywhere($0, actor: actor) }) else {
            throw AppError.forbidden
        }
        return try await WarningSettingsStore.current(on: context.db)
    }

    @Sendable func update(_ request: Request) async throws -> WarningRules.Settings {
        let context = request.context
        let actor = try request.require(.manageCatalogue)
        let patch = try request.content.decode(Patch.self)
        let now = context.now
        return try await context.write { db in
            var settings = try await WarningSettingsStore.current(on: db)
            let before = settings
            if let v = patch.hotspotWindowDays { settings.hotspotWindowDays = v }
            if let v = patch.hotspotBaselineDays { settings.hotspotBaselineDays = v }
            if let v = patch.hotspotFactor { settings.hotspotFactor = v }
            if let v = patch.hotspotMinimum { settings.hotspotMinimum = v }
            if let v = patch.repeatDays { settings.repeatDays = v }
            if let v = patch.repeatMinimum { settings.repeatMinimum = v }
            do throws(WarningRules.Settings.OutOfRange) { settings = try settings.validated() } catch {
                throw AppError.invalid(error.field, "out_of_range")
            }
            try await WarningSettingsStore.save(settings, by: actor.userID.description, now: now, on: db)
            let old = String(decoding: try JSONEncoder().encode(before), as: UTF8.self)
            let new = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
            try await context.audit(AuditEvent(action: "warning_settings.update", objectType: "warning_settings", objectID: "1",
                                               change: ["before": old, "after": new]), on: db)
            return settings
        }
    }
}

extension WarningRules.Settings: Content {}
