import Fluent
import Foundation
import GongzhiCore
import Vapor

struct ProjectDTO: Content {
    struct Funding: Content {
        let source: ProjectFundingRecord.Source
        let resourceId: UUID?
        let amountFen: Int
        let note: String
    }

    struct Milestone: Content {
        let id: UUID
        let title: String
        let dueOn: String
        let done: Bool
    }

    struct Update: Content {
        let id: UUID
        let text: String
        let percent: Int
        let at: Date
        /// The photos' addresses (served after the project's access check).
        let photos: [String]
    }

    struct Evaluation: Content {
        let satisfied: Int
        let basicallySatisfied: Int
        let unsatisfied: Int
        /// (满意 + 基本满意) ÷ all, in per mille, rounded down.
        let satisfactionPerMille: Int?
    }

    let id: UUID
    let communityId: UUID
    let decisionId: UUID?
    let needId: UUID?
    let title: String
    let description: String
    let ownerOrg: String
    let budgetFen: Int
    let state: ProjectRules.State
    let acceptanceNote: String
    let funding: [Funding]?
    /// budget − funding, in fen: > 0 is still to be found.
    let shortfallFen: Int?
    let milestones: [Milestone]?
    let updates: [Update]?
    let evaluation: Evaluation?
    let myRating: ProjectRules.Rating?

    init(_ project: ProjectRecord, funding: [ProjectFundingRecord]? = nil, milestones: [ProjectMilestoneRecord]? = nil, updates: [ProjectUpdateRecord]? = nil,
         photos: [UUID: [UUID]] = [:], evaluation: ProjectRules.Evaluation? = nil, myRating: ProjectRules.Rating? = nil) {
        id = project.id!
        communityId = project.communityID
        decisionId = project.decisionID
        needId = project.needID
        title = project.title
        description = project.details
        ownerOrg = project.ownerOrg
        budgetFen = project.budgetFen
        state = project.state
        acceptanceNote = project.acceptanceNote
        self.funding = funding?.map { Funding(source: $0.source, resourceId: $0.resourceID, amountFen: $0.amountFen, note: $0.note) }
        shortfallFen = funding.map { ProjectRules.shortfall(budget: project.budgetFen, funding: $0.map(\.amountFen)) }
        self.milestones = milestones?.map { Milestone(id: $0.id!, title: $0.title, dueOn: $0.dueOn, done: $0.doneAt != nil) }
        let base = "/api/v1/projects/\(project.id!.uuidString.lowercased())/photos/"
        self.updates = updates?.map {
            Update(id: $0.id!, text: $0.text, percent: $0.percent, at: $0.createdAt, photos: (photos[$0.id!] ?? []).map { base + $0.uuidString.lowercased() })
        }
        self.evaluation = evaluation.map {
            Evaluation(satisfied: $0.satisfied, basicallySatisfied: $0.basicallySatisfied, unsatisfied: $0.unsatisfied, satisfactionPerMille: $0.satisfactionPerMille)
        }
        self.myRating = myRating
    }

    static func detail(_ project: ProjectRecord, actor: Actor, on db: any Database) async throws -> ProjectDTO {
        let id = project.id!
        let userID = actor.userID.uuid
        let updates = try await ProjectUpdateRecord.query(on: db).filter(\.$projectID == id).sort(\.$createdAt, .descending).all()
        return ProjectDTO(
            project,
            funding: try await ProjectFundingRecord.query(on: db).filter(\.$projectID == id).all(),
            milestones: try await ProjectMilestoneRecord.query(on: db).filter(\.$projectID == id).sort(\.$dueOn).all(),
            updates: updates, photos: try await DeliberationPhotos.ids(.projectUpdate, of: updates.map { $0.id! }, on: db),
            evaluation: try await Projects.evaluation(of: id, on: db),
            myRating: try await ProjectRatingRecord.query(on: db).filter(\.$projectID == id).filter(\.$userID == userID).first()?.rating)
    }
}

