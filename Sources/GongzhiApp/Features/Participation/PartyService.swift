import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// The service of registered members and units (`DualRegistration` in Core): the organisation's posts (服务岗位),
/// who holds them, the service logged and confirmed, and the report to each unit of its members' service (双报告).
enum PartyService {
    static func findPost(_ id: UUID, on db: any Database) async throws -> PartyServicePostRecord {
        guard let post = try await PartyServicePostRecord.find(id, on: db) else { throw AppError.notFound }
        return post
    }

    /// A post as the actor may see it: the organisation and the street, and members and units registered (in force) with it.
    static func visiblePost(_ id: UUID, actor: Actor, on db: any Database) async throws -> (post: PartyServicePostRecord, registration: PartyRegistrationRecord?, reader: DualRegistration.Reader?) {
        let post = try await findPost(id, on: db)
        let (_, reader) = try await organisationStanding(post.organisationID, actor: actor, on: db)
        let registration = try await DualRegistrations.mine(actor, on: db).first { $0.organisationID == post.organisationID && $0.state == .confirmed }
        guard reader != nil || registration != nil else { throw AppError.notFound }
        return (post, registration, reader)
    }

    static func organisationStanding(_ id: UUID, actor: Actor, on db: any Database) async throws -> (OrgNodeRecord, DualRegistration.Reader?) {
        guard let node = try await OrgNodeRecord.find(id, on: db) else { throw AppError.notFound }
        return (node, DualRegistration.reader(actor, organisation: node.orgPath))
    }

    struct PostInput: Sendable {
        let organisationID: UUID?
        let title: String?
        let details: String?
        let capacity: Int?
    }

