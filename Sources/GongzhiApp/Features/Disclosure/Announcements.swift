import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// Announcements (社区公告): who publishes and withdraws them, who reads them, and what each reader sees.
///
/// - A community's staff who run its deliberation (`manageDeliberation` there) publish to the whole community, one of
///   its compounds or one building; an owners' committee's staff publish to their compound or a building of it.
/// - Staff who see the community's deliberation see every announcement of it, scheduled, ended and withdrawn
///   included, with read counts; a committee's staff see their committee's.
/// - Residents see the live announcements addressed to where they live; anyone (signed in or not) sees a community's
///   live public ones. Everything else is 404.
enum Announcements {
    struct Access: Sendable {
        /// May withdraw it, and sees it in every state with its read count.
        let manage: Bool
        let staff: Bool
        /// It is addressed to where the reader lives.
        let resident: Bool
    }

    /// Where the reader lives, from their households (none for staff-only or anonymous readers).
    static func homes(of actor: Actor?, on db: any Database) async throws -> [Announcement.Home] {
        guard let actor, actor.isResident, let person = actor.personID?.uuid else { return [] }
        let rows = try await db.sql().select().distinct()
            .column(SQLColumn("community_id", table: "c")).column(SQLColumn("compound_id", table: "b")).column(SQLColumn("id", table: "b"), as: "building_id")
            .from(SQLAlias(SQLIdentifier(HouseholdMemberRecord.schema), as: SQLIdentifier("m")))
            .join(SQLAlias(SQLIdentifier(HouseholdRecord.schema), as: SQLIdentifier("h")), on: SQLColumn("id", table: "h"), .equal, SQLColumn("household_id", table: "m"))
            .join(SQLAlias(SQLIdentifier(HousingUnitRecord.schema), as: SQLIdentifier("u")), on: SQLColumn("id", table: "u"), .equal, SQLColumn("unit_id", table: "h"))
            .join(SQLAlias(SQLIdentifier(BuildingRecord.schema), as: SQLIdentifier("b")), on: SQLColumn("id", table: "b"), .equal, SQLColumn("building_id", table: "u"))
            .join(SQLAlias(SQLIdentifier(CompoundRecord.schema), as: SQLIdentifier("c")), on: SQLColumn("id", table: "c"), .equal, SQLColumn("compound_id", table: "b"))
            .where(SQLColumn("person_id", table: "m"), .equal, SQLBind(person))
            .all()
        return try rows.map {
            Announcement.Home(community: try $0.decode(column: "community_id", as: UUID.self).uuidString,
                              compound: try $0.decode(column: "compound_id", as: UUID.self).uuidString,
                              building: try $0.decode(column: "building_id", as: UUID.self).uuidString)
        }
    }

    /// The owners' committees whose staff `actor` is.
    static func committees(of actor: Actor?, on db: any Database) async throws -> [OrgNodeRecord] {
        let paths = (actor?.grants ?? []).filter { $0.role == .partyStaff }.map(\.path.rawValue)
        guard !paths.isEmpty else { return [] }
        return try await OrgNodeRecord.query(on: db).filter(\.$path ~~ paths).filter(\.$party == .ownersCommittee).all()
    }

    static func access(_ actor: Actor?, to record: AnnouncementRecord, homes: [Announcement.Home], committees: [UUID], now: Date) throws -> Access {
        let place = OrgPath(record.orgPath) ?? .root
        let ownCommittee = record.committeeID.map(committees.contains) ?? false
        let staff = actor.map { AccessPolicy.reaches(.viewDeliberation, actor: $0, place: place) } ?? false
        let manage = ownCommittee || (record.committeeID == nil && actor.map { AccessPolicy.allows(.manageDeliberation, actor: $0, at: place) } ?? false)
        let live = record.status(at: now) == .live
        let resident = live && record.audience.reaches(homes)
        guard staff || manage || resident || (live && record.isPublic) else { throw AppError.notFound }
        return Access(manage: manage, staff: staff || manage, resident: resident)
    }

    /// The announcement `id` if `actor` (nil: not signed in) may read it, with what they may do; 404 otherwise.
    static func visible(_ id: UUID, actor: Actor?, now: Date, on db: any Database) async throws -> (AnnouncementRecord, Access) {
        guard let record = try await AnnouncementRecord.find(id, on: db) else { throw AppError.notFound }
        let committees = try await committees(of: actor, on: db).compactMap(\.id)
        return (record, try access(actor, to: record, homes: try await homes(of: actor, on: db), committees: committees, now: now))
    }

