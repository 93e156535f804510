import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The affairs catalogue for administrators: export (JSON or CSV), import a whole catalogue, edit one item. Every
/// change publishes a new version; cases keep the version they were opened under.
struct CatalogueAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1", "catalogue")
        api.get("export", use: export)
        api.on(.POST, bodyUpTo: "2mb", use: importCatalogue)
        api.patch("items", ":code", use: editItem)
        api.on(.POST, "classify", bodyUpTo: "16kb", use: classify)
    }

    struct ClassifyInput: Content {
        var text: String?
    }

    struct Suggestion: Content {
        let itemCode: String
        let name: String
        let nameEn: String
        /// The item in the words residents use.
        let plainName: String
        let category: String
        let score: Double
    }

    struct Suggestions: Content {
        let suggestions: [Suggestion]
        let catalogueVersion: Int
    }

    /// The catalogue items a text is most likely about, best first (at least three): for the resident's form, the
    /// service window and outside systems such as a 12345 hotline. Open to anyone: it reads no one's data.
    @Sendable func classify(_ request: Request) async throws -> Suggestions {
        let input = try request.content.decode(ClassifyInput.self)
        let text = try Validate.text(input.text, field: "text", limit: 2_000)
        guard !text.isEmpty else { throw AppError.invalid("text", "required") }
        guard let (prepared, model) = try await request.context.classifier() else { throw AppError.conflict("no_catalogue") }
        let catalogue = prepared.catalogue
        let proposals = Classifier.suggest(title: text, description: "", model: model, count: 3)
        return Suggestions(suggestions: proposals.compactMap { proposal in
            catalogue.item(proposal.code).map {
                Suggestion(itemCode: $0.code, name: $0.name, nameEn: $0.nameEn, plainName: $0.everydayName, category: $0.category,
                           score: (proposal.score * 1000).rounded() / 1000)
            }
        }, catalogueVersion: catalogue.version)
    }

    @Sendable func export(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let version = try request.queryInt("version")
        let found: Catalogue?
        if let version { found = try await CatalogueStore.load(version: version, on: request.db) } else {
            found = try await CatalogueStore.current(on: request.db)
        }
        guard let catalogue = found else { throw AppError.notFound }
        let format = try request.queryValue("format") ?? "json"
        switch format {
        case "json":
            return try await catalogue.encodeResponse(for: request)
        case "csv":
            let header = "code,category,name,name_en,responsible,department,kind,response_hours,completion_days,keywords,event_code,community_may_handle"
            let rows = catalogue.items.map { item in
                [item.code, item.category, item.name, item.nameEn, item.responsible.rawValue, item.department, item.kind.rawValue,
                 String(item.responseHours), String(item.completionDays), item.keywords.joined(separator: "|"), item.eventCode,
                 item.communityMayHandle ? "true" : "false"].map { CSV.field($0) }.joined(separator: ",")
            }
            let response = Response(status: .ok, body: .init(string: ([header] + rows).joined(separator: "\r\n") + "\r\n"))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            response.headers.contentDisposition = .init(.attachment, filename: "catalogue-v\(catalogue.version).csv")
            return response
        default:
            throw AppError.invalid("format")
        }
    }

    /// A whole catalogue as JSON (the export's form; its version number is ignored).
    @Sendable func importCatalogue(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageCatalogue)
        let submitted = try request.content.decode(Catalogue.self)
        let catalogue: Catalogue
        do { catalogue = try submitted.validated() } catch {
            throw AppError.invalid(Self.field(of: error), "invalid_catalogue")
        }
        let version = try await publish(catalogue, summary: "import items=\(catalogue.items.count)", actor: actor, on: request)
        return try await CatalogueStore.load(version: version, on: request.db)!.encodeResponse(status: .created, for: request)
    }

    struct ItemPatch: Content {
        var name: String?
        var nameEn: String?
        var responsible: ResponsibleParty?
        var department: String?
        var kind: CaseKind?
        var responseHours: Int?
        var completionDays: Int?
        var keywords: [String]?
        var communityMayHandle: Bool?
    }

    @Sendable func editItem(_ request: Request) async throws -> CatalogueItem {
        let actor = try request.require(.manageCatalogue)
        let code = request.parameters.get("code") ?? ""
        let patch = try request.content.decode(ItemPatch.self)
        guard let current = try await CatalogueStore.current(on: request.db), let old = current.item(code) else { throw AppError.notFound }
        let edited = CatalogueItem(
            code: old.code, category: old.category, name: patch.name ?? old.name, nameEn: patch.nameEn ?? old.nameEn,
            responsible: patch.responsible ?? old.responsible, department: patch.department ?? old.department, kind: patch.kind ?? old.kind,
            responseHours: patch.responseHours ?? old.responseHours, completionDays: patch.completionDays ?? old.completionDays,
            keywords: patch.keywords ?? old.keywords, eventCode: old.eventCode, communityMayHandle: patch.communityMayHandle ?? old.communityMayHandle)
        let next = Catalogue(version: current.version, name: current.name, categories: current.categories,
                             items: current.items.map { $0.code == code ? edited : $0 })
        do { _ = try next.validated() } catch { throw AppError.invalid(Self.field(of: error), "invalid_catalogue") }
        _ = try await publish(next, summary: "edit item=\(code)", actor: actor, on: request)
        return edited
    }

    func publish(_ catalogue: Catalogue, summary: String, actor: Actor, on request: Request) async throws -> Int {
        try await request.write { db in
            let version = try await CatalogueStore.publish(catalogue, on: db)
            try await request.audit(AuditEvent(action: "catalogue.publish", objectType: "catalogue", objectID: String(version), summary: summary,
                                               change: ["items": String(catalogue.items.count)]), on: db)
            return version
        }
    }

    static func field(of error: Catalogue.Error) -> String {
        switch error {
        case .missingCategory: "categories"
        case .unknownCategory: "category"
        case .duplicateCode: "code"
        case .invalidItem(_, let field): field
        }
    }
}

extension CatalogueItem: Content {}
