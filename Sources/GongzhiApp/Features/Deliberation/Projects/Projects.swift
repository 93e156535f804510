import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The projects list: a project from an agreed decision, its funding (resources among them), milestones, public
/// progress, acceptance and the residents' evaluation. Projects are public to the community's residents.
enum Projects {
    static func visible(_ id: UUID, actor: Actor, on db: any Database) async throws -> (ProjectRecord, DeliberationScope.Access) {
        guard let project = try await ProjectRecord.find(id, on: db) else { throw AppError.notFound }
        return (project, try DeliberationScope.access(actor, at: project.orgPath))
    }

    static func list(actor: Actor, offset: Int, limit: Int, on db: any Database) async throws -> (items: [ProjectRecord], total: Int) {
        guard let query = DeliberationScope.visible(ProjectRecord.query(on: db), actor: actor, path: \.$orgPath) else { return ([], 0) }
        return try await query.sort(\.$createdAt, .descending).page(offset: offset, limit: limit)
    }

    /// A row of funding as sent (`create` checks the note).
    struct Funding: Sendable {
        let source: ProjectFundingRecord.Source
        let resourceID: UUID?
        let amountFen: Int
        let note: String?
    }

    /// A milestone as sent: `create` checks the title and the day (YYYY-MM-DD).
    struct Milestone: Sendable {
        let title: String?
        let dueOn: String?
    }

    /// A calendar day as YYYY-MM-DD, or a 422 naming `field`.
    static func day(_ raw: String?, field: String) throws -> String {
        guard let raw, let date = PageDates.parseLocal(raw + "T00:00"), PageDates.local(date).hasPrefix(raw) else { throw AppError.invalid(field) }
        return raw
    }

    struct Draft: Sendable {
        let decisionID: UUID
        /// As sent: `create` checks them.
        let title: String?
        let details: String?
        let ownerOrg: String?
        let budgetFen: Int
        let funding: [Funding]
        let milestones: [Milestone]
    }

    static let maxFen = 10_000_000_000

