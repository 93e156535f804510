/// A role, always granted at a node of the organisation tree and valid in its subtree (SPEC §2, §12).
public enum Role: String, Codable, Sendable, CaseIterable {
    /// 居民
    case resident
    /// 网格员
    case gridWorker = "grid_worker"
    /// 社区工作者
    case communityWorker = "community_worker"
    /// 街道督办
    case streetSupervisor = "street_supervisor"
    /// 区职能部门
    case districtOfficer = "district_officer"
    /// 单位经办人: the staff of a party node (a department, a property company and its stewards, a social
    /// organisation…), who take and handle the cases routed to it and see nothing else.
    case partyStaff = "party_staff"
    /// 系统管理员
    case systemAdmin = "system_admin"
    /// 安全管理员
    case securityAdmin = "security_admin"
    /// 审计管理员
    case auditAdmin = "audit_admin"

    /// The three separated administrator roles (三员分立): no account holds two of them, nor any other role.
    public var isAdministrator: Bool {
        switch self {
        case .systemAdmin, .securityAdmin, .auditAdmin: true
        default: false
        }
    }

    /// What the role may do in its subtree.
    public var permissions: Set<Permission> {
        switch self {
        case .resident:
            []
        case .gridWorker:
            [.viewOrganisation, .viewResidents, .viewFullNames, .manageResidents, .viewCases, .intakeCases, .viewDeliberation]
        case .communityWorker:
            [.viewOrganisation, .manageOrganisation, .viewResidents, .viewFullNames, .manageResidents,
             .unmaskPersonalData, .viewCases, .intakeCases, .dispatchCases, .handleCases, .viewDeliberation, .manageDeliberation]
        case .streetSupervisor:
            [.viewOrganisation, .manageOrganisation, .viewResidents, .viewCases, .dispatchCases, .handleCases, .superviseCases,
             .viewDeliberation, .manageDeliberation]
        case .districtOfficer:
            [.viewOrganisation, .viewCases, .handleCases, .superviseCases, .viewDeliberation]
        case .partyStaff:
            [.viewOrganisation, .viewCases, .handleCases]
        case .systemAdmin:
            [.viewOrganisation, .manageOrganisation, .manageCatalogue]
        case .securityAdmin:
            [.viewOrganisation, .manageAccounts]
        case .auditAdmin:
            [.readAuditLog]
        }
    }
}

/// Something a role allows in its subtree.
public enum Permission: String, Codable, Sendable, CaseIterable {
    /// See nodes, compounds, buildings and units.
    case viewOrganisation
    /// Create, edit and move nodes, compounds, buildings and units.
    case manageOrganisation
    /// See households and persons, with names and numbers masked.
    case viewResidents
    /// See residents' full names (numbers stay masked).
    case viewFullNames
    /// Create and edit households and persons, import residents.
    case manageResidents
    /// See a full ID or mobile number, with a reason, each time audited.
    case unmaskPersonalData
    /// Create accounts, grant and revoke roles (security admin: no resident data).
    case manageAccounts
    /// Read and verify the audit log (audit admin: nothing else).
    case readAuditLog
    /// See the cases placed or handled in the subtree.
    case viewCases
    /// Enter cases for residents (window entry, patrol).
    case intakeCases
    /// Accept, reject, dispatch, escalate and merge cases at their place.
    case dispatchCases
    /// Sign, return, handle and reply to cases routed to the node.
    case handleCases
    /// Supervise, urge, arbitrate, approve suspensions and extensions.
    case superviseCases
    /// Edit the affairs catalogue.
    case manageCatalogue
    /// See the needs, topics, owners' votes (with live participation) and polls of the subtree; raise needs.
    case viewDeliberation
    /// Open, run and close owners' votes and polls, enter paper ballots, take needs up as topics.
    case manageDeliberation
}
