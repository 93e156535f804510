import Foundation
import GongzhiCore
import NIOConcurrencyHelpers
import Vapor

extension Request {
    /// Who is calling, by address: the socket's peer, or — when that peer is a configured proxy
    /// (`GONGZHI_TRUSTED_PROXIES`) — the last address it appended to `X-Forwarded-For`.
    var clientAddress: String {
        let peer = remoteAddress?.ipAddress ?? ""
        guard gongzhi.config.trustedProxies.contains(peer),
              let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
              !forwarded.isEmpty, forwarded.count <= 64
        else { return peer }
        return forwarded
    }
}

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

/// The general per-address request limit (checklist row 18): every request but static files, `/healthz` and
/// `/metrics` takes a token from its address's bucket (`GONGZHI_REQUEST_RATE`, default 1200 a minute: a burst
/// of 1 200, then 20 a second); an empty bucket answers 429 `too_many_requests` with `Retry-After`. Counted in
/// this process's memory: behind a proxy, list it in `GONGZHI_TRUSTED_PROXIES`, or every caller shares its address.
struct RequestLimitMiddleware: AsyncMiddleware {
    let buckets = NIOLockedValueBox<[String: TokenBucket]>([:])

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let rate = request.gongzhi.config.requestRate
        let path = request.url.path
        guard rate.limit > 0, path != "/healthz", path != "/metrics" else { return try await next.respond(to: request) }
        let key = request.clientAddress
        let now = request.now
        let verdict = buckets.withLockedValue { table -> (allowed: Bool, retryAfter: Int) in
            if table.count > 100_000 { table = table.filter { !$0.value.isFull(rate, at: now) } }
            var bucket = table[key] ?? TokenBucket(full: rate, at: now)
            let verdict = bucket.take(rate, now: now)
            table[key] = bucket
            return verdict
        }
        guard verdict.allowed else {
            request.logger.warning("request rate limit reached")
            throw AppError(status: .tooManyRequests, code: "too_many_requests", messageKey: "error.too_many_requests", field: nil,
                           headers: ["Retry-After": String(verdict.retryAfter)])
        }
        return try await next.respond(to: request)
    }
}
