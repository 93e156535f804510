import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Performing an action on a case: the policy (who), the workflow (whether now), the side effects, the timeline
/// event and the audit entry, all in one transaction.
enum CaseActions {
    /// A resident's rating after a reply (回访).
    enum Satisfaction: String, Codable, Sendable, CaseIterable {
        /// 满意
        case satisfied
        /// 基本满意
        case basicallySatisfied = "basically_satisfied"
        /// 不满意
        case unsatisfied
    }

    struct Input: Sendable {
        var note: String = ""
        /// dispatch / arbitrate: the org that is to handle the case.
        var handlerNodeID: UUID?
        /// merge: the case this one duplicates.
        var mergeInto: UUID?
        /// extend: extra working days.
        var extraDays: Int?
        /// rate
        var solved: Bool?
        var satisfaction: Satisfaction?
        /// rate, by staff on the resident's behalf (a phone follow-up): when the call was (nil: now); `note` holds
        /// what the resident said.
        var calledAt: Date?
        /// Photos already uploaded to the case (by this actor, not yet on an event) that go with this step.
        var attachmentIDs: [UUID] = []
        /// New photos sent with this step (the case page's form), stored in the same transaction.
        var photos: [CasePhoto] = []
    }

    /// Whether the submitters of merged duplicates (followers) may load the case.
    enum Followers {
        case no
        /// Only when the case is public (its words and photos are then public anyway).
        case ifPublic
        /// Always (the case page: private words are blanked there).
        case yes
    }

    /// Actions that must say why.
    static let needNote: Set<CaseAction> = [.reject, .return, .suspend, .extend, .arbitrate, .reopen, .escalate, .merge,
                                            .requestSuspension, .requestExtension]

    /// Loads a case the actor may see (a follower of a merged duplicate only as `allowFollowers` says), or 404.
    static func visibleCase(_ id: UUID, actor: Actor, allowFollowers: Followers = .no, on db: any Database) async throws -> CaseRecord {
        guard let record = try await CaseRecord.find(id, on: db) else { throw AppError.notFound }
        if CasePolicy.canView(actor, record.facts) { return record }
        guard allowFollowers == .yes || (allowFollowers == .ifPublic && record.isPublic) else { throw AppError.notFound }
        let followers = try await CaseNotices.followers(of: id, on: db).map(AccountID.init)
        guard CasePolicy.canView(actor, record.facts(followers: followers)) else { throw AppError.notFound }
        return record
    }

    /// What `actor` may do to `record` now: allowed by both the policy and the workflow.
    static func available(_ record: CaseRecord, to actor: Actor) -> [CaseAction] {
        CaseWorkflow.allowedActions(record.snapshot).filter { CasePolicy.can($0, actor, record.facts) }
    }

    static func perform(_ action: CaseAction, caseID: CaseID, input: Input, in context: UseCaseContext) async throws -> CaseRecord {
        _ = try context.account()
        var record: CaseRecord?
        try await CasePhoto.writing(input.photos, in: context) { files in
            record = try await perform(action, caseID: caseID, input: input, photoFiles: files, in: context)
        }
        return record!
    }