/// `/api/v1/projects`: the projects list with funding, milestones, public progress, acceptance and evaluation.
struct ProjectsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let projects = routes.grouped("api", "v1", "projects")
        projects.get(use: list)
        projects.post(use: create)
        projects.get(":id", use: show)
        projects.post(":id", "actions", ":action", use: act)
        projects.post(":id", "milestones", ":milestoneId", "done", use: milestoneDone)
        projects.post(":id", "updates", use: update)
        projects.post(":id", "ratings", use: rate)
        projects.on(.POST, ":id", "updates", ":updateId", "photos", bodyUpTo: CasePhoto.maxFormSize, use: addPhotos)
        projects.get(":id", "photos", ":photoId", use: photo)
    }

    @Sendable func list(_ request: Request) async throws -> ListPage<ProjectDTO> {
        let actor = try request.requireActor()
        let paging = try Paging(request)
        let page = try await Projects.list(actor: actor, offset: paging.offset, limit: paging.limit, on: request.db)
        return ListPage(items: page.items.map { ProjectDTO($0) }, total: page.total, offset: paging.offset, limit: paging.limit)
    }

    struct CreateBody: Content {
        struct Funding: Content {
            var source: ProjectFundingRecord.Source?
            var resourceId: UUID?
            var amountFen: Int?
            var note: String?
        }

        struct Milestone: Content {
            var title: String?
            var dueOn: String?
        }

        var decisionId: UUID?
        var title: String?
        var description: String?
        var ownerOrg: String?
        var budgetFen: Int?
        var funding: [Funding]?
        var milestones: [Milestone]?
    }

    /// "2026-12-31": a real calendar day.
    @Sendable func create(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageDeliberation)
        let body = try request.content.decode(CreateBody.self)
        guard let decision = body.decisionId else { throw AppError.invalid("decisionId", "required") }
        guard let budget = body.budgetFen else { throw AppError.invalid("budgetFen", "required") }
        let funding = try (body.funding ?? []).map { item -> Projects.Funding in
            guard let source = item.source, let amount = item.amountFen else { throw AppError.invalid("funding", "required") }
            return .init(source: source, resourceID: item.resourceId, amountFen: amount, note: item.note)
        }
        let milestones = (body.milestones ?? []).map { Projects.Milestone(title: $0.title, dueOn: $0.dueOn) }
        let project = try await Projects.create(.init(
            decisionID: decision, title: body.title, details: body.description, ownerOrg: body.ownerOrg,
            budgetFen: budget, funding: funding, milestones: milestones), in: request.context)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db).encodeResponse(status: .created, for: request)
    }

    @Sendable func show(_ request: Request) async throws -> ProjectDTO {
        let actor = try request.requireActor()
        let (project, _) = try await Projects.visible(try request.uuidParameter(), actor: actor, on: request.db)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db)
    }

    struct NoteBody: Content {
        var note: String?
    }

    @Sendable func act(_ request: Request) async throws -> ProjectDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        guard let action = request.parameters.get("action").flatMap(ProjectRules.Action.init(rawValue:)) else { throw AppError.notFound }
        let body = (request.body.data?.readableBytes ?? 0) > 0 ? try request.content.decode(NoteBody.self) : NoteBody()
        let project = try await Projects.act(id, action, note: body.note, in: request.context)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db)
    }

    @Sendable func milestoneDone(_ request: Request) async throws -> ProjectDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        _ = try await Projects.completeMilestone(id, milestone: try request.uuidParameter("milestoneId"), in: request.context)
        let (project, _) = try await Projects.visible(id, actor: actor, on: request.db)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db)
    }

    struct UpdateBody: Content {
        var text: String?
        var percent: Int?
    }

    @Sendable func update(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await Projects.visible(try request.uuidParameter(), actor: actor, on: request.db)
        let body = try request.content.decode(UpdateBody.self)
        let id = try request.uuidParameter()
        _ = try await Projects.report(id, text: body.text, percent: body.percent ?? 0, in: request.context)
        let (project, _) = try await Projects.visible(id, actor: actor, on: request.db)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db).encodeResponse(status: .created, for: request)
    }

    /// Adds photos (`file`, or several as `photos[]`) to a progress report, while the project runs.
    @Sendable func addPhotos(_ request: Request) async throws -> ProjectDTO {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let updateID = try request.uuidParameter("updateId")
        _ = try await Projects.visible(id, actor: actor, on: request.db)
        let form = try request.content.decode(NeedsAPIController.PhotosForm.self)
        let photos = try DeliberationPhotos.checked((form.file.map { [$0] } ?? []) + (form.photos ?? []))
        guard !photos.isEmpty else { throw AppError.invalid("file", "required") }
        let userID = actor.userID.uuid
        let now = request.now
        try await CasePhoto.writing(photos, in: request.context) { files in
            try await request.write { db in
                let (project, access) = try await Projects.visible(id, actor: actor, on: db)
                guard access.manage else { throw AppError.forbidden }
                guard project.state == .inProgress || project.state == .planned else { throw AppError.conflict("project_state") }
                guard try await ProjectUpdateRecord.query(on: db).filter(\.$id == updateID).filter(\.$projectID == id).count() == 1 else { throw AppError.notFound }
                try await DeliberationPhotos.save(photos, files: files, subject: .projectUpdate, id: updateID, uploadedBy: userID, now: now, on: db)
                try await request.audit(AuditEvent(action: "project.photos", objectType: "project", objectID: id.uuidString.lowercased(),
                                                   change: ["photos": String(photos.count)]), on: db)
            }
        }
        let (project, _) = try await Projects.visible(id, actor: actor, on: request.db)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db)
    }

    @Sendable func photo(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let (project, _) = try await Projects.visible(try request.uuidParameter(), actor: actor, on: request.db)
        let updates = try await ProjectUpdateRecord.query(on: request.db).filter(\.$projectID == project.id!).all().map { $0.id! }
        return try await DeliberationPhotos.serve(try request.uuidParameter("photoId"), subject: .projectUpdate, of: updates, in: request.context)
    }

    struct RatingBody: Content {
        var rating: ProjectRules.Rating?
        var comment: String?
    }

    @Sendable func rate(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        _ = try await Projects.visible(try request.uuidParameter(), actor: actor, on: request.db)
        let body = try request.content.decode(RatingBody.self)
        guard let rating = body.rating else { throw AppError.invalid("rating", "required") }
        let id = try request.uuidParameter()
        _ = try await Projects.rate(id, rating: rating, comment: body.comment, in: request.context)
        let (project, _) = try await Projects.visible(id, actor: actor, on: request.db)
        return try await ProjectDTO.detail(project, actor: actor, on: request.db).encodeResponse(status: .created, for: request)
    }
}
