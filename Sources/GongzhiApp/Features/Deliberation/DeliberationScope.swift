import Fluent
import Foundation
import GongzhiCore

/// Who sees and runs the things of a community's deliberation (needs, polls, council, meetings, resources,
/// projects): staff who work anywhere in the community (from the district down to a grid) see them, staff with
/// `manageDeliberation` at the community run them, and the community's residents see what is public.
enum DeliberationScope {
    struct Access: Sendable {
        let manage: Bool
        let staff: Bool
        /// A resident of the community.
        let resident: Bool
    }

    /// The caller's access to something at `path` (a community's path); 404 when they have none. `residents`: whether
    /// residents may see it at all (a draft poll, an unpublished meeting: no).
    static func access(_ actor: Actor, at path: String, residents: Bool = true) throws -> Access {
        let place = OrgPath(path) ?? .root
        let staff = AccessPolicy.reaches(.viewDeliberation, actor: actor, place: place)
        let resident = residents && actor.grants.contains { $0.role == .resident && $0.path.contains(place) }
        guard staff || resident else { throw AppError.notFound }
        return Access(manage: AccessPolicy.allows(.manageDeliberation, actor: actor, at: place), staff: staff, resident: resident)
    }

    /// Narrows `query` to the rows the caller may see: in their staff scopes, at the nodes above them, and (where
    /// `residentFilter` allows) in their own communities as residents. Nothing at all when they have none.
    static func visible<M: Model>(_ query: QueryBuilder<M>, actor: Actor, path: KeyPath<M, FieldProperty<M, String>>,
                                  residentFilter: ((QueryBuilder<M>) -> Void)? = { _ in }) -> QueryBuilder<M>? {
        let scopes = AccessPolicy.scopes(.viewDeliberation, actor: actor).map(\.rawValue)
        let above = AccessPolicy.ancestors(.viewDeliberation, actor: actor).map(\.rawValue)
        let resident = residentFilter == nil ? [] : actor.grants.filter { $0.role == .resident }.map(\.path.rawValue)
        guard !scopes.isEmpty || !above.isEmpty || !resident.isEmpty else { return nil }
        return query.group(.or) { group in
            for scope in scopes { group.filter(path =~ scope) }
            if !above.isEmpty { group.filter(path ~~ above) }
            if !resident.isEmpty, let residentFilter {
                group.group(.and) { inner in
                    inner.filter(path ~~ resident)
                    residentFilter(inner)
                }
            }
        }
    }

    /// The community node `id` if the caller runs deliberation there (403 if they only see it, 404 otherwise).
    static func managedCommunity(_ id: UUID?, actor: Actor, field: String = "communityId", on db: any Database) async throws -> OrgNodeRecord {
        guard let id else { throw AppError.invalid(field, "required") }
        guard let node = try await OrgNodeRecord.find(id, on: db), node.isArea(.community),
              AccessPolicy.reaches(.viewDeliberation, actor: actor, place: node.orgPath) else { throw AppError.invalid(field, "not_found") }
        guard AccessPolicy.allows(.manageDeliberation, actor: actor, at: node.orgPath) else { throw AppError.forbidden }
        return node
    }
}
