import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// `/api/v1/cases`: submit, list, read with the timeline, act; `/api/v1/cases/track/:code` for anonymous
/// submitters; `/api/v1/catalogue` for the affairs catalogue in force.
struct CasesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.post("cases", use: create)
        api.get("cases", use: list)
        api.get("cases", "track", ":code", use: track)
        api.get("cases", ":id", use: get)
        api.post("cases", ":id", "actions", ":action", use: act)
        api.get("catalogue", use: catalogue)
    }

    struct CreateBody: Content {
        var title: String?
        var description: String?
        var buildingId: UUID?
        var gridId: UUID?
        var address: String?
        var latitude: Double?
        var longitude: Double?
        var itemCode: String?
        var overrideReason: String?
        var channel: CaseIntake.Channel?
        var `public`: Bool?
        var anonymous: Bool?
        var accusedNodeId: UUID?
        var accusedPerson: String?
        /// Answers to the item's questions: question code → values.
        var answers: [String: [String]]?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let isResident = actor.isResident
        guard isResident || AccessPolicy.allowsAnywhere(.intakeCases, actor: actor) else { throw AppError.forbidden }
        let body = try request.content.decode(CreateBody.self)
        let input = CaseIntake.Input(
            title: body.title ?? "", description: body.description ?? "", buildingID: body.buildingId, gridID: body.gridId,
            address: body.address ?? "", latitude: body.latitude, longitude: body.longitude, itemCode: body.itemCode, overrideReason: body.overrideReason,
            channel: body.channel, fallbackChannel: .api, isPublic: body.public ?? false, anonymous: body.anonymous ?? false,
            accusedNodeID: body.accusedNodeId, accusedPerson: body.accusedPerson, answers: body.answers ?? [:])
        let result = try await CaseIntake.submit(input, in: request.context)
        var dto = CaseDTO(result.record)
        dto.trackingCode = result.trackingCode
        dto.proposals = result.proposals.map { .init(itemCode: $0.code, score: $0.score) }
        // Other residents' cases are not a resident's business: only staff see the possible duplicates.
        dto.possibleDuplicates = isResident ? nil : result.duplicates
        return try await dto.encodeResponse(status: .created, for: request)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<CaseDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        var query = CaseRecord.visible(to: actor, on: request.db)
        if let raw = try? request.query.get(String.self, at: "state") {
            guard let state = CaseState(rawValue: raw) else { throw AppError.invalid("state") }
            query = query.filter(\.$state == state)
        }
        if let raw = try? request.query.get(String.self, at: "slaLevel") {
            guard let level = SLAClock.Level(rawValue: raw) else { throw AppError.invalid("slaLevel") }
            query = query.filter(\.$slaLevel == level)
        }
        return try await query.sort(\.$openedAt, .descending).listPage(paging) { record in
            CaseText.seesNumbers(actor, record) ? CaseDTO(record) : CaseDTO(record).maskingNumbers()
        }
    }

    @Sendable func get(_ request: Request) async throws -> CaseDTO {
        let actor = try request.requireActor()
        let record = try await CaseActions.visibleCase(try request.uuidParameter(), actor: actor, allowFollowers: .yes, on: request.db)
        var dto = CaseDTO(record)
        let photos = Dictionary(grouping: try await CaseAttachmentRecord.query(on: request.db).filter(\.$caseID == record.id!)
            .filter(\.$eventSeq != nil).sort(\.$uploadedAt).all(), by: { $0.eventSeq ?? 0 })
        let followerOnly = !CasePolicy.canView(actor, record.facts) && !record.isPublic
        // Staff read every note; the one who raised it also their own rating's words; never notes between staff (`NoteAudience`).
        let reach: NoteAudience = AccessPolicy.allowsAnywhere(.viewCases, actor: actor) ? .staff
            : record.submitterUserID == actor.userID.uuid ? .submitter : .everyone
        dto.timeline = try await CaseEventRecord.query(on: request.db).filter(\.$caseID == record.id!).sort(\.$seq).all().map { event in
            var item = CaseEventDTO(event)
            if !CaseAction.noteAudience(ofEvent: event.action).isRead(by: reach) { item.note = "" }
            item.attachments = followerOnly ? [] : (photos[event.seq] ?? []).compactMap(\.id)
            return item
        }
        dto.actions = CaseActions.available(record, to: actor).map(\.rawValue)
        // A follower (their duplicate was merged here) sees the progress, not another resident's private words.
        if !CasePolicy.canView(actor, record.facts), !record.isPublic { dto = dto.withoutDescription() }
        return CaseText.seesNumbers(actor, record) ? dto : dto.maskingNumbers()
    }

    struct ActionBody: Content {
        var note: String?
        var handlerNodeId: UUID?
        var mergeInto: UUID?
        var extraDays: Int?
        var solved: Bool?
        var satisfaction: CaseActions.Satisfaction?
        /// rate, by staff: when the phone follow-up was (default now); `note` says what the resident said.
        var calledAt: Date?
        var attachmentIds: [UUID]?
    }

    @Sendable func act(_ request: Request) async throws -> CaseDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let body = try request.content.decode(ActionBody.self)
        let satisfied = body.solved == true && body.satisfaction != nil && body.satisfaction != .unsatisfied
        guard let name = request.parameters.get("action"), let action = CaseAction.fromRoute(name, satisfied: satisfied),
              action != .rateSatisfied || name == "rate", action != .rateUnsatisfied || name == "rate" else {
            throw AppError.notFound
        }
        let record = try await CaseActions.perform(action, caseID: CaseID(id), input: CaseActions.Input(
            note: body.note ?? "", handlerNodeID: body.handlerNodeId, mergeInto: body.mergeInto, extraDays: body.extraDays,
            solved: body.solved, satisfaction: body.satisfaction, calledAt: body.calledAt, attachmentIDs: body.attachmentIds ?? []),
            in: request.context)
        var dto = CaseText.seesNumbers(actor, record) ? CaseDTO(record) : CaseDTO(record).maskingNumbers()
        dto.actions = CaseActions.available(record, to: actor).map(\.rawValue)
        return dto
    }

    struct TrackDTO: Content {
        let number: String
        let state: CaseState
        let itemCode: String
        let openedAt: Date
        let completionDueAt: Date
        let timeline: [CaseEventDTO]
        /// When the case was merged: the case handled in its place, to follow instead.
        var master: MasterDTO?
    }

    struct MasterDTO: Content {
        let number: String
        let state: CaseState
        let completionDueAt: Date
        let timeline: [CaseEventDTO]
    }

    /// An anonymous submitter follows the case with the code they were given; no names are shown.
    @Sendable func track(_ request: Request) async throws -> TrackDTO {
        guard let code = request.parameters.get("code"), (6...40).contains(code.count),
              let record = try await CaseRecord.query(on: request.db).filter(\.$trackingHash == Tokens.digest(code.uppercased())).first() else {
            throw AppError.notFound
        }
        let events = try await CaseEventRecord.query(on: request.db).filter(\.$caseID == record.id!).sort(\.$seq).all()
        var dto = TrackDTO(number: record.number, state: record.state, itemCode: record.itemCode, openedAt: record.openedAt,
                           completionDueAt: record.completionDueAt,
                           timeline: events.map { CaseEventDTO($0, showActor: false) })
        if let masterID = record.mergedInto, let master = try await CaseRecord.find(masterID, on: request.db) {
            let masterEvents = try await CaseEventRecord.query(on: request.db).filter(\.$caseID == masterID).sort(\.$seq).all()
            dto.master = MasterDTO(number: master.number, state: master.state, completionDueAt: master.completionDueAt,
                                   timeline: masterEvents.map { CaseEventDTO($0, showActor: false) })
        }
        return dto
    }

    @Sendable func catalogue(_ request: Request) async throws -> Catalogue {
        _ = try request.requireActor()
        guard let catalogue = try await CatalogueStore.current(on: request.db) else { throw AppError.conflict("no_catalogue") }
        return catalogue
    }
}

