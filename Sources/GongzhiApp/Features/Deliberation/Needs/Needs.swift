import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// What can be done to needs (需求清单), each write in one transaction with its audit entry.
enum Needs {
    // MARK: Who sees what

    typealias Access = DeliberationScope.Access

    /// Staff see the needs of the communities they work in; residents those of their own community (supporting is
    /// theirs). Anyone else: 404.
    static func visible(_ id: UUID, actor: Actor, on db: any Database) async throws -> (NeedRecord, Access) {
        guard let need = try await NeedRecord.find(id, on: db) else { throw AppError.notFound }
        return (need, try DeliberationScope.access(actor, at: need.orgPath))
    }

    /// The needs `actor` may see, newest first, optionally in some states only.
    static func list(actor: Actor, states: [NeedRules.State], offset: Int, limit: Int, on db: any Database) async throws -> (items: [NeedRecord], total: Int) {
        guard var query = DeliberationScope.visible(NeedRecord.query(on: db), actor: actor, path: \.$orgPath) else { return ([], 0) }
        if !states.isEmpty { query = query.filter(\.$state ~~ states) }
        return try await query.sort(\.$createdAt, .descending).page(offset: offset, limit: limit)
    }

    // MARK: Raising and supporting

    /// A need as sent (the API's JSON, the page's form): `raise` checks it.
    struct Draft: Sendable {
        var title: String?
        var details: String?
        var place: String?
        var communityID: UUID?
        var compoundID: UUID?

        /// The draft with its text trimmed and checked, or the error naming the field.
        func validated() throws -> Draft {
            Draft(title: try Validate.name(title, field: "title"), details: try Validate.text(details, field: "description", limit: 4_000),
                  place: try Validate.text(place, field: "place"), communityID: communityID, compoundID: compoundID)
        }
    }

