import Vapor

/// Work the server repeats while it runs (sweeping sessions, closing unrated cases…): every `interval`, until
/// shutdown. Each round receives its own `UseCaseContext` acting as the system (named for the work, in the audit
/// log). A failed round is logged and the next one runs as planned.
struct PeriodicWork: LifecycleHandler {
    final class TaskBox: @unchecked Sendable { var task: Task<Void, Never>? }

    let name: String
    let interval: Duration
    let work: @Sendable (UseCaseContext) async throws -> Void
    private let box = TaskBox()

    init(name: String, every interval: Duration, work: @escaping @Sendable (UseCaseContext) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.work = work
    }

    func didBootAsync(_ application: Application) async throws {
        let app = application
        let (name, interval, work) = (name, interval, work)
        box.task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                do { try await work(app.context(.system(name))) } catch { app.logger.warning("\(name) failed: \(String(describing: error))") }
            }
        }
    }

    func shutdownAsync(_ application: Application) async { box.task?.cancel() }
}
