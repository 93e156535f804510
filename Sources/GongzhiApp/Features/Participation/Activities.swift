import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// Volunteer activities: staff who run a community's deliberation publish them (they are public, like the
/// community's notice board, and in its calendar feed); its residents sign up, check in at the venue with the
/// organiser's code and check out; the organiser (or the community's staff) confirms the hours, which the
/// community's rules turn into points. Residents register in the volunteer and expert pools.
enum Activities {
    /// The resident's person and the community they live in (403 for anyone else).
    static func residentOf(_ actor: Actor, on db: any Database) async throws -> (PersonRecord, OrgNodeRecord) {
        guard actor.isResident, let personID = actor.personID?.uuid, let person = try await PersonRecord.find(personID, on: db),
              let community = try await Points.community(of: person, on: db) else { throw AppError(status: .forbidden, code: "residents_only", messageKey: "error.residents_only", field: nil) }
        return (person, community)
    }

    /// Whether `actor` runs the activity: staff who run the community's deliberation now (its organiser was one when
    /// they published it; one whose role has gone no longer runs it).
    static func manages(_ actor: Actor?, _ activity: ActivityRecord) -> Bool {
        guard let actor else { return false }
        return AccessPolicy.allows(.manageDeliberation, actor: actor, at: OrgPath(activity.orgPath) ?? .root)
    }

    static func find(_ id: UUID, on db: any Database) async throws -> ActivityRecord {
        guard let activity = try await ActivityRecord.find(id, on: db) else { throw AppError.notFound }
        return activity
    }

    struct Draft: Sendable {
        let communityID: UUID?
        let title: String?
        let details: String?
        let place: String?
        let starts: Date?
        let ends: Date?
        let capacity: Int?
    }

