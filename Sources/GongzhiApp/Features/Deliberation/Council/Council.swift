import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The "3+X" council roster, its meetings (agenda, attendance, minutes, decisions, publication) and the resources
/// list: each write in one transaction with its audit entry.
enum Council {
    // MARK: Roster

    struct NewMember: Sendable {
        let communityID: UUID?
        let compoundID: UUID?
        let seat: CouncilRules.Seat
        /// As sent: `addMember` checks them.
        let name: String?
        let organisation: String?
    }

    static func addMember(_ input: NewMember, in context: UseCaseContext) async throws -> CouncilMemberRecord {
        let actor = try context.account()
        let name = try Validate.name(input.name), organisation = try Validate.text(input.organisation, field: "organisation")
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(input.communityID, actor: actor, on: db)
            try await checkCompound(input.compoundID, in: community, on: db)
            let member = CouncilMemberRecord(communityID: community.id!, orgPath: community.path, compoundID: input.compoundID, seat: input.seat,
                                       name: name, organisation: organisation, now: now)
            try await member.create(on: db)
            try await context.audit(AuditEvent(action: "council.member_add", objectType: "council_member", objectID: member.id!.uuidString.lowercased(),
                                               change: ["seat": input.seat.rawValue, "name": name]), on: db)
            return member
        }
    }

    static func retireMember(_ id: UUID, in context: UseCaseContext) async throws -> CouncilMemberRecord {
        let actor = try context.account()
        return try await context.write { db in
            guard let member = try await CouncilMemberRecord.find(id, on: db) else { throw AppError.notFound }
            guard try DeliberationScope.access(actor, at: member.orgPath).manage else { throw AppError.forbidden }
            if member.active { member.retiredAt = context.now }
            member.active = false
            try await member.update(on: db)
            try await context.audit(AuditEvent(action: "council.member_retire", objectType: "council_member", objectID: id.uuidString.lowercased()), on: db)
            return member
        }
    }

    static func checkCompound(_ id: UUID?, in community: OrgNodeRecord, on db: any Database) async throws {
        guard let id else { return }
        guard try await CompoundRecord.find(id, on: db)?.$community.id == community.id else { throw AppError.invalid("compoundId", "not_found") }
    }

    /// The active members of a community's council (for one compound: its own seats and the community-wide ones).
    static func members(community: UUID, compound: UUID? = nil, on db: any Database) async throws -> [CouncilMemberRecord] {
        try await CouncilMemberRecord.query(on: db).filter(\.$communityID == community).filter(\.$active == true).sort(\.$seat).sort(\.$createdAt).all()
            .filter { $0.compoundID == nil || compound == nil || $0.compoundID == compound }
    }

    /// Whether the compound (or, without one, the community) has a property company: old compounds do not.
    static func hasPropertyCompany(compound: UUID?, community: UUID, on db: any Database) async throws -> Bool {
        if let compound { return try await CompoundRecord.find(compound, on: db)?.commercial ?? false }
        return try await CompoundRecord.query(on: db).filter(\.$community.$id == community).filter(\.$commercial == true).count() > 0
    }

    // MARK: Meetings

    struct NewMeeting: Sendable {
        let communityID: UUID?
        let compoundID: UUID?
        /// As sent: `schedule` checks them.
        let title: String?
        let heldAt: Date
        let place: String?
        let agenda: [UUID]
    }

    static func visibleMeeting(_ id: UUID, actor: Actor, on db: any Database) async throws -> (MeetingRecord, DeliberationScope.Access) {
        guard let meeting = try await MeetingRecord.find(id, on: db) else { throw AppError.notFound }
        return (meeting, try DeliberationScope.access(actor, at: meeting.orgPath, residents: meeting.publishedAt != nil))
    }

    /// The agenda's topics must be topics of the same community.
    static func checkAgenda(_ ids: [UUID], community: UUID, on db: any Database) async throws {
        guard ids.count <= 30 else { throw AppError.invalid("agenda", "too_long") }
        guard !ids.isEmpty else { return }
        let found = try await NeedRecord.query(on: db).filter(\.$id ~~ ids).filter(\.$communityID == community).all()
        guard found.count == Set(ids).count, found.allSatisfy({ $0.state == .topic || $0.state == .project }) else {
            throw AppError.invalid("agenda", "not_a_topic")
        }
    }

    static func schedule(_ input: NewMeeting, in context: UseCaseContext) async throws -> MeetingRecord {
        let actor = try context.account()
        let title = try Validate.name(input.title, field: "title"), place = try Validate.text(input.place, field: "place")
        let userID = actor.userID.uuid
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(input.communityID, actor: actor, on: db)
            try await checkCompound(input.compoundID, in: community, on: db)
            try await checkAgenda(input.agenda, community: community.id!, on: db)
            let meeting = MeetingRecord(communityID: community.id!, orgPath: community.path, compoundID: input.compoundID, title: title,
                                        heldAt: input.heldAt, place: place, agenda: input.agenda, createdBy: userID, now: now)
            try await meeting.create(on: db)
            try await context.audit(AuditEvent(action: "meeting.schedule", objectType: "meeting", objectID: meeting.id!.uuidString.lowercased(),
                                               change: ["title": title, "agenda": String(input.agenda.count)]), on: db)
            return meeting
        }
    }

    /// Records who attended and the minutes (until the meeting is published).
    static func record(_ id: UUID, present: [UUID], minutes sent: String?, in context: UseCaseContext) async throws -> MeetingRecord {
        let actor = try context.account()
        let minutes = try Validate.text(sent, field: "minutes", limit: 20_000)
        return try await context.write { db in
            let (meeting, access) = try await visibleMeeting(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard meeting.publishedAt == nil else { throw AppError.conflict("meeting_published") }
            let members = Set(try await members(community: meeting.communityID, compound: meeting.compoundID, on: db).map { $0.id! })
            guard Set(present).isSubset(of: members) else { throw AppError.invalid("present", "not_a_member") }
            meeting.present = Array(Set(present)).map { $0.uuidString.lowercased() }.sorted().joined(separator: ",")
            meeting.minutes = minutes
            try await meeting.update(on: db)
            try await context.audit(AuditEvent(action: "meeting.record", objectType: "meeting", objectID: id.uuidString.lowercased(),
                                               change: ["present": String(present.count)]), on: db)
            return meeting
        }
    }

    /// Whether a meeting can decide: every core seat present and more than half the members.
    static func quorum(_ meeting: MeetingRecord, on db: any Database) async throws -> (canDecide: Bool, missing: [CouncilRules.Seat], members: [CouncilMemberRecord]) {
        let members = try await members(community: meeting.communityID, compound: meeting.compoundID, on: db)
        let present = Set(meeting.presentIDs)
        let seats = members.filter { present.contains($0.id!) }.map(\.seat)
        let property = try await hasPropertyCompany(compound: meeting.compoundID, community: meeting.communityID, on: db)
        return (CouncilRules.canDecide(present: seats, members: members.count, hasPropertyCompany: property),
                CouncilRules.missingCore(seats, hasPropertyCompany: property), members)
    }

    /// A decision of the meeting (on a topic of its agenda, or on its own); refused without a quorum.
    static func decide(_ id: UUID, needID: UUID?, text sent: String?, outcome: MeetingDecisionRecord.Outcome, in context: UseCaseContext) async throws -> MeetingDecisionRecord {
        let actor = try context.account()
        let text = try Validate.text(sent, field: "text", limit: 2_000)
        guard !text.isEmpty else { throw AppError.invalid("text", "required") }
        let now = context.now
        return try await context.write { db in
            let (meeting, access) = try await visibleMeeting(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard meeting.publishedAt == nil else { throw AppError.conflict("meeting_published") }
            guard try await quorum(meeting, on: db).canDecide else { throw AppError.conflict("no_quorum") }
            if let needID, !meeting.agendaIDs.contains(needID) { throw AppError.invalid("needId", "not_on_agenda") }
            let decision = MeetingDecisionRecord(meetingID: id, needID: needID, text: text, outcome: outcome, now: now)
            try await decision.create(on: db)
            // A topic rejected by the council is closed with the decision as its note.
            if outcome == .rejected, let needID, let need = try await NeedRecord.find(needID, on: db), need.state == .topic {
                need.state = try NeedRules.next(need.state, .close)
                need.decisionNote = text
                try await need.update(on: db)
            }
            try await context.audit(AuditEvent(action: "meeting.decide", objectType: "meeting", objectID: id.uuidString.lowercased(),
                                               change: ["outcome": outcome.rawValue, "need": needID?.uuidString.lowercased() ?? ""]), on: db)
            return decision
        }
    }

    /// Publishes minutes and decisions to the community's residents (公开); after that they are not changed.
    static func publish(_ id: UUID, in context: UseCaseContext) async throws -> MeetingRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (meeting, access) = try await visibleMeeting(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            guard meeting.publishedAt == nil else { throw AppError.conflict("meeting_published") }
            guard !meeting.minutes.isEmpty else { throw AppError.invalid("minutes", "required") }
            meeting.publishedAt = now
            try await meeting.update(on: db)
            try await context.audit(AuditEvent(action: "meeting.publish", objectType: "meeting", objectID: id.uuidString.lowercased()), on: db)
            return meeting
        }
    }

    static func meetings(actor: Actor, offset: Int, limit: Int, on db: any Database) async throws -> (items: [MeetingRecord], total: Int) {
        guard let query = DeliberationScope.visible(MeetingRecord.query(on: db), actor: actor, path: \.$orgPath,
                                                    residentFilter: { $0.filter(\.$publishedAt != nil) }) else { return ([], 0) }
        return try await query.sort(\.$heldAt, .descending).page(offset: offset, limit: limit)
    }

    // MARK: Resources

    struct NewResource: Sendable {
        let communityID: UUID?
        let kind: ResourceOfferRecord.Kind
        let provider: ResourceOfferRecord.Provider
        /// As sent: `offer` checks them.
        let providerName: String?
        let title: String?
        let details: String?
        let amountFen: Int?
    }

    static func offer(_ input: NewResource, in context: UseCaseContext) async throws -> ResourceOfferRecord {
        let actor = try context.account()
        let providerName = try Validate.name(input.providerName, field: "providerName"), title = try Validate.name(input.title, field: "title")
        let details = try Validate.text(input.details, field: "description", limit: 4_000)
        let userID = actor.userID.uuid
        if let amount = input.amountFen, !(0...10_000_000_000).contains(amount) { throw AppError.invalid("amountFen") }
        let now = context.now
        return try await context.write { db in
            let community = try await DeliberationScope.managedCommunity(input.communityID, actor: actor, on: db)
            let resource = ResourceOfferRecord(communityID: community.id!, orgPath: community.path, kind: input.kind, provider: input.provider,
                                         providerName: providerName, title: title, details: details, amountFen: input.amountFen,
                                         createdBy: userID, now: now)
            try await resource.create(on: db)
            try await context.audit(AuditEvent(action: "resource.offer", objectType: "resource", objectID: resource.id!.uuidString.lowercased(),
                                               change: ["kind": input.kind.rawValue, "provider": providerName]), on: db)
            return resource
        }
    }

    static func resources(actor: Actor, offset: Int, limit: Int, on db: any Database) async throws -> (items: [ResourceOfferRecord], total: Int) {
        guard let query = DeliberationScope.visible(ResourceOfferRecord.query(on: db), actor: actor, path: \.$orgPath) else { return ([], 0) }
        return try await query.sort(\.$createdAt, .descending).page(offset: offset, limit: limit)
    }
}
