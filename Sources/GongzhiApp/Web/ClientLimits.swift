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
