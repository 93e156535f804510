import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The community's own records — needs, polls, projects, meetings, resource offers, rectification items, warnings
/// and owners' votes — are its history: kept `RetentionRules.communityRecord` (10 years) after they ended. Then the
/// record stays, naming nobody: the words people wrote about themselves or others are emptied, who created,
/// recorded or handled it becomes `nobody`, and the rows that are one person's go: a need's supports (its count
/// stays), a project's ratings (its acceptance stays). A poll, a sounding rather than a decision, goes whole with
/// its votes. Photos go with their files. An owners' vote keeps its electorate roll and ballots (append-only evidence of the
/// owners' decision, recounted by `owner-vote tally`); only who opened it is cleared.
enum RecordRetention {
    /// Who created, recorded or handled a record whose period is over: the all-zero id, which is no account.
    static let nobody = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    struct Outcome: Sendable, Equatable {
        var records = 0
        var photos: [UUID] = []
    }

    /// One pass over every kind of record, in batches of `RetentionSweep.batch`, each batch one transaction with its audit entry.
    static func run(_ context: UseCaseContext, now: Date) async throws -> Outcome {
        let cutoff = RetentionRules.cutoff(RetentionRules.communityRecord, now: now)
        var outcome = Outcome()
        for kind in Kind.allCases {
            while true {
                let (count, photos) = try await context.write { db in
                    let (ids, photos) = try await kind.anonymise(before: cutoff, limit: RetentionSweep.batch, on: db)
                    guard !ids.isEmpty else { return (0, [UUID]()) }
                    try await AuditLog.append(AuditEvent(action: "retention.records", objectType: kind.rawValue, objectID: "",
                                                         summary: "\(ids.count) \(kind.rawValue) ended more than \(RetentionRules.communityRecord) ago: "
                                                             + "names, words and accounts removed",
                                                         change: ["ids": ids.map { $0.uuidString.lowercased() }.joined(separator: ",")]),
                                              context: .system, now: now, on: db)
                    return (ids.count, photos)
                }
                outcome.records += count
                outcome.photos += photos
                if count < RetentionSweep.batch { break }
            }
        }
        return outcome
    }

    enum Kind: String, CaseIterable {
        case needs, polls, projects, meetings, resources, rectifications, warnings, ownerVotes = "owner_votes", photos = "deliberation_photos"
        case propertySurveys = "property_survey_responses"