    /// A project from an agreed decision of a published or recorded meeting, with its funding and milestones, in one
    /// transaction; the decision's topic becomes a project.
    static func create(_ draft: Draft, in context: UseCaseContext) async throws -> ProjectRecord {
        let actor = try context.account()
        let title = try Validate.name(draft.title, field: "title"), details = try Validate.text(draft.details, field: "description", limit: 4_000)
        let ownerOrg = try Validate.name(draft.ownerOrg, field: "ownerOrg")
        let userID = actor.userID.uuid
        guard (0...maxFen).contains(draft.budgetFen) else { throw AppError.invalid("budgetFen") }
        guard draft.funding.count <= 20, draft.milestones.count <= 30 else { throw AppError.invalid("funding", "too_long") }
        for item in draft.funding where !(1...maxFen).contains(item.amountFen) { throw AppError.invalid("funding", "bad_amount") }
        let notes = try draft.funding.map { try Validate.text($0.note, field: "funding") }
        let milestones = try draft.milestones.map { (title: try Validate.name($0.title, field: "milestones"), dueOn: try day($0.dueOn, field: "milestones")) }
        let now = context.now
        return try await context.write { db in
            guard let decision = try await MeetingDecisionRecord.find(draft.decisionID, on: db) else { throw AppError.invalid("decisionId", "not_found") }
            let (meeting, access) = try await Council.visibleMeeting(decision.meetingID, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard decision.outcome == .agreed else { throw AppError.invalid("decisionId", "not_agreed") }
            if try await ProjectRecord.query(on: db).filter(\.$decisionID == decision.id!).count() > 0 { throw AppError.conflict("decision_has_project") }
            for item in draft.funding {
                guard (item.source == .resource) == (item.resourceID != nil) else { throw AppError.invalid("funding", "resource_required") }
                if let resource = item.resourceID {
                    guard try await ResourceOfferRecord.find(resource, on: db)?.communityID == meeting.communityID else { throw AppError.invalid("funding", "not_found") }
                }
            }
            let project = ProjectRecord(communityID: meeting.communityID, orgPath: meeting.orgPath, decisionID: decision.id, needID: decision.needID,
                                        title: title, details: details, ownerOrg: ownerOrg, budgetFen: draft.budgetFen,
                                        createdBy: userID, now: now)
            try await project.create(on: db)
            for (item, note) in zip(draft.funding, notes) {
                try await ProjectFundingRecord(projectID: project.id!, source: item.source, resourceID: item.resourceID, amountFen: item.amountFen, note: note).create(on: db)
            }
            for milestone in milestones {
                try await ProjectMilestoneRecord(projectID: project.id!, title: milestone.title, dueOn: milestone.dueOn).create(on: db)
            }
            if let needID = decision.needID, let need = try await NeedRecord.find(needID, on: db), need.state == .topic {
                need.state = try NeedRules.next(need.state, .startProject)
                try await need.update(on: db)
            }
            try await context.audit(AuditEvent(action: "project.create", objectType: "project", objectID: project.id!.uuidString.lowercased(),
                                               change: ["budgetFen": String(draft.budgetFen), "decision": decision.id!.uuidString.lowercased()]), on: db)
            return project
        }
    }

    /// Moves the project on (start, ask for acceptance once every milestone is done, accept, reopen, cancel).
    static func act(_ id: UUID, _ action: ProjectRules.Action, note sent: String?, in context: UseCaseContext) async throws -> ProjectRecord {
        let actor = try context.account()
        let note = try Validate.text(sent, field: "note", limit: 2_000)
        let now = context.now
        return try await context.write { db in
            let (project, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            let open = try await ProjectMilestoneRecord.query(on: db).filter(\.$projectID == id).filter(\.$doneAt == nil).count()
            do {
                project.state = try ProjectRules.next(project.state, action, openMilestones: open)
            } catch ProjectRules.Refusal.milestonesOpen {
                throw AppError.conflict("milestones_open")
            } catch {
                throw AppError.conflict("project_state")
            }
            if action == .accept {
                project.acceptedAt = now
                project.acceptanceNote = note
            }
            try await project.update(on: db)
            try await context.audit(AuditEvent(action: "project.\(action.rawValue)", objectType: "project", objectID: id.uuidString.lowercased(),
                                               change: ["state": project.state.rawValue]), on: db)
            return project
        }
    }

    static func completeMilestone(_ id: UUID, milestone: UUID, in context: UseCaseContext) async throws -> ProjectMilestoneRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (project, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard project.state == .inProgress || project.state == .planned else { throw AppError.conflict("project_state") }
            guard let step = try await ProjectMilestoneRecord.query(on: db).filter(\.$id == milestone).filter(\.$projectID == id).first() else { throw AppError.notFound }
            if step.doneAt == nil {
                step.doneAt = now
                try await step.update(on: db)
                try await context.audit(AuditEvent(action: "project.milestone", objectType: "project", objectID: id.uuidString.lowercased(),
                                                   change: ["milestone": step.title]), on: db)
            }
            return step
        }
    }

    /// A public progress report, with its photos written in the same transaction.
    static func report(_ id: UUID, text sent: String?, percent: Int, photos: [CasePhoto] = [], in context: UseCaseContext) async throws -> ProjectUpdateRecord {
        let actor = try context.account()
        let text = try Validate.text(sent, field: "text", limit: 4_000)
        guard !text.isEmpty else { throw AppError.invalid("text", "required") }
        let userID = actor.userID.uuid
        guard (0...100).contains(percent) else { throw AppError.invalid("percent") }
        let now = context.now
        var made: ProjectUpdateRecord?
        try await CasePhoto.writing(photos, in: context) { files in
            made = try await context.write { db in
                let (project, access) = try await visible(id, actor: actor, on: db)
                guard access.manage else { throw AppError.forbidden }
                guard project.state == .inProgress || project.state == .planned else { throw AppError.conflict("project_state") }
                let update = ProjectUpdateRecord(projectID: id, text: text, percent: percent, createdBy: userID, now: now)
                try await update.create(on: db)
                try await DeliberationPhotos.save(photos, files: files, subject: .projectUpdate, id: update.id!, uploadedBy: userID, now: now, on: db)
                try await context.audit(AuditEvent(action: "project.update", objectType: "project", objectID: id.uuidString.lowercased(),
                                                   change: ["percent": String(percent), "photos": String(photos.count)]), on: db)
                return update
            }
        }
        return made!
    }

    /// A resident's evaluation while the project waits for acceptance; a later one replaces theirs.
    static func rate(_ id: UUID, rating: ProjectRules.Rating, comment sent: String?, in context: UseCaseContext) async throws -> ProjectRatingRecord {
        let actor = try context.account()
        let comment = try Validate.text(sent, field: "comment", limit: 1_000)
        let userID = actor.userID.uuid
        let now = context.now
        return try await context.write { db in
            let (project, access) = try await visible(id, actor: actor, on: db)
            guard access.resident else { throw AppError(status: .forbidden, code: "residents_only_rating", messageKey: "error.residents_only_rating", field: nil) }
            guard project.state == .acceptance else { throw AppError.conflict("not_in_acceptance") }
            let existing = try await ProjectRatingRecord.query(on: db).filter(\.$projectID == id).filter(\.$userID == userID).first()
            let record = existing ?? ProjectRatingRecord(projectID: id, userID: userID, rating: rating, comment: comment, now: now)
            record.rating = rating
            record.comment = comment
            record.createdAt = now
            try await record.save(on: db)
            return record
        }
    }

    static func evaluation(of id: UUID, on db: any Database) async throws -> ProjectRules.Evaluation {
        ProjectRules.evaluate(try await ProjectRatingRecord.query(on: db).filter(\.$projectID == id).all().map(\.rating))
    }
}
