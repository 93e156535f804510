import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A project of the projects list (项目清单), made from an agreed council decision.
final class ProjectRecord: Model, @unchecked Sendable {
    static let schema = "projects"

    @ID(key: .id) var id: UUID?
    @Field(key: "community_id") var communityID: UUID
    @Field(key: "org_path") var orgPath: String
    @OptionalField(key: "decision_id") var decisionID: UUID?
    @OptionalField(key: "need_id") var needID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    /// Who carries it out (牵头单位).
    @Field(key: "owner_org") var ownerOrg: String
    @Field(key: "budget_fen") var budgetFen: Int
    @Field(key: "state") var state: ProjectRules.State
    @Field(key: "acceptance_note") var acceptanceNote: String
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "accepted_at") var acceptedAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $communityID, $orgPath, $decisionID, $needID, $title, $details, $ownerOrg, $budgetFen, $state, $acceptanceNote,
            $createdBy, $createdAt, $acceptedAt
        ]
    }

    init() {}

    init(communityID: UUID, orgPath: String, decisionID: UUID?, needID: UUID?, title: String, details: String, ownerOrg: String,
         budgetFen: Int, createdBy: UUID, now: Date) {
        self.id = UUID()
        self.communityID = communityID
        self.orgPath = orgPath
        self.decisionID = decisionID
        self.needID = needID
        self.title = title
        self.details = details
        self.ownerOrg = ownerOrg
        self.budgetFen = budgetFen
        self.state = .planned
        self.acceptanceNote = ""
        self.createdBy = createdBy
        self.createdAt = now
    }
}

/// A funding source of a project: a resource of the resources list, or another source.
final class ProjectFundingRecord: Model, @unchecked Sendable {
    static let schema = "project_funding"

    enum Source: String, Codable, Sendable, CaseIterable {
        case government, communityFund = "community_fund", maintenanceFund = "maintenance_fund", resource, donation, other
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    @Field(key: "source") var source: Source
    @OptionalField(key: "resource_id") var resourceID: UUID?
    @Field(key: "amount_fen") var amountFen: Int
    @Field(key: "note") var note: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $projectID, $source, $resourceID, $amountFen, $note] }

    init() {}

    init(projectID: UUID, source: Source, resourceID: UUID?, amountFen: Int, note: String) {
        self.id = UUID()
        self.projectID = projectID
        self.source = source
        self.resourceID = resourceID
        self.amountFen = amountFen
        self.note = note
    }
}

final class ProjectMilestoneRecord: Model, @unchecked Sendable {
    static let schema = "project_milestones"

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    @Field(key: "title") var title: String
    @Field(key: "due_on") var dueOn: String
    @OptionalField(key: "done_at") var doneAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $projectID, $title, $dueOn, $doneAt] }

    init() {}

    init(projectID: UUID, title: String, dueOn: String) {
        self.id = UUID()
        self.projectID = projectID
        self.title = title
        self.dueOn = dueOn
    }
}

/// A public progress report of a project.
final class ProjectUpdateRecord: Model, @unchecked Sendable {
    static let schema = "project_updates"

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    @Field(key: "text") var text: String
    @Field(key: "percent") var percent: Int
    @Field(key: "created_by") var createdBy: UUID
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $projectID, $text, $percent, $createdBy, $createdAt] }

    init() {}

    init(projectID: UUID, text: String, percent: Int, createdBy: UUID, now: Date) {
        self.id = UUID()
        self.projectID = projectID
        self.text = text
        self.percent = percent
        self.createdBy = createdBy
        self.createdAt = now
    }
}

/// A resident's evaluation of a project at acceptance: one per account (a later one replaces it).
final class ProjectRatingRecord: Model, @unchecked Sendable {
    static let schema = "project_ratings"

    @ID(key: .id) var id: UUID?
    @Field(key: "project_id") var projectID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "rating") var rating: ProjectRules.Rating
    @Field(key: "comment") var comment: String
    @Field(key: "created_at") var createdAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $projectID, $userID, $rating, $comment, $createdAt] }

    init() {}

    init(projectID: UUID, userID: UUID, rating: ProjectRules.Rating, comment: String, now: Date) {
        self.id = UUID()
        self.projectID = projectID
        self.userID = userID
        self.rating = rating
        self.comment = comment
        self.createdAt = now
    }
}

struct CreateProjects: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ProjectRecord.schema)
            .id()
            .field("community_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("decision_id", .uuid, .references(MeetingDecisionRecord.schema, .id, onDelete: .restrict))
            .field("need_id", .uuid, .references(NeedRecord.schema, .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("owner_org", .string, .required)
            .field("budget_fen", .int64, .required)
            .field("state", .string, .required)
            .field("acceptance_note", .string, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .create()
        try await database.schema(ProjectFundingRecord.schema)
            .id()
            .field("project_id", .uuid, .required, .references(ProjectRecord.schema, .id, onDelete: .cascade))
            .field("source", .string, .required)
            .field("resource_id", .uuid, .references(ResourceOfferRecord.schema, .id, onDelete: .restrict))
            .field("amount_fen", .int64, .required)
            .field("note", .string, .required)
            .create()
        try await database.schema(ProjectMilestoneRecord.schema)
            .id()
            .field("project_id", .uuid, .required, .references(ProjectRecord.schema, .id, onDelete: .cascade))
            .field("title", .string, .required)
            .field("due_on", .string, .required)
            .field("done_at", .datetime)
            .create()
        try await database.schema(ProjectUpdateRecord.schema)
            .id()
            .field("project_id", .uuid, .required, .references(ProjectRecord.schema, .id, onDelete: .cascade))
            .field("text", .string, .required)
            .field("percent", .int, .required)
            .field("created_by", .uuid, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(ProjectRatingRecord.schema)
            .id()
            .field("project_id", .uuid, .required, .references(ProjectRecord.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("rating", .string, .required)
            .field("comment", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "project_id", "user_id")
            .create()
        let sql = database.sql()
        try await sql.create(index: "idx_projects_path").on(ProjectRecord.schema).column("org_path").run()
        for table in [ProjectFundingRecord.schema, ProjectMilestoneRecord.schema, ProjectUpdateRecord.schema] {
            try await sql.create(index: "idx_\(table)_project").on(table).column("project_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        for table in [ProjectRatingRecord.schema, ProjectUpdateRecord.schema, ProjectMilestoneRecord.schema, ProjectFundingRecord.schema, ProjectRecord.schema] {
            try await database.schema(table).delete()
        }
    }
}
