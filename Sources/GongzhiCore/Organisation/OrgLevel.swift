/// A level of the organisation tree: 区 › 街道 › 社区 › 网格 (SPEC §2).
public enum OrgLevel: String, Codable, Sendable, CaseIterable, Comparable {
    /// 区
    case district
    /// 街道
    case street
    /// 社区
    case community
    /// 网格
    case grid

    /// Depth in the tree: a district is 0.
    public var depth: Int {
        switch self {
        case .district: 0
        case .street: 1
        case .community: 2
        case .grid: 3
        }
    }

    /// The level a child of this level must have, or nil for a grid (a leaf).
    public var childLevel: OrgLevel? {
        switch self {
        case .district: .street
        case .street: .community
        case .community: .grid
        case .grid: nil
        }
    }

    /// The level a parent of this level must have, or nil for a district (a root).
    public var parentLevel: OrgLevel? {
        switch self {
        case .district: nil
        case .street: .district
        case .community: .street
        case .grid: .community
        }
    }

    public static func < (lhs: OrgLevel, rhs: OrgLevel) -> Bool { lhs.depth < rhs.depth }
}
