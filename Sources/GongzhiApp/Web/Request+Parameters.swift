import Fluent
import Foundation
import GongzhiCore
import Vapor

extension Request {
    /// The one value of a query parameter, nil when it is not there; given twice it is a 422 naming it (which
    /// one would count is not for the server to guess).
    func queryValue(_ name: String) throws -> String? {
        let values = (url.query ?? "").split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == name else { return nil }
            return parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "\u{FFFD}") : ""
        }
        guard values.count <= 1 else { throw AppError.invalid(name) }
        return values.first
    }

    /// An optional integer in the query string; anything else given is a 422 naming the parameter.
    func queryInt(_ name: String) throws -> Int? {
        guard let raw = try queryValue(name) else { return nil }
        guard let value = Int(raw) else { throw AppError.invalid(name) }
        return value
    }

    /// An optional UUID in the query string; a malformed or empty one is a 422 naming the parameter. Pages, whose
    /// filter forms send an empty value for "any", say `emptyIsAbsent`.
    func queryUUID(_ name: String, emptyIsAbsent: Bool = false) throws -> UUID? {
        guard let raw = try queryValue(name), !(raw.isEmpty && emptyIsAbsent) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.invalid(name) }
        return id
    }
}

extension Request {
    /// A UUID route parameter, or 404 (a malformed id is as unknown as a missing one).
    func uuidParameter(_ name: String = "id") throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw AppError.notFound }
        return id
    }

    /// A typed id route parameter (`AccountID`, `CaseID`, …), or 404 like `uuidParameter`.
    func idParameter<Kind>(_ name: String = "id") throws -> TypedID<Kind> {
        TypedID(try uuidParameter(name))
    }
}
