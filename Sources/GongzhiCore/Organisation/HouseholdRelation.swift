import Foundation

/// How a person relates to a household and its unit (SPEC §2).
public enum HouseholdRelation: String, Codable, Sendable, CaseIterable {
    /// 业主
    case owner
    /// 共有人
    case coOwner = "co_owner"
    /// 租户
    case tenant
    /// 家庭成员
    case family

    /// Owners and co-owners hold the unit (they form the electorate of owners' votes).
    public var holdsTheUnit: Bool { self == .owner || self == .coOwner }

    /// Parses the English code or the Chinese word used in import files.
    public init?(word: String) {
        switch word.trimmingCharacters(in: .whitespaces).lowercased() {
        case "owner", "业主", "产权人": self = .owner
        case "co_owner", "co-owner", "coowner", "共有人", "共有产权人": self = .coOwner
        case "tenant", "租户", "承租人": self = .tenant
        case "family", "家庭成员", "家属", "成员": self = .family
        default: return nil
        }
    }
}
