import Fluent
import Foundation
import GongzhiCore
import Vapor

struct NeedDTO: Content {
    struct LinkedCase: Content {
        let id: UUID
        let number: String
        let title: String
        let state: CaseState
    }

    let id: UUID
    let communityId: UUID
    let compoundId: UUID?
    let title: String
    let description: String
    let place: String
    let state: NeedRules.State
    let origin: NeedRecord.Origin
    let supportCount: Int
    /// How many supporters make it a topic in its community.
    let supportThreshold: Int?
    let supportedByMe: Bool?
    let createdAt: Date
    let topicAt: Date?
    let decisionNote: String
    let itemCode: String?
    let caseCount: Int?
    /// The linked cases the caller may see (staff only).
    let cases: [LinkedCase]?
    /// The photos' addresses (served after the need's access check).
    let photos: [String]?

    /// `reader`: numbers typed into the title and description are masked unless they may see them (`NeedText`).
    init(_ need: NeedRecord, reader: Actor, threshold: Int? = nil, supportedByMe: Bool? = nil, caseCount: Int? = nil, cases: [LinkedCase]? = nil,
         photos: [UUID]? = nil) {
        id = need.id!
        communityId = need.communityID
        compoundId = need.compoundID
        title = NeedText.shown(need.title, to: reader, of: need)
        description = NeedText.shown(need.details, to: reader, of: need)
        place = need.place
        state = need.state
        origin = need.origin
        supportCount = need.supportCount
        supportThreshold = threshold
        self.supportedByMe = supportedByMe
        createdAt = need.createdAt
        topicAt = need.topicAt
        decisionNote = need.decisionNote
        itemCode = need.itemCode
        self.caseCount = caseCount
        self.cases = cases
        self.photos = photos?.map { "/api/v1/needs/\(need.id!.uuidString.lowercased())/photos/\($0.uuidString.lowercased())" }
    }

    /// The need with what the caller may know about it: their support, the threshold, the cases behind it.
    static func detail(_ need: NeedRecord, access: Needs.Access, actor: Actor, on db: any Database) async throws -> NeedDTO {
        let userID = actor.userID.uuid
        let mine = try await NeedSupportRecord.query(on: db).filter(\.$needID == need.id!).filter(\.$userID == userID).count() > 0
        let threshold = try await DeliberationSettingsRecord.threshold(for: need.communityID, on: db)
        let links = try await NeedCaseRecord.query(on: db).filter(\.$needID == need.id!).all()
        var cases: [LinkedCase]?
        if access.staff, AccessPolicy.allowsAnywhere(.viewCases, actor: actor) {
            var visible: [LinkedCase] = []
            for link in links {
                if let record = try? await CaseActions.visibleCase(link.caseID, actor: actor, on: db) {
                    visible.append(LinkedCase(id: record.id!, number: record.number, title: record.title, state: record.state))
                }
            }
            cases = visible
        }
        let photos = try await DeliberationPhotos.ids(.need, of: [need.id!], on: db)[need.id!] ?? []
        return NeedDTO(need, reader: actor, threshold: threshold, supportedByMe: mine, caseCount: links.count, cases: cases, photos: photos)
    }
}

struct NeedSuggestionDTO: Content {
    let itemCode: String
    let caseIds: [UUID]
    let numbers: [String]
    let address: String
}

struct DeliberationSettingsDTO: Content {
    let communityId: UUID
    let needSupportThreshold: Int
}

