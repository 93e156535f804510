import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// A model that lives at a place in the organisation tree and is seen only within the subtrees of the roles that
/// grant the permission to see it (checklist rule 1: objects are always loaded through a scope, never by a bare id).
protocol OrgScoped: Model where IDValue == UUID {
    static var pathKey: KeyPath<Self, FieldProperty<Self, String>> { get }
}


extension QueryBuilder where Model: OrgScoped {
    /// Only the rows inside a subtree where `actor` holds `permission`; nothing when it holds it nowhere.
    /// `alsoIDs` adds rows the actor reaches otherwise (a resident's own household).
    func visible(to actor: Actor, _ permission: Permission, alsoIDs: [UUID] = []) -> Self {
        let scopes = AccessPolicy.scopes(permission, actor: actor)
        if scopes.isEmpty && alsoIDs.isEmpty { return filter(.path([.id], schema: Model.schemaOrAlias), .equal, .null) }
        return group(.or) { group in
            for scope in scopes { group.filter(Model.pathKey =~ scope.rawValue) }
            if !alsoIDs.isEmpty {
                group.filter(.path([.id], schema: Model.schemaOrAlias), .subset(inverse: false), .array(alsoIDs.map { .bind($0) }))
            }
        }
    }
}

enum Scoped {
    /// The object with `id` if `actor` may see it with `permission`; otherwise 404, whether it exists or not.
    static func find<M: OrgScoped>(_ type: M.Type, _ id: UUID?, actor: Actor, _ permission: Permission,
                                   alsoIDs: [UUID] = [], on db: any Database) async throws -> M {
        guard let id, let found = try await M.query(on: db).filter(.id, .equal, id).visible(to: actor, permission, alsoIDs: alsoIDs).first() else {
            throw AppError.notFound
        }
        return found
    }

    /// Checks `permission` at the object's own place; 403 when the actor may see it but not do this to it.
    static func require(_ permission: Permission, actor: Actor, at path: String) throws {
        guard let orgPath = OrgPath(path), AccessPolicy.allows(permission, actor: actor, at: orgPath) else {
            throw AppError.forbidden
        }
    }
}

