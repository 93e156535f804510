import Fluent
import Foundation
import GongzhiCore
import Logging

/// Everything a use case receives: who acts, the clock and the id source, the app's services, the database and
/// its write gate, and where the action came from for the audit log. Controllers, the Open311 adapter, commands
/// and background rounds each build one and call the same use case; a use case never sees an HTTP request.
struct UseCaseContext: Sendable {
    let principal: Principal
    /// How the timeline names the one acting (an account's display name; "" otherwise).
    let actorName: String
    let services: GongzhiServices
    let clock: AppClock
    let ids: IDSource
    let db: any Database
    let writeGate: WriteGate
    let submissions: SubmissionLimiter
    /// The client's address and the request id ("" for the system).
    let address: String
    let requestID: String
    let logger: Logger
    /// The language of the one acting, for the words a use case writes into a record or a report.
    let lang: Lang

    var now: Date { clock.now }

    /// The account acting, or 401 for every other principal.
    func account() throws -> Actor {
        guard let actor = principal.actor else { throw AppError.unauthorized }
        return actor
    }

    var audit: AuditContext {
        AuditContext(actor: principal.auditName, roles: principal.auditRoles, ip: address, requestID: requestID)
    }

    /// A write transaction: everything in `body` commits together or not at all.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await writeGate.run(on: db, body)
    }

    /// Inserts ready rows and appends their audit entries in one write transaction (see `RowWrite`).
    func write(rows: [PreparedInsert], audit events: [AuditEvent]) async throws {
        let context = audit, now = self.now
        try await writeGate.run(on: db, RowWrite(rows: rows, audit: events.map { AuditLog.Pending(event: $0, context: context, now: now) }))
    }

    /// Appends an audit entry for this action inside the transaction `db`.
    func audit(_ event: AuditEvent, on db: any Database) async throws {
        try await AuditLog.append(event, context: audit, now: now, on: db)
    }

    /// The same context acting as someone else (the Open311 adapter, a command acting for an account).
    func acting(as principal: Principal) -> UseCaseContext {
        UseCaseContext(principal: principal, actorName: principal.actor == nil ? "" : actorName, services: services, clock: clock, ids: ids,
                       db: db, writeGate: writeGate, submissions: submissions, address: address, requestID: requestID, logger: logger, lang: lang)
    }
}

/// Where new ids come from: random in production, a fixed sequence in a test that needs one.
struct IDSource: Sendable {
    let next: @Sendable () -> UUID

    static let random = IDSource { UUID() }
}
