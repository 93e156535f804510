import Foundation
import Testing
@testable import GongzhiCore

@Suite("Idempotency rules")
struct IdempotencyRuleTests {
    @Test("keys: 1 to 255 visible ASCII characters")
    func keys() {
        #expect(Idempotency.isValidKey("8e2b1c34-0d6f-4a57-9a0e-1f2a3b4c5d6e"))
        #expect(Idempotency.isValidKey(String(repeating: "a", count: 255)))
        #expect(!Idempotency.isValidKey(String(repeating: "a", count: 256)))
        #expect(!Idempotency.isValidKey(""))
        #expect(!Idempotency.isValidKey("a b"))
        #expect(!Idempotency.isValidKey("a\tb"))
        #expect(!Idempotency.isValidKey("键"))
    }

    @Test("the fingerprint binds method, path with query and body")
    func fingerprint() {
        let base = Idempotency.fingerprint(method: "POST", uri: "/api/v1/cases", body: Array("{}".utf8))
        #expect(base == Idempotency.fingerprint(method: "POST", uri: "/api/v1/cases", body: Array("{}".utf8)))
        #expect(base != Idempotency.fingerprint(method: "PUT", uri: "/api/v1/cases", body: Array("{}".utf8)))
        #expect(base != Idempotency.fingerprint(method: "POST", uri: "/api/v1/cases?x=1", body: Array("{}".utf8)))
        #expect(base != Idempotency.fingerprint(method: "POST", uri: "/api/v1/cases", body: Array("{ }".utf8)))
        // The separators keep "a" + "bc" apart from "ab" + "c".
        #expect(Idempotency.fingerprint(method: "POST", uri: "a", body: Array("bc".utf8))
                != Idempotency.fingerprint(method: "POST", uri: "ab", body: Array("c".utf8)))
        #expect(base.count == 64)
    }

    @Test("JSON bodies compare by content, not by key order; other bodies byte for byte")
    func canonicalBodies() {
        let a = Idempotency.canonical(Array(#"{"b":1,"a":"楼"}"#.utf8), isJSON: true)
        let b = Idempotency.canonical(Array(#"{ "a": "楼", "b": 1 }"#.utf8), isJSON: true)
        #expect(a == b)
        #expect(a != Idempotency.canonical(Array(#"{"a":"楼","b":2}"#.utf8), isJSON: true))
        #expect(Idempotency.canonical(Array("a=1&b=2".utf8), isJSON: false) == Array("a=1&b=2".utf8))
        #expect(Idempotency.canonical(Array("{broken".utf8), isJSON: true) == Array("{broken".utf8))
    }

    @Test("decisions for every stored state")
    func decisions() {
        #expect(Idempotency.decide(stored: nil, fingerprint: "a") == .proceed)
        #expect(Idempotency.decide(stored: .inFlight(fingerprint: "a"), fingerprint: "a") == .inFlight)
        #expect(Idempotency.decide(stored: .inFlight(fingerprint: "a"), fingerprint: "b") == .mismatch)
        #expect(Idempotency.decide(stored: .done(fingerprint: "a"), fingerprint: "a") == .replay)
        #expect(Idempotency.decide(stored: .done(fingerprint: "a"), fingerprint: "b") == .mismatch)
        #expect(Idempotency.keepsResult(status: 201) && Idempotency.keepsResult(status: 422))
        #expect(!Idempotency.keepsResult(status: 500) && !Idempotency.keepsResult(status: 503))
        #expect(Idempotency.retention >= 24 * 3600)
    }
}

@Suite("Rate windows")
struct RateWindowTests {
    @Test("at most the limit inside the window; the oldest leaving frees a place; Retry-After counts to it")
    func window() {
        let rate = RateWindow(limit: 3, window: 60)
        var events: [Date] = []
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        for n in 0..<3 { #expect(rate.admit(&events, now: t0.addingTimeInterval(Double(n * 10))).allowed) }
        let refused = rate.admit(&events, now: t0.addingTimeInterval(25))
        #expect(!refused.allowed && refused.retryAfter == 35)
        #expect(events.count == 3)
        #expect(!rate.admit(&events, now: t0.addingTimeInterval(59.5)).allowed)
        #expect(rate.admit(&events, now: t0.addingTimeInterval(60)).allowed)
        var none: [Date] = []
        #expect(RateWindow(limit: 0, window: 1).admit(&none, now: t0).allowed)
    }

    @Test("parsing: count/seconds, 0 for none, malformed refused")
    func parsing() {
        #expect(RateWindow.parse("20/3600") == RateWindow(limit: 20, window: 3600))
        #expect(RateWindow.parse("0")?.limit == 0)
        #expect(RateWindow.parse("20") == nil)
        #expect(RateWindow.parse("-1/60") == nil)
        #expect(RateWindow.parse("5/0") == nil)
        #expect(RateWindow.parse("a/b") == nil)
    }
}
