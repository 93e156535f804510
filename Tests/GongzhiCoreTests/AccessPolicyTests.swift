import Testing
@testable import GongzhiCore

@Suite("Authorisation policy and role grants")
struct AccessPolicyTests {
    let district = OrgPath.root.appending("d1")
    var streetA: OrgPath { district.appending("s1") }
    var streetB: OrgPath { district.appending("s2") }
    var communityA: OrgPath { streetA.appending("c1") }
    var communityB: OrgPath { streetB.appending("c2") }
    var gridA: OrgPath { communityA.appending("g1") }

    func actor(_ grants: (Role, OrgPath)..., id: String = "u1") -> Actor {
        Actor(userID: AccountID(stringLiteral: id), username: id, grants: grants.map { RoleGrant(role: $0.0, path: $0.1) })
    }

    @Test("a role holds in its node's subtree and nowhere else")
    func subtree() {
        let worker = actor((.communityWorker, communityA))
        #expect(AccessPolicy.allows(.viewResidents, actor: worker, at: communityA))
        #expect(AccessPolicy.allows(.viewResidents, actor: worker, at: gridA))
        #expect(!AccessPolicy.allows(.viewResidents, actor: worker, at: communityB))
        #expect(!AccessPolicy.allows(.viewResidents, actor: worker, at: streetA))
        let street = actor((.streetSupervisor, streetA))
        #expect(AccessPolicy.allows(.viewResidents, actor: street, at: gridA))
        #expect(!AccessPolicy.allows(.viewFullNames, actor: street, at: gridA))
        #expect(!AccessPolicy.allows(.viewResidents, actor: street, at: communityB))
    }

    @Test("reaching a place: at, above or below a grant; never a sibling's; ancestors stop below the root")
    func reachesAndAncestors() {
        let grid = actor((.gridWorker, gridA))
        #expect(AccessPolicy.reaches(.viewDeliberation, actor: grid, place: communityA))
        #expect(AccessPolicy.reaches(.viewDeliberation, actor: grid, place: gridA.appending("x")))
        #expect(!AccessPolicy.reaches(.viewDeliberation, actor: grid, place: communityB))
        #expect(!AccessPolicy.reaches(.manageDeliberation, actor: grid, place: communityA))
        #expect(!AccessPolicy.reaches(.viewDeliberation, actor: actor((.resident, communityA)), place: communityA))
        #expect(AccessPolicy.ancestors(.viewDeliberation, actor: grid) == [district, streetA, communityA])
        #expect(AccessPolicy.ancestors(.viewDeliberation, actor: actor((.districtOfficer, district))).isEmpty)
        #expect(AccessPolicy.ancestors(.viewDeliberation, actor: actor((.resident, communityA))).isEmpty)
    }

    @Test("a path is not inside a sibling whose id it begins with")
    func prefixIsBySegment() {
        let c1 = streetA.appending("c1")
        let c10 = streetA.appending("c10")
        #expect(!c1.contains(c10))
        #expect(c1.contains(c1.appending("g")))
    }

    @Test("scopes drop paths already inside another")
    func scopes() {
        let both = actor((.communityWorker, communityA), (.streetSupervisor, streetA), (.gridWorker, communityB.appending("g9")))
        #expect(AccessPolicy.scopes(.viewResidents, actor: both) == [communityB.appending("g9"), streetA].sorted { $0.rawValue < $1.rawValue })
        #expect(AccessPolicy.scopes(.unmaskPersonalData, actor: both) == [communityA])
        #expect(AccessPolicy.scopes(.readAuditLog, actor: both).isEmpty)
    }

    @Test("三员分立: the auditor only reads the audit log; the security admin manages accounts and sees no residents")
    func separatedAdministrators() {
        #expect(Role.auditAdmin.permissions == [.readAuditLog])
        #expect(Role.securityAdmin.permissions.contains(.manageAccounts))
        for role in [Role.securityAdmin, .systemAdmin, .auditAdmin] {
            #expect(!role.permissions.contains(.viewResidents), "\(role)")
            #expect(!role.permissions.contains(.unmaskPersonalData), "\(role)")
        }
        for role in Role.allCases where role != .securityAdmin {
            #expect(!role.permissions.contains(.manageAccounts), "\(role)")
        }
        #expect(Role.allCases.filter { $0.permissions.contains(.readAuditLog) } == [.auditAdmin])
        #expect(Role.allCases.filter { $0.permissions.contains(.unmaskPersonalData) } == [.communityWorker])
    }