    static func perform(_ action: CaseAction, caseID: CaseID, input: Input, photoFiles: [(id: UUID, path: String)], in context: UseCaseContext) async throws -> CaseRecord {
        let actor = try context.account()
        let note = input.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 2_000 else { throw AppError.invalid("note", "too_long") }
        guard input.attachmentIDs.count <= CaseAttachmentsAPIController.maxPerCase else { throw AppError.invalid("attachmentIds") }
        if needNote.contains(action), note.isEmpty { throw AppError.invalid("note", "reason_required") }
        let now = context.now
        let calendar = context.services.calendar
        let followUpPerMille = context.services.config.followUpPerMille
        let actorName = eventActorName(actor, in: context)
        return try await context.write { db in
            let record = try await visibleCase(caseID.uuid, actor: actor, on: db)
            // Closing by fiat would be a false closure (虚假办结, SPEC §8): a replied case closes by a rating or by the
            // auto-close after the rating period.
            if action == .close {
                throw AppError(status: .conflict, code: "close_needs_rating", messageKey: "error.close_needs_rating", field: nil)
            }
            guard CasePolicy.can(action, actor, record.facts) else { throw AppError.forbidden }
            let phoneFollowUp = [.rateSatisfied, .rateUnsatisfied].contains(action) && record.submitterUserID.map(AccountID.init) != actor.userID
            if phoneFollowUp {
                do throws(FollowUpRules.CallError) {
                    try FollowUpRules.checkCall(calledAt: input.calledAt ?? now, repliedAt: record.repliedAt, now: now, residentSaid: note)
                } catch {
                    throw AppError.invalid(error == .wordsRequired ? "note" : "calledAt", error == .wordsRequired ? "resident_words_required" : "call_time")
                }
            }
            let before = record.snapshot
            do throws(CaseWorkflow.Error) {
                record.snapshot = try CaseWorkflow.apply(action, to: before)
            } catch {
                switch error {
                case .arbitrationBinds:
                    throw AppError(status: .conflict, code: "arbitration_binds", messageKey: "error.arbitration_binds", field: nil)
                case .notAllowed(_, _, let allowed):
                    var refusal = AppError(status: .conflict, code: "invalid_transition", messageKey: "error.invalid_transition", field: nil)
                    refusal.allowed = allowed.filter { CasePolicy.can($0, actor, record.facts) }.map(\.rawValue)
                    throw refusal
                }
            }
            try await applyEffects(action, to: record, input: input, actor: actor, now: now, on: db)
            // Where it went, named in the timeline: the org it was dispatched, assigned or escalated to.
            var target: String?
            if [.dispatch, .arbitrate, .escalate].contains(action) {
                let holder = record.handlerNodeID
                target = try await OrgNodeRecord.find(holder, on: db)?.name
            }
            try await CaseClock.refresh(record, calendar: calendar, now: now, on: db)
            record.eventCount += 1
            try await record.update(on: db)
            try await CaseEventRecord(caseID: caseID.uuid, seq: record.eventCount, action: action.rawValue, from: before.state, to: record.state,
                                      actorUserID: actor.userID.uuid, actorName: actorName,
                                      note: note, at: now, target: target).create(on: db)
            if phoneFollowUp {
                try await CaseFollowUps.recordRatingCall(record, calledAt: input.calledAt ?? now, residentSaid: note, actor: actor,
                                                         actorName: actorName, now: now, on: db)
            }
            if record.state == .closed {
                try await CaseFollowUps.scheduleIfDrawn(record, perMille: followUpPerMille, calendar: calendar, now: now, on: db)
            }
            if !photoFiles.isEmpty {
                let existing = try await CaseAttachmentRecord.query(on: db).filter(\.$caseID == caseID.uuid).count()
                guard existing + photoFiles.count <= CaseAttachmentsAPIController.maxPerCase else { throw AppError.conflict("too_many_attachments", field: "photos") }
                for (photo, file) in zip(input.photos, photoFiles) {
                    _ = try await photo.save(caseID: caseID.uuid, id: file.id, uploadedBy: actor.userID.uuid, eventSeq: record.eventCount,
                                             now: now, on: db)
                }
            }
            if !input.attachmentIDs.isEmpty {
                let photos = try await CaseAttachmentRecord.query(on: db).filter(\.$id ~~ input.attachmentIDs).filter(\.$caseID == caseID.uuid)
                    .filter(\.$eventSeq == nil).filter(\.$uploadedBy == actor.userID.uuid).all()
                guard photos.count == Set(input.attachmentIDs).count else { throw AppError.invalid("attachmentIds") }
                for photo in photos {
                    photo.eventSeq = record.eventCount
                    try await photo.update(on: db)
                }
            }
            switch record.state {
            case .replied where action == .reply:
                try await CaseNotices.notify(record, kind: .replied, except: actor.userID.uuid, now: now, on: db)
            case .closed, .rejected:
                try await CaseNotices.notify(record, kind: .closed, except: actor.userID.uuid, now: now, on: db)
            default: break
            }
            try await context.audit(AuditEvent(action: "case.\(action.rawValue)", objectType: "case", objectID: caseID.description,
                                               summary: "\(before.state.rawValue)->\(record.state.rawValue)",
                                               change: ["note": note, "handler": record.handlerPath, "state": record.state.rawValue]), on: db)
            return record
        }
    }