    /// A resident raises a need in their own community; staff in a community they work in. The need and its
    /// photos are written together.
    /// Residents and the staff who see deliberation raise needs; nobody else (the administrators) — checked before
    /// anything about the request is read.
    static func requireMayRaise(_ actor: Actor) throws {
        guard actor.grants.contains(where: { $0.role == .resident }) || AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) else {
            throw AppError.forbidden
        }
    }

    static func raise(_ sent: Draft, photos: [CasePhoto] = [], in context: UseCaseContext) async throws -> NeedRecord {
        let actor = try context.account()
        let draft = try sent.validated()
        let userID = actor.userID.uuid
        let now = context.now
        var raised: NeedRecord?
        try await CasePhoto.writing(photos, in: context) { files in
            raised = try await context.write { db in
                var compound: CompoundRecord?
                if let id = draft.compoundID {
                    compound = try await CompoundRecord.find(id, on: db)
                    guard compound != nil else { throw AppError.invalid("compoundId", "not_found") }
                }
                // The community: the compound's, the one named, or the resident's own.
                var community: OrgNodeRecord?
                if let compound {
                    community = try await OrgNodeRecord.find(compound.$community.id, on: db)
                } else if let id = draft.communityID {
                    community = try await OrgNodeRecord.find(id, on: db)
                } else if let own = actor.grants.first(where: { $0.role == .resident }), let id = own.path.segments.last.flatMap(UUID.init(uuidString:)) {
                    community = try await OrgNodeRecord.find(id, on: db)
                }
                guard let community, community.isArea(.community) else { throw AppError.invalid(draft.compoundID != nil ? "compoundId" : "communityId", "required") }
                let path = community.orgPath
                let isResident = actor.grants.contains { $0.role == .resident && $0.path.contains(path) }
                let isStaff = AccessPolicy.reaches(.viewDeliberation, actor: actor, place: path)
                // Somewhere the actor does not belong is as unknown as a place that does not exist.
                guard isResident || isStaff else { throw AppError.invalid(draft.compoundID != nil ? "compoundId" : "communityId", "not_found") }
                let need = NeedRecord(communityID: community.id!, orgPath: community.path, compoundID: compound?.id, title: draft.title ?? "", details: draft.details ?? "",
                                      place: draft.place ?? "", origin: isStaff ? .staff : .resident, raisedBy: userID, now: now)
                try await need.create(on: db)
                try await DeliberationPhotos.save(photos, files: files, subject: .need, id: need.id!, uploadedBy: userID, now: now, on: db)
                try await context.audit(AuditEvent(action: "need.raise", objectType: "need", objectID: need.id!.uuidString.lowercased(),
                                                   change: ["title": draft.title ?? "", "community": community.id!.uuidString.lowercased(),
                                                            "photos": String(photos.count)]), on: db)
                return need
            }
        }
        return raised!
    }

    /// More photos of a need, from whoever raised it or the staff who run it, while it is open or a topic.
    static func addPhotos(_ id: UUID, _ photos: [CasePhoto], in context: UseCaseContext) async throws {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let now = context.now
        try await CasePhoto.writing(photos, in: context) { files in
            try await context.write { db in
                let (need, access) = try await visible(id, actor: actor, on: db)
                guard access.manage || need.raisedBy == userID else { throw AppError.forbidden }
                guard NeedRules.acceptsSupport(need.state) else { throw AppError.conflict("need_not_open") }
                try await DeliberationPhotos.save(photos, files: files, subject: .need, id: id, uploadedBy: userID, now: now, on: db)
                try await context.audit(AuditEvent(action: "need.photos", objectType: "need", objectID: id.uuidString.lowercased(),
                                                   change: ["photos": String(photos.count)]), on: db)
            }
        }
    }

    /// A resident's support (附议), once per account; at the community's threshold the need becomes a topic.
    static func support(_ id: UUID, in context: UseCaseContext) async throws -> NeedRecord {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let now = context.now
        return try await context.write { db in
            let (_, access) = try await visible(id, actor: actor, on: db)
            guard access.resident else { throw AppError(status: .forbidden, code: "residents_only", messageKey: "error.residents_only", field: nil) }
            // Count under the row's lock, so that two supporters at the threshold cannot both miss it.
            let rows = try await db.sql().raw("UPDATE needs SET support_count = support_count + 1 WHERE id = \(bind: id) RETURNING support_count").all()
            guard let supports = try rows.first?.decode(column: "support_count", as: Int.self),
                  let need = try await NeedRecord.find(id, on: db) else { throw AppError.notFound }
            guard NeedRules.acceptsSupport(need.state) else { throw AppError.conflict("need_not_open") }
            if try await NeedSupportRecord.query(on: db).filter(\.$needID == id).filter(\.$userID == userID).count() > 0 {
                throw AppError.conflict("already_supported")
            }
            try await NeedSupportRecord(needID: id, userID: userID, now: now).create(on: db)
            let threshold = try await DeliberationSettingsRecord.threshold(for: need.communityID, on: db)
            let next = try NeedRules.next(need.state, .support(supports: supports, threshold: threshold))
            if next != need.state {
                need.state = next
                need.topicAt = now
                need.decisionNote = "support:\(supports)/\(threshold)"
                try await need.update(on: db)
            }
            try await context.audit(AuditEvent(action: "need.support", objectType: "need", objectID: id.uuidString.lowercased(),
                                               change: ["supports": String(supports), "state": need.state.rawValue]), on: db)
            return need
        }
    }

    /// Staff decisions on a need: take it up as a topic, decline it, or close it; the note is public.
    static func decide(_ id: UUID, _ event: NeedRules.Event, note sent: String?, in context: UseCaseContext) async throws -> NeedRecord {
        let actor = try context.account()
        let note = try Validate.text(sent, field: "note", limit: 2_000)
        let now = context.now
        return try await context.write { db in
            let (need, access) = try await visible(id, actor: actor, on: db)
            guard access.manage else { throw AppError.forbidden }
            let next: NeedRules.State
            do { next = try NeedRules.next(need.state, event) } catch { throw AppError.conflict("need_state") }
            if event == .decline, note.isEmpty { throw AppError.invalid("note", "required") }
            if next == .topic { need.topicAt = now }
            need.state = next
            need.decisionNote = note
            try await need.update(on: db)
            try await context.audit(AuditEvent(action: "need.\(next.rawValue)", objectType: "need", objectID: id.uuidString.lowercased(),
                                               change: ["note": note]), on: db)
            return need
        }
    }

    // MARK: Repeated cases → a need

    /// Groups of repeated cases (same item, same compound, ≥ 3 in 90 days) the actor may see and that no need
    /// holds yet: suggestions to turn into needs.
    static func suggestions(actor: Actor, on db: any Database, now: Date) async throws -> [(group: RepeatedCases.Group, cases: [CaseRecord])] {
        guard AccessPolicy.allowsAnywhere(.viewCases, actor: actor), AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) else { return [] }
        let since = now.addingTimeInterval(-90 * 86_400)
        let cases = try await CaseRecord.visible(to: actor, on: db).filter(\.$openedAt >= since)
            .filter(\.$state !~ [.merged, .rejected]).sort(\.$openedAt, .descending).limit(5_000).all()
        let linked = Set(try await NeedCaseRecord.query(on: db).filter(\.$caseID ~~ cases.map { $0.id! }).all().map(\.caseID))
        let open = cases.filter { !linked.contains($0.id!) }
        let places = try await compoundsOfBuildings(open.compactMap(\.buildingID), on: db)
        let byID = Dictionary(uniqueKeysWithValues: open.map { ($0.id!.uuidString, $0) })
        let groups = RepeatedCases.groups(open.map {
            RepeatedCases.Case(id: $0.id!.uuidString, itemCode: $0.itemCode,
                               place: $0.buildingID.flatMap { places[$0]?.uuidString } ?? $0.placePath, openedAt: $0.openedAt)
        }, now: now)
        return groups.map { ($0, $0.caseIDs.compactMap { byID[$0] }) }
    }

    static func compoundsOfBuildings(_ ids: [UUID], on db: any Database) async throws -> [UUID: UUID] {
        guard !ids.isEmpty else { return [:] }
        var result: [UUID: UUID] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for building in try await BuildingRecord.query(on: db).filter(\.$id ~~ chunk).all() { result[building.id!] = building.$compound.id }
        }
        return result
    }

    /// Turns a group of similar cases into one need in one step (same item, same compound or grid, all visible to
    /// the actor, none in a need yet), linking them.
    static func fromCases(_ caseIDs: [CaseID], title: String?, in context: UseCaseContext) async throws -> NeedRecord {
        let actor = try context.account()
        let userID = actor.userID.uuid
        let ids = Array(Set(caseIDs))
        guard (2...200).contains(ids.count) else { throw AppError.invalid("caseIds", "too_few_cases") }
        let now = context.now
        let lang = context.lang
        return try await context.write { db in
            var records: [CaseRecord] = []
            for id in ids { records.append(try await CaseActions.visibleCase(id.uuid, actor: actor, on: db)) }
            guard Set(records.map(\.itemCode)).count == 1 else { throw AppError.invalid("caseIds", "cases_differ") }
            let compounds = try await compoundsOfBuildings(records.compactMap(\.buildingID), on: db)
            let places = Set(records.map { $0.buildingID.flatMap { compounds[$0]?.uuidString } ?? $0.placePath })
            guard places.count == 1 else { throw AppError.invalid("caseIds", "cases_differ") }
            if try await NeedCaseRecord.query(on: db).filter(\.$caseID ~~ ids.map(\.uuid)).count() > 0 { throw AppError.conflict("case_in_need") }
            // The need belongs to the community the cases are placed in.
            guard let placePath = OrgPath(records[0].placePath),
                  let community = try await OrgNodeRecord.community(containing: placePath, on: db) else { throw AppError.invalid("caseIds", "cases_differ") }
            guard AccessPolicy.allows(.manageDeliberation, actor: actor, at: community.orgPath) else { throw AppError.forbidden }
            let compoundID = records[0].buildingID.flatMap { compounds[$0] }
            let item = try await CatalogueStore.item(records[0].itemCode, version: records[0].catalogueVersion, on: db)
            let name = (lang == .zh ? item?.name : item?.nameEn) ?? records[0].itemCode
            let oldest = records.sorted { $0.openedAt < $1.openedAt }
            let need = NeedRecord(
                communityID: community.id!, orgPath: community.path, compoundID: compoundID,
                title: title?.isEmpty == false ? title! : name,
                details: oldest.map { "\($0.number) \($0.title)" }.joined(separator: "\n"),
                place: oldest[0].address, origin: .cases, raisedBy: userID, now: now)
            need.itemCode = records[0].itemCode
            try await need.create(on: db)
            for record in oldest { try await NeedCaseRecord(needID: need.id!, caseID: record.id!).create(on: db) }
            try await context.audit(AuditEvent(action: "need.from_cases", objectType: "need", objectID: need.id!.uuidString.lowercased(),
                                               change: ["cases": oldest.map(\.number).joined(separator: ",")]), on: db)
            return need
        }
    }

    // MARK: Settings

    static func setThreshold(_ threshold: Int, community id: OrgNodeID, in context: UseCaseContext) async throws -> DeliberationSettingsRecord {
        let actor = try context.account()
        guard (1...10_000).contains(threshold) else { throw AppError.invalid("needSupportThreshold") }
        let now = context.now
        return try await context.write { db in
            let node = try await Scoped.find(OrgNodeRecord.self, id.uuid, actor: actor, .viewDeliberation, on: db)
            guard node.isArea(.community) else { throw AppError.notFound }
            try Scoped.require(.manageDeliberation, actor: actor, at: node.path)
            let settings = try await DeliberationSettingsRecord.query(on: db).filter(\.$communityID == id.uuid).first()
                ?? DeliberationSettingsRecord(communityID: id.uuid, needSupportThreshold: threshold, now: now)
            settings.needSupportThreshold = threshold
            settings.updatedAt = now
            try await settings.save(on: db)
            try await context.audit(AuditEvent(action: "deliberation.settings", objectType: "org_node", objectID: id.description,
                                               change: ["needSupportThreshold": String(threshold)]), on: db)
            return settings
        }
    }
}
