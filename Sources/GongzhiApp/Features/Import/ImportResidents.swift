import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Imports units and residents from CSV into one community (issue 3 item 4): every row is validated first;
/// the valid rows are written in one transaction; the invalid ones are reported (row, field, reason). Rows are
/// matched on natural keys (compound + building + unit number; the ID number's keyed hash), so importing the
/// same file again changes nothing.
enum ImportResidents {
    struct Report: Content {
        struct Issue: Content {
            let row: Int
            let field: String
            let reason: String
            let message: String
        }

        var createdUnits = 0
        var updatedUnits = 0
        var createdPersons = 0
        var updatedPersons = 0
        var createdMembers = 0
        var unchangedRows = 0
        var issues: [Issue] = []

        var changed: Bool { createdUnits + updatedUnits + createdPersons + updatedPersons + createdMembers > 0 }
    }

    static func run(communityID: OrgNodeID, csv: String, in context: UseCaseContext) async throws -> Report {
        let actor = try context.account()
        guard !InputCharacters.carriesNUL(csv.utf8, as: .text) else { throw AppError.invalidCharacter }
        let lang = context.lang
        let cipher = context.services.cipher
        let validated = ResidentImport.validate(csv: csv, today: context.now)
        @Sendable func issue(_ i: ResidentImport.Issue) -> Report.Issue {
            Report.Issue(row: i.row, field: i.field, reason: i.reason.rawValue, message: Strings.text("import.reason.\(i.reason.rawValue)", lang))
        }
        let fileIssues = validated.issues.map(issue)
        let digest = AuditChain.digest(of: ["file": csv])

        return try await context.write { db in
            var report = Report()
            report.issues = fileIssues
            let community = try await Scoped.find(OrgNodeRecord.self, communityID.uuid, actor: actor, .viewResidents, on: db)
            guard community.isArea(.community) else { throw AppError.invalid("communityId", "wrong_parent_level") }
            try Scoped.require(.manageResidents, actor: actor, at: community.path)
            try Scoped.require(.manageOrganisation, actor: actor, at: community.path)
            var state = try await ImportState.load(community: community, rows: validated.rows, cipher: cipher, on: db)

            for row in validated.rows {
                switch try await state.apply(row, actor: actor, cipher: cipher, on: db) {
                case .issues(let issues): report.issues += issues.map(issue)
                case .applied(let counts):
                    report.createdUnits += counts.createdUnits
                    report.updatedUnits += counts.updatedUnits
                    report.createdPersons += counts.createdPersons
                    report.updatedPersons += counts.updatedPersons
                    report.createdMembers += counts.createdMembers
                    if counts.isEmpty { report.unchangedRows += 1 }
                }
            }
            report.issues.sort { ($0.row, $0.field) < ($1.row, $1.field) }
            if report.changed {
                let summary = "units+\(report.createdUnits) units~\(report.updatedUnits) persons+\(report.createdPersons) persons~\(report.updatedPersons) members+\(report.createdMembers) refused=\(report.issues.count)"
                try await context.audit(AuditEvent(action: "import.residents", objectType: "org_node", objectID: communityID.description,
                                                   summary: summary, change: ["file_digest": digest]), on: db)
            }
            return report
        }
    }
}
