import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// The stored keys of `IdempotencyMiddleware` (API `Idempotency-Key`s and page forms' one-time keys).
enum IdempotencyKeys {
    /// Forgets keys past their retention, and claims abandoned by a process that died mid-request.
    static func sweep(_ context: UseCaseContext) async throws {
        let now = context.now, table = IdempotencyMiddleware.table
        try await context.write { db in
            try await db.sql().delete(from: table).where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-Idempotency.retention))).run()
            try await db.sql().delete(from: table).where("state", .equal, "in_flight")
                .where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-Idempotency.abandonedAfter))).run()
        }
    }
}
