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

    /// A subtree's move, as the database applies it to every path column: the paths that start with `old`
    /// (`LIKE pattern`) keep their characters from `keptFrom` on (1-based, as SQL's `SUBSTR` counts) after `new`.
    public struct Rebase: Sendable, Equatable {
        public let old: OrgPath
        public let new: OrgPath

        public init(from old: OrgPath, to new: OrgPath) {
            self.old = old
            self.new = new
        }

        /// `LIKE` pattern of the paths that move (paths hold only ids and slashes: no `%` or `_` to escape).
        public var pattern: String { old.rawValue + "%" }
        /// The first character kept, counted from 1.
        public var keptFrom: Int { old.rawValue.count + 1 }

        /// The path `path` moves to (nil: it is not in the moved subtree).
        public func apply(to path: OrgPath) -> OrgPath? {
            guard old.contains(path) else { return nil }
            return OrgPath(unchecked: new.rawValue + path.rawValue.dropFirst(keptFrom - 1))
        }
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
