import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The demo district's logins: one account per role, printed by `serve` while the demo password still works.
enum DemoAccounts {
    static let password = "Gongzhi@2026"

    struct Login: Sendable {
        let username: String
        let displayName: String
        let role: Role
        /// Which node: nil root, else an index path resolved against the plan.
        let place: Place
    }

    enum Place: Sendable { case root, district, firstStreet, firstCommunity, secondCommunity, firstGrid }

    static let logins: [Login] = [
        Login(username: "worker", displayName: "社区工作者 王敏", role: .communityWorker, place: .firstCommunity),
        Login(username: "worker2", displayName: "社区工作者 李强（另一社区）", role: .communityWorker, place: .secondCommunity),
        Login(username: "grid", displayName: "网格员 张伟", role: .gridWorker, place: .firstGrid),
        Login(username: "street", displayName: "街道督办 刘芳", role: .streetSupervisor, place: .firstStreet),
        Login(username: "district", displayName: "区职能部门 陈静", role: .districtOfficer, place: .district),
        Login(username: "resident", displayName: "居民", role: .resident, place: .firstCommunity),
        Login(username: "admin", displayName: "系统管理员", role: .systemAdmin, place: .root),
        Login(username: "security", displayName: "安全管理员", role: .securityAdmin, place: .root),
        Login(username: "auditor", displayName: "审计管理员", role: .auditAdmin, place: .root),
    ]

    /// One account per demo login, with its grant (users first: grants refer to them).
    static func rows(plan: DemoDistrict, nodeIDs: [UUID], nodePaths: [OrgPath], personIDs: [UUID], hash: String, now: Date)
        -> (users: [UserRecord], grants: [RoleGrantRecord])
    {
        func index(_ place: Place) -> Int? {
            switch place {
            case .root: nil
            case .district: 0
            case .firstStreet: plan.nodes.firstIndex { $0.level == .street }
            case .firstCommunity: plan.nodes.firstIndex { $0.level == .community }
            case .secondCommunity: plan.nodes.indices.filter { plan.nodes[$0].level == .community }.dropFirst().first
                ?? plan.nodes.firstIndex { $0.level == .community }
            case .firstGrid: plan.nodes.firstIndex { $0.level == .grid }
            }
        }
        // The resident account belongs to the first person of the first community's first household.
        let first = plan.members.first
        var users: [UserRecord] = []
        var grants: [RoleGrantRecord] = []
        for login in logins {
            let resident = login.role == .resident
            let user = UserRecord(id: UUID(), username: login.username,
                            displayName: resident ? first.map { plan.persons[$0.person].name } ?? login.displayName : login.displayName,
                            passwordHash: hash, personID: resident ? first.map { personIDs[$0.person] } : nil, now: now)
            let node = index(login.place)
            users.append(user)
            grants.append(RoleGrantRecord(userID: user.id!, role: login.role, nodeID: node.map { nodeIDs[$0] },
                                          path: node.map { nodePaths[$0] } ?? .root, grantedBy: nil))
        }
        return (users, grants)
    }

    /// The lines `serve` prints, if the demo password still opens the demo accounts.
    static func banner(app: Application) async throws -> [String] {
        guard let user = try await UserRecord.query(on: app.db).filter(\.$username == "worker").first(),
              app.gongzhi.passwords.verify(password, against: user.passwordHash) else { return [] }
        let parties = try await UserRecord.query(on: app.db).filter(\.$username ~~ DemoParties.logins.map(\.username)).count() > 0
            ? DemoParties.logins.map { "  \($0.username.padding(toLength: 9, withPad: " ", startingAt: 0)) \(Role.partyStaff.rawValue)  \($0.displayName)" } : []
        return ["Demo logins (password \(password)):"] + logins.map { "  \($0.username.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.role.rawValue)  \($0.displayName)" }
            + parties
    }
}
