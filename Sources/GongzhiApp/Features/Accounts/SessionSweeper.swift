import Fluent
import Foundation
import Vapor

/// Deletes login sessions that have passed their idle or absolute lifetime (every ten minutes while serving).
/// A session is refused the moment it is too old anyway; this only keeps the table small. Deleting is
/// idempotent, so several instances on one PostgreSQL may sweep at once.
enum SessionSweeper {
    static func sweep(_ context: UseCaseContext) async throws {
        let lifetime = context.services.config.sessionLifetime
        let now = context.now
        try await context.write { db in
            try await LoginSessionRecord.query(on: db).group(.or) {
                $0.filter(\.$lastSeenAt < now.addingTimeInterval(-lifetime.idle))
                $0.filter(\.$createdAt < now.addingTimeInterval(-lifetime.absolute))
            }.delete()
            try await APITokenRecord.query(on: db).filter(\.$expiresAt < now).delete()
        }
        try await HouseholdJoining.sweep(context)
        try await CaseDrafts.sweep(context)
    }
}