        /// Anonymises up to `limit` records of this kind that ended before `cutoff` and are not yet anonymised;
        /// returns their ids (and, for photos, the files to delete once committed).
        func anonymise(before cutoff: Date, limit: Int, on db: any Database) async throws -> ([UUID], [UUID]) {
            let nobody = RecordRetention.nobody
            switch self {
            case .needs:
                // A need has no end date of its own: ten years after it was raised it is long decided or closed.
                let ids = try await NeedRecord.query(on: db).filter(\.$createdAt < cutoff).filter(\.$raisedBy != nobody).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await NeedRecord.query(on: db).filter(\.$id ~~ ids).set(\.$details, to: "").set(\.$raisedBy, to: nobody).update()
                // Who supported it goes; how many did stays (support_count).
                try await NeedSupportRecord.query(on: db).filter(\.$needID ~~ ids).delete()
                return (ids, [])
            case .propertySurveys:
                // A resident's yearly rating of property service, like a poll's vote: ten years on it goes.
                let ids = try await PropertySurveyRecord.query(on: db).filter(\.$answeredAt < cutoff).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await PropertySurveyRecord.query(on: db).filter(\.$id ~~ ids).delete()
                return (ids, [])
            case .polls:
                // A poll is a sounding, not a decision: ten years after it closed it goes with its votes.
                let ids = try await PollRecord.query(on: db).filter(\.$closesAt < cutoff).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await PollVoteRecord.query(on: db).filter(\.$pollID ~~ ids).delete()
                try await PollRecord.query(on: db).filter(\.$id ~~ ids).delete()
                return (ids, [])
            case .projects:
                let ids = try await ProjectRecord.query(on: db).filter(\.$createdBy != nobody)
                    .ended(before: cutoff, at: \.$acceptedAt, orCreated: \.$createdAt).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await ProjectRecord.query(on: db).filter(\.$id ~~ ids).set(\.$createdBy, to: nobody).update()
                try await ProjectUpdateRecord.query(on: db).filter(\.$projectID ~~ ids).set(\.$createdBy, to: nobody).update()
                // The residents' ratings of it go; its acceptance stays.
                try await ProjectRatingRecord.query(on: db).filter(\.$projectID ~~ ids).delete()
                return (ids, [])
            case .meetings:
                let ids = try await MeetingRecord.query(on: db).filter(\.$heldAt < cutoff).filter(\.$createdBy != nobody).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await MeetingRecord.query(on: db).filter(\.$id ~~ ids)
                    .set(\.$minutes, to: "").set(\.$present, to: "").set(\.$createdBy, to: nobody).update()
                try await MeetingDecisionRecord.query(on: db).filter(\.$meetingID ~~ ids).set(\.$text, to: "").update()
                return (ids, [])
            case .resources:
                let ids = try await ResourceOfferRecord.query(on: db).filter(\.$createdAt < cutoff).filter(\.$createdBy != nobody).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await ResourceOfferRecord.query(on: db).filter(\.$id ~~ ids).set(\.$providerName, to: "").set(\.$createdBy, to: nobody).update()
                return (ids, [])
            case .rectifications:
                let ids = try await RectificationRecord.query(on: db).filter(\.$createdBy != nobody)
                    .ended(before: cutoff, at: \.$verifiedAt, orCreated: \.$createdAt).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await RectificationRecord.query(on: db).filter(\.$id ~~ ids)
                    .set(\.$finding, to: "").set(\.$plan, to: "").set(\.$evidence, to: "").set(\.$reviewNote, to: "")
                    .set(\.$createdBy, to: nobody).set(\.$submittedBy, to: nil).set(\.$verifiedBy, to: nil).update()
                return (ids, [])
            case .warnings:
                let ids = try await WarningRecord.query(on: db)
                    .group(.or) { named in named.filter(\.$handledBy != nil).filter(\.$note != "") }
                    .ended(before: cutoff, at: \.$handledAt, orCreated: \.$createdAt).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await WarningRecord.query(on: db).filter(\.$id ~~ ids).set(\.$note, to: "").set(\.$handledBy, to: nil).update()
                return (ids, [])
            case .ownerVotes:
                let ids = try await OwnerVoteRecord.query(on: db).filter(\.$closedAt < cutoff).filter(\.$createdBy != nobody).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await OwnerVoteRecord.query(on: db).filter(\.$id ~~ ids).set(\.$createdBy, to: nobody).update()
                return (ids, [])
            case .photos:
                let ids = try await DeliberationPhotoRecord.query(on: db).filter(\.$uploadedAt < cutoff).limit(limit).all(\.$id)
                guard !ids.isEmpty else { return ([], []) }
                try await DeliberationPhotoRecord.query(on: db).filter(\.$id ~~ ids).delete()
                return (ids, ids)
            }
        }
    }
}

extension QueryBuilder {
    /// Records that ended before `cutoff`: at `end`, or, never ended, created before it (a project never accepted,
    /// an item never verified, a warning never handled is judged from when it began).
    fileprivate func ended(before cutoff: Date, at end: KeyPath<Model, OptionalFieldProperty<Model, Date>>,
                           orCreated created: KeyPath<Model, FieldProperty<Model, Date>>) -> Self {
        group(.or) { ended in
            ended.filter(end < cutoff).group(.and) { $0.filter(end == nil).filter(created < cutoff) }
        }
    }
}
