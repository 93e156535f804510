import Fluent
import Foundation
import GongzhiCore
import Vapor

/// "My data" (PIPL art. 45 and 47): anyone signed in downloads a copy of their own data; a resident erases their
/// account. API and page.
struct PersonalDataController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("api", "v1", "me", "data", use: exportAPI)
        routes.on(.POST, "api", "v1", "me", "data", bodyUpTo: .credentialsForm, use: exportWholeAPI)
        routes.on(.POST, "my-data", "export", bodyUpTo: .credentialsForm, use: exportWholePage)
        routes.post("api", "v1", "me", "erasure", use: eraseAPI)
        routes.get("my-data", use: page)
        routes.post("my-data", "erase", use: erasePage)
    }

    /// The copy, as a JSON download, audited as `data.export`; the person's ID and phone numbers masked.
    @Sendable func exportAPI(_ request: Request) async throws -> Response {
        try await export(request, actor: try request.requireActor(), fullNumbers: false)
    }

    /// The password (and the second factor's code, when it is on) again: the copy with the numbers whole.
    struct WholeBody: Content {
        var password: String?
        var otp: String?
    }

    /// `POST /api/v1/me/data`: the copy with the person's own numbers whole, after the password again (issue 24
    /// finding 2: an account put on someone's identity must not read their numbers without the right and a reason).
    @Sendable func exportWholeAPI(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let body = try request.content.decode(WholeBody.self)
        try await reauthenticate(request, actor: actor, password: body.password, otp: body.otp)
        return try await export(request, actor: actor, fullNumbers: true)
    }

    @Sendable func exportWholePage(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(WholeBody.self)
        do {
            try await reauthenticate(request, actor: actor, password: form.password, otp: form.otp)
        } catch let error as AppError where error.status.code < 500 {
            return try await render(request, actor: actor, messages: request.formMessages(for: error), status: error.status)
        }
        return try await export(request, actor: actor, fullNumbers: true)
    }

    /// Checks the account holder's password (and second factor) once more; a wrong one counts as a failed sign-in.
    func reauthenticate(_ request: Request, actor: Actor, password: String?, otp: String?) async throws {
        guard let password, !password.isEmpty else { throw AppError.invalid("password", "required") }
        let userID = actor.userID.uuid
        guard let user = try await UserRecord.find(userID, on: request.db) else { throw AppError.unauthorized }
        do {
            // Locked or slowed like a sign-in: a stolen session must not guess the password here without limit.
            try await Login.checkAccountGuard(AccountID(userID), in: request.context)
            guard request.gongzhi.passwords.verify(password, against: user.passwordHash) else {
                try await Login.recordFailure(of: AccountID(userID), summary: "reauthentication", in: request.context)
            }
            if user.secondFactorSealed != nil { try await SecondFactor.require(otp, user: user, in: request.context) }
        } catch Login.Failure.locked(let wait), Login.Failure.addressLocked(let wait), Login.Failure.slowed(let wait) {
            throw AppError.locked(retryAfter: wait)
        } catch is Login.Failure {
            throw AppError(status: .forbidden, code: "wrong_password", messageKey: "mydata.wrong_password", field: "password")
        }
    }

    func export(_ request: Request, actor: Actor, fullNumbers: Bool) async throws -> Response {
        let userID = actor.userID.uuid
        let subject = PersonalDataExport.Subject(userID: userID, personID: actor.personID?.uuid)
        let document = try await PersonalDataExport.document(for: subject, inventory: request.gongzhi.dataInventory,
                                                             cipher: request.gongzhi.cipher, fullNumbers: fullNumbers, now: request.now, on: request.db)
        let rows = document.tables.values.reduce(0) { $0 + $1.count }
        try await request.write { db in
            try await request.audit(AuditEvent(action: "data.export", objectType: "user", objectID: actor.userID.description,
                                               summary: "tables=\(document.tables.count) rows=\(rows) numbers=\(fullNumbers ? "whole" : "masked")"), on: db)
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
        let userID = actor.userID.uuid
        do {
            try await PersonalDataErasure.erase(userID: AccountID(userID), password: password, in: request.context)
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
        let hasSecondFactor: Bool
    }

    func render(_ request: Request, actor: Actor, messages: [FormMessage], status: HTTPStatus) async throws -> Response {
        var user: UserRecord?
        user = try await UserRecord.find(actor.userID.uuid, on: request.db)
        let view = try await request.view.render("accounts/my-data", MyDataPage(
            page: await PageBase.make(for: request, title: Strings.text("mydata.title", request.lang)), messages: messages,
            mayErase: actor.grants.allSatisfy { $0.role == .resident }, hasSecondFactor: user?.secondFactorSealed != nil))
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