extension Catalogue: Content {}

extension CaseRecord {
    /// The cases `actor` may see (checklist rule 1): placed or handled in a subtree where it holds viewCases, or
    /// submitted by it; a report against an org is never shown to anyone inside that org (unless they submitted it).
    static func visible(to actor: Actor, on db: any Database) -> QueryBuilder<CaseRecord> {
        var query = CaseRecord.query(on: db)
        let scopes = AccessPolicy.scopes(.viewCases, actor: actor)
        let userID = actor.userID.uuid
        query = query.group(.or) { group in
            for scope in scopes {
                group.filter(\.$placePath =~ scope.rawValue)
                group.filter(\.$handlerPath =~ scope.rawValue)
            }
            group.filter(\.$submitterUserID == userID)
            // The cases the caller's own cases were merged into.
            group.filter(.custom(SQLQueryString("cases.id IN (SELECT m.merged_into FROM cases m WHERE m.merged_into IS NOT NULL AND m.submitter_user_id = \(bind: userID))")))
        }
        for grant in actor.grants {
            query = query.group(.or) { group in
                group.filter(\.$accusedPath == nil)
                group.filter(.custom(SQLQueryString("NOT (\(bind: grant.path.rawValue) LIKE cases.accused_path || '%')")))
                // The supervisory body handling a report against its own district (`CasePolicy.isInside`).
                let path = grant.path.rawValue
                group.filter(.custom(SQLQueryString("(cases.handler_path <> cases.accused_path AND cases.handler_path LIKE cases.accused_path || '%' AND \(bind: path) LIKE cases.handler_path || '%')")))
                group.filter(\.$submitterUserID == userID)
            }
        }
        return query
    }
}