/// `/api/v1/needs`: the needs list, support, topics, needs from repeated cases; `/api/v1/deliberation-settings`.
struct NeedsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let needs = routes.grouped("api", "v1", "needs")
        needs.get(use: list)
        needs.post(use: raise)
        needs.get("suggestions", use: suggestions)
        needs.post("from-cases", use: fromCases)
        needs.get(":id", use: show)
        needs.post(":id", "support", use: support)
        needs.on(.POST, ":id", "photos", bodyUpTo: CasePhoto.maxFormSize, use: addPhotos)
        needs.get(":id", "photos", ":photoId", use: photo)
        needs.post(":id", "take-up", use: takeUp)
        needs.post(":id", "decline", use: decline)
        needs.post(":id", "close", use: close)
        let settings = routes.grouped("api", "v1", "deliberation-settings")
        settings.get(":id", use: getSettings)
        settings.put(":id", use: putSettings)
    }

    static func states(_ request: Request) throws -> [NeedRules.State] {
        guard let raw = try? request.query.get(String.self, at: "state"), !raw.isEmpty else { return [] }
        guard let state = NeedRules.State(rawValue: raw) else { throw AppError.invalid("state") }
        return [state]
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<NeedDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await Needs.list(actor: actor, states: try Self.states(request), offset: paging.offset, limit: paging.limit, on: request.db)
        return ListPage(items: page.items.map { NeedDTO($0, reader: actor) }, total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct RaiseBody: Content {
        var title: String?
        var description: String?
        var place: String?
        var communityId: UUID?
        var compoundId: UUID?
    }

    @Sendable func raise(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        try Needs.requireMayRaise(actor)
        let body = try request.content.decode(RaiseBody.self)
        let need = try await Needs.raise(Needs.Draft(title: body.title, details: body.description, place: body.place,
                                                     communityID: body.communityId, compoundID: body.compoundId), in: request.context)
        return try await NeedDTO(need, reader: actor).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> NeedDTO {
        let actor = try request.requireActor()
        let (need, access) = try await Needs.visible(try request.uuidParameter(), actor: actor, on: request.db)
        return try await NeedDTO.detail(need, access: access, actor: actor, on: request.db)
    }

    struct PhotosForm: Content {
        var file: File?
        var photos: [File]?
    }

    /// Adds photos (`file`, or several as `photos[]`) to a need.
    @Sendable func addPhotos(_ request: Request) async throws -> NeedDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Needs.visible(id, actor: actor, on: request.db)
        let form = try request.content.decode(PhotosForm.self)
        let photos = try DeliberationPhotos.checked((form.file.map { [$0] } ?? []) + (form.photos ?? []))
        guard !photos.isEmpty else { throw AppError.invalid("file", "required") }
        try await Needs.addPhotos(id, photos, in: request.context)
        let (need, access) = try await Needs.visible(id, actor: actor, on: request.db)
        return try await NeedDTO.detail(need, access: access, actor: actor, on: request.db)
    }

    @Sendable func photo(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let (need, _) = try await Needs.visible(try request.uuidParameter(), actor: actor, on: request.db)
        return try await DeliberationPhotos.serve(try request.uuidParameter("photoId"), subject: .need, of: [need.id!], in: request.context)
    }

    @Sendable func support(_ request: Request) async throws -> NeedDTO {
        let actor = try request.requireActor()
        return NeedDTO(try await Needs.support(try request.uuidParameter(), in: request.context), reader: actor)
    }

    struct NoteBody: Content {
        var note: String?
    }

    func decide(_ request: Request, _ event: NeedRules.Event) async throws -> NeedDTO {
        let actor = try request.requireActor()
        // The note is optional: no body at all is an empty note.
        let body = (request.body.data?.readableBytes ?? 0) > 0 ? try request.content.decode(NoteBody.self) : NoteBody()
        return NeedDTO(try await Needs.decide(try request.uuidParameter(), event, note: body.note, in: request.context), reader: actor)
    }

    @Sendable func takeUp(_ request: Request) async throws -> NeedDTO { try await decide(request, .takeUp) }
    @Sendable func decline(_ request: Request) async throws -> NeedDTO { try await decide(request, .decline) }
    @Sendable func close(_ request: Request) async throws -> NeedDTO { try await decide(request, .close) }

    @Sendable func suggestions(_ request: Request) async throws -> [NeedSuggestionDTO] {
        let actor = try request.requireActor()
        return try await Needs.suggestions(actor: actor, on: request.db, now: request.now).map { group, cases in
            NeedSuggestionDTO(itemCode: group.itemCode, caseIds: cases.map { $0.id! }, numbers: cases.map(\.number), address: cases.first?.address ?? "")
        }
    }

    struct FromCasesBody: Content {
        var caseIds: [UUID]?
        var title: String?
    }

    @Sendable func fromCases(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let body = try request.content.decode(FromCasesBody.self)
        guard let ids = body.caseIds else { throw AppError.invalid("caseIds", "required") }
        let title = try body.title.map { try Validate.name($0, field: "title") }
        let need = try await Needs.fromCases(ids.map(CaseID.init), title: title, in: request.context)
        return try await NeedDTO(need, reader: actor).encodeResponse(status: .created, for: request)
    }

    @Sendable func getSettings(_ request: Request) async throws -> DeliberationSettingsDTO {
        let actor = try request.require(.viewDeliberation)
        let node = try await Scoped.find(OrgNodeRecord.self, try request.uuidParameter(), actor: actor, .viewDeliberation, on: request.db)
        guard node.isArea(.community) else { throw AppError.notFound }
        return DeliberationSettingsDTO(communityId: node.id!, needSupportThreshold: try await DeliberationSettingsRecord.threshold(for: node.id!, on: request.db))
    }

    struct SettingsBody: Content {
        var needSupportThreshold: Int?
    }

    @Sendable func putSettings(_ request: Request) async throws -> DeliberationSettingsDTO {
        _ = try request.require(.manageDeliberation)
        let body = try request.content.decode(SettingsBody.self)
        guard let threshold = body.needSupportThreshold else { throw AppError.invalid("needSupportThreshold", "required") }
        let settings = try await Needs.setThreshold(threshold, community: try request.idParameter(), in: request.context)
        return DeliberationSettingsDTO(communityId: settings.communityID, needSupportThreshold: settings.needSupportThreshold)
    }
}

/// Who sees the mobile and ID numbers typed into a need (issue 24 finding 6): whoever raised it, and staff with the
/// right to unmask personal data in its community; other residents see them masked.
enum NeedText {
    static func shown(_ text: String, to actor: Actor, of need: NeedRecord) -> String {
        if AccountID(need.raisedBy) == actor.userID { return text }
        if let path = OrgPath(need.orgPath), AccessPolicy.allows(.unmaskPersonalData, actor: actor, at: path) { return text }
        return Masking.numbersInText(text)
    }
}
