import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Open311 GeoReport v2 under `/open311/v2` (SPEC §11), so that existing Open311 clients work unchanged: every
/// resource as `.xml` and `.json`, list bodies always, `jurisdiction_id` accepted and ignored (one jurisdiction),
/// empty parameters treated as absent, errors with the specification's statuses and bodies.
struct Open311Controller: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let v2 = routes.grouped("open311", "v2")
        v2.get(":file", use: { try await respond($0) { try await resource($0, file: $1) } })
        // Chinese descriptions take up to 12 bytes a character once form-encoded.
        v2.on(.POST, ":file", bodyUpTo: "256kb", use: { try await respond($0) { try await post($0, file: $1) } })
        for prefix in ["services", "service"] {
            v2.get(PathComponent(stringLiteral: prefix), ":file", use: { try await respond($0) { try await definition($0, code: $1) } })
        }
        v2.get("requests", ":file", use: { try await respond($0) { try await oneRequest($0, number: $1) } })
        v2.get("tokens", ":file", use: { try await respond($0) { try await token($0, token: $1) } })
    }

    /// A document to send: its XML root element and body, and the status.
    struct Reply {
        var root: String
        var body: Open311Value
        var status: HTTPResponseStatus = .ok
    }

    /// Splits `name.format`, runs `handler` and renders its reply, or the error, in the format asked for.
    func respond(_ request: Request, _ handler: (Request, String) async throws -> Reply) async throws -> Response {
        let file = request.parameters.get("file") ?? ""
        let split = Open311Format.split(file)
        let format = split?.format ?? .xml
        let reply: Reply
        do {
            guard let name = split?.name else { throw Open311Error.notFound("unknown_resource", "Ask for a resource as .xml or .json") }
            reply = try await handler(request, name)
        } catch let error as Open311Error {
            reply = Reply(root: "errors", body: error.document, status: HTTPResponseStatus(statusCode: error.status))
        } catch let error as AppError {
            let problem = Self.open311(error)
            reply = Reply(root: "errors", body: problem.document, status: HTTPResponseStatus(statusCode: problem.status))
        } catch {
            request.logger.critical("open311 failed", metadata: ["error": "\(String(reflecting: error))"])
            let problem = Open311Error(status: 500, code: "internal_error", description: "Internal error; please try again later")
            reply = Reply(root: "errors", body: problem.document, status: .internalServerError)
        }
        let response = Response(status: reply.status, body: .init(string: Open311Renderer.render(root: reply.root, reply.body, as: format)))
        response.headers.replaceOrAdd(name: .contentType, value: format.contentType)
        return response
    }

    /// A refusal made before an Open311 handler ran (the request rate, a body over the limit, a NUL, an idempotency
    /// key, no such address) in the specification's error document and the format the address asks for (XML when it
    /// names none, as `respond` does). The status stays, as it tells the client what to do (429 and 503 with
    /// `Retry-After`, 409 while the same key is still running, 413, 405), but 422 becomes the specification's 400.
    /// Nil for addresses outside `/open311/`.
    @Sendable static func refusal(status: HTTPResponseStatus, code: String, description: String, headers: HTTPHeaders, path: String) -> Response? {
        guard path.hasPrefix("/open311/") else { return nil }
        let format = path.split(separator: "/").last.flatMap { Open311Format.split(String($0))?.format } ?? .xml
        let status: HTTPResponseStatus = status == .unprocessableEntity ? .badRequest : status
        let error = Open311Error(status: Int(status.code), code: code, description: description)
        var headers = headers
        headers.replaceOrAdd(name: .contentType, value: format.contentType)
        headers.cacheControl = .init(noStore: true)
        return Response(status: status, headers: headers, body: .init(string: Open311Renderer.render(root: "errors", error.document, as: format)))
    }

    /// Our own errors in Open311's terms: what the client sent is wrong (400), or the server failed.
    static func open311(_ error: AppError) -> Open311Error {
        switch error.status {
        case .notFound: .badRequest("location_outside_jurisdiction", "The place is not in the area this api_key may report in")
        case .forbidden, .unauthorized: .badKey
        case .internalServerError: .init(status: 500, code: error.code, description: error.reason)
        default: .badRequest(error.field.map { "invalid_\($0)" } ?? error.code,
                             (error.field.map { "\($0): " } ?? "") + Strings.text(error.messageKey, .en))
        }
    }

    func parameters(_ request: Request) -> Open311Parameters { Open311Parameters(urlEncoded: request.url.query ?? "") }

    func resource(_ request: Request, file: String) async throws -> Reply {
        switch file {
        case "discovery":
            let changed = try await CatalogueVersionRecord.query(on: request.db).sort(\.$version, .descending).first()?.createdAt ?? request.now
            return Reply(root: "discovery", body: Open311Documents.discovery(baseURL: baseURL(request), changeset: changed))
        case "services":
            return Reply(root: "services", body: Open311Documents.services(try await catalogue(request)))
        case "requests":
            return try await requests(request)
        case "servicerequestupdates":
            return try await updates(request)
        default:
            throw Open311Error.notFound("unknown_resource", "No such resource: \(file)")
        }
    }

    func baseURL(_ request: Request) -> String {
        let host = request.headers.first(name: .host) ?? "127.0.0.1:8080"
        return (request.gongzhi.config.https ? "https://" : "http://") + host
    }

    func catalogue(_ request: Request) async throws -> Catalogue {
        guard let catalogue = try await CatalogueStore.current(on: request.db) else { throw AppError.conflict("no_catalogue") }
        return catalogue
    }

    func definition(_ request: Request, code: String) async throws -> Reply {
        guard let item = try await catalogue(request).item(code) else { throw Open311Error.notFound("unknown_service_code", "No service \(code)") }
        return Reply(root: "service_definition", body: Open311Documents.definition(item))
    }

    /// The key, when one is given (GET) or required (POST, updates).
    func key(_ p: Open311Parameters, on request: Request, required: Bool) async throws -> Open311KeyRecord? {
        guard let raw = p.value("api_key") else {
            if required { throw Open311Error.badKey }
            return nil
        }
        guard let key = try await Open311KeyRecord.find(key: raw, on: request.db) else { throw Open311Error.badKey }
        return key
    }

    /// Public cases, and the cases this client sent itself.
    func visible(_ key: Open311KeyRecord?, on db: any Database) -> QueryBuilder<CaseRecord> {
        CaseRecord.query(on: db).group(.or) { group in
            group.filter(\.$isPublic == true)
            if let id = key?.id { group.filter(\.$apiKeyID == id) }
        }
    }

    func requests(_ request: Request) async throws -> Reply {
        let p = parameters(request)
        let key = try await key(p, on: request, required: false)
        let query = try Open311RequestQuery.parse(p, now: request.now)
        var cases = visible(key, on: request.db)
        if let numbers = query.serviceRequestIDs {
            cases = cases.filter(\.$number ~~ numbers.prefix(Open311RequestQuery.maximumRecords).map { $0.uppercased() })
        } else {
            cases = cases.filter(\.$openedAt >= query.start).filter(\.$openedAt <= query.end)
            if let codes = query.serviceCodes { cases = cases.filter(\.$itemCode ~~ codes) }
            if query.statuses.count == 1 {
                let states = CaseState.allCases.filter { query.statuses.contains(Open311Status.status(of: $0)) }
                cases = cases.filter(\.$state ~~ states)
            }
        }
        let records = try await cases.sort(\.$openedAt, .descending).sort(\.$number)
            .range(((query.page - 1) * query.pageSize)..<(query.page * query.pageSize)).all()
        return try await list(records, on: request)
    }

    func list(_ records: [CaseRecord], on request: Request) async throws -> Reply {
        let context = try await Open311Documents.Context.load(for: records, catalogue: try await CatalogueStore.current(on: request.db), on: request.db)
        return Reply(root: "service_requests", body: .list(itemName: "request", records.map { Open311Documents.request($0, context) }))
    }

    func oneRequest(_ request: Request, number: String) async throws -> Reply {
        let key = try await key(parameters(request), on: request, required: false)
        guard let record = try await visible(key, on: request.db).filter(\.$number == number.uppercased()).first() else {
            throw Open311Error.notFound("unknown_service_request_id", "No request \(number)")
        }
        return try await list([record], on: request)
    }

    /// Every case is created at once ("realtime"), so a token is the case's own id and always resolves.
    func token(_ request: Request, token: String) async throws -> Reply {
        let key = try await key(parameters(request), on: request, required: false)
        guard let id = UUID(uuidString: token), let record = try await visible(key, on: request.db).filter(\.$id == id).first() else {
            throw Open311Error.notFound("unknown_token", "No token \(token)")
        }
        return Reply(root: "service_requests", body: .list(itemName: "request", [.object([
            ("service_request_id", .text(record.number)), ("token", .text(id.uuidString.lowercased())),
        ])]))
    }

    /// mySociety's `servicerequestupdates`: the timeline events in a window, for clients that sync both ways.
    func updates(_ request: Request) async throws -> Reply {
        let p = parameters(request)
        let key = try await key(p, on: request, required: true)
        let query = try Open311RequestQuery.parse(p, now: request.now)
        let events = try await CaseEventRecord.query(on: request.db)
            .join(CaseRecord.self, on: \CaseEventRecord.$caseID == \CaseRecord.$id)
            .group(.or) { group in
                group.filter(CaseRecord.self, \.$isPublic == true)
                if let id = key?.id { group.filter(CaseRecord.self, \.$apiKeyID == id) }
            }
            .filter(\.$at >= query.start).filter(\.$at <= query.end).sort(\.$at).sort(\.$seq)
            .range(((query.page - 1) * query.pageSize)..<(query.page * query.pageSize)).all()
        return Reply(root: "service_request_updates", body: .list(itemName: "request_update", try events.map { event in
            Open311Documents.update(event, number: try event.joined(CaseRecord.self).number)
        }))
    }
}