    /// What `actor` may read, optionally of one community: for staff every state, newest publication first; for
    /// residents and the public the live ones, pinned first.
    static func list(actor: Actor?, community: UUID?, offset: Int, limit: Int, now: Date, on db: any Database) async throws -> (items: [AnnouncementRecord], total: Int) {
        let scopes = actor.map { AccessPolicy.scopes(.viewDeliberation, actor: $0).map(\.rawValue) } ?? []
        let above = actor.map { AccessPolicy.ancestors(.viewDeliberation, actor: $0).map(\.rawValue) } ?? []
        let committees = try await committees(of: actor, on: db).compactMap(\.id)
        let homes = try await homes(of: actor, on: db)
        let staffView = !scopes.isEmpty || !above.isEmpty || !committees.isEmpty
        guard staffView || !homes.isEmpty || community != nil else { return ([], 0) }
        let query = AnnouncementRecord.query(on: db).group(.or) { any in
            for scope in scopes { any.filter(\.$orgPath =~ scope) }
            if !above.isEmpty { any.filter(\.$orgPath ~~ above) }
            if !committees.isEmpty { any.filter(\.$committeeID ~~ committees) }
            if !homes.isEmpty {
                any.group(.and) { mine in
                    live(mine, now: now)
                    mine.filter(\.$communityID ~~ Set(homes.compactMap { UUID(uuidString: $0.community) }))
                    mine.group(.or) { reach in
                        reach.filter(\.$scope == .community)
                        reach.group(.and) { $0.filter(\.$scope == .compound).filter(\.$compoundID ~~ Set(homes.compactMap { UUID(uuidString: $0.compound) })) }
                        reach.group(.and) { $0.filter(\.$scope == .building).filter(\.$buildingID ~~ Set(homes.compactMap { UUID(uuidString: $0.building) })) }
                    }
                }
            }
            if community != nil {
                any.group(.and) { open in
                    live(open, now: now)
                    open.filter(\.$isPublic == true)
                }
            }
        }
        if let community { query.filter(\.$communityID == community) }
        if !staffView { query.sort(\.$pinned, .descending) }
        return try await query.sort(\.$publishFrom, .descending).sort(\.$id).page(offset: offset, limit: limit)
    }

    /// Narrows to announcements live at `now`.
    static func live(_ query: QueryBuilder<AnnouncementRecord>, now: Date) {
        query.filter(\.$publishFrom <= now).filter(\.$withdrawnAt == nil)
            .group(.or) { $0.filter(\.$publishUntil == nil).filter(\.$publishUntil > now) }
    }

    /// The live announcements addressed to where `actor` lives, pinned first, then newest (the home page's box).
    static func forResident(_ actor: Actor, limit: Int, now: Date, on db: any Database) async throws -> [AnnouncementRecord] {
        guard actor.isResident else { return [] }
        let query = AnnouncementRecord.query(on: db)
        let homes = try await homes(of: actor, on: db)
        guard !homes.isEmpty else { return [] }
        live(query, now: now)
        query.filter(\.$communityID ~~ Set(homes.compactMap { UUID(uuidString: $0.community) }))
        // Addressed to one of the resident's places: few rows per community, filtered here by the Core rule.
        return Array(try await query.sort(\.$pinned, .descending).sort(\.$publishFrom, .descending).limit(200).all()
            .filter { $0.audience.reaches(homes) }.prefix(limit))
    }

    // MARK: Publishing

    struct Draft: Sendable {
        /// The community publishing, or nil when a committee does (its compound's community).
        let communityID: UUID?
        let committeeID: UUID?
        let scope: Announcement.Scope
        let compoundID: UUID?
        let buildingID: UUID?
        /// As sent: `publish` checks them.
        let title: String?
        let body: String?
        let isPublic: Bool
        let pinned: Bool
        let from: Date?
        let until: Date?
    }

