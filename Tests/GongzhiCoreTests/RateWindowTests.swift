import Foundation
import Testing
@testable import GongzhiCore

@Suite("Token bucket: the general per-address request limit")
struct TokenBucketTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("a full burst, then one token per window/limit seconds, never more than the limit; Retry-After says when")
    func bucket() {
        let rate = RateWindow(limit: 4, window: 60)
        var bucket = TokenBucket(full: rate, at: t0)
        for _ in 0..<4 { #expect(bucket.take(rate, now: t0).allowed) }
        let refused = bucket.take(rate, now: t0)
        #expect(!refused.allowed && refused.retryAfter == 15)
        #expect(!bucket.take(rate, now: t0.addingTimeInterval(14)).allowed)
        #expect(bucket.take(rate, now: t0.addingTimeInterval(15)).allowed)
        #expect(!bucket.isFull(rate, at: t0.addingTimeInterval(15)))
        // A long pause fills it to the limit, not beyond.
        #expect(bucket.isFull(rate, at: t0.addingTimeInterval(3_600)))
        for _ in 0..<4 { #expect(bucket.take(rate, now: t0.addingTimeInterval(3_600)).allowed) }
        #expect(!bucket.take(rate, now: t0.addingTimeInterval(3_600)).allowed)
        // A clock going backwards adds nothing.
        #expect(!bucket.take(rate, now: t0).allowed)
        var off = TokenBucket(full: RateWindow(limit: 0, window: 1), at: t0)
        for _ in 0..<100 { #expect(off.take(RateWindow(limit: 0, window: 1), now: t0).allowed) }
    }

    @Test("over any stretch of time, at most limit + elapsed × rate requests are let through", arguments: [1, 7, 60])
    func neverMoreThanTheRate(limit: Int) {
        let rate = RateWindow(limit: limit, window: 60)
        var generator = SystemRandomNumberGenerator()
        // Requests at random gaps of up to 2 s, slower than the refill at times (a limit of 60 refills one a second):
        // whatever the pattern, never more than the full bucket plus what has dripped in since.
        var bucket = TokenBucket(full: rate, at: t0)
        var now = t0, allowed = 0
        for _ in 0..<5_000 {
            now = now.addingTimeInterval(Double.random(in: 0...2, using: &generator))
            if bucket.take(rate, now: now).allowed { allowed += 1 }
        }
        #expect(Double(allowed) <= Double(limit) + now.timeIntervalSince(t0) * Double(limit) / 60 + 1e-9)

        // Gaps of at most 1 s add at most one token (rate ≤ 1/s), so after the first request the bucket can no longer
        // overflow: nothing drips away unused, and all but what is left in the bucket (< limit) is let through.
        bucket = TokenBucket(full: rate, at: t0)
        now = t0
        allowed = 0
        for _ in 0..<5_000 {
            now = now.addingTimeInterval(Double.random(in: 0...1, using: &generator))
            if bucket.take(rate, now: now).allowed { allowed += 1 }
        }
        let ceiling = Double(limit) + now.timeIntervalSince(t0) * Double(limit) / 60
        #expect(Double(allowed) <= ceiling + 1e-9)
        #expect(Double(allowed) >= min(5_000, ceiling - Double(limit) - 1), "and it does let that many through when asked often")
    }
}
