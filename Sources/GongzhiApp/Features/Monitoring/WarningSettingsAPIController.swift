import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// `/api/v1/warning-settings`: supervisors read the thresholds; the system administrator (who keeps the
/// catalogue) changes them, any subset at a time.
struct WarningSettingsAPIController: RouteCollection {
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