    static func eventActorName(_ actor: Actor, in context: UseCaseContext) -> String {
        actor.isResident ? "resident" : context.actorName.isEmpty ? actor.username : context.actorName
    }

    static func applyEffects(_ action: CaseAction, to record: CaseRecord, input: Input, actor: Actor, now: Date, on db: any Database) async throws {
        switch action {
        case .dispatch, .arbitrate:
            if let target = input.handlerNodeID {
                guard let node = try await OrgNodeRecord.find(target, on: db) else { throw AppError.invalid("handlerNodeId") }
                // An area or party in the actor's own subtrees, or a party that serves the case's place.
                let serves = try await PartyDirectory.dispatchable(for: record, on: CivilDate(now), db: db).contains { $0.id == target }
                guard serves || (AccessPolicy.allows(.viewOrganisation, actor: actor, at: node.orgPath) && node.party != .supervisoryBody) else {
                    throw AppError.invalid("handlerNodeId")
                }
                if let accused = record.accusedPath, OrgPath(accused)?.contains(node.orgPath) == true { throw AppError.invalid("handlerNodeId") }
                record.handlerNodeID = target
                record.handlerPath = node.path
            } else if action == .arbitrate {
                throw AppError.invalid("handlerNodeId", "required")
            }
        case .escalate:
            // To the next level: grid → community → street → district.
            guard let parentPath = OrgPath(record.handlerPath)?.parent, parentPath != .root,
                  let parentID = parentPath.segments.last.flatMap(UUID.init(uuidString:)) else {
                throw AppError.conflict("top_level")
            }
            // Never up into the org a report accuses (the supervisory body's parent is the accused district).
            if let accused = record.accusedPath.flatMap(OrgPath.init), accused.contains(parentPath) { throw AppError.conflict("top_level") }
            record.handlerNodeID = parentID
            record.handlerPath = parentPath.rawValue
        case .sign:
            record.signedAt = now
        case .reply:
            record.repliedAt = now
        case .rateSatisfied, .rateUnsatisfied, .close:
            if action != .close {
                guard let solved = input.solved, let satisfaction = input.satisfaction else { throw AppError.invalid("satisfaction", "required") }
                record.ratingSolved = solved
                record.ratingSatisfaction = satisfaction.rawValue
            }
            if record.state == .closed { record.closedAt = now } else { record.repliedAt = nil }
        case .reopen:
            record.closedAt = nil
            record.repliedAt = nil
        case .suspend:
            try await CasePauseRecord(caseID: record.id!, startedAt: now).create(on: db)
        case .resume:
            if let open = try await CasePauseRecord.query(on: db).filter(\.$caseID == record.id!).filter(\.$endedAt == nil).first() {
                open.endedAt = now
                try await open.update(on: db)
            }
        case .extend:
            guard let days = input.extraDays, (1...30).contains(days) else { throw AppError.invalid("extraDays") }
            record.extensionDays += days
        case .merge:
            guard let master = input.mergeInto, master != record.id,
                  let target = try await CaseRecord.find(master, on: db), target.state.isOpen, CasePolicy.canView(actor, target.facts) else {
                throw AppError.invalid("mergeInto")
            }
            record.mergedInto = master
            try await CaseNotices.merged(record, into: target, now: now, on: db)
        case .requestExtension:
            guard let days = input.extraDays, (1...30).contains(days) else { throw AppError.invalid("extraDays") }
        case .accept, .reject, .return, .start, .supervise, .urge, .requestSuspension:
            break
        }
    }
}

extension CaseAction {
    /// The actions a client names in `POST /api/v1/cases/:id/actions/:action`; `rate` stands for both ratings.
    static func fromRoute(_ name: String, satisfied: Bool) -> CaseAction? {
        if name == "rate" { return satisfied ? .rateSatisfied : .rateUnsatisfied }
        return CaseAction(rawValue: name)
    }
}
