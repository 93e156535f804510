import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Accounts and role grants (security admin), and changing one's own password. API and pages.
struct AccountsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("users", use: listAPI)
        api.post("users", use: createAPI)
        api.post("users", ":id", "grants", use: grantAPI)
        api.delete("users", ":id", "grants", ":grantId", use: revokeAPI)
        api.post("users", ":id", "disable", use: disableAPI)
        api.post("users", ":id", "enable", use: enableAPI)
        api.post("me", "password", use: changePasswordAPI)
        routes.get("users", use: page)
        routes.post("users", use: createPage)
        routes.post("users", ":id", "grants", use: grantPage)
    }

    struct UserDTO: Content {
        struct Grant: Content {
            let id: UUID
            let role: Role
            let nodeId: UUID?
            let path: String
        }

        let id: UUID
        let username: String
        let displayName: String
        let disabled: Bool
        let grants: [Grant]
    }

    func users(_ request: Request) async throws -> [UserDTO] {
        let users = try await UserRecord.query(on: request.db).with(\.$grants).sort(\.$username).limit(1000).all()
        return users.map { user in
            UserDTO(id: user.id!, username: user.username, displayName: user.displayName, disabled: user.disabled,
                    grants: user.grants.map { .init(id: $0.id!, role: $0.role, nodeId: $0.$node.id, path: $0.path) })
        }
    }

    @Sendable func listAPI(_ request: Request) async throws -> [UserDTO] {
        _ = try request.require(.manageAccounts)
        return try await users(request)
    }

    struct CreateBody: Content {
        var username: String?
        var displayName: String?
        var password: String?
        var personId: UUID?
    }

    func create(_ request: Request, actor: Actor) async throws -> UserRecord {
        let body = try request.content.decode(CreateBody.self)
        let username = try AccountChanges.username(body.username)
        let displayName = try Validate.name(body.displayName ?? username, field: "displayName")
        guard let password = body.password, !password.isEmpty else { throw AppError.invalid("password", "required") }
        // Putting the account on a resident is a community worker's confirmed step (`AccountLinks`), never the
        // security administrator's alone.
        guard body.personId == nil else { throw AppError.invalid("personId", "person_link_needs_confirmation") }
        return try await AccountChanges.createUser(username: username, displayName: displayName, password: password,
                                                    personID: nil, in: request.context)
    }

    @Sendable func createAPI(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageAccounts)
        let user = try await create(request, actor: actor)
        return try await UserDTO(id: user.id!, username: user.username, displayName: user.displayName, disabled: false, grants: [])
            .encodeResponse(status: .created, for: request)
    }

    struct GrantBody: Content {
        var role: Role?
        var nodeId: UUID?
    }

    @Sendable func grantAPI(_ request: Request) async throws -> Response {
        _ = try request.require(.manageAccounts)
        let body = try request.content.decode(GrantBody.self)
        guard let role = body.role else { throw AppError.invalid("role", "required") }
        let record = try await AccountChanges.grant(userID: try request.idParameter(), role: role, nodeID: body.nodeId.map(OrgNodeID.init), in: request.context)
        return try await UserDTO.Grant(id: record.id!, role: record.role, nodeId: record.$node.id, path: record.path)
            .encodeResponse(status: .created, for: request)
    }

    @Sendable func revokeAPI(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageAccounts)
        try await AccountChanges.revoke(userID: try request.idParameter(), grantID: try request.uuidParameter("grantId"), in: request.context)
        return .noContent
    }

    @Sendable func disableAPI(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageAccounts)
        try await AccountChanges.setDisabled(userID: try request.idParameter(), disabled: true, in: request.context)
        return .noContent
    }

    @Sendable func enableAPI(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageAccounts)
        try await AccountChanges.setDisabled(userID: try request.idParameter(), disabled: false, in: request.context)
        return .noContent
    }

    struct PasswordBody: Content {
        var currentPassword: String?
        var newPassword: String?
    }

    @Sendable func changePasswordAPI(_ request: Request) async throws -> HTTPStatus {
        _ = try request.requireActor()
        let body = try request.content.decode(PasswordBody.self)
        try await AccountChanges.changePassword(current: body.currentPassword ?? "", new: body.newPassword ?? "", in: request.context)
        return .noContent
    }

    // MARK: Pages

    struct NodeOption: Encodable {
        let id: String
        let label: String
    }

    struct UsersPage: Encodable {
        let page: PageBase
        let users: [UserDTO]
        let roles: [NodeOption]
        let nodes: [NodeOption]
        let messages: [FormMessage]
    }

    func render(_ request: Request, actor: Actor, messages: [FormMessage]) async throws -> View {
        let nodes = try await OrgNodeRecord.query(on: request.db).visible(to: actor, .viewOrganisation)
            .filter(\.$level != .grid).sort(\.$path).limit(500).all()
        let lang = request.lang
        return try await request.view.render("accounts/users", UsersPage(
            page: await PageBase.make(for: request, title: Strings.text("users.title", lang)),
            users: try await users(request),
            roles: Role.allCases.map { NodeOption(id: $0.rawValue, label: Strings.text("role.\($0.rawValue)", lang)) },
            nodes: nodes.map { NodeOption(id: $0.id!.uuidString, label: "\(PartyWords.kindName(of: $0, lang)) · \($0.name)") },
            messages: messages))
    }

    @Sendable func page(_ request: Request) async throws -> View {
        let actor = try request.require(.manageAccounts)
        return try await render(request, actor: actor, messages: [])
    }

    @Sendable func createPage(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageAccounts)
        do {
            _ = try await create(request, actor: actor)
            return request.redirect(to: "/users", redirectType: .normal)
        } catch let error as AppError {
            return try await render(request, actor: actor, messages: request.formMessages(for: error)).encodeResponse(status: .unprocessableEntity, for: request)
        }
    }

    struct GrantForm: Content {
        var role: String?
        var nodeId: String?
    }

    @Sendable func grantPage(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageAccounts)
        let form = try request.content.decode(GrantForm.self)
        do {
            guard let role = form.role.flatMap(Role.init(rawValue:)) else { throw AppError.invalid("role", "required") }
            let nodeID = form.nodeId.flatMap { $0.isEmpty ? nil : UUID(uuidString: $0) }
            _ = try await AccountChanges.grant(userID: AccountID(try request.uuidParameter()), role: role, nodeID: nodeID.map(OrgNodeID.init), in: request.context)
            return request.redirect(to: "/users", redirectType: .normal)
        } catch let error as AppError {
            return try await render(request, actor: actor, messages: request.formMessages(for: error)).encodeResponse(status: .unprocessableEntity, for: request)
        }
    }
}
