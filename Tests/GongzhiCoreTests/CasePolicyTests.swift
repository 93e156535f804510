import Testing
@testable import GongzhiCore

@Suite("Who may act on a case")
struct CasePolicyTests {
    let district = OrgPath.root.appending("d")
    var streetA: OrgPath { district.appending("sa") }
    var communityA: OrgPath { streetA.appending("ca") }
    var gridA: OrgPath { communityA.appending("ga") }
    var communityB: OrgPath { district.appending("sb").appending("cb") }

    func actor(_ role: Role, _ path: OrgPath, id: String = "u") -> Actor {
        Actor(userID: AccountID(stringLiteral: id), username: id, grants: [RoleGrant(role: role, path: path)])
    }

    var communityCase: CasePolicy.Facts { CasePolicy.Facts(placePath: gridA, handlerPath: communityA, submitterUserID: "resident-1") }

    @Test("the community dispatches and handles its own cases; another community sees nothing")
    func community() {
        let worker = actor(.communityWorker, communityA)
        for action in [CaseAction.accept, .dispatch, .sign, .reply, .rateSatisfied, .merge] { #expect(CasePolicy.can(action, worker, communityCase), "\(action)") }
        // Closing by fiat is nobody's: a replied case closes by a rating (the resident's, or a recorded phone call) or by
        // the system's auto-close.
        for role in Role.allCases { #expect(!CasePolicy.can(.close, actor(role, .root), communityCase), "\(role)") }
        #expect(!CasePolicy.can(.close, Actor(userID: "resident-1", username: "r", grants: []), communityCase))
        #expect(!CasePolicy.can(.arbitrate, worker, communityCase))
        #expect(!CasePolicy.can(.supervise, worker, communityCase))
        let other = actor(.communityWorker, communityB)
        #expect(!CasePolicy.canView(other, communityCase))
        #expect(CaseAction.allCases.allSatisfy { !CasePolicy.can($0, other, communityCase) })
    }

    @Test("the street supervises, urges and arbitrates; the grid worker sees and enters but does not dispatch")
    func streetAndGrid() {
        let street = actor(.streetSupervisor, streetA)
        for action in [CaseAction.supervise, .urge, .arbitrate, .suspend, .resume, .extend, .reopen, .dispatch] {
            #expect(CasePolicy.can(action, street, communityCase), "\(action)")
        }
        #expect(!CasePolicy.can(.sign, street, communityCase))
        let grid = actor(.gridWorker, gridA)
        #expect(CasePolicy.canView(grid, communityCase))
        #expect(!CasePolicy.can(.dispatch, grid, communityCase) && !CasePolicy.can(.reply, grid, communityCase))
    }

    @Test("the submitter rates online, staff by phone; a resident sees only their own cases")
    func resident() {
        let submitter = Actor(userID: "resident-1", username: "r1", grants: [RoleGrant(role: .resident, path: communityA)])
        let neighbour = Actor(userID: "resident-2", username: "r2", grants: [RoleGrant(role: .resident, path: communityA)])
        #expect(CasePolicy.can(.rateSatisfied, submitter, communityCase) && CasePolicy.can(.rateUnsatisfied, submitter, communityCase))
        #expect(!CasePolicy.can(.accept, submitter, communityCase))
        #expect(!CasePolicy.canView(neighbour, communityCase))
        // Staff record phone follow-ups where the case is; elsewhere they cannot.
        #expect(CasePolicy.can(.rateSatisfied, actor(.communityWorker, communityA), communityCase))
        #expect(!CasePolicy.can(.rateSatisfied, actor(.gridWorker, gridA), communityCase))
    }

    @Test("a report against a community is invisible to that community, visible to the supervisory district")
    func reportAgainstOfficials() {
        let report = CasePolicy.Facts(placePath: gridA, handlerPath: district, submitterUserID: nil, accusedPath: communityA)
        #expect(!CasePolicy.canView(actor(.communityWorker, communityA), report))
        #expect(!CasePolicy.canView(actor(.gridWorker, gridA), report))
        #expect(CasePolicy.canView(actor(.districtOfficer, district), report))
        #expect(CasePolicy.can(.reply, actor(.districtOfficer, district), report))
        #expect(!CasePolicy.can(.accept, actor(.communityWorker, communityA), report))
    }
}

@Suite("Case policy: followers of a merged case")
struct CaseFollowerPolicyTests {
    @Test("the submitter of a merged duplicate sees the master case and can do nothing to it")
    func followers() {
        let place = OrgPath.root.appending("d").appending("s").appending("c").appending("g")
        let follower = Actor(userID: "u-follow", username: "r2", grants: [RoleGrant(role: .resident, path: place)])
        let stranger = Actor(userID: "u-other", username: "r3", grants: [RoleGrant(role: .resident, path: place)])
        let facts = CasePolicy.Facts(placePath: place, handlerPath: place.parent!, submitterUserID: "u-first", followerUserIDs: ["u-follow"])
        #expect(CasePolicy.canView(follower, facts))
        #expect(!CasePolicy.canView(stranger, facts))
        for action in CaseAction.allCases { #expect(!CasePolicy.can(action, follower, facts), "\(action)") }
        // Only the accounts named follow (an API client or the system has no account: `Principal`).
        #expect(!CasePolicy.isFollower(stranger, CasePolicy.Facts(placePath: place, handlerPath: place, submitterUserID: nil, followerUserIDs: ["u-follow"])))
    }
}