    /// Publishes an announcement (now, or from a later start) with its photos, in one transaction with its audit entry.
    static func publish(_ draft: Draft, photos: [CasePhoto] = [], in context: UseCaseContext) async throws -> AnnouncementRecord {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let now = context.now
        // Who may publish at all, before looking at what was sent: a committee's staff (checked with the draft's
        // committee below) or those who run some community's deliberation.
        guard draft.committeeID != nil || AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) else { throw AppError.forbidden }
        let title = try Validate.name(draft.title, field: "title")
        let body = try Validate.text(draft.body, field: "body", limit: 4_000)
        guard !body.isEmpty else { throw AppError.invalid("body", "required") }
        let window: Announcement.Window
        do { window = try Announcement.window(from: draft.from, until: draft.until, now: now) } catch {
            switch error {
            case .endsBeforeStart: throw AppError.invalid("until", "ends_before_start")
            case .startsInPast: throw AppError.invalid("from", "starts_in_past")
            case .startsTooLate: throw AppError.invalid("from", "starts_too_late")
            }
        }
        var published: AnnouncementRecord?
        try await CasePhoto.writing(photos, in: context) { files in
            published = try await context.write { db in
                let target = try await target(of: draft, actor: actor, on: db)
                let record = AnnouncementRecord()
                record.id = UUID()
                record.communityID = target.community.id!
                record.orgPath = target.community.path
                record.scope = draft.scope
                record.compoundID = draft.scope == .community ? nil : target.compound?.id
                record.buildingID = draft.scope == .building ? target.building?.id : nil
                record.committeeID = target.committee?.id
                record.title = title
                record.body = body
                record.isPublic = draft.isPublic
                record.pinned = draft.pinned
                record.publishFrom = window.from
                record.publishUntil = window.until
                record.withdrawnReason = ""
                record.createdBy = userID
                record.createdAt = now
                try await record.create(on: db)
                try await DeliberationPhotos.save(photos, files: files, subject: .announcement, id: record.id!, uploadedBy: userID, now: now, on: db)
                try await context.audit(AuditEvent(action: "announcement.publish", objectType: "announcement", objectID: record.id!.uuidString.lowercased(),
                                                   change: ["scope": draft.scope.rawValue, "public": String(draft.isPublic), "photos": String(photos.count)]), on: db)
                return record
            }
        }
        guard let published else { throw AppError.notFound }
        return published
    }

    struct Target {
        let community: OrgNodeRecord
        let committee: OrgNodeRecord?
        let compound: CompoundRecord?
        let building: BuildingRecord?
    }

    /// Where a draft goes, checked against who publishes it: 404 for a community or committee the caller cannot see,
    /// 403 where they see but may not publish, 422 for a compound or building outside it.
    static func target(of draft: Draft, actor: Actor, on db: any Database) async throws -> Target {
        var community: OrgNodeRecord
        var committee: OrgNodeRecord?
        var fixedCompound: UUID?
        if let committeeID = draft.committeeID {
            guard let node = try await OrgNodeRecord.find(committeeID, on: db), node.party == .ownersCommittee,
                  actor.grants.contains(where: { $0.path.rawValue == node.path }) else { throw AppError.invalid("committeeId", "not_found") }
            guard let compoundID = try await PartyProfileRecord.query(on: db).filter(\.$node.$id == committeeID).first()?.compoundID,
                  let compound = try await CompoundRecord.find(compoundID, on: db),
                  let home = try await OrgNodeRecord.find(compound.$community.id, on: db) else { throw AppError.conflict("committee_without_compound") }
            guard draft.scope != .community else { throw AppError.invalid("scope", "committee_compound_only") }
            committee = node
            community = home
            fixedCompound = compoundID
        } else {
            community = try await DeliberationScope.managedCommunity(draft.communityID, actor: actor, on: db)
        }
        var compound: CompoundRecord?
        var building: BuildingRecord?
        switch draft.scope {
        case .community:
            break
        case .compound:
            guard let id = draft.compoundID ?? fixedCompound, let found = try await CompoundRecord.find(id, on: db),
                  found.$community.id == community.id, fixedCompound == nil || fixedCompound == id else { throw AppError.invalid("compoundId", "not_found") }
            compound = found
        case .building:
            guard let id = draft.buildingID, let found = try await BuildingRecord.find(id, on: db),
                  let home = try await CompoundRecord.find(found.$compound.id, on: db), home.$community.id == community.id,
                  fixedCompound == nil || fixedCompound == home.id else { throw AppError.invalid("buildingId", "not_found") }
            compound = home
            building = found
        }
        return Target(community: community, committee: committee, compound: compound, building: building)
    }

    /// Takes a published or scheduled announcement back, with the reason residents and staff see; the row is kept.
    static func withdraw(_ id: UUID, reason raw: String?, in context: UseCaseContext) async throws -> AnnouncementRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let (record, access) = try await visible(id, actor: actor, now: now, on: db)
            guard access.manage else { throw access.staff ? AppError.forbidden : AppError.notFound }
            let reason = try Validate.text(raw, field: "reason", limit: 500)
            guard !reason.isEmpty else { throw AppError.invalid("reason", "required") }
            guard record.withdrawnAt == nil else { throw AppError.conflict("already_withdrawn") }
            try await db.sql().raw("UPDATE announcements SET withdrawn_at = \(bind: now), withdrawn_reason = \(bind: reason) WHERE id = \(bind: id) AND withdrawn_at IS NULL").run()
            guard let updated = try await AnnouncementRecord.find(id, on: db), updated.withdrawnAt != nil else { throw AppError.conflict("already_withdrawn") }
            try await context.audit(AuditEvent(action: "announcement.withdraw", objectType: "announcement", objectID: id.uuidString.lowercased()), on: db)
            return updated
        }
    }

    // MARK: Reading

    /// Notes that a resident it is addressed to has opened it (their first time only; never for staff).
    static func noteRead(_ record: AnnouncementRecord, access: Access, in context: UseCaseContext) async throws {
        guard access.resident, let actor = context.principal.actor else { return }
        let userID = actor.userID.uuid
        let announcementID = record.id!
        if try await AnnouncementReadRecord.query(on: context.db).filter(\.$announcementID == announcementID).filter(\.$userID == userID).first() != nil { return }
        let now = context.now
        try await context.write { db in
            try await db.sql().raw("INSERT INTO announcement_reads (id, announcement_id, user_id, read_at) VALUES (\(bind: UUID()), \(bind: announcementID), \(bind: userID), \(bind: now)) ON CONFLICT (announcement_id, user_id) DO NOTHING").run()
        }
    }

    /// Ids of the announcements among `ids` that `userID` has opened.
    static func read(by userID: UUID, among ids: [UUID], on db: any Database) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return Set(try await AnnouncementReadRecord.query(on: db).filter(\.$userID == userID).filter(\.$announcementID ~~ ids).all().map(\.announcementID))
    }

    /// How many residents opened each announcement.
    static func readCounts(_ ids: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.sql().select().column("announcement_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from(AnnouncementReadRecord.schema).where(SQLColumn("announcement_id"), .in, SQLGroupExpression(ids.map { SQLBind($0) })).groupBy("announcement_id").all()
        var counts: [UUID: Int] = [:]
        for row in rows { counts[try row.decode(column: "announcement_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }

    /// How many resident accounts live where it is addressed (the read count's "of").
    static func audienceSize(_ record: AnnouncementRecord, on db: any Database) async throws -> Int {
        let query = db.sql().select().column(SQLFunction("COUNT", args: SQLDistinct(SQLColumn("id", table: "a"))), as: "n")
            .from(SQLAlias(SQLIdentifier(UserRecord.schema), as: SQLIdentifier("a")))
            .join(SQLAlias(SQLIdentifier(HouseholdMemberRecord.schema), as: SQLIdentifier("m")), on: SQLColumn("person_id", table: "m"), .equal, SQLColumn("person_id", table: "a"))
            .join(SQLAlias(SQLIdentifier(HouseholdRecord.schema), as: SQLIdentifier("h")), on: SQLColumn("id", table: "h"), .equal, SQLColumn("household_id", table: "m"))
            .join(SQLAlias(SQLIdentifier(HousingUnitRecord.schema), as: SQLIdentifier("u")), on: SQLColumn("id", table: "u"), .equal, SQLColumn("unit_id", table: "h"))
            .join(SQLAlias(SQLIdentifier(BuildingRecord.schema), as: SQLIdentifier("b")), on: SQLColumn("id", table: "b"), .equal, SQLColumn("building_id", table: "u"))
            .join(SQLAlias(SQLIdentifier(CompoundRecord.schema), as: SQLIdentifier("c")), on: SQLColumn("id", table: "c"), .equal, SQLColumn("compound_id", table: "b"))
            .where(SQLColumn("community_id", table: "c"), .equal, SQLBind(record.communityID))
        switch record.scope {
        case .community: break
        case .compound: query.where(SQLColumn("id", table: "c"), .equal, SQLBind(record.compoundID))
        case .building: query.where(SQLColumn("id", table: "b"), .equal, SQLBind(record.buildingID))
        }
        return try await query.first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

extension Announcements {
    /// More photos on an announcement, by those who may withdraw it, while it is not withdrawn.
    static func addPhotos(_ id: UUID, _ photos: [CasePhoto], in context: UseCaseContext) async throws {
        let actor = try context.account()
        let now = context.now
        try await CasePhoto.writing(photos, in: context) { files in
            try await context.write { db in
                let (record, access) = try await visible(id, actor: actor, now: now, on: db)
                guard access.manage else { throw access.staff ? AppError.forbidden : AppError.notFound }
                guard record.withdrawnAt == nil else { throw AppError.conflict("already_withdrawn") }
                try await DeliberationPhotos.save(photos, files: files, subject: .announcement, id: id, uploadedBy: actor.userID.uuid, now: now, on: db)
                try await context.audit(AuditEvent(action: "announcement.photos", objectType: "announcement", objectID: id.uuidString.lowercased(),
                                                   change: ["photos": String(photos.count)]), on: db)
            }
        }
    }

    /// The names of the publishers (community or committee) of `records`.
    static func publishers(of records: [AnnouncementRecord], on db: any Database) async throws -> [UUID: String] {
        let ids = Set(records.map { $0.committeeID ?? $0.communityID })
        guard !ids.isEmpty else { return [:] }
        let nodes = try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).all()
        let names = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id!, $0.name) })
        return Dictionary(uniqueKeysWithValues: records.map { ($0.id!, names[$0.committeeID ?? $0.communityID] ?? "") })
    }
}
