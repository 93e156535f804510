import Foundation
import GongzhiCore

/// Parties named on pages.
enum PartyWords {
    /// A node's kind in words: a party's ("物业服务企业"), or an area's level ("社区").
    static func kindName(of node: OrgNodeRecord, _ lang: Lang) -> String {
        if let party = node.party { return Strings.text("partykind.\(party.rawValue)", lang) }
        return Strings.text("level.\(node.level.rawValue)", lang)
    }
}
