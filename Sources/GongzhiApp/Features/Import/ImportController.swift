import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `POST /api/v1/import/residents?communityId=` (body: the CSV file) and the import page.
struct ImportController: RouteCollection {
    static let maxFileSize: ByteCount = "20mb"

    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "api", "v1", "import", "residents", bodyUpTo: Self.maxFileSize, use: importAPI)
        routes.get("import", use: page)
        routes.on(.POST, "import", bodyUpTo: Self.maxFileSize, use: importPage)
    }

    @Sendable func importAPI(_ request: Request) async throws -> ImportResidents.Report {
        _ = try request.require(.manageResidents)
        guard let communityID = try request.queryUUID("communityId") else { throw AppError.invalid("communityId", "required") }
        guard let type = request.headers.contentType, type.type == "text", ["csv", "plain"].contains(type.subType) else {
            throw AppError(status: .unsupportedMediaType, code: "unsupported_media_type", messageKey: "error.unsupported_media_type", field: nil)
        }
        guard let body = request.body.data, let text = body.getString(at: body.readerIndex, length: body.readableBytes) else {
            throw AppError.invalid("file", "required")
        }
        return try await ImportResidents.run(communityID: OrgNodeID(communityID), csv: text, in: request.context)
    }

    struct Community: Encodable {
        let id: String
        let name: String
        let selected: Bool
    }

    struct ImportPage: Encodable {
        let page: PageBase
        let communities: [Community]
        let report: ImportResidents.Report?
        let messages: [FormMessage]
    }

    func render(_ request: Request, actor: Actor, selected: UUID?, report: ImportResidents.Report?, messages: [FormMessage]) async throws -> View {
        let communities = try await OrgNodeRecord.query(on: request.db).visible(to: actor, .manageResidents)
            .filter(\.$level == .community).filter(\.$party == nil).sort(\.$name).limit(500).all()
        return try await request.view.render("import/index", ImportPage(
            page: await PageBase.make(for: request, title: Strings.text("import.title", request.lang)),
            communities: communities.map { Community(id: $0.id!.uuidString, name: $0.name, selected: $0.id == selected) },
            report: report, messages: messages))
    }

    @Sendable func page(_ request: Request) async throws -> View {
        let actor = try request.require(.manageResidents)
        return try await render(request, actor: actor, selected: nil, report: nil, messages: [])
    }

    struct UploadForm: Content {
        var communityId: String?
        var file: File?
    }

    @Sendable func importPage(_ request: Request) async throws -> View {
        let actor = try request.require(.manageResidents)
        let form = try request.content.decode(UploadForm.self)
        let communityID = form.communityId.flatMap(UUID.init(uuidString:))
        do {
            guard let communityID else { throw AppError.invalid("communityId", "required") }
            guard let file = form.file, file.data.readableBytes > 0,
                  let text = file.data.getString(at: file.data.readerIndex, length: file.data.readableBytes) else {
                throw AppError.invalid("file", "required")
            }
            let report = try await ImportResidents.run(communityID: OrgNodeID(communityID), csv: text, in: request.context)
            return try await render(request, actor: actor, selected: communityID, report: report, messages: [])
        } catch let error as AppError {
            return try await render(request, actor: actor, selected: communityID, report: nil, messages: request.formMessages(for: error))
        }
    }
}
