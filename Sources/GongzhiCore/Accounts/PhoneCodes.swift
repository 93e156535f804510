import Foundation

/// One-time codes sent by SMS to sign up, sign in or reset a password with a mobile number (NIST SP 800-63B's
/// rules for an out-of-band code, and common practice in Chinese government-service apps): 6 digits, good for
/// 5 minutes and once, 5 tries; a new code only after 60 s; at most 5 codes per number an hour and 10 a day, and
/// 20 per address an hour. The same answer whether or not the number has an account.
public struct PhoneCodeRules: Sendable, Equatable {
    public var digits = 6
    public var lifetime: TimeInterval = 5 * 60
    public var maxTries = 5
    public var resendAfter: TimeInterval = 60
    public var perNumberPerHour = 5
    public var perNumberPerDay = 10
    public var perAddressPerHour = 20

    public init() {}

    /// Whether a code may be sent now, given when codes were sent to this number (last 24 h) and from this
    /// address (last hour); `wait` is the seconds until one may, and which limit holds it back longest.
    public enum Sending: Sendable, Equatable {
        case send
        case wait(seconds: Int, because: Limit)
    }

    public enum Limit: Sendable, Equatable {
        /// A code went to this number less than a minute ago.
        case resend
        /// This number had its codes for the hour or the day.
        case number
        /// This address asked for its codes for the hour (many people may share a mobile carrier's address).
        case address
    }

    public func sending(toNumber number: [Date], fromAddress address: [Date], now: Date) -> Sending {
        var until = now, because = Limit.resend
        func hold(_ time: Date, _ limit: Limit) {
            if time > until { until = time; because = limit }
        }
        func limit(_ times: [Date], count: Int, window: TimeInterval, _ reason: Limit) {
            let recent = times.filter { $0 > now.addingTimeInterval(-window) && $0 <= now }.sorted()
            // The oldest of the last `count` leaves the window at its time + window.
            if recent.count >= count { hold(recent[recent.count - count].addingTimeInterval(window), reason) }
        }
        if let last = number.filter({ $0 <= now }).max() { hold(last.addingTimeInterval(resendAfter), .resend) }
        limit(number, count: perNumberPerHour, window: 3_600, .number)
        limit(number, count: perNumberPerDay, window: 86_400, .number)
        limit(address, count: perAddressPerHour, window: 3_600, .address)
        return until > now ? .wait(seconds: Int(until.timeIntervalSince(now).rounded(.up)), because: because) : .send
    }

    /// A stored code as the checker needs it.
    public struct Issued: Sendable, Equatable {
        public var sentAt: Date
        public var tries: Int
        public var used: Bool

        public init(sentAt: Date, tries: Int, used: Bool) {
            self.sentAt = sentAt
            self.tries = tries
            self.used = used
        }
    }

    public enum Check: Sendable, Equatable {
        case accepted
        /// Wrong; `triesLeft` more may be made on this code.
        case wrong(triesLeft: Int)
        /// Too old, already used, or out of tries: a new code is needed.
        case expired
        case used
        case exhausted
    }

    /// Checks `given` against the latest code issued to the number; `matches` says whether the digits are right
    /// (the caller compares keyed hashes, never the code itself).
    public func check(_ issued: Issued, matches: Bool, now: Date) -> Check {
        if issued.used { return .used }
        if now >= issued.sentAt.addingTimeInterval(lifetime) || now < issued.sentAt { return .expired }
        if issued.tries >= maxTries { return .exhausted }
        if matches { return .accepted }
        return .wrong(triesLeft: max(0, maxTries - issued.tries - 1))
    }

    /// Whether `text` has the shape of a code (digits only, the right count, spaces ignored, full-width digits
    /// read as digits): anything else is refused without spending a try.
    public func normalised(_ text: String) -> String? {
        let digitsOnly = String(String.UnicodeScalarView(text.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
            if scalar.properties.isWhitespace { return nil }
            if (0xFF10...0xFF19).contains(scalar.value) { return Unicode.Scalar(scalar.value - 0xFF10 + 0x30) }
            return scalar
        }))
        guard digitsOnly.count == digits, digitsOnly.allSatisfy(\.isASCIIDigit) else { return nil }
        return digitsOnly
    }

    /// A fresh code of `digits` decimal digits, uniform, leading zeros kept.
    public func generate<R: RandomNumberGenerator>(using generator: inout R) -> String {
        String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }
}
