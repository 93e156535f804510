import Fluent
import Foundation
import GongzhiCore

/// Which parties and contracts an actor sees. A party is seen inside the subtrees where the actor may see the
/// organisation (its own staff see it; the street sees its offices and its communities' organisations), and also
/// where it is registered at an area above them (a street sees the district's departments and property
/// companies, which serve it too). Contracts are seen where their compound is, and by the company that holds them.
enum PartyScope {
    static func parties(visibleTo actor: Actor, on db: any Database) -> QueryBuilder<OrgNodeRecord> {
        let scopes = AccessPolicy.scopes(.viewOrganisation, actor: actor)
        let above = AccessPolicy.ancestors(.viewOrganisation, actor: actor).compactMap { $0.segments.last.flatMap(UUID.init(uuidString:)) }
        return OrgNodeRecord.query(on: db).filter(\.$party != nil).group(.or) { group in
            if scopes.isEmpty { group.filter(.path([.id], schema: OrgNodeRecord.schema), .equal, .null) }
            for scope in scopes { group.filter(\.$path =~ scope.rawValue) }
            if !above.isEmpty { group.filter(\.$parent.$id ~~ above) }
        }
    }

    /// The party with `id`, or 404 whether it exists or not.
    static func party(_ id: UUID, actor: Actor, on db: any Database) async throws -> OrgNodeRecord {
        guard let node = try await parties(visibleTo: actor, on: db).filter(\.$id == id).first() else { throw AppError.notFound }
        return node
    }

    /// Contracts the actor sees: in its subtrees, or held by a company it works in or above.
    static func contracts(visibleTo actor: Actor, on db: any Database) -> QueryBuilder<PropertyContractRecord> {
        let scopes = AccessPolicy.scopes(.viewOrganisation, actor: actor)
        let companies = actor.grants.compactMap { $0.path.segments.last.flatMap(UUID.init(uuidString:)) }
        return PropertyContractRecord.query(on: db).group(.or) { group in
            if scopes.isEmpty && companies.isEmpty { group.filter(.path([.id], schema: PropertyContractRecord.schema), .equal, .null) }
            for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) }
            if !companies.isEmpty { group.filter(\.$company.$id ~~ companies) }
        }
    }
}
