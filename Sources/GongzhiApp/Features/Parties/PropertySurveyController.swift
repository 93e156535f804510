import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The yearly rating of property service: the resident's form on their home page (`POST /property-survey`, then
/// back home) and the API (`/api/v1/property-survey`).
struct PropertySurveyController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("property-survey", use: submit)
        routes.get("api", "v1", "property-survey", use: list)
        routes.post("api", "v1", "property-survey", use: answer)
    }

    /// A compound the resident may rate this year, with the company and their answer so far.
    struct OpenDTO: Content {
        let compoundId: UUID
        let compound: String
        let companyId: UUID
        let company: String
        let year: Int
        let satisfaction: String?
        let comment: String?
    }

    struct AnswerDTO: Content {
        let id: UUID
        let compoundId: UUID
        let companyId: UUID
        let year: Int
        let satisfaction: String
        let comment: String

        init(_ record: PropertySurveyRecord) {
            id = record.id!
            compoundId = record.compoundID
            companyId = record.companyID
            year = record.year
            satisfaction = record.satisfaction
            comment = record.comment
        }
    }

    struct Body: Content {
        var compoundId: UUID?
        var satisfaction: String?
        var comment: String?
    }

    static func open(_ request: Request, actor: Actor) async throws -> [OpenDTO] {
        let year = CivilDate(request.now).year
        return try await PropertySurveys.open(for: actor, now: request.now, on: request.db).map {
            OpenDTO(compoundId: $0.compound.id!, compound: $0.compound.name, companyId: $0.company.id!, company: $0.company.name, year: year,
                    satisfaction: $0.answer?.satisfaction, comment: $0.answer?.comment)
        }
    }

    @Sendable func list(_ request: Request) async throws -> [OpenDTO] {
        let actor = try request.requireActor()
        guard actor.isResident else { throw AppError.forbidden }
        return try await Self.open(request, actor: actor)
    }

    @Sendable func answer(_ request: Request) async throws -> Response {
        _ = try request.requireActor()
        let body = try request.content.decode(Body.self)
        let record = try await PropertySurveys.answer(compoundID: body.compoundId, satisfaction: body.satisfaction, comment: body.comment, in: request.context)
        return try await AnswerDTO(record).encodeResponse(status: .created, for: request)
    }

    struct Form: Content {
        var compoundId: String?
        var satisfaction: String?
        var comment: String?
    }

    /// The home page's form: back home with thanks, or with the reason.
    @Sendable func submit(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        guard actor.isResident else { throw AppError.forbidden }
        let form = try request.content.decode(Form.self)
        do {
            _ = try await PropertySurveys.answer(compoundID: form.compoundId.flatMap(UUID.init(uuidString:)), satisfaction: form.satisfaction,
                                                 comment: form.comment, in: request.context)
            return request.redirect(to: "/?survey=done#survey-h", redirectType: .normal)
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await ResidentPortalPagesController.home(request, actor: actor, messages: request.formMessages(for: error))
                .encodeResponse(status: .unprocessableEntity, for: request)
        }
    }
}
