import Fluent
import Foundation
import GongzhiCore
import Vapor

/// "My data" (PIPL art. 45 and 47): anyone signed in downloads a copy of their own data; a resident erases their
/// account. API and page.
struct PersonalDataController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "me", "data", use: exportAPI)
        routes.post("api", "v1", "me", "erasure", use: eraseAPI)
        routes.get("my-data", use: page)
        routes.post("my-data", "erase", use: erasePage)
    }

    /// The copy, as a JSON download, audited as `data.export`.
    @Sendable func exportAPI(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard let userID = UUID(uuidString: actor.userID) else { throw AppError.unauthorized }
        let subject = PersonalDataExport.Subject(userID: userID, personID: actor.personID.flatMap(UUID.init(uuidString:)))
        let document = try await PersonalDataExport.document(for: subject, inventory: request.gongzhi.dataInventory,
                                                             cipher: request.gongzhi.cipher, now: request.now, on: request.db)
        let rows = document.tables.values.reduce(0) { $0 + $1.count }
        try await request.write { db in
            try await request.audit(AuditEvent(action: "data.export", objectType: "user", objectID: actor.userID,
                                               summary: "tables=\(document.tables.count) rows=\(rows)"), on: db)
        }
        let response = try await document.encodeResponse(status: .ok, for: request)
        let day = CivilDate(request.now)
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: String(format: "attachment; filename=\"gongzhi-my-data-%04d%02d%02d.json\"", day.year, day.month, day.day))
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    struct EraseBody: Content {
        var password: String?
        /// Must be true: the request says what it does.
        var confirm: Bool?
    }

    @Sendable func eraseAPI(_ request: Request) async throws -> HTTPStatus {
        let actor = try request.requireActor()
        let body = try request.content.decode(EraseBody.self)
        try await erase(request, actor: actor, password: body.password, confirmed: body.confirm == true)
        return .noContent
    }

    func erase(_ request: Request, actor: Actor, password: String?, confirmed: Bool) async throws {
        guard confirmed else { throw AppError.invalid("confirm", "required") }
        guard let password, !password.isEmpty else { throw AppError.invalid("password", "required") }
        guard let userID = UUID(uuidString: actor.userID) else { throw AppError.unauthorized }
        do {
            try await PersonalDataErasure.erase(userID: userID, password: password, on: request)
        } catch PersonalDataErasure.Failure.staffAccount {
            throw AppError(status: .conflict, code: "staff_account", messageKey: "mydata.staff_account", field: nil)
        } catch PersonalDataErasure.Failure.wrongPassword {
            throw AppError(status: .forbidden, code: "wrong_password", messageKey: "mydata.wrong_password", field: "password")
        }
    }

    struct MyDataPage: Encodable {
        let page: PageBase
        let messages: [FormMessage]
        let mayErase: Bool
    }

    func render(_ request: Request, actor: Actor, messages: [FormMessage], status: HTTPStatus) async throws -> Response {
        let view = try await request.view.render("accounts/my-data", MyDataPage(
            page: await PageBase.make(for: request, title: Strings.text("mydata.title", request.lang)), messages: messages,
            mayErase: actor.grants.allSatisfy { $0.role == .resident }))
        let response = try await view.encodeResponse(status: status, for: request)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        try await render(request, actor: try request.requireActor(), messages: [], status: .ok)
    }

    struct EraseForm: Content {
        var password: String?
        var confirm: String?
    }

    @Sendable func erasePage(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(EraseForm.self)
        do {
            try await erase(request, actor: actor, password: form.password, confirmed: form.confirm == "yes")
        } catch let error as AppError where error.status.code < 500 {
            return try await render(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
        // The account's sessions are gone with it: the cookie is cleared and the person is back on the home page.
        let response = request.redirect(to: "/?erased=1", redirectType: .normal)
        response.cookies[SessionCookie.name(https: request.gongzhi.config.https)] = SessionCookie.expired(https: request.gongzhi.config.https)
        return response
    }
}
