import Foundation

/// An Open311 error: the HTTP status the specification asks for (404 unknown service, request or token; 403 a
/// missing or bad api_key; 400 anything else) and the body's code and description.
public struct Open311Error: Error, Equatable, Sendable {
    public let status: Int
    public let code: String
    public let description: String

    public init(status: Int, code: String, description: String) {
        self.status = status
        self.code = code
        self.description = description
    }

    public static func badRequest(_ code: String, _ description: String) -> Open311Error { .init(status: 400, code: code, description: description) }
    public static func notFound(_ code: String, _ description: String) -> Open311Error { .init(status: 404, code: code, description: description) }
    public static let badKey = Open311Error(status: 403, code: "invalid_api_key", description: "api_key is missing, unknown or revoked")

    /// The error body.
    public var document: Open311Value {
        .list(itemName: "error", [.object([("code", .text(code)), ("description", .text(description))])])
    }
}

/// Parameters from a query string or an `application/x-www-form-urlencoded` body, in order, with the
/// specification's rule that an optional parameter sent empty is absent.
public struct Open311Parameters: Sendable, Equatable {
    public let pairs: [(name: String, value: String)]

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.pairs.map { [$0.name, $0.value] } == rhs.pairs.map { [$0.name, $0.value] } }

    public init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Parses `a=1&b=x+y&attribute%5Bcode%5D=v`: `+` is a space, percent escapes are UTF-8; a broken escape is kept as written.
    public init(urlEncoded text: String) {
        pairs = text.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(pieces[0]), pieces.count > 1 ? Self.decode(pieces[1]) : "")
        }
    }

    static func decode(_ raw: Substring) -> String {
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first non-empty value of `name`, trimmed; nil when absent or empty.
    public func value(_ name: String) -> String? {
        for pair in pairs where pair.name == name {
            let value = pair.value.trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// A comma-separated list (`service_code=a,b`), empty entries dropped; nil when absent.
    public func list(_ name: String) -> [String]? {
        guard let raw = value(name) else { return nil }
        let items = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    /// `attribute[code]=v` and `attribute[code][]=v` (a multivaluelist), grouped by code.
    public var attributes: [String: [String]] {
        var answers: [String: [String]] = [:]
        for pair in pairs where pair.name.hasPrefix("attribute[") {
            var name = pair.name.dropFirst("attribute[".count)
            if name.hasSuffix("[]") { name = name.dropLast(2) }
            guard name.hasSuffix("]") else { continue }
            let code = String(name.dropLast())
            guard !code.isEmpty else { continue }
            answers[code, default: []].append(pair.value)
        }
        return answers
    }

    /// An integer parameter within `range`, `fallback` when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>, fallback: Int) throws(Open311Error) -> Int {
        guard let raw = value(name) else { return fallback }
        guard let number = Int(raw), range.contains(number) else {
            throw .badRequest("invalid_\(name)", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A W3C date-time parameter; nil when absent.
    public func date(_ name: String) throws(Open311Error) -> Date? {
        guard let raw = value(name) else { return nil }
        guard let date = W3CDateTime.parse(raw) else { throw .badRequest("invalid_\(name)", "\(name) must be a W3C date-time such as 2026-11-23T09:00:00+08:00") }
        return date
    }
}

/// What `GET requests` asks for, checked against the specification's limits.
public struct Open311RequestQuery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case open, closed }

    /// When given, every other filter is ignored.
    public var serviceRequestIDs: [String]?
    public var serviceCodes: [String]?
    public var start: Date
    public var end: Date
    public var statuses: Set<Status>
    public var page: Int
    public var pageSize: Int

    /// The longest span a client may ask for, and the default window.
    public static let maximumSpan: TimeInterval = 90 * 86_400
    /// The default cap of the specification (1 000 records), also the largest page.
    public static let maximumRecords = 1_000

    public static func parse(_ p: Open311Parameters, now: Date) throws(Open311Error) -> Open311RequestQuery {
        let startDate = try p.date("start_date"), endDate = try p.date("end_date")
        let end = endDate ?? startDate.map { min(now, $0.addingTimeInterval(maximumSpan)) } ?? now
        let start = startDate ?? end.addingTimeInterval(-maximumSpan)
        guard start <= end else { throw .badRequest("invalid_date_range", "start_date must not be after end_date") }
        guard end.timeIntervalSince(start) <= maximumSpan else { throw .badRequest("date_range_too_long", "start_date and end_date may be at most 90 days apart") }
        var statuses = Set<Status>()
        for raw in p.list("status") ?? [] {
            guard let status = Status(rawValue: raw.lowercased()) else { throw .badRequest("invalid_status", "status must be open or closed") }
            statuses.insert(status)
        }
        return Open311RequestQuery(
            serviceRequestIDs: p.list("service_request_id"), serviceCodes: p.list("service_code"), start: start, end: end,
            statuses: statuses.isEmpty ? Set(Status.allCases) : statuses,
            page: try p.integer("page", in: 1...1_000_000, fallback: 1),
            pageSize: try p.integer("page_size", in: 1...maximumRecords, fallback: maximumRecords))
    }
}

/// How a case's state reads to an Open311 client.
public enum Open311Status {
    /// The two statuses of GeoReport v2.
    public static func status(of state: CaseState) -> Open311RequestQuery.Status { state.isOpen ? .open : .closed }

    /// The extended status of the `servicerequestupdates` extension (FixMyStreet's list), for a case's state
    /// after the action that produced it.
    public static func extended(_ state: CaseState, after action: String) -> String {
        if action == "reopen" || action == "rate_unsatisfied" { return "REOPEN" }
        switch state {
        case .submitted: return "OPEN"
        case .accepted, .returned, .arbitration, .escalated: return "INVESTIGATING"
        case .dispatched, .signed: return "ACTION_SCHEDULED"
        case .inProgress, .suspended: return "IN_PROGRESS"
        case .replied: return "FIXED"
        case .closed: return "CLOSED"
        case .rejected: return "NOT_COUNCILS_RESPONSIBILITY"
        case .merged: return "DUPLICATE"
        }
    }
}
