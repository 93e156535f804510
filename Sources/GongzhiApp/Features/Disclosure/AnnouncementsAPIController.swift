import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/announcements`: a community's announcements (社区公告). Reading needs no account for public ones.
struct AnnouncementsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let announcements = routes.grouped("api", "v1", "announcements")
        announcements.get(use: list)
        announcements.post(use: publish)
        announcements.get(":id", use: show)
        announcements.post(":id", "withdraw", use: withdraw)
        announcements.on(.POST, ":id", "photos", bodyUpTo: CasePhoto.maxFormSize, use: addPhotos)
        announcements.get(":id", "photos", ":photoId", use: photo)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<AnnouncementDTO> {
        let paging = try Paging(request)
        let community = try Self.community(request)
        let actor = request.current?.actor
        if actor == nil, community == nil { throw AppError.invalid("communityId", "required") }
        let page = try await Announcements.list(actor: actor, community: community, offset: paging.offset, limit: paging.limit, now: request.now, on: request.db)
        let publishers = try await Announcements.publishers(of: page.items, on: request.db)
        let counts = try await Self.counts(page.items, actor: actor, request: request)
        return ListPage(items: page.items.map { AnnouncementDTO($0, publisher: publishers[$0.id!] ?? "", now: request.now, readCount: counts[$0.id!]) },
                        total: page.total, offset: paging.offset, limit: paging.limit)
    }

    static func community(_ request: Request) throws -> UUID? {
        guard let raw = request.query[String.self, at: "communityId"], !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.invalid("communityId") }
        return id
    }

    /// Read counts of the rows the reader manages (publishers and the staff who oversee them).
    static func counts(_ records: [AnnouncementRecord], actor: Actor?, request: Request) async throws -> [UUID: Int] {
        let committees = try await Announcements.committees(of: actor, on: request.db).compactMap(\.id)
        let staffRows = records.filter { (try? Announcements.access(actor, to: $0, homes: [], committees: committees, now: request.now).staff) == true }
        let counts = try await Announcements.readCounts(staffRows.compactMap(\.id), on: request.db)
        return Dictionary(uniqueKeysWithValues: staffRows.map { ($0.id!, counts[$0.id!] ?? 0) })
    }

    struct PublishBody: Content {
        var communityId: UUID?
        var committeeId: UUID?
        var scope: Announcement.Scope?
        var compoundId: UUID?
        var buildingId: UUID?
        var title: String?
        var body: String?
        var isPublic: Bool?
        var pinned: Bool?
        var publishFrom: Date?
        var publishUntil: Date?
    }

    @Sendable func publish(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let body = try request.content.decode(PublishBody.self)
        let record = try await Announcements.publish(.init(
            communityID: body.communityId, committeeID: body.committeeId, scope: body.scope ?? (body.committeeId == nil ? .community : .compound),
            compoundID: body.compoundId, buildingID: body.buildingId, title: body.title, body: body.body,
            isPublic: body.isPublic ?? (body.committeeId == nil), pinned: body.pinned ?? false, from: body.publishFrom, until: body.publishUntil),
            in: request.context)
        return try await detail(record, access: .init(manage: true, staff: true, resident: false), request: request).encodeResponse(status: .created, for: request)
    }

    func detail(_ record: AnnouncementRecord, access: Announcements.Access, request: Request) async throws -> AnnouncementDTO {
        let db = request.db
        let publisher = try await Announcements.publishers(of: [record], on: db)[record.id!] ?? ""
        let photos = try await DeliberationPhotos.ids(.announcement, of: [record.id!], on: db)[record.id!] ?? []
        var dto = AnnouncementDTO(record, publisher: publisher, now: request.now,
                                  readCount: access.staff ? try await Announcements.readCounts([record.id!], on: db)[record.id!] ?? 0 : nil)
        dto.photos = photos.map { "/api/v1/announcements/\(record.id!.uuidString.lowercased())/photos/\($0.uuidString.lowercased())" }
        if access.staff { dto.audience = try await Announcements.audienceSize(record, on: db) }
        return dto
    }

    /// One announcement; a resident it is addressed to is counted as having read it.
    @Sendable func show(_ request: Request) async throws -> AnnouncementDTO {
        let (record, access) = try await Announcements.visible(try request.uuidParameter(), actor: request.current?.actor, now: request.now, on: request.db)
        try await Announcements.noteRead(record, access: access, in: request.context)
        return try await detail(record, access: access, request: request)
    }

    struct WithdrawBody: Content {
        var reason: String?
    }

    @Sendable func withdraw(_ request: Request) async throws -> AnnouncementDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Announcements.visible(id, actor: actor, now: request.now, on: request.db)
        let body = try request.content.decode(WithdrawBody.self)
        let record = try await Announcements.withdraw(id, reason: body.reason, in: request.context)
        return try await detail(record, access: .init(manage: true, staff: true, resident: false), request: request)
    }

    struct PhotosForm: Content {
        var file: File?
        var photos: [File]?
    }

    @Sendable func addPhotos(_ request: Request) async throws -> AnnouncementDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let (_, access) = try await Announcements.visible(id, actor: actor, now: request.now, on: request.db)
        guard access.manage else { throw access.staff ? AppError.forbidden : AppError.notFound }
        let form = try request.content.decode(PhotosForm.self)
        let photos = try DeliberationPhotos.checked((form.file.map { [$0] } ?? []) + (form.photos ?? []))
        guard !photos.isEmpty else { throw AppError.invalid("file", "required") }
        try await Announcements.addPhotos(id, photos, in: request.context)
        let (record, now) = try await Announcements.visible(id, actor: actor, now: request.now, on: request.db)
        return try await detail(record, access: now, request: request)
    }

    @Sendable func photo(_ request: Request) async throws -> Response {
        let (record, _) = try await Announcements.visible(try request.uuidParameter(), actor: request.current?.actor, now: request.now, on: request.db)
        return try await DeliberationPhotos.serve(try request.uuidParameter("photoId"), subject: .announcement, of: [record.id!], in: request.context)
    }
}

struct AnnouncementDTO: Content {
    let id: UUID
    let communityId: UUID
    let committeeId: UUID?
    /// The community's or the committee's name.
    let publisher: String
    let scope: Announcement.Scope
    let compoundId: UUID?
    let buildingId: UUID?
    let title: String
    let body: String
    let isPublic: Bool
    let pinned: Bool
    let publishFrom: Date
    let publishUntil: Date?
    let status: Announcement.Status
    let withdrawnAt: Date?
    let withdrawnReason: String?
    var photos: [String]?
    /// Residents who opened it (for its publishers and the staff who oversee them).
    let readCount: Int?
    /// Resident accounts living where it is addressed (same readers).
    var audience: Int?

    init(_ record: AnnouncementRecord, publisher: String, now: Date, readCount: Int?) {
        id = record.id!
        communityId = record.communityID
        committeeId = record.committeeID
        self.publisher = publisher
        scope = record.scope
        compoundId = record.compoundID
        buildingId = record.buildingID
        title = record.title
        body = record.body
        isPublic = record.isPublic
        pinned = record.pinned
        publishFrom = record.publishFrom
        publishUntil = record.publishUntil
        status = record.status(at: now)
        withdrawnAt = record.withdrawnAt
        withdrawnReason = record.withdrawnAt == nil ? nil : record.withdrawnReason
        self.readCount = readCount
    }
}
