import Fluent
import Foundation
import Vapor

/// Deletes login sessions that have passed their idle or absolute lifetime, every ten minutes while serving.
/// A session is refused the moment it is too old anyway; this only keeps the table small. Deleting is
/// idempotent, so several instances on one PostgreSQL may sweep at once.
struct SessionSweeper: LifecycleHandler {
    final class TaskBox: @unchecked Sendable {
        var task: Task<Void, Never>?
    }

    let box = TaskBox()

    func didBootAsync(_ application: Application) async throws {
        let app = application
        box.task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(600))
                if Task.isCancelled { break }
                do { try await Self.sweep(app) } catch { app.logger.warning("session sweep failed: \(String(describing: error))") }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        box.task?.cancel()
    }

    static func sweep(_ app: Application) async throws {
        let lifetime = app.gongzhi.config.sessionLifetime
        let now = app.clock.now
        try await app.write { db in
            try await LoginSession.query(on: db).group(.or) {
                $0.filter(\.$lastSeenAt < now.addingTimeInterval(-lifetime.idle))
                $0.filter(\.$createdAt < now.addingTimeInterval(-lifetime.absolute))
            }.delete()
            try await APIToken.query(on: db).filter(\.$expiresAt < now).delete()
        }
    }
}
