import Fluent
import Foundation
import GongzhiCore
import SQLKit

/// A resident's yearly rating of their compound's property service (物业服务年度评价, issue 27 item 2): satisfied,
/// basically satisfied or not, with a comment, one per resident, compound and year (a new answer replaces their
/// earlier one that year). It rates the company serving the compound at the time; the company's yearly figure is
/// the share satisfied or basically satisfied, beside its per-case figures.
final class PropertySurveyRecord: Model, @unchecked Sendable {
    static let schema = "property_survey_responses"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "compound_id") var compoundID: UUID
    /// The compound's community path (moved with it).
    @Field(key: "org_path") var orgPath: String
    @Field(key: "year") var year: Int
    @Field(key: "user_id") var userID: UUID
    @Field(key: "satisfaction") var satisfaction: String
    @Field(key: "comment") var comment: String
    @Field(key: "answered_at") var answeredAt: Date

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $companyID, $compoundID, $orgPath, $year, $userID, $satisfaction, $comment, $answeredAt] }

    init() {}
}

extension PropertySurveyRecord: OrgScoped { static var pathKey: KeyPath<PropertySurveyRecord, FieldProperty<PropertySurveyRecord, String>> { \.$orgPath } }

struct CreatePropertySurveys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PropertySurveyRecord.schema)
            .id()
            .field("company_id", .uuid, .required)
            .field("compound_id", .uuid, .required, .references(CompoundRecord.schema, .id, onDelete: .restrict))
            .field("org_path", .string, .required)
            .field("year", .int, .required)
            .field("user_id", .uuid, .required)
            .field("satisfaction", .string, .required)
            .field("comment", .string, .required)
            .field("answered_at", .datetime, .required)
            .unique(on: "compound_id", "year", "user_id")
            .create()
        try await database.sql().create(index: "idx_property_survey_company").on(PropertySurveyRecord.schema).column("company_id").column("year").run()
    }

    func revert(on database: any Database) async throws { try await database.schema(PropertySurveyRecord.schema).delete() }
}

enum PropertySurveys {
    /// A compound of the resident's with the company serving it now, and their answer of this year.
    struct Open: Sendable {
        let compound: CompoundRecord
        let company: OrgNodeRecord
        let answer: PropertySurveyRecord?
    }

    /// The resident's compounds served by a company today, with their answers of this year.
    static func open(for actor: Actor, now: Date, on db: any Database) async throws -> [Open] {
        let compounds = try await OwnerVotes.residentCompounds(actor, on: db)
        guard !compounds.isEmpty else { return [] }
        let year = CivilDate(now).year
        var found: [Open] = []
        for compound in try await CompoundRecord.query(on: db).filter(\.$id ~~ compounds).sort(\.$name).all() {
            let facts = try await PartyDirectory.compoundFacts(compound, on: CivilDate(now), db: db)
            guard let id = facts.servingCompany.flatMap({ UUID(uuidString: $0.id) }), let company = try await OrgNodeRecord.find(id, on: db) else { continue }
            let answer = try await PropertySurveyRecord.query(on: db).filter(\.$compoundID == compound.id!).filter(\.$year == year)
                .filter(\.$userID == actor.userID.uuid).first()
            found.append(Open(compound: compound, company: company, answer: answer))
        }
        return found
    }

    /// Records (or replaces) the resident's answer for a compound they live in, about the company serving it now.
    static func answer(compoundID: UUID?, satisfaction raw: String?, comment sent: String?, in context: UseCaseContext) async throws -> PropertySurveyRecord {
        let actor = try context.account()
        guard actor.isResident else { throw AppError.forbidden }
        guard let satisfaction = raw.flatMap(CaseActions.Satisfaction.init(rawValue:)) else { throw AppError.invalid("satisfaction", "required") }
        let comment = try Validate.text(sent, field: "comment", limit: 500)
        let now = context.now
        return try await context.write { db in
            let open = try await open(for: actor, now: now, on: db)
            // The compound named, or the only one; a compound of someone else's is "not found".
            guard let chosen = compoundID.map({ id in open.first { $0.compound.id == id } }) ?? (open.count == 1 ? open.first : nil) else {
                if let compoundID, !(try await OwnerVotes.residentCompounds(actor, on: db)).contains(compoundID) { throw AppError.notFound }
                throw AppError.invalid("compoundId", compoundID == nil ? "required" : "no_company")
            }
            let record = chosen.answer ?? PropertySurveyRecord()
            if record.id == nil {
                record.id = UUID()
                record.compoundID = chosen.compound.id!
                record.orgPath = chosen.compound.orgPath
                record.year = CivilDate(now).year
                record.userID = actor.userID.uuid
            }
            record.companyID = chosen.company.id!
            record.satisfaction = satisfaction.rawValue
            record.comment = comment
            record.answeredAt = now
            try await record.save(on: db)
            try await context.audit(AuditEvent(action: "property_survey.answer", objectType: "property_survey", objectID: record.id!.uuidString.lowercased(),
                                               summary: "\(record.year) \(satisfaction.rawValue)",
                                               change: ["company": chosen.company.id!.uuidString.lowercased(), "compound": chosen.compound.id!.uuidString.lowercased()]),
                                    on: db)
            return record
        }
    }

    /// A company's yearly figure: answers and the share satisfied or basically satisfied.
    static func figure(company: UUID, year: Int, on db: any Database) async throws -> CaseKPIs.Rate {
        let answers = try await PropertySurveyRecord.query(on: db).filter(\.$companyID == company).filter(\.$year == year).all(\.$satisfaction)
        let content = answers.filter { $0 != CaseActions.Satisfaction.unsatisfied.rawValue }.count
        return CaseKPIs.Rate(content, answers.count)
    }
}
