import Foundation
import GongzhiCore
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

    /// A counter or gauge of the app's registry, by its full name.
    static func counter(_ name: String, help: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }

    static func gauge(_ name: String, help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }
}

/// One JSON object per line (`GONGZHI_LOG_FORMAT=json`, the default in production): time, level, message,
/// source and metadata, for log shippers. `LOG_LEVEL` (trace … critical) sets the lowest level written (default info).
/// A line is JSON, so a CR or LF inside a message or a value (a username typed with line breaks) is escaped and
/// cannot forge a second entry (checklist row 21).
public struct JSONLogHandler: LogHandler {
    let label: String
    let write: @Sendable (String) -> Void
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    /// `write` takes each line without its newline (standard error by default).
    public init(label: String, level: Logger.Level? = nil, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level ?? Self.configuredLevel
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Read once: a handler is made for every request's logger.
    static let configuredLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = event.metadata.map { metadata.merging($0, uniquingKeysWith: { $1 }) } ?? metadata
        write(Self.line(at: Date(), level: event.level, message: event.message.description, label: label, source: event.source,
                        fields: fields.mapValues { "\($0)" }))
    }

    /// One entry: keys in sorted order (level, logger, meta, msg, source, ts), strings escaped as JSON requires
    /// (quotes, backslashes, every control character, so CR and LF too). Written by hand: JSONSerialization and a
    /// date formatter per line made the test suite, which logs every SQL statement, twice as slow.
    static func line(at date: Date, level: Logger.Level, message: String, label: String, source: String, fields: [String: String]) -> String {
        var out = "{\"level\":"
        out.reserveCapacity(128 + message.utf8.count)
        appendJSON(level.rawValue, to: &out)
        out += ",\"logger\":"
        appendJSON(label, to: &out)
        if !fields.isEmpty {
            out += ",\"meta\":{"
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendJSON(key, to: &out)
                out += ":"
                appendJSON(fields[key]!, to: &out)
            }
            out += "}"
        }
        out += ",\"msg\":"
        appendJSON(message, to: &out)
        out += ",\"source\":"
        appendJSON(source, to: &out)
        out += ",\"ts\":\""
        out += timestamp(date)
        out += "\"}"
        return out
    }

    static func appendJSON(_ text: String, to out: inout String) {
        out.unicodeScalars.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.unicodeScalars.append("\"")
    }

    /// 2026-11-24T03:04:05.678Z
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let day = msOfDay < 0 ? days - 1 : days, ms = msOfDay < 0 ? msOfDay + 86_400_000 : msOfDay
        let civil = DayNumber(Int(day)).civil
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let millis = ms % 1000
        return "\(civil.year)-\(two(Int64(civil.month)))-\(two(Int64(civil.day)))T\(two(ms / 3_600_000)):\(two(ms / 60_000 % 60)):\(two(ms / 1000 % 60))."
            + (millis < 10 ? "00" : millis < 100 ? "0" : "") + "\(millis)Z"
    }
}

