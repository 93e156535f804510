/// A materialised path from the root of the organisation tree to a node: `/<district>/<street>/…/`.
///
/// Every object in the tree (nodes, compounds, buildings, units, households, persons) stores the path of
/// the node it belongs to, so "everything in this subtree" is one prefix comparison.
public struct OrgPath: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// The path of the root above every district: it contains the whole installation.
    public static let root = OrgPath(unchecked: "/")

    public init?(_ rawValue: String) {
        guard rawValue.hasPrefix("/"), rawValue.hasSuffix("/"), !rawValue.contains("//") || rawValue == "/" else {
            return nil
        }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The path of a child with the given segment (an id) below this path.
    public func appending(_ segment: String) -> OrgPath {
        precondition(!segment.isEmpty && !segment.contains("/"), "a path segment is a non-empty id")
        return OrgPath(unchecked: rawValue + segment + "/")
    }

    /// The ids from the root down to the node, in order.
    public var segments: [String] { rawValue.split(separator: "/").map(String.init) }

    /// The path of the node above this one (the root has none).
    public var parent: OrgPath? {
        guard self != .root else { return nil }
        return OrgPath(unchecked: "/" + segments.dropLast().map { $0 + "/" }.joined())
    }

    /// Whether `other` is this node or lies below it.
    public func contains(_ other: OrgPath) -> Bool { other.rawValue.hasPrefix(rawValue) }

    /// Replaces the prefix `old` by `new` (used when a subtree moves).
    public func rebased(from old: OrgPath, to new: OrgPath) -> OrgPath? {
        guard old.contains(self) else { return nil }
        return OrgPath(unchecked: new.rawValue + rawValue.dropFirst(old.rawValue.count))
    }

    public var description: String { rawValue }
}

/// Rules for changing the shape of the tree.
public enum OrgTreeRules {
    public enum Error: Swift.Error, Equatable, Sendable {
        /// The parent's level cannot hold a child of this level.
        case wrongParentLevel(expected: OrgLevel?)
        /// A node cannot move below itself.
        case cycle
    }

    /// Checks that a node of `level` may sit below a parent of `parentLevel` (nil: no parent).
    public static func checkPlacement(level: OrgLevel, parentLevel: OrgLevel?) throws(Error) {
        guard level.parentLevel == parentLevel else { throw .wrongParentLevel(expected: level.parentLevel) }
    }

    /// Checks a move of the node at `path` to a new parent at `newParentPath`.
    public static func checkMove(
        level: OrgLevel, path: OrgPath, newParentLevel: OrgLevel?, newParentPath: OrgPath
    ) throws(Error) {
        if path.contains(newParentPath) { throw .cycle }
        try checkPlacement(level: level, parentLevel: newParentLevel)
    }
}
