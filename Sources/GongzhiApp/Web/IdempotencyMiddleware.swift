import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// `Idempotency-Key` on API POSTs (checklist row 33; rules in `GongzhiCore.Idempotency`): the first request under
/// a key claims it, runs, and its answer is kept (sealed: it may hold personal data) for 48 hours; the same request
/// again gets that answer with `Idempotent-Replayed: true`; the same key with another body → 422; while the first
/// is still running → 409. Keys belong to the caller (the account, or the address for anonymous callers).
/// Signed-in page forms carry a one-time key of their own (`_once`, `PageBase.once`): the first sending spends it,
/// a repeat of that form leads to what the first made (whatever its body), and a refused form may be sent again.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let header = "Idempotency-Key"
    static let table = "idempotency_keys"

    /// The hidden field of a page form that carries its one-time key (`PageBase.once`).
    static let formField = "_once"

    /// The key of this POST: the API's header, or a page form's one-time field (scoped to the form's path, so the
    /// forms of one page are independent); nil when there is none.
    static func key(of request: Request) throws -> String? {
        guard request.method == .POST else { return nil }
        if request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/open311/") {
            guard let key = request.headers.first(name: header) else { return nil }
            guard Idempotency.isValidKey(key) else { throw AppError.invalid(header, "idempotency_key_invalid") }
            return key
        }
        // Signed-in pages only: signing in and out set cookies, which a replayed answer would not.
        guard request.current?.via == .session, request.url.path != "/logout",
              let type = request.headers.contentType, type == .urlEncodedForm || type.type == "multipart",
              let once = try? request.content.get(String.self, at: formField), !once.isEmpty, once.count <= 100 else { return nil }
        return "form:" + Tokens.digest(once + " " + request.url.path)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let key = try Self.key(of: request) else { return try await next.respond(to: request) }
        let scope = request.current.map { "user:" + $0.userID.uuidString } ?? "address:" + request.clientAddress
        // `BodyCollectionMiddleware` has read the body, up to the route's limit. A page form's key is spent by its first
        // use, whatever the body (a browser may encode the same form differently): its body is not read again here.
        let bytes = key.hasPrefix("form:") ? []
            : Idempotency.canonical(request.body.data.map { Array($0.readableBytesView) } ?? [], isJSON: request.headers.contentType == .json)
        let fingerprint = Idempotency.fingerprint(method: request.method.rawValue, uri: request.url.string, body: bytes)
        let claim = UUID().uuidString
        let now = request.now
        let stored = try await request.write { db -> IdempotencyRecord? in
            try await db.sql().insert(into: Self.table)
                .columns("scope", "key", "claim", "fingerprint", "state", "created_at")
                .values(SQLBind(scope), SQLBind(key), SQLBind(claim), SQLBind(fingerprint), SQLBind("in_flight"), SQLBind(now))
                .ignoringConflicts(with: ["scope", "key"])
                .run()
            return try await IdempotencyRecord.find(scope: scope, key: key, on: db)
        }
        guard let stored else { throw Abort(.internalServerError, reason: "idempotency key not stored") }
        if stored.claim != claim {
            switch Idempotency.decide(stored: stored.state, fingerprint: fingerprint) {
            case .inFlight where key.hasPrefix("form:"), .proceed where key.hasPrefix("form:"): throw AppError.conflict("form_in_flight")
            case .mismatch: throw AppError.invalid(Self.header, "idempotency_key_reused")
            case .inFlight, .proceed: throw AppError.conflict("idempotency_in_flight", field: Self.header)
            case .replay: return try stored.response(cipher: request.gongzhi.cipher)
            }
        }
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            try? await release(scope: scope, key: key, claim: claim, on: request)
            throw error
        }
        // A refused page form comes back with its messages; corrected, it may be sent again under the same key.
        let refusedForm = key.hasPrefix("form:") && response.status.code >= 400
        guard Idempotency.keepsResult(status: Int(response.status.code)), !refusedForm else {
            try? await release(scope: scope, key: key, claim: claim, on: request)
            return response
        }
        let answer = response.body.buffer.map { String(buffer: $0) } ?? ""
        let sealed = request.gongzhi.cipher.seal(answer, field: .idempotentResponse)
        try await request.write { db in
            try await db.sql().update(Self.table)
                .set("state", to: SQLBind("done")).set("status", to: SQLBind(Int(response.status.code)))
                .set("content_type", to: SQLBind(response.headers.first(name: .contentType) ?? ""))
                .set("location", to: SQLBind(response.headers.first(name: .location) ?? ""))
                .set("body_sealed", to: SQLBind(sealed))
                .where("scope", .equal, scope).where("key", .equal, key).where("claim", .equal, claim)
                .run()
        }
        return response
    }

    /// Frees a key whose request failed, so the client may try again with it.
    func release(scope: String, key: String, claim: String, on request: Request) async throws {
        try await request.write { db in
            try await db.sql().delete(from: Self.table).where("scope", .equal, scope).where("key", .equal, key)
                .where("claim", .equal, claim).run()
        }
    }
}

/// One row of `idempotency_keys`.
struct IdempotencyRecord {
    let claim: String
    let state: Idempotency.Stored
    let status: Int
    let contentType: String
    let location: String
    let bodySealed: String

    static func find(scope: String, key: String, on db: any Database) async throws -> IdempotencyRecord? {
        guard let row = try await db.sql().select().columns("claim", "fingerprint", "state", "status", "content_type", "location", "body_sealed")
            .from(IdempotencyMiddleware.table).where("scope", .equal, scope).where("key", .equal, key).first() else { return nil }
        let fingerprint = try row.decode(column: "fingerprint", as: String.self)
        let done = try row.decode(column: "state", as: String.self) == "done"
        return IdempotencyRecord(claim: try row.decode(column: "claim", as: String.self),
                                 state: done ? .done(fingerprint: fingerprint) : .inFlight(fingerprint: fingerprint),
                                 status: try row.decode(column: "status", as: Int?.self) ?? 0,
                                 contentType: try row.decode(column: "content_type", as: String?.self) ?? "",
                                 location: try row.decode(column: "location", as: String?.self) ?? "",
                                 bodySealed: try row.decode(column: "body_sealed", as: String?.self) ?? "")
    }

    func response(cipher: FieldCipher) throws -> Response {
        var headers = HTTPHeaders()
        if !contentType.isEmpty { headers.replaceOrAdd(name: .contentType, value: contentType) }
        if !location.isEmpty { headers.replaceOrAdd(name: .location, value: location) }
        headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
        let body = bodySealed.isEmpty ? "" : try cipher.open(bodySealed, field: .idempotentResponse)
        return Response(status: HTTPResponseStatus(statusCode: status), headers: headers, body: .init(string: body))
    }
}

struct CreateIdempotencyKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotencyMiddleware.table)
            .field("scope", .string, .required)
            .field("key", .string, .required)
            .field("claim", .string, .required)
            .field("fingerprint", .string, .required)
            .field("state", .string, .required)
            .field("status", .int)
            .field("content_type", .string)
            .field("location", .string)
            .field("body_sealed", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "scope", "key")
            .create()
        try await database.sql().create(index: "idx_idempotency_created").on(IdempotencyMiddleware.table).column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyMiddleware.table).delete()
    }
}
