import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp
@testable import GongzhiCore

/// Where a Core rule is also written in SQL for speed, both are run on the same random data and must agree.
@Suite("Rules written twice agree: Core and SQL")
struct RulesInSQLTests {
    @Test("who sees a case: CaseRecord.visible (SQL) finds exactly the cases CasePolicy.canView allows, for random actors and reports")
    func caseVisibility() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            let db = app.db
            var rng = SystemRandomNumberGenerator()
            var cases = try await CaseRecord.query(on: db).all()
            let nodes = try await OrgNodeRecord.query(on: db).all()
            let users = try await UserRecord.query(on: db).all()
            // Some reports accuse a random node; some cases get a random submitter; a few are merged into others.
            for record in cases.shuffled(using: &rng).prefix(cases.count / 5) {
                record.accusedPath = nodes.randomElement(using: &rng)!.path
                try await record.update(on: db)
            }
            for record in cases.shuffled(using: &rng).prefix(cases.count / 5) {
                record.submitterUserID = users.randomElement(using: &rng)!.id
                try await record.update(on: db)
            }
            for (duplicate, master) in zip(cases.shuffled(using: &rng).prefix(10), cases.shuffled(using: &rng).prefix(10)) where duplicate.id != master.id {
                duplicate.mergedInto = master.id
                try await duplicate.update(on: db)
            }
            cases = try await CaseRecord.query(on: db).all()
            var followers: [UUID: [AccountID]] = [:]
            for record in cases { if let master = record.mergedInto, let user = record.submitterUserID { followers[master, default: []].append(AccountID(user)) } }
            // The demo's accounts, and random ones: any role at any node, sometimes two grants.
            var actors: [Actor] = []
            for user in users {
                let grants = try await RoleGrantRecord.query(on: db).filter(\.$user.$id == user.id!).all().compactMap(\.grant)
                actors.append(Actor(userID: AccountID(user.id!), username: user.username, grants: grants, personID: user.$person.id.map(PersonID.init)))
            }
            for _ in 0..<30 {
                let grants = (0..<Int.random(in: 1...2, using: &rng)).map { _ in
                    RoleGrant(role: Role.allCases.randomElement(using: &rng)!, path: nodes.randomElement(using: &rng)!.orgPath)
                }
                let user = users.randomElement(using: &rng)!
                actors.append(Actor(userID: AccountID(user.id!), username: "random", grants: grants))
            }
            #expect(cases.count > 10 && f.communityA.id != nil)
            for actor in actors {
                let sql = Set(try await CaseRecord.visible(to: actor, on: db).all().map { $0.id! })
                let core = Set(cases.filter { CasePolicy.canView(actor, $0.facts(followers: followers[$0.id!] ?? [])) }.map { $0.id! })
                #expect(sql == core, "\(actor.username) \(actor.grants.map { "\($0.role)@\($0.path)" }): SQL \(sql.count), Core \(core.count)")
            }
        }
    }

    @Test("repeat complainants: the HAVING count finds exactly the groups WarningRules.isRepeat names, on random data and thresholds")
    func repeatComplainants() async throws {
        try await withApp { app, _ in
            let db = app.db
            var rng = SystemRandomNumberGenerator()
            let persons = try await PersonRecord.query(on: db).limit(6).all().map { $0.id! }
            let cases = try await CaseRecord.query(on: db).all()
            for record in cases {
                record.submitterPersonID = Bool.random(using: &rng) ? persons.randomElement(using: &rng) : nil
                try await record.update(on: db)
            }
            let all = try await CaseRecord.query(on: db).all()
            for round in 0..<8 {
                var settings = WarningRules.Settings()
                settings.repeatMinimum = round == 0 ? 1 : Int.random(in: 1...6, using: &rng)
                let since = testNow.addingTimeInterval(-Double(round == 0 ? 3_000 : Int.random(in: 1...200, using: &rng)) * 86_400)
                let sql = try await Warnings.repeatGroups(since: since, settings: settings, on: db)
                var counts: [String: Int] = [:]
                for record in all where record.openedAt >= since {
                    guard let person = record.submitterPersonID else { continue }
                    counts[person.uuidString.lowercased() + " " + record.itemCode, default: 0] += 1
                }
                let core = Set(counts.filter { WarningRules.isRepeat($0.value, settings: settings) }.map { "\($0.key) \($0.value)" })
                #expect(Set(sql.map { "\($0.person.uuidString.lowercased()) \($0.item) \($0.count)" }) == core, "minimum \(settings.repeatMinimum)")
                if round == 0 { #expect(!sql.isEmpty) }
            }
        }
    }
}
