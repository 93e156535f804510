import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The audit administrator's search of the log (MLPS: audit records are analysed by who, what, when and outcome):
/// who acted (an account's id or username, `system`, `anonymous`), the action, the object (type, then id), the
/// outcome and the days (Beijing time); newest first, paged back by `before` (a sequence number). The account, the
/// object and the days are found through their indexes (`CreateAuditSearchIndexes`); the action and the outcome
/// narrow what those give (alone, they read back from the newest entry until a page is full).
struct AuditSearch: Sendable {
    static let outcomes = ["success", "failure"]
    static let pageSize = 50

    /// The actor as asked (id, username, `system` or `anonymous`), and the values of `audit_log.actor` it stands for.
    var actor: String?
    var actorKeys: [String] = []
    var action: String?
    var objectType: String?
    var objectID: String?
    var outcome: String?
    var from: CivilDate?
    var to: CivilDate?
    var before: Int64?
    var limit = pageSize

    init() {}

    /// The search the query string asks for; a value that cannot be searched for is a 422 naming its parameter.
    init(_ request: Request) async throws {
        func text(_ name: String) throws -> String? {
            guard let raw = try request.queryValue(name) else { return nil }
            let value = raw.trimmingCharacters(in: .whitespaces)
            guard value.count <= 200 else { throw AppError.invalid(name) }
            return value.isEmpty ? nil : value
        }
        if let raw = try text("actor") {
            actor = raw
            actorKeys = try await Self.actorKeys(raw, on: request.db)
        }
        action = try text("action")
        objectType = try text("objectType")
        objectID = try text("objectId")
        if objectID != nil, objectType == nil { throw AppError.invalid("objectType", "required") }
        if let raw = try text("outcome") {
            guard Self.outcomes.contains(raw) else { throw AppError.invalid("outcome") }
            outcome = raw
        }
        if let raw = try text("from") {
            guard let value = CivilDate(iso: raw) else { throw AppError.invalid("from") }
            from = value
        }
        if let raw = try text("to") {
            guard let value = CivilDate(iso: raw), from.map({ $0 <= value }) ?? true else { throw AppError.invalid("to") }
            to = value
        }
        if let raw = try text("before") {
            guard let value = Int64(raw), value >= 1 else { throw AppError.invalid("before") }
            before = value
        }
        if let raw = try text("limit") {
            guard let value = Int(raw), (1...200).contains(value) else { throw AppError.invalid("limit") }
            limit = value
        }
    }

    /// The stored forms of an actor: accounts act under their id in lower case (`Request.auditContext`).
    static func actorKeys(_ raw: String, on db: any Database) async throws -> [String] {
        if raw == "system" || raw == "anonymous" { return [raw] }
        if let id = UUID(uuidString: raw) { return [id.uuidString.lowercased()] }
        guard let user = try await UserRecord.query(on: db).filter(\.$username == raw).first(), let id = user.id else {
            throw AppError.invalid("actor", "unknown_account")
        }
        return [id.uuidString.lowercased()]
    }

    /// The entries this search finds, newest first.
    func entries(on db: any Database) async throws -> [AuditRecord] {
        var query = AuditRecord.query(on: db)
        if !actorKeys.isEmpty { query = query.filter(\.$actor ~~ actorKeys) }
        if let action { query = query.filter(\.$action == action) }
        if let objectType { query = query.filter(\.$objectType == objectType) }
        if let objectID {
            // Ids are written in lower case; an upper-case copy of one is found too.
            let forms = UUID(uuidString: objectID).map { [$0.uuidString.lowercased(), $0.uuidString] } ?? [objectID]
            query = query.filter(\.$objectID ~~ forms)
        }
        if let outcome { query = query.filter(\.$outcome == outcome) }
        if let from { query = query.filter(\.$atMillis >= Self.millis(DayNumber.start(of: from))) }
        if let to { query = query.filter(\.$atMillis < Self.millis(DayNumber.start(of: to)) + 86_400_000) }
        if let before { query = query.filter(\.$id < before) }
        return try await query.sort(\.$id, .descending).limit(limit).all()
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    /// This search's query string, paged back to before `before` (nil: from the newest).
    func query(before: Int64?) -> String {
        var items: [(String, String)] = []
        if let actor { items.append(("actor", actor)) }
        if let action { items.append(("action", action)) }
        if let objectType { items.append(("objectType", objectType)) }
        if let objectID { items.append(("objectId", objectID)) }
        if let outcome { items.append(("outcome", outcome)) }
        if let from { items.append(("from", from.description)) }
        if let to { items.append(("to", to.description)) }
        if let before { items.append(("before", String(before))) }
        return pageQueryString(items)
    }
}