    @Test("granting: only a security admin, never to oneself, never two admin roles, at the right level")
    func grantRules() throws {
        let security = actor((.securityAdmin, .root), id: "sec")
        try RoleGrantRules.check(granter: security, granteeID: "u2", role: .communityWorker, at: communityA, level: .community, existing: [])
        try RoleGrantRules.check(granter: security, granteeID: "u2", role: .gridWorker, at: gridA, level: .grid, existing: [.communityWorker])
        #expect(throws: RoleGrantRules.Error.selfGrant) {
            try RoleGrantRules.check(granter: security, granteeID: "sec", role: .communityWorker, at: communityA, level: .community, existing: [])
        }
        #expect(throws: RoleGrantRules.Error.administratorRolesAreExclusive) {
            try RoleGrantRules.check(granter: security, granteeID: "u2", role: .auditAdmin, at: .root, level: nil, existing: [.systemAdmin])
        }
        #expect(throws: RoleGrantRules.Error.administratorRolesAreExclusive) {
            try RoleGrantRules.check(granter: security, granteeID: "u2", role: .communityWorker, at: communityA, level: .community, existing: [.auditAdmin])
        }
        #expect(throws: RoleGrantRules.Error.administratorRolesAreExclusive) {
            try RoleGrantRules.check(granter: security, granteeID: "u2", role: .securityAdmin, at: .root, level: nil, existing: [.resident])
        }
        #expect(throws: RoleGrantRules.Error.wrongLevel(allowed: [.community])) {
            try RoleGrantRules.check(granter: security, granteeID: "u2", role: .communityWorker, at: streetA, level: .street, existing: [])
        }
        let worker = actor((.communityWorker, communityA))
        #expect(throws: RoleGrantRules.Error.notAllowed) {
            try RoleGrantRules.check(granter: worker, granteeID: "u2", role: .gridWorker, at: gridA, level: .grid, existing: [])
        }
        let districtSecurity = actor((.securityAdmin, district), id: "sec2")
        #expect(throws: RoleGrantRules.Error.notAllowed) {
            try RoleGrantRules.check(granter: districtSecurity, granteeID: "u2", role: .systemAdmin, at: .root, level: nil, existing: [])
        }
    }
}

@Suite("Organisation tree rules")
struct OrgTreeTests {
    let d = OrgPath.root.appending("d")

    @Test("levels nest district › street › community › grid")
    func placement() throws {
        try OrgTreeRules.checkPlacement(level: .district, parentLevel: nil)
        try OrgTreeRules.checkPlacement(level: .grid, parentLevel: .community)
        #expect(throws: OrgTreeRules.Error.wrongParentLevel(expected: .street)) { try OrgTreeRules.checkPlacement(level: .community, parentLevel: .district) }
        #expect(throws: OrgTreeRules.Error.wrongParentLevel(expected: nil)) { try OrgTreeRules.checkPlacement(level: .district, parentLevel: .street) }
        #expect(OrgLevel.grid.childLevel == nil && OrgLevel.district.parentLevel == nil)
    }

    @Test("a node cannot move below itself; a move rebases every path below it")
    func moves() throws {
        let s1 = d.appending("s1"), s2 = d.appending("s2")
        let c = s1.appending("c")
        #expect(throws: OrgTreeRules.Error.cycle) { try OrgTreeRules.checkMove(level: .street, path: s1, newParentLevel: .community, newParentPath: c) }
        try OrgTreeRules.checkMove(level: .community, path: c, newParentLevel: .street, newParentPath: s2)
        let grid = c.appending("g")
        #expect(OrgPath.Rebase(from: c, to: s2.appending("c")).apply(to: grid)?.rawValue == "/d/s2/c/g/")
        #expect(OrgPath.Rebase(from: c, to: s1).apply(to: s2) == nil)
        #expect(grid.parent == c && OrgPath.root.parent == nil && d.parent == .root)
        #expect(OrgPath("no-slashes") == nil && OrgPath("/a//b/") == nil && OrgPath("/a/b/") != nil)
    }
}

@Suite("Where a resident may raise a problem")
struct ResidentReportingTests {
    @Test("a resident within their compounds; one not yet in a household anywhere; staff never through the resident's way")
    func mayReport() throws {
        let compound = OrgPath.root.appending("d1").appending("s1").appending("c1").appending("k1")
        let inside = compound.appending("b1"), elsewhere = OrgPath.root.appending("d1").appending("s2").appending("c2").appending("k2").appending("b2")
        let resident = Actor(userID: "r", username: "r", grants: [RoleGrant(role: .resident, path: compound)])
        #expect(resident.isResident && resident.mayReport(at: inside) && !resident.mayReport(at: elsewhere))
        let signedUp = Actor(userID: "s", username: "s", grants: [])
        #expect(signedUp.isResident && signedUp.mayReport(at: elsewhere))
        let worker = Actor(userID: "w", username: "w", grants: [RoleGrant(role: .communityWorker, path: compound)])
        #expect(!worker.isResident && !worker.mayReport(at: inside))
        let both = Actor(userID: "b", username: "b", grants: [RoleGrant(role: .resident, path: compound), RoleGrant(role: .communityWorker, path: compound)])
        #expect(!both.isResident)
    }
}

