import Foundation
import GongzhiCore
import Logging
import Metrics
import Prometheus
import Vapor

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

    private static let unarrangedYearGauge = Observability.gauge("gongzhi_calendar_unarranged_year",
        help: "A year within 60 days whose State Council holiday arrangement is not loaded (deadlines reaching into it are provisional); 0 when none")

    @Sendable func metrics(_ request: Request) async throws -> Response {
        ProcessMemory.record()
        Self.unarrangedYearGauge.set(Int64(HolidayArrangements.missingYear(request.context) ?? 0))
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(string: Observability.metricsText()))
    }
}
