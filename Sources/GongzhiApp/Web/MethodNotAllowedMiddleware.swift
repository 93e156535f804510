import NIOConcurrencyHelpers
import Vapor

/// A known address asked with a method it does not have answers 405 with `Allow` (RFC 9110 §15.5.6), not 404;
/// `OPTIONS` answers 204 with `Allow`. Unknown addresses go on to the router's 404. The table of routes is loaded
/// once they are all registered (`load`, at the end of `configure`).
final class MethodNotAllowedMiddleware: AsyncMiddleware, Sendable {
    struct Pattern: Sendable {
        let path: [PathComponent]
        var methods: Set<String>
    }

    /// The patterns by their number of segments (an address is matched only against patterns of its length), and
    /// the catch-alls, which match any longer address.
    private struct Table {
        var byLength: [Int: [Pattern]] = [:]
        var catchalls: [Pattern] = []
    }

    private let table = NIOLockedValueBox(Table())

    func load(_ routes: [Route]) {
        var byPath: [String: Pattern] = [:]
        for route in routes {
            byPath[route.path.string, default: Pattern(path: route.path, methods: [])].methods.insert(route.method.rawValue)
        }
        var loaded = Table()
        for pattern in byPath.values {
            if pattern.path.contains(where: { if case .catchall = $0 { true } else { false } }) {
                loaded.catchalls.append(pattern)
            } else {
                loaded.byLength[pattern.path.count, default: []].append(pattern)
            }
        }
        table.withLockedValue { $0 = loaded }
    }

    /// The methods of the address `segments` names (empty: no route has it). Where several patterns match, the
    /// most specific one names the resource — `/needs/from-cases` rather than `/needs/:id`, as the router picks it.
    func methods(for segments: [Substring]) -> Set<String> {
        table.withLockedValue { table in
            let candidates = (table.byLength[segments.count] ?? []) + table.catchalls
            let matching = candidates.filter { Self.matches($0.path, segments) }
            guard let best = matching.map({ Self.specificity($0.path) }).max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
            return matching.filter { Self.specificity($0.path) == best }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        }
    }

    /// Segment by segment: a constant is more specific than a parameter, a parameter than a catch-all.
    static func specificity(_ pattern: [PathComponent]) -> [Int] {
        pattern.map { component in
            switch component {
            case .constant: 2
            case .parameter, .anything: 1
            case .catchall: 0
            }
        }
    }

    static func matches(_ pattern: [PathComponent], _ segments: [Substring]) -> Bool {
        for (index, component) in pattern.enumerated() {
            switch component {
            case .catchall: return segments.count > index
            case .anything, .parameter: if index >= segments.count { return false }
            case let .constant(text): if index >= segments.count || segments[index] != text { return false }
            }
        }
        return pattern.count == segments.count
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let method = request.method == .HEAD ? "GET" : request.method.rawValue
        let segments = request.url.path.split(separator: "/")
        let known = methods(for: segments)
        guard !known.isEmpty, !known.contains(method) else { return try await next.respond(to: request) }
        var allow = known
        if allow.contains("GET") { allow.insert("HEAD") }
        allow.insert("OPTIONS")
        let header = allow.sorted().joined(separator: ", ")
        if request.method == .OPTIONS { return Response(status: .noContent, headers: ["Allow": header]) }
        throw AppError(status: .methodNotAllowed, code: "method_not_allowed", messageKey: "error.method_not_allowed", field: nil,
                       headers: ["Allow": header])
    }
}
