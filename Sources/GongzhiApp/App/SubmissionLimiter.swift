import Foundation
import GongzhiCore
import NIOConcurrencyHelpers
import Vapor

/// Submission rate limits (checklist row 18), kept in this process's memory: residents and anonymous callers may
/// raise at most `GONGZHI_SUBMISSION_RATE` requests (default 20 an hour) each, by account or by address; staff
/// entering cases for residents are not limited (their entries are audited). With several instances each
/// counts its own callers.
final class SubmissionLimiter: Sendable {
    private let events = NIOLockedValueBox<[String: [Date]]>([:])

    /// Throws 429 with `Retry-After` when the caller is over the limit; records the attempt otherwise.
    func admit(_ context: UseCaseContext) throws {
        let rate = context.services.config.submissionRate
        guard rate.limit > 0 else { return }
        // Open311 clients are limited by their key's own rules; the system is not limited.
        switch context.principal {
        case .open311, .system: return
        case .account(let actor) where actor.roles != [.resident]: return
        default: break
        }
        let key = context.principal.actor.map { "user:" + $0.userID.description } ?? "address:" + context.address
        let now = context.now
        let verdict = events.withLockedValue { table -> (allowed: Bool, retryAfter: Int) in
            if table.count > 100_000 { table = table.filter { !$0.value.allSatisfy { now.timeIntervalSince($0) >= rate.window } } }
            var list = table[key] ?? []
            let verdict = rate.admit(&list, now: now)
            table[key] = list
            return verdict
        }
        guard verdict.allowed else {
            context.logger.warning("submission rate limit reached", metadata: ["key": "\(key.hasPrefix("user:") ? key : "address")"])
            throw AppError(status: .tooManyRequests, code: "too_many_submissions", messageKey: "error.too_many_submissions", field: nil,
                           headers: ["Retry-After": String(verdict.retryAfter)])
        }
    }
}

extension Application {
    private struct SubmissionLimiterKey: StorageKey { typealias Value = SubmissionLimiter }

    var submissionLimiter: SubmissionLimiter {
        if let limiter = storage[SubmissionLimiterKey.self] { return limiter }
        let limiter = SubmissionLimiter()
        storage[SubmissionLimiterKey.self] = limiter
        return limiter
    }
}
