import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/notices`: the caller's own notices, newest first; marking one read.
struct CaseNoticesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let notices = routes.grouped("api", "v1", "notices")
        notices.get(use: list)
        notices.post(":id", "read", use: read)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<CaseNoticeDTO> {
        let context = request.context
        let actor = try request.requireActor()
        let userID = actor.userID.uuid
        let lang = request.lang
        return try await CaseNoticeRecord.query(on: context.db).filter(\.$userID == userID).sort(\.$createdAt, .descending)
            .listPage(try Paging(request)) { CaseNoticeDTO($0, lang: lang) }
    }

    @Sendable func read(_ request: Request) async throws -> CaseNoticeDTO {
        let context = request.context
        let actor = try request.requireActor()
        let userID = actor.userID.uuid
        let id = try request.uuidParameter()
        let now = context.now
        let notice = try await context.write { db in
            // Only one's own: another account's notice is not found.
            guard let notice = try await CaseNoticeRecord.query(on: db).filter(\.$id == id).filter(\.$userID == userID).first() else { throw AppError.notFound }
            if notice.readAt == nil {
                notice.readAt = now
                try await notice.update(on: db)
            }
            return notice
        }
        return CaseNoticeDTO(notice, lang: request.lang)
    }
}
