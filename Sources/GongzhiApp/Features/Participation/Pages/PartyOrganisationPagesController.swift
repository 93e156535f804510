import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The party organisation's side of dual registration: registrations to confirm, the members and units in force,
/// service posts, service to confirm, and each unit's report (双报告). The street sees the same, without the forms
/// and with names masked.
struct PartyOrganisationPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("party", "manage", use: manage)
        routes.post("party", "registrations", ":id", "decide", use: decide)
        routes.post("party", "posts", use: createPost)
        routes.post("party", "posts", ":id", "close", use: closePost)
        routes.post("party", "service", ":id", "decide", use: decideService)
        routes.get("party", "report", use: report)
    }

    static let flashes = ["decided", "withdrawn", "posted", "closed", "confirmed"]

    struct RegistrationRow: Encodable {
        let id: String
        let name: String
        let kindLabel: String
        let unitName: String
        let branch: String
        let offer: String
        let day: String
        let receipt: String?
    }

    struct PostRow: Encodable {
        let id: String
        let title: String
        let details: String
        let places: String
        let open: Bool
    }

    struct ServiceRow: Encodable {
        let id: String
        let name: String
        let day: String
        let hours: String
        let note: String
        let post: String
    }

    struct ManageView: Encodable {
        let page: PageBase
        let organisations: [SelectOption]
        let organisationID: String
        let organisation: String
        let runs: Bool
        let pending: [RegistrationRow]
        let members: [RegistrationRow]
        let posts: [PostRow]
        let service: [ServiceRow]
        let counts: Counts
        let year: Int
        let flash: String?
        let messages: [FormMessage]
    }

    struct Counts: Encodable {
        let inService: Int
        let retired: Int
        let units: Int
    }

    /// The organisation chosen (`organisation`), else the first the actor reads; 404 when there is none.
    static func chosen(_ request: Request, actor: Actor, id: UUID? = nil) async throws -> (all: [(node: OrgNodeRecord, reader: DualRegistration.Reader)], node: OrgNodeRecord, reader: DualRegistration.Reader) {
        let all = try await DualRegistrations.organisations(for: actor, on: request.db)
        let wanted = try id ?? request.queryUUID("organisation", emptyIsAbsent: true)
        let found = wanted.map { id in all.first { $0.node.id == id } } ?? all.first
        guard let pick = found ?? nil else { throw AppError.notFound }
        return (all, pick.node, pick.reader)
    }

    @Sendable func manage(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let flash = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? Strings.text("party.done.\($0)", request.lang) : nil }
        return try await render(request, actor: actor, flash: flash)
    }

    func render(_ request: Request, actor: Actor, organisationID: UUID? = nil, flash: String? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db, lang = request.lang
        let (all, organisation, reader) = try await Self.chosen(request, actor: actor, id: organisationID)
        let id = organisation.id!
        let records = try await PartyRegistrationRecord.query(on: db).filter(\.$organisationID == id).filter(\.$state ~~ [.pending, .confirmed])
            .sort(\.$createdAt).limit(1_000).all()
        let dtos = try await DualRegistrationAPIController.dtos(records, reader: reader, on: db)
        let rows = zip(records, dtos).map { record, dto in
            RegistrationRow(id: record.id!.uuidString.lowercased(), name: dto.name, kindLabel: Strings.text("party.kind.\(record.kind.rawValue)", lang),
                            unitName: record.unitName, branch: record.branch, offer: record.offer, day: PageDates.minute(record.decidedAt ?? record.createdAt), receipt: dto.receipt)
        }
        let confirmed = records.filter { $0.state == .confirmed }
        let postRecords = try await PartyServicePostRecord.query(on: db).filter(\.$organisationID == id).sort(\.$open, .descending).sort(\.$createdAt, .descending).limit(100).all()
        let posts = try await DualRegistrationAPIController.postDTOs(postRecords, registration: nil, on: db).map { dto in
            PostRow(id: dto.id.uuidString.lowercased(), title: dto.title, details: dto.details, places: PartyMemberPagesController.places(dto, lang), open: dto.open)
        }
        let names = Dictionary(uniqueKeysWithValues: zip(records.map { $0.id! }, dtos.map(\.name)))
        let titles = Dictionary(uniqueKeysWithValues: postRecords.map { ($0.id!, $0.title) })
        let waiting = confirmed.isEmpty ? [] : try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID ~~ confirmed.compactMap(\.id)).filter(\.$state == .pending)
            .sort(\.$day).limit(100).all()
        let view = ManageView(
            page: await PageBase.make(for: request, title: Strings.text("party.manage_title", lang)),
            organisations: all.map { SelectOption(value: $0.node.id!.uuidString.lowercased(), label: $0.node.name, selected: $0.node.id == id) },
            organisationID: id.uuidString.lowercased(), organisation: organisation.name, runs: reader == .organisation,
            pending: zip(records, rows).filter { $0.0.state == .pending }.map(\.1), members: zip(records, rows).filter { $0.0.state == .confirmed }.map(\.1),
            posts: posts,
            service: waiting.map {
                ServiceRow(id: $0.id!.uuidString.lowercased(), name: names[$0.registrationID] ?? "", day: $0.day, hours: DualRegistration.hours($0.minutes), note: $0.note,
                           post: $0.postID.flatMap { titles[$0] } ?? "")
            },
            counts: Counts(inService: confirmed.filter { $0.kind == .inService }.count, retired: confirmed.filter { $0.kind == .retired }.count,
                           units: confirmed.filter { $0.kind == .unit }.count),
            year: CivilDate(request.now).year, flash: flash, messages: messages)
        return try await request.view.render("participation/party-manage", view).encodeResponse(status: status, for: request)
    }

    func act(_ request: Request, organisation: UUID, done: String, _ body: () async throws -> Void) async throws -> Response {
        let actor = try request.requireActor()
        do {
            try await body()
            return PageRedirect.to("/party/manage?organisation=\(organisation.uuidString.lowercased())&done=\(done)", for: request)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, actor: actor, organisationID: organisation, messages: request.formMessages(for: error), status: error.status)
        }
    }

    struct DecisionForm: Content {
        var decision: String?
        var reason: String?
    }

    @Sendable func decide(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let record = try await DualRegistrations.find(id, on: request.db)
        guard case .reader = try await DualRegistrations.standing(actor, record, on: request.db) else { throw AppError.forbidden }
        let form = try request.content.decode(DecisionForm.self)
        let confirm: Bool? = form.decision == "confirm" ? true : form.decision == "decline" ? false : nil
        return try await act(request, organisation: record.organisationID, done: "decided") {
            _ = try await DualRegistrations.decide(id, confirm: confirm, reason: form.reason, in: request.context)
        }
    }

    struct PostForm: Content {
        var organisationId: String?
        var title: String?
        var details: String?
        var capacity: String?
    }

    @Sendable func createPost(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(PostForm.self)
        let organisation = try NeedPagesController.optionalUUID(form.organisationId, field: "organisationId")
        let (_, node, _) = try await Self.chosen(request, actor: actor, id: organisation)
        return try await act(request, organisation: node.id!, done: "posted") {
            let capacity = try form.capacity.flatMap { $0.isEmpty ? nil : $0 }.map { text in
                guard let value = Int(text) else { throw AppError.invalid("capacity") }
                return value
            }
            _ = try await PartyService.createPost(.init(organisationID: node.id, title: form.title, details: form.details, capacity: capacity), in: request.context)
        }
    }

    @Sendable func closePost(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let (post, _, reader) = try await PartyService.visiblePost(id, actor: actor, on: request.db)
        guard reader != nil else { throw AppError.forbidden }
        return try await act(request, organisation: post.organisationID, done: "closed") { _ = try await PartyService.closePost(id, in: request.context) }
    }

    @Sendable func decideService(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        guard let entry = try await PartyServiceLogRecord.find(id, on: request.db) else { throw AppError.notFound }
        let record = try await DualRegistrations.find(entry.registrationID, on: request.db)
        guard case .reader = try await DualRegistrations.standing(actor, record, on: request.db) else { throw AppError.notFound }
        let form = try request.content.decode(DecisionForm.self)
        let confirm: Bool? = form.decision == "confirm" ? true : form.decision == "decline" ? false : nil
        return try await act(request, organisation: record.organisationID, done: "confirmed") {
            _ = try await PartyService.decide(id, confirm: confirm, reason: form.reason, in: request.context)
        }
    }

    struct ReportLine: Encodable {
        let name: String
        let kindLabel: String
        let confirmedHours: String
        let pendingHours: String
        let entries: Int
        let posts: String
        let ended: Bool
    }

    struct UnitReport: Encodable {
        let unitName: String
        let totalHours: String
        let lines: [ReportLine]
    }

    struct ReportView: Encodable {
        let page: PageBase
        let organisation: String
        let organisationID: String
        let year: Int
        let years: [SelectOption]
        let units: [UnitReport]
        let made: String
    }

    /// Each unit's report for a year, printable: one section per unit.
    @Sendable func report(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let lang = request.lang
        let (_, organisation, _) = try await Self.chosen(request, actor: actor)
        let year = try DualRegistrationAPIController.year(request)
        let unit = try request.queryValue("unit")
        let reports = try await PartyService.report(organisationID: organisation.id, year: year, unit: unit, actor: actor, on: request.db)
        let thisYear = CivilDate(request.now).year
        let view = ReportView(
            page: await PageBase.make(for: request, title: Strings.text("party.report_title", lang)), organisation: organisation.name,
            organisationID: organisation.id!.uuidString.lowercased(), year: year,
            years: (max(2000, thisYear - 4)...thisYear).reversed().map { SelectOption(value: String($0), label: String($0), selected: $0 == year) },
            units: reports.map { report in
                UnitReport(unitName: report.unitName.isEmpty ? Strings.text("party.report_no_unit", lang) : report.unitName,
                           totalHours: DualRegistration.hours(report.confirmedMinutes), lines: report.lines.map {
                    ReportLine(name: $0.name, kindLabel: Strings.text("party.kind.\($0.registration.kind.rawValue)", lang),
                               confirmedHours: DualRegistration.hours($0.line.confirmedMinutes), pendingHours: DualRegistration.hours($0.line.pendingMinutes),
                               entries: $0.line.entries, posts: $0.posts.joined(separator: "、"), ended: $0.registration.state == .withdrawn)
                })
            },
            made: PageDates.minute(request.now))
        return try await request.view.render("participation/party-report", view).encodeResponse(for: request)
    }
}
