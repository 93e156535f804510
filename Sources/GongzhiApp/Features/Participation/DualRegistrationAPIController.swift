import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/party`: dual registration (双报到) — registrations and receipts, service posts, service logged and
/// confirmed, and the report to each unit (双报告).
struct DualRegistrationAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let party = routes.grouped("api", "v1", "party")
        party.get("registrations", use: registrations)
        party.post("registrations", use: register)
        party.post("registrations", ":id", "decision", use: decide)
        party.post("registrations", ":id", "withdraw", use: withdraw)
        party.get("receipts", ":code", use: receipt)
        party.get("posts", use: posts)
        party.post("posts", use: createPost)
        party.post("posts", ":id", "close", use: closePost)
        party.post("posts", ":id", "claim", use: claim)
        party.post("posts", ":id", "release", use: release)
        party.get("service", use: service)
        party.post("service", use: logService)
        party.post("service", ":id", "decision", use: decideService)
        party.get("report", use: report)
    }

    struct RegistrationDTO: Content {
        let id: UUID
        let organisationId: UUID
        let communityId: UUID
        let kind: DualRegistration.Kind
        let state: DualRegistration.State
        /// The member's name (masked for the street), or the unit's.
        let name: String
        let unitId: UUID?
        let unitName: String
        let branch: String
        let offer: String
        /// The receipt's code (the member, the unit and the organisation; not the street).
        let receipt: String?
        let reason: String
        let decidedAt: Date?
        let endedAt: Date?
        let createdAt: Date
    }

    static func dto(_ record: PartyRegistrationRecord, name: String, showReceipt: Bool) -> RegistrationDTO {
        RegistrationDTO(id: record.id!, organisationId: record.organisationID, communityId: record.communityID, kind: record.kind, state: record.state, name: name,
                        unitId: record.unitID, unitName: record.unitName, branch: record.branch, offer: record.offer,
                        receipt: showReceipt ? record.receipt.map(DualRegistration.Receipt.display) : nil, reason: record.reason,
                        decidedAt: record.decidedAt, endedAt: record.endedAt, createdAt: record.createdAt)
    }

    /// Registrations with the names their reader may see.
    static func dtos(_ records: [PartyRegistrationRecord], reader: DualRegistration.Reader?, on db: any Database) async throws -> [RegistrationDTO] {
        let names = Dictionary(uniqueKeysWithValues: try await PersonRecord.query(on: db).filter(\.$id ~~ Set(records.compactMap(\.personID))).all().map { ($0.id!, $0.name) })
        return records.map { record in
            let name = record.personID.flatMap { names[$0] }.map { reader == .street ? Masking.name($0) : $0 } ?? record.unitName
            return dto(record, name: name, showReceipt: reader != .street)
        }
    }

    @Sendable func registrations(_ request: Request) async throws -> [RegistrationDTO] {
        let actor = try request.requireActor()
        let db = request.db
        guard let id = try request.queryUUID("organisationId") else {
            return try await Self.dtos(try await DualRegistrations.mine(actor, on: db), reader: nil, on: db)
        }
        let (organisation, reader) = try await DualRegistrations.organisation(id, actor: actor, on: db)
        let records = try await PartyRegistrationRecord.query(on: db).filter(\.$organisationID == organisation.id!).sort(\.$createdAt, .descending).limit(1_000).all()
        return try await Self.dtos(records, reader: reader, on: db)
    }

    struct RegisterBody: Content {
        var kind: DualRegistration.Kind?
        var unitId: UUID?
        var unitName: String?
        var branch: String?
        var offer: String?
    }

    @Sendable func register(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let body = try request.content.decode(RegisterBody.self)
        let record = try await DualRegistrations.register(.init(kind: body.kind, unitID: body.unitId, unitName: body.unitName, branch: body.branch, offer: body.offer),
                                                          in: request.context)
        let standing = try await DualRegistrations.standing(actor, record, on: request.db)
        return try await Self.dtos([record], reader: standing == .own ? nil : .organisation, on: request.db)[0].encodeResponse(status: .created, for: request)
    }

    struct DecisionBody: Content {
        var decision: String?
        var reason: String?

        var confirm: Bool? { decision == "confirm" ? true : decision == "decline" ? false : nil }
    }

    @Sendable func decide(_ request: Request) async throws -> RegistrationDTO {
        _ = try request.requireActor()
        let body = try request.content.decode(DecisionBody.self)
        let record = try await DualRegistrations.decide(try request.uuidParameter(), confirm: body.confirm, reason: body.reason, in: request.context)
        return try await Self.dtos([record], reader: .organisation, on: request.db)[0]
    }

    struct ReasonBody: Content {
        var reason: String?
    }

    @Sendable func withdraw(_ request: Request) async throws -> RegistrationDTO {
        let actor = try request.requireActor()
        let body = try request.content.decode(ReasonBody.self)
        let record = try await DualRegistrations.withdraw(try request.uuidParameter(), reason: body.reason, in: request.context)
        let standing = try await DualRegistrations.standing(actor, record, on: request.db)
        return try await Self.dtos([record], reader: standing == .own ? nil : .organisation, on: request.db)[0]
    }

    struct YearMinutes: Content {
        let year: Int
        let minutes: Int
    }

    struct ReceiptDTO: Content {
        let code: String
        /// The member's name, masked; or the unit's.
        let holder: String
        let kind: DualRegistration.Kind
        let state: DualRegistration.State
        let unitName: String
        let organisation: String
        let community: String
        let confirmedAt: Date?
        let endedAt: Date?
        /// Confirmed service this year and last.
        let service: [YearMinutes]
    }

    static func dto(_ receipt: DualRegistrations.Receipt) -> ReceiptDTO {
        ReceiptDTO(code: DualRegistration.Receipt.display(receipt.code), holder: receipt.holder, kind: receipt.kind, state: receipt.state, unitName: receipt.unitName,
                   organisation: receipt.organisation, community: receipt.community, confirmedAt: receipt.confirmedAt, endedAt: receipt.endedAt,
                   service: receipt.minutesByYear.map { YearMinutes(year: $0.year, minutes: $0.minutes) })
    }

    /// Anyone holding the code (the member's unit) verifies it: no account needed.
    @Sendable func receipt(_ request: Request) async throws -> ReceiptDTO {
        guard let code = request.parameters.get("code") else { throw AppError.notFound }
        return Self.dto(try await DualRegistrations.receipt(code, today: CivilDate(request.now), on: request.db))
    }

    struct PostDTO: Content {
        let id: UUID
        let organisationId: UUID
        let title: String
        let details: String
        let capacity: Int?
        let held: Int
        let open: Bool
        /// Whether the caller's registration holds it.
        let mine: Bool
    }

    static func postDTOs(_ posts: [PartyServicePostRecord], registration: UUID?, on db: any Database) async throws -> [PostDTO] {
        let claims = posts.isEmpty ? [] : try await PartyPostClaimRecord.query(on: db).filter(\.$postID ~~ posts.compactMap(\.id)).filter(\.$releasedAt == nil).all()
        return posts.map { post in
            let held = claims.filter { $0.postID == post.id }
            return PostDTO(id: post.id!, organisationId: post.organisationID, title: post.title, details: post.details, capacity: post.capacity, held: held.count,
                           open: post.open, mine: registration.map { id in held.contains { $0.registrationID == id } } ?? false)
        }
    }

    /// The posts of an organisation the caller reads, or (without `organisationId`) of the one the caller is registered with.
    @Sendable func posts(_ request: Request) async throws -> [PostDTO] {
        let actor = try request.requireActor()
        let db = request.db
        if let id = try request.queryUUID("organisationId") {
            _ = try await DualRegistrations.organisation(id, actor: actor, on: db)
            let posts = try await PartyServicePostRecord.query(on: db).filter(\.$organisationID == id).sort(\.$createdAt, .descending).limit(200).all()
            return try await Self.postDTOs(posts, registration: nil, on: db)
        }
        guard let registration = try await DualRegistrations.mine(actor, on: db).first(where: { $0.state == .confirmed }) else { return [] }
        let posts = try await PartyServicePostRecord.query(on: db).filter(\.$organisationID == registration.organisationID).sort(\.$createdAt, .descending).limit(200).all()
        return try await Self.postDTOs(posts, registration: registration.id, on: db)
    }

    struct PostBody: Content {
        var organisationId: UUID?
        var title: String?
        var details: String?
        var capacity: Int?
    }

    @Sendable func createPost(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let body = try request.content.decode(PostBody.self)
        let post = try await PartyService.createPost(.init(organisationID: body.organisationId, title: body.title, details: body.details, capacity: body.capacity),
                                                     in: request.context)
        return try await Self.postDTOs([post], registration: nil, on: request.db)[0].encodeResponse(status: .created, for: request)
    }

    @Sendable func closePost(_ request: Request) async throws -> PostDTO {
        _ = try request.requireActor()
        let post = try await PartyService.closePost(try request.uuidParameter(), in: request.context)
        return try await Self.postDTOs([post], registration: nil, on: request.db)[0]
    }

    @Sendable func claim(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let claim = try await PartyService.claim(try request.uuidParameter(), in: request.context)
        let post = try await PartyService.findPost(claim.postID, on: request.db)
        return try await Self.postDTOs([post], registration: claim.registrationID, on: request.db)[0].encodeResponse(status: .created, for: request)
    }

    @Sendable func release(_ request: Request) async throws -> PostDTO {
        _ = try request.requireActor()
        let id = try request.uuidParameter()
        try await PartyService.release(id, in: request.context)
        return try await Self.postDTOs([try await PartyService.findPost(id, on: request.db)], registration: nil, on: request.db)[0]
    }

    struct ServiceDTO: Content {
        let id: UUID
        let registrationId: UUID
        let postId: UUID?
        let day: String
        let minutes: Int
        let note: String
        let state: PartyServiceLogRecord.State
        let reason: String
        let createdAt: Date
    }

    static func dto(_ entry: PartyServiceLogRecord) -> ServiceDTO {
        ServiceDTO(id: entry.id!, registrationId: entry.registrationID, postId: entry.postID, day: entry.day, minutes: entry.minutes, note: entry.note,
                   state: entry.state, reason: entry.reason, createdAt: entry.createdAt)
    }

    /// Service logged: an organisation's (those waiting first) for its readers, or the caller's own.
    @Sendable func service(_ request: Request) async throws -> [ServiceDTO] {
        let actor = try request.requireActor()
        let db = request.db
        let registrations: [UUID]
        if let id = try request.queryUUID("organisationId") {
            _ = try await DualRegistrations.organisation(id, actor: actor, on: db)
            registrations = try await PartyRegistrationRecord.query(on: db).filter(\.$organisationID == id).all().compactMap(\.id)
        } else {
            registrations = try await DualRegistrations.mine(actor, on: db).compactMap(\.id)
        }
        guard !registrations.isEmpty else { return [] }
        return try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID ~~ registrations).sort(\.$day, .descending).sort(\.$createdAt, .descending)
            .limit(500).all().map(Self.dto)
    }

    struct LogBody: Content {
        var registrationId: UUID?
        var postId: UUID?
        var day: String?
        var minutes: Int?
        var note: String?
    }

    @Sendable func logService(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let body = try request.content.decode(LogBody.self)
        let day: CivilDate?
        if let text = body.day {
            guard let parsed = CivilDate(iso: text) else { throw AppError.invalid("day") }
            day = parsed
        } else { day = nil }
        let entry = try await PartyService.log(.init(registrationID: body.registrationId, postID: body.postId, day: day, minutes: body.minutes, note: body.note),
                                               in: request.context)
        return try await Self.dto(entry).encodeResponse(status: .created, for: request)
    }

    @Sendable func decideService(_ request: Request) async throws -> ServiceDTO {
        _ = try request.requireActor()
        let body = try request.content.decode(DecisionBody.self)
        return Self.dto(try await PartyService.decide(try request.uuidParameter(), confirm: body.confirm, reason: body.reason, in: request.context))
    }

    struct ReportLineDTO: Content {
        let registrationId: UUID
        let kind: DualRegistration.Kind
        let name: String
        let state: DualRegistration.State
        let confirmedMinutes: Int
        let pendingMinutes: Int
        let entries: Int
        let posts: [String]
    }

    struct UnitReportDTO: Content {
        let unitName: String
        let unitId: UUID?
        let confirmedMinutes: Int
        let lines: [ReportLineDTO]
    }

    static func dto(_ report: PartyService.UnitReport) -> UnitReportDTO {
        UnitReportDTO(unitName: report.unitName, unitId: report.unitID, confirmedMinutes: report.confirmedMinutes, lines: report.lines.map {
            ReportLineDTO(registrationId: $0.registration.id!, kind: $0.registration.kind, name: $0.name, state: $0.registration.state,
                          confirmedMinutes: $0.line.confirmedMinutes, pendingMinutes: $0.line.pendingMinutes, entries: $0.line.entries, posts: $0.posts)
        })
    }

    static func year(_ request: Request) throws -> Int {
        let thisYear = CivilDate(request.now).year
        guard let year = try request.queryInt("year") else { return thisYear }
        guard (2000...thisYear).contains(year) else { throw AppError.invalid("year", "out_of_range") }
        return year
    }

    /// Each unit's report for a year (this year by default); `unit` narrows it to one unit (its id or name).
    @Sendable func report(_ request: Request) async throws -> [UnitReportDTO] {
        let actor = try request.requireActor()
        let id = try request.queryUUID("organisationId")
        let unit = try request.queryValue("unit")
        return try await PartyService.report(organisationID: id, year: try Self.year(request), unit: unit, actor: actor, on: request.db).map(Self.dto)
    }
}