    static func create(_ draft: Draft, in context: UseCaseContext) async throws -> ActivityRecord {
        let actor = try context.account()
        try Points.requireRunsSomeCommunity(actor)
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(draft.communityID, actor: actor, on: db)
            let title = try Validate.name(draft.title, field: "title")
            let details = try Validate.text(draft.details, field: "description", limit: 4_000)
            let place = try Validate.name(draft.place, field: "place")
            guard let starts = draft.starts else { throw AppError.invalid("startsAt", "required") }
            guard let ends = draft.ends else { throw AppError.invalid("endsAt", "required") }
            guard starts > now else { throw AppError.invalid("startsAt", "not_in_future") }
            guard starts < now.addingTimeInterval(366 * 86_400) else { throw AppError.invalid("startsAt", "starts_too_late") }
            do { try Activity.check(starts: starts, ends: ends, capacity: draft.capacity ?? 0) } catch let problem as Activity.Problem {
                switch problem {
                case .endsBeforeStart: throw AppError.invalid("endsAt", "ends_before_start")
                case .tooLong: throw AppError.invalid("endsAt", "activity_too_long")
                default: throw AppError.invalid("capacity", "out_of_range")
                }
            }
            let activity = ActivityRecord()
            activity.id = UUID()
            activity.communityID = community.id!
            activity.orgPath = community.path
            activity.title = title
            activity.details = details
            activity.place = place
            activity.startsAt = starts
            activity.endsAt = ends
            activity.capacity = draft.capacity!
            activity.organiserID = actor.userID.uuid
            activity.checkInCode = Activity.code(from: UInt64.random(in: 0...UInt64.max))
            activity.createdAt = now
            try await activity.create(on: db)
            try await context.audit(AuditEvent(action: "activity.create", objectType: "activity", objectID: activity.id!.uuidString.lowercased()), on: db)
            return activity
        }
    }

    static func cancel(_ id: UUID, in context: UseCaseContext) async throws -> ActivityRecord {
        let actor = try context.account()
        return try await context.write { db in
            let activity = try await find(id, on: db)
            guard manages(actor, activity) else { throw AppError.forbidden }
            guard activity.cancelledAt == nil else { throw AppError.conflict("activity_cancelled") }
            activity.cancelledAt = context.now
            try await activity.update(on: db)
            try await context.audit(AuditEvent(action: "activity.cancel", objectType: "activity", objectID: id.uuidString.lowercased()), on: db)
            return activity
        }
    }

    // MARK: Residents

    static func signUps(of activity: UUID, on db: any Database) async throws -> [ActivitySignupRecord] {
        try await ActivitySignupRecord.query(on: db).filter(\.$activityID == activity).all()
    }

    static func places(_ activity: ActivityRecord, on db: any Database) async throws -> Activity.Places {
        Activity.places(try await signUps(of: activity.id!, on: db).map(\.core), capacity: activity.capacity)
    }

    /// Signs the resident up (a place while there is one, else the waiting list); signing up again after cancelling
    /// goes to the end of the line.
    static func signUp(_ id: UUID, in context: UseCaseContext) async throws -> ActivitySignupRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (person, community) = try await residentOf(actor, on: db)
            let activity = try await find(id, on: db)
            guard activity.communityID == community.id else { throw AppError(status: .forbidden, code: "residents_only", messageKey: "error.residents_only", field: nil) }
            guard activity.cancelledAt == nil else { throw AppError.conflict("activity_cancelled") }
            guard now < activity.endsAt else { throw AppError.conflict("activity_over") }
            if let existing = try await ActivitySignupRecord.query(on: db).filter(\.$activityID == id).filter(\.$personID == person.id!).first() {
                guard existing.cancelledAt != nil else { return existing }
                existing.cancelledAt = nil
                existing.signedUpAt = now
                try await existing.update(on: db)
                return existing
            }
            let signUp = ActivitySignupRecord()
            signUp.id = UUID()
            signUp.activityID = id
            signUp.personID = person.id!
            signUp.signedUpAt = now
            do { try await signUp.create(on: db) } catch let error as any DatabaseError where error.isConstraintFailure { throw AppError.conflict("already_signed_up") }
            return signUp
        }
    }

    /// The resident's own sign-up, cancelled (before the activity starts; the first on the waiting list moves up).
    static func withdraw(_ id: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        let now = context.now
        try await context.write { db in
            let (person, _) = try await residentOf(actor, on: db)
            let activity = try await find(id, on: db)
            guard let signUp = try await ActivitySignupRecord.query(on: db).filter(\.$activityID == id).filter(\.$personID == person.id!).filter(\.$cancelledAt == nil).first() else {
                throw AppError.conflict("not_signed_up")
            }
            guard now < activity.startsAt, signUp.checkedInAt == nil else { throw AppError.conflict("activity_started") }
            signUp.cancelledAt = now
            try await signUp.update(on: db)
        }
    }

    /// Checks the resident in by the code shown at the venue: the activity of theirs with that code happening now,
    /// where they hold a place (409 `wrong_code` otherwise, counted against the address like a wrong password is not:
    /// the code is only good at the venue for the activity's time and to those signed up).
    static func checkIn(code raw: String?, in context: UseCaseContext) async throws -> ActivityRecord {
        let actor = try context.account()
        let now = context.now
        let code = (raw ?? "").filter(\.isNumber)
        return try await context.write { db in
            let (person, _) = try await residentOf(actor, on: db)
            guard code.count == 6 else { throw AppError.invalid("code") }
            let mine = try await ActivitySignupRecord.query(on: db).filter(\.$personID == person.id!).filter(\.$cancelledAt == nil).all()
            let activities = mine.isEmpty ? [] : try await ActivityRecord.query(on: db).filter(\.$id ~~ mine.map(\.activityID)).filter(\.$checkInCode == code)
                .filter(\.$cancelledAt == nil).all()
            guard let activity = activities.first(where: { Activity.mayCheckIn(at: now, starts: $0.startsAt, ends: $0.endsAt) }),
                  let signUp = mine.first(where: { $0.activityID == activity.id }) else { throw AppError.conflict("wrong_code", field: "code") }
            guard try await places(activity, on: db).confirmed.contains(signUp.id!.uuidString) else { throw AppError.conflict("waiting_list") }
            if signUp.checkedInAt == nil {
                signUp.checkedInAt = now
                try await signUp.update(on: db)
            }
            return activity
        }
    }

    static func checkOut(_ id: UUID, in context: UseCaseContext) async throws -> ActivitySignupRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (person, _) = try await residentOf(actor, on: db)
            let activity = try await find(id, on: db)
            guard let signUp = try await ActivitySignupRecord.query(on: db).filter(\.$activityID == id).filter(\.$personID == person.id!).first(),
                  signUp.checkedInAt != nil else { throw AppError.conflict("not_checked_in") }
            guard Activity.mayCheckOut(at: now, starts: activity.startsAt, ends: activity.endsAt) else { throw AppError.conflict("check_out_closed") }
            if signUp.checkedOutAt == nil {
                signUp.checkedOutAt = now
                try await signUp.update(on: db)
            }
            return signUp
        }
    }

    /// The organiser confirms a participant's hours (at most the activity's length, once), and in the same
    /// transaction the community's rule for volunteer hours credits the points (none without a rule, fewer past its
    /// caps; the hours count in any case).
    static func confirm(_ signUpID: UUID, hours: Int?, in context: UseCaseContext) async throws -> ActivitySignupRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            guard let signUp = try await ActivitySignupRecord.find(signUpID, on: db) else { throw AppError.notFound }
            let activity = try await find(signUp.activityID, on: db)
            guard manages(actor, activity) else { throw AppError.forbidden }
            guard signUp.hours == nil else { throw AppError.conflict("already_confirmed") }
            guard signUp.checkedInAt != nil else { throw AppError.conflict("not_checked_in") }
            guard let hours, (1...Activity.maxHours(starts: activity.startsAt, ends: activity.endsAt)).contains(hours) else { throw AppError.invalid("hours", "out_of_range") }
            let moved = try await db.sql().raw("UPDATE activity_signups SET hours = \(bind: hours), confirmed_by = \(bind: actor.userID.uuid), confirmed_at = \(bind: now) WHERE id = \(bind: signUpID) AND hours IS NULL RETURNING id").all()
            guard !moved.isEmpty, let community = try await OrgNodeRecord.find(activity.communityID, on: db) else { throw AppError.conflict("already_confirmed") }
            do {
                // `no_rule` and `cap_reached` come before any transfer is written: the hours stand without points.
                _ = try await Points.credit(community: community, personID: PersonID(signUp.personID), earning: .volunteerHours, units: hours, note: activity.title,
                                            id: LedgerStore.derivedID(signUpID, "hours"), by: actor.userID.uuid, now: now, in: context, on: db)
            } catch let error as AppError where error.code == "no_rule" || error.code == "cap_reached" {}
            try await context.audit(AuditEvent(action: "activity.hours", objectType: "activity", objectID: activity.id!.uuidString.lowercased(),
                                               change: ["hours": String(hours)]), on: db)
            return try await ActivitySignupRecord.find(signUpID, on: db)!
        }
    }

    // MARK: Pools

    /// The resident's entry in a pool, made or changed.
    static func register(pool: VolunteerRecord.Pool?, skills raw: String?, availability rawAvailability: String?, in context: UseCaseContext) async throws -> VolunteerRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (person, community) = try await residentOf(actor, on: db)
            guard let pool else { throw AppError.invalid("pool", "required") }
            let skills = try Validate.text(raw, field: "skills", limit: 500)
            guard !skills.isEmpty else { throw AppError.invalid("skills", "required") }
            let availability = try Validate.text(rawAvailability, field: "availability", limit: 200)
            let record = try await VolunteerRecord.query(on: db).filter(\.$personID == person.id!).filter(\.$pool == pool).first() ?? {
                let made = VolunteerRecord()
                made.id = UUID()
                made.personID = person.id!
                made.pool = pool
                made.createdAt = now
                return made
            }()
            record.communityID = community.id!
            record.orgPath = community.path
            record.skills = skills
            record.availability = availability
            record.updatedAt = now
            do { try await record.save(on: db) } catch let error as any DatabaseError where error.isConstraintFailure { throw AppError.conflict("already_registered") }
            return record
        }
    }
}
