/// Who acts in a use case: a signed-in account, an Open311 client by its key, the system (a background round or a
/// command), or a visitor who has not signed in (an anonymous report, a tracking code).
public enum Principal: Sendable, Equatable {
    case account(Actor)
    case open311(Open311Client)
    case system(String)
    case visitor

    /// The account's actor; nil for every other principal.
    public var actor: Actor? {
        if case .account(let actor) = self { return actor }
        return nil
    }

    /// How the audit log names this principal.
    public var auditName: String {
        switch self {
        case .account(let actor): actor.userID.description
        case .open311(let client): "open311:" + client.keyID
        case .system: "system"
        case .visitor: "anonymous"
        }
    }

    /// The roles the audit log records.
    public var auditRoles: String {
        actor.map { $0.roles.map(\.rawValue).sorted().joined(separator: ",") } ?? ""
    }
}

/// An Open311 client, known by its key: it may act only inside the subtree the key was issued for.
public struct Open311Client: Sendable, Equatable {
    public let keyID: String
    public let name: String
    public let scope: OrgPath

    public init(keyID: String, name: String, scope: OrgPath) {
        self.keyID = keyID
        self.name = name
        self.scope = scope
    }
}