    static func createPost(_ input: PostInput, in context: UseCaseContext) async throws -> PartyServicePostRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (organisation, reader) = try await DualRegistrations.organisation(input.organisationID, actor: actor, on: db)
            guard reader == .organisation else { throw AppError.forbidden }
            guard let communityID = organisation.$parent.id, let community = try await OrgNodeRecord.find(communityID, on: db) else { throw AppError.notFound }
            let post = PartyServicePostRecord()
            post.id = UUID()
            post.communityID = communityID
            post.orgPath = community.path
            post.organisationID = organisation.id!
            post.title = try Validate.name(input.title, field: "title")
            post.details = try Validate.text(input.details, field: "details", limit: 1_000)
            if let capacity = input.capacity, !(1...1_000).contains(capacity) { throw AppError.invalid("capacity", "out_of_range") }
            post.capacity = input.capacity
            post.open = true
            post.createdBy = actor.userID.uuid
            post.createdAt = now
            try await post.create(on: db)
            try await context.audit(AuditEvent(action: "party.post", objectType: "party_post", objectID: post.id!.uuidString.lowercased()), on: db)
            return post
        }
    }

    /// The organisation closes a post to new claims (those who hold it keep it until they let it go).
    static func closePost(_ id: UUID, in context: UseCaseContext) async throws -> PartyServicePostRecord {
        let actor = try context.account()
        return try await context.write { db in
            let (post, _, reader) = try await visiblePost(id, actor: actor, on: db)
            guard reader == .organisation else { throw AppError.forbidden }
            guard post.open else { throw AppError.conflict("post_closed") }
            post.open = false
            try await post.update(on: db)
            try await context.audit(AuditEvent(action: "party.post_close", objectType: "party_post", objectID: id.uuidString.lowercased()), on: db)
            return post
        }
    }

    /// A confirmed member or unit takes a post while it is open and has room (the post's row is locked first, so two
    /// claims at once cannot both take its last place).
    static func claim(_ id: UUID, in context: UseCaseContext) async throws -> PartyPostClaimRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (post, registration, _) = try await visiblePost(id, actor: actor, on: db)
            guard let registration else { throw DualRegistrations.notRegistered }
            try await db.sql().raw("UPDATE party_service_posts SET open = open WHERE id = \(bind: id)").run()
            guard try await PartyServicePostRecord.find(id, on: db)?.open == true else { throw AppError.conflict("post_closed") }
            let held = try await PartyPostClaimRecord.query(on: db).filter(\.$postID == id).filter(\.$releasedAt == nil).all()
            if let mine = held.first(where: { $0.registrationID == registration.id }) { return mine }
            do { try DualRegistration.checkClaim(held: held.count, capacity: post.capacity) } catch { throw AppError.conflict("post_full") }
            let claim = PartyPostClaimRecord()
            claim.id = UUID()
            claim.postID = id
            claim.registrationID = registration.id!
            claim.claimedAt = now
            try await claim.create(on: db)
            return claim
        }
    }

    /// The member or unit lets a post go.
    static func release(_ id: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        let now = context.now
        try await context.write { db in
            let (_, registration, _) = try await visiblePost(id, actor: actor, on: db)
            guard let registration else { throw DualRegistrations.notRegistered }
            guard let claim = try await PartyPostClaimRecord.query(on: db).filter(\.$postID == id).filter(\.$registrationID == registration.id!)
                .filter(\.$releasedAt == nil).first() else { throw AppError.conflict("not_claimed") }
            claim.releasedAt = now
            try await claim.update(on: db)
        }
    }

    struct LogInput: Sendable {
        /// The organisation's staff: whose service. A member or unit: theirs (optional when they hold one).
        let registrationID: UUID?
        let postID: UUID?
        let day: CivilDate?
        let minutes: Int?
        let note: String?
    }

    /// A member or unit logs its service (the organisation confirms it later); the organisation's staff may log it
    /// for them (confirmed at once).
    static func log(_ input: LogInput, in context: UseCaseContext) async throws -> PartyServiceLogRecord {
        let actor = try context.account()
        let now = context.now
        let today = CivilDate(now)
        return try await context.write { db in
            let registration: PartyRegistrationRecord
            let byOrganisation: Bool
            if let id = input.registrationID {
                registration = try await DualRegistrations.find(id, on: db)
                let standing = try await DualRegistrations.standing(actor, registration, on: db)
                guard standing == .own || standing == .reader(.organisation) else { throw AppError.forbidden }
                byOrganisation = standing != .own
            } else {
                guard let own = try await DualRegistrations.mine(actor, on: db).first(where: { $0.state == .confirmed }) else {
                    throw DualRegistrations.notRegistered
                }
                registration = own
                byOrganisation = false
            }
            guard registration.state == .confirmed else { throw DualRegistrations.notRegistered }
            if let postID = input.postID {
                guard let post = try await PartyServicePostRecord.find(postID, on: db), post.organisationID == registration.organisationID else {
                    throw AppError.invalid("postId", "not_found")
                }
            }
            guard let day = input.day else { throw AppError.invalid("day", "required") }
            guard let minutes = input.minutes else { throw AppError.invalid("minutes", "required") }
            do { try DualRegistration.checkService(minutes: minutes, day: day, today: today) } catch {
                throw (error as? DualRegistration.Problem) == .dayOutOfRange ? AppError.invalid("day", "out_of_range") : AppError.invalid("minutes", "out_of_range")
            }
            let note = try Validate.text(input.note, field: "note", limit: 500)
            guard !note.isEmpty else { throw AppError.invalid("note", "required") }
            let entry = PartyServiceLogRecord()
            entry.id = UUID()
            entry.registrationID = registration.id!
            entry.postID = input.postID
            entry.day = day.description
            entry.minutes = minutes
            entry.note = note
            entry.state = byOrganisation ? .confirmed : .pending
            entry.reason = ""
            entry.loggedBy = actor.userID.uuid
            entry.decidedBy = byOrganisation ? actor.userID.uuid : nil
            entry.createdAt = now
            try await entry.create(on: db)
            return entry
        }
    }

    /// The organisation confirms an entry or declines it with the reason the member sees.
    static func decide(_ id: UUID, confirm: Bool?, reason raw: String?, in context: UseCaseContext) async throws -> PartyServiceLogRecord {
        let actor = try context.account()
        return try await context.write { db in
            guard let entry = try await PartyServiceLogRecord.find(id, on: db) else { throw AppError.notFound }
            let registration = try await DualRegistrations.find(entry.registrationID, on: db)
            let standing = try await DualRegistrations.standing(actor, registration, on: db)
            guard standing == .reader(.organisation) else { throw AppError.forbidden }
            guard let confirm else { throw AppError.invalid("decision", "required") }
            let reason = try Validate.text(raw, field: "reason", limit: 500)
            guard confirm || !reason.isEmpty else { throw AppError.invalid("reason", "required") }
            guard entry.state == .pending else { throw AppError.conflict("already_decided") }
            entry.state = confirm ? .confirmed : .declined
            entry.reason = reason
            entry.decidedBy = actor.userID.uuid
            try await entry.update(on: db)
            try await context.audit(AuditEvent(action: "party.service_decide", objectType: "party_service", objectID: id.uuidString.lowercased(),
                                               change: ["state": entry.state.rawValue]), on: db)
            return entry
        }
    }

    /// One line of a unit's report.
    struct ReportLine: Sendable {
        let registration: PartyRegistrationRecord
        let name: String
        let posts: [String]
        let line: DualRegistration.Line
    }

    struct UnitReport: Sendable {
        let unitName: String
        let unitID: UUID?
        let lines: [ReportLine]
        let confirmedMinutes: Int
    }

    /// The report of each unit (双报告) for a year: the unit's registered members (and the unit itself), what each
    /// confirmed and what waits, and the posts they hold. The organisation sees names; the street sees them masked.
    static func report(organisationID: UUID?, year: Int, unit: String?, actor: Actor, on db: any Database) async throws -> [UnitReport] {
        let (organisation, reader) = try await DualRegistrations.organisation(organisationID, actor: actor, on: db)
        let registrations = try await PartyRegistrationRecord.query(on: db).filter(\.$organisationID == organisation.id!)
            .filter(\.$state ~~ [.confirmed, .withdrawn]).sort(\.$unitName).sort(\.$createdAt).limit(5_000).all()
        let ids = registrations.compactMap(\.id)
        let logs = ids.isEmpty ? [] : try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID ~~ ids).filter(\.$state != .declined)
            .filter(\.$day >= "\(year)-01-01").filter(\.$day <= "\(year)-12-31").all()
        // A withdrawn registration stays in the report of a year it served in.
        let served = Set(logs.map(\.registrationID))
        let kept = registrations.filter { $0.state == .confirmed || served.contains($0.id!) }
        let names = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ Set(kept.compactMap(\.personID))).all().map { ($0.id!, $0.name) })
        let claims = ids.isEmpty ? [] : try await PartyPostClaimRecord.query(on: db).filter(\.$registrationID ~~ ids).filter(\.$releasedAt == nil).all()
        let posts = Dictionary(uniqueKeysWithValues: try await PartyServicePostRecord.query(on: db).filter(\.$organisationID == organisation.id!).all().map { ($0.id!, $0.title) })
        let entries = logs.map { DualRegistration.Entry(registration: $0.registrationID.uuidString, minutes: $0.minutes, confirmed: $0.state == .confirmed) }
        var reports: [UnitReport] = []
        for (key, group) in Dictionary(grouping: kept, by: { $0.unitID?.uuidString ?? $0.unitName }).sorted(by: { $0.value[0].unitName < $1.value[0].unitName }) {
            let unitName = group[0].unitName
            if let unit, !unit.isEmpty, unit != key, unit != unitName { continue }
            let (lines, total) = DualRegistration.report(registrations: group.map { $0.id!.uuidString }, entries: entries)
            reports.append(UnitReport(unitName: unitName.isEmpty ? "" : unitName, unitID: group[0].unitID, lines: zip(group, lines).map { record, line in
                let name = record.personID.flatMap { names[$0] }.map { reader == .organisation ? $0 : Masking.name($0) } ?? record.unitName
                return ReportLine(registration: record, name: name, posts: claims.filter { $0.registrationID == record.id }.compactMap { posts[$0.postID] }, line: line)
            }, confirmedMinutes: total))
        }
        return reports
    }
}
