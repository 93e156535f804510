/// A role held at a node of the tree.
public struct RoleGrant: Hashable, Sendable, Codable {
    public let role: Role
    public let path: OrgPath

    public init(role: Role, path: OrgPath) {
        self.role = role
        self.path = path
    }
}

/// Who is acting: an account, its grants, and the resident record it is linked to (if any).
public struct Actor: Sendable, Equatable {
    public let userID: AccountID
    public let username: String
    public let grants: [RoleGrant]
    /// The person record of a resident account.
    public let personID: PersonID?

    public init(userID: AccountID, username: String, grants: [RoleGrant], personID: PersonID? = nil) {
        self.userID = userID
        self.username = username
        self.grants = grants
        self.personID = personID
    }

    public var roles: Set<Role> { Set(grants.map(\.role)) }

    /// A resident's account: resident grants only, or none yet (signed up, no household joined).
    public var isResident: Bool { grants.allSatisfy { $0.role == .resident } }

    /// Where a resident may raise a problem: within their compounds, or — before joining a household — anywhere.
    public func mayReport(at place: OrgPath) -> Bool {
        guard isResident else { return false }
        let scopes = grants.map(\.path)
        return scopes.isEmpty || scopes.contains { $0.contains(place) }
    }
}

/// Authorisation, decided in one place: every route and every object load asks these functions.
public enum AccessPolicy {
    /// Whether `actor` holds `permission` at the node `path` (through a grant at that node or above it).
    public static func allows(_ permission: Permission, actor: Actor, at path: OrgPath) -> Bool {
        actor.grants.contains { $0.path.contains(path) && $0.role.permissions.contains(permission) }
    }

    /// Whether `actor` holds `permission` anywhere (used to show or hide a whole page or route).
    public static func allowsAnywhere(_ permission: Permission, actor: Actor) -> Bool {
        actor.grants.contains { $0.role.permissions.contains(permission) }
    }

    /// Whether `actor` holds `permission` at `path`, above it, or below it: community-wide things (needs, topics,
    /// meetings) are seen by everyone who works anywhere in the community, a grid worker included.
    public static func reaches(_ permission: Permission, actor: Actor, place path: OrgPath) -> Bool {
        actor.grants.contains { $0.role.permissions.contains(permission) && ($0.path.contains(path) || path.contains($0.path)) }
    }

    /// The nodes strictly above the subtrees where `actor` holds `permission` (not the root): with `scopes`, the
    /// places `reaches` allows.
    public static func ancestors(_ permission: Permission, actor: Actor) -> [OrgPath] {
        var found = Set<OrgPath>()
        for scope in scopes(permission, actor: actor) {
            var path = scope.parent
            while let current = path, current != .root {
                found.insert(current)
                path = current.parent
            }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    /// The subtrees in which `actor` holds `permission`, without any path that another one already contains:
    /// a query for visible objects filters on "path starts with one of these".
    public static func scopes(_ permission: Permission, actor: Actor) -> [OrgPath] {
        let paths = Set(actor.grants.filter { $0.role.permissions.contains(permission) }.map(\.path))
        return paths.filter { path in !paths.contains { $0 != path && $0.contains(path) } }
            .sorted { $0.rawValue < $1.rawValue }
    }
}

/// Rules for granting roles (三员分立).
public enum RoleGrantRules {
    public enum Error: Swift.Error, Equatable, Sendable {
        /// The granter may not grant roles, or not at this node.
        case notAllowed
        /// An administrator role cannot be combined with any other role.
        case administratorRolesAreExclusive
        /// Nobody grants roles to themselves.
        case selfGrant
        /// The role is granted at a node of the wrong level (e.g. a grid worker at a district).
        case wrongLevel(allowed: [OrgLevel])
        /// A party's staff role is granted at a party node, and every other role at an area node.
        case wrongKindOfNode
    }

    /// The levels at which a role may be granted (nil level: the installation root).
    public static func allowedLevels(for role: Role) -> [OrgLevel?] {
        switch role {
        case .resident: [.community]
        case .gridWorker: [.grid, .community]
        case .communityWorker: [.community]
        case .streetSupervisor: [.street]
        case .districtOfficer: [.district]
        case .partyStaff: [.district, .street, .community]
        case .systemAdmin, .securityAdmin, .auditAdmin: [nil, .district]
        }
    }

    /// Checks that `granter` may give `role` at `path` (a node of `level`, nil for the root) to an account
    /// that already holds `existing`; `party` is the node's kind when it is a party (`PartyKind`).
    public static func check(
        granter: Actor, granteeID: AccountID, role: Role, at path: OrgPath, level: OrgLevel?, party: PartyKind? = nil, existing: [Role]
    ) throws(Error) {
        guard AccessPolicy.allows(.manageAccounts, actor: granter, at: path) else { throw .notAllowed }
        guard granter.userID != granteeID else { throw .selfGrant }
        guard allowedLevels(for: role).contains(level) else {
            throw .wrongLevel(allowed: allowedLevels(for: role).compactMap { $0 })
        }
        guard (role == .partyStaff) == (party != nil) else { throw .wrongKindOfNode }
        let others = existing.filter { $0 != role }
        if role.isAdministrator, !others.isEmpty { throw .administratorRolesAreExclusive }
        if others.contains(where: \.isAdministrator) { throw .administratorRolesAreExclusive }
    }
}
