import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Purges personal data whose retention period (`RetentionRules`, the inventory's periods) has run out: read
/// notices after 90 days; a closed case's words, place, photos, contact and submitter after 10 years — its numbers
/// stay, naming nobody, so the statistics of past years do not change; a person 5 years after they left their last
/// household (name, ID and mobile number gone; accounts, units and cases that pointed to them let go); a council
/// member's name and organisation 5 years after their term ended (the seat stays in old meetings, unnamed); the
/// community's records 10 years after they ended (`RecordRetention`). Runs hourly while serving (idempotent:
/// several instances may sweep at once) and as `gongzhi retention-sweep`; each batch is one transaction with its audit entry.
enum RetentionSweep {
    struct Report: Sendable, Equatable {
        var noticesDeleted = 0
        var casesAnonymised = 0
        var photosDeleted = 0
        var personsDeleted = 0
        var councilMembersCleared = 0
        /// Needs, polls, projects, meetings, offers, rectification items, warnings, owners' votes and photos (`RecordRetention`).
        var recordsAnonymised = 0
    }

    static let batch = 500

    @discardableResult
    static func run(_ context: UseCaseContext) async throws -> Report {
        let now = context.now
        var report = Report()
        let noticeCutoff = RetentionRules.cutoff(RetentionRules.readNotice, now: now)
        report.noticesDeleted = try await context.write { db in
            let due = try await CaseNoticeRecord.query(on: db).filter(\.$readAt < noticeCutoff).count()
            if due > 0 { try await CaseNoticeRecord.query(on: db).filter(\.$readAt < noticeCutoff).delete() }
            return due
        }
        let caseCutoff = RetentionRules.cutoff(RetentionRules.closedCase, now: now)
        let directory = context.services.config.storageDirectory + "/attachments"
        while true {
            let (cases, photos) = try await context.write { db -> (Int, [UUID]) in
                // An anonymised case has an empty title (a submitted one never has).
                let ids = try await CaseRecord.query(on: db).filter(\.$closedAt < caseCutoff).filter(\.$title != "")
                    .sort(\.$closedAt).limit(batch).all(\.$id)
                guard !ids.isEmpty else { return (0, []) }
                let photos = try await CaseAttachmentRecord.query(on: db).filter(\.$caseID ~~ ids).all(\.$id)
                try await CaseAttachmentRecord.query(on: db).filter(\.$caseID ~~ ids).delete()
                try await CaseNoticeRecord.query(on: db).filter(\.$caseID ~~ ids).delete()
                try await CaseEventRecord.query(on: db).filter(\.$caseID ~~ ids)
                    .set(\.$note, to: "").set(\.$actorName, to: "").set(\.$actorUserID, to: nil).update()
                try await CaseFollowUpRecord.query(on: db).filter(\.$caseID ~~ ids)
                    .set(\.$residentSaid, to: "").set(\.$calledByName, to: "").set(\.$calledBy, to: nil).update()
                try await CaseRecord.query(on: db).filter(\.$id ~~ ids)
                    .set(\.$title, to: "").set(\.$details, to: "").set(\.$address, to: "")
                    .set(\.$latitude, to: nil).set(\.$longitude, to: nil).set(\.$answersJSON, to: nil).set(\.$accusedPerson, to: nil).set(\.$contactSealed, to: nil)
                    .set(\.$submitterUserID, to: nil).set(\.$submitterPersonID, to: nil).set(\.$trackingHash, to: nil).update()
                let summary = "\(ids.count) cases closed more than \(RetentionRules.closedCase) ago: words, place, \(photos.count) photos and submitter removed"
                try await AuditLog.append(AuditEvent(action: "retention.cases", objectType: "case", objectID: "", summary: summary,
                                                     change: ["cases": ids.map { $0.uuidString.lowercased() }.joined(separator: ",")]),
                                          context: .system, now: now, on: db)
                return (ids.count, photos)
            }
            // The rows are gone: now their files (a file left by a crash here names nobody and is never served).
            for id in photos { try? FileManager.default.removeItem(atPath: directory + "/" + id.uuidString.lowercased()) }
            report.casesAnonymised += cases
            report.photosDeleted += photos.count
            if cases < batch { break }
        }
        let personCutoff = RetentionRules.cutoff(RetentionRules.leftRegister, now: now)
        while true {
            let persons = try await context.write { db -> Int in
                // Someone who joined a household again has no date: not chosen.
                let ids = try await PersonRecord.query(on: db).filter(\.$deregisteredAt < personCutoff).limit(batch).all(\.$id)
                guard !ids.isEmpty else { return 0 }
                try await UserRecord.query(on: db).filter(\.$person.$id ~~ ids).set(\.$person.$id, to: nil).update()
                try await HousingUnitRecord.query(on: db).filter(\.$voteRepresentativeID ~~ ids).set(\.$voteRepresentativeID, to: nil).update()
                try await CaseRecord.query(on: db).filter(\.$submitterPersonID ~~ ids).set(\.$submitterPersonID, to: nil).update()
                try await PersonRecord.query(on: db).filter(\.$id ~~ ids).delete()
                let summary = "\(ids.count) persons out of every household for more than \(RetentionRules.leftRegister) deleted"
                try await AuditLog.append(AuditEvent(action: "retention.persons", objectType: "person", objectID: "", summary: summary,
                                                     change: ["persons": ids.map { $0.uuidString.lowercased() }.joined(separator: ",")]),
                                          context: .system, now: now, on: db)
                return ids.count
            }
            report.personsDeleted += persons
            if persons < batch { break }
        }
        let termCutoff = RetentionRules.cutoff(RetentionRules.councilTerm, now: now)
        report.councilMembersCleared = try await context.write { db in
            let ids = try await CouncilMemberRecord.query(on: db).filter(\.$retiredAt < termCutoff).filter(\.$name != "").all(\.$id)
            guard !ids.isEmpty else { return 0 }
            try await CouncilMemberRecord.query(on: db).filter(\.$id ~~ ids).set(\.$name, to: "").set(\.$organisation, to: "").update()
            try await AuditLog.append(AuditEvent(action: "retention.council", objectType: "council_member", objectID: "",
                                                 summary: "\(ids.count) council members retired more than \(RetentionRules.councilTerm) ago: names cleared",
                                                 change: ["members": ids.map { $0.uuidString.lowercased() }.joined(separator: ",")]),
                                      context: .system, now: now, on: db)
            return ids.count
        }
        let records = try await RecordRetention.run(context, now: now)
        for id in records.photos { try? FileManager.default.removeItem(atPath: directory + "/" + id.uuidString.lowercased()) }
        report.recordsAnonymised = records.records
        report.photosDeleted += records.photos.count
        if report != Report() {
            context.logger.notice("retention sweep", metadata: ["notices": "\(report.noticesDeleted)", "cases": "\(report.casesAnonymised)",
                                                            "photos": "\(report.photosDeleted)", "persons": "\(report.personsDeleted)",
                                                            "council": "\(report.councilMembersCleared)",
                                                            "records": "\(report.recordsAnonymised)"])
        }
        return report
    }
}

/// `gongzhi retention-sweep`: the sweep once, now (it also runs hourly under `serve`).
struct RetentionSweepCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Purge personal data whose retention period has run out (read notices, closed cases' details, persons who left, council members, community records)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await context.application.prepareAndMigrate()
        let report = try await RetentionSweep.run(context.application.context())
        context.console.print("retention sweep: \(report.noticesDeleted) notices deleted, \(report.casesAnonymised) cases anonymised, \(report.photosDeleted) photos deleted, \(report.personsDeleted) persons deleted, \(report.councilMembersCleared) council members' names cleared, \(report.recordsAnonymised) community records anonymised")
    }
}
