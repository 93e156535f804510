import Foundation
import Logging
import Metrics
import Prometheus
import Vapor

/// Prometheus metrics: Vapor records `http_requests_total` and `http_request_duration_seconds` (by method, route
/// and status) through swift-metrics once a backend is bootstrapped; `/metrics` prints them in text format.
enum Observability {
    /// Bootstrapped once per process (the metrics system is global).
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func metricsText() -> String { registry.emitToString() }
}

/// One JSON object per line (`GONGZHI_LOG_FORMAT=json`, the default in production): time, level, message,
/// source and metadata, for log shippers. `LOG_LEVEL` (trace … critical) sets the lowest level written (default info).
public struct JSONLogHandler: LogHandler {
    let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    public init(label: String, level: Logger.Level? = nil) {
        self.label = label
        self.logLevel = level ?? Self.configuredLevel
    }

    /// Read once: a handler is made for every request's logger.
    static let configuredLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        var object: [String: Any] = [
            "ts": ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": level.rawValue, "msg": message.description, "logger": label, "source": source,
        ]
        if !fields.isEmpty { object["meta"] = fields }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}

/// `/healthz` (the database answers) and `/metrics`.
struct OperationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
        routes.get("metrics", use: metrics)
    }

    struct Health: Content {
        let status: String
        let database: String
    }

    @Sendable func health(_ request: Request) async throws -> Response {
        do {
            _ = try await request.db.sql().raw("SELECT 1 AS one").first()
            return try await Health(status: "ok", database: "ok").encodeResponse(for: request)
        } catch {
            request.logger.error("health check: database unavailable")
            return try await Health(status: "unavailable", database: "error").encodeResponse(status: .serviceUnavailable, for: request)
        }
    }

    @Sendable func metrics(_ request: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(string: Observability.metricsText()))
    }
}
