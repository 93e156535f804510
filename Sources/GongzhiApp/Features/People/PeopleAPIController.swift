import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/households` and `/api/v1/persons`.
struct PeopleAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("households", use: listHouseholds)
        api.post("households", use: createHousehold)
        api.get("households", ":id", use: getHousehold)
        api.post("households", ":id", "members", use: addMember)
        api.delete("households", ":id", "members", ":personId", use: removeMember)
        api.get("persons", use: listPersons)
        api.post("persons", use: createPerson)
        // A lookup by number is a POST so that ID and phone numbers never appear in URLs or access logs.
        api.post("persons", "lookup", use: lookup)
        api.get("persons", ":id", use: getPerson)
        api.patch("persons", ":id", use: updatePerson)
        api.post("persons", ":id", "unmask", use: unmask)
        api.post("persons", ":id", "account", use: linkAccount)
    }

    func anyReach(_ request: Request) throws -> Actor {
        let actor = try request.requireActor()
        guard AccessPolicy.allowsAnywhere(.viewResidents, actor: actor) || actor.personID != nil else { throw AppError.forbidden }
        return actor
    }

    // MARK: Households

    @Sendable func listHouseholds(_ request: Request) async throws -> ListPage<HouseholdDTO> {
        let actor = try anyReach(request)
        let paging = try Paging(request)
        let own = try await ResidentReach.households(of: actor, on: request.db)
        var query = HouseholdRecord.query(on: request.db).visible(to: actor, .viewResidents, alsoIDs: own)
        if let unit = try request.queryUUID("unitId") { query = query.filter(\.$unit.$id == unit) }
        return try await query.sort(\.$createdAt).listPage(paging) { HouseholdDTO(id: $0.id!, unitId: $0.$unit.id, label: $0.label, members: nil) }
    }

    struct HouseholdBody: Content {
        var unitId: UUID?
        var label: String?
    }

    @Sendable func createHousehold(_ request: Request) async throws -> Response {
        _ = try request.require(.manageResidents)
        let body = try request.content.decode(HouseholdBody.self)
        guard let unitID = body.unitId else { throw AppError.invalid("unitId", "required") }
        let household = try await PeopleChanges.createHousehold(unitID: unitID, label: try Validate.text(body.label, field: "label", limit: 30), in: request.context)
        return try await HouseholdDTO(id: household.id!, unitId: unitID, label: household.label, members: [])
            .encodeResponse(status: .created, for: request)
    }

    @Sendable func getHousehold(_ request: Request) async throws -> HouseholdDTO {
        let actor = try anyReach(request)
        let own = try await ResidentReach.households(of: actor, on: request.db)
        let household = try await Scoped.find(HouseholdRecord.self, try request.uuidParameter(), actor: actor, .viewResidents, alsoIDs: own, on: request.db)
        let isOwn = own.contains(household.id!)
        let members = try await HouseholdMemberRecord.query(on: request.db).filter(\.$household.$id == household.id!).with(\.$person).all()
        return HouseholdDTO(id: household.id!, unitId: household.$unit.id, label: household.label,
                            members: members.map { MemberDTO(person: PersonDTO($0.person, viewer: actor, ownHousehold: isOwn), relation: $0.relation, resides: $0.resides) })
    }

    struct MemberBody: Content {
        var personId: UUID?
        var relation: HouseholdRelation?
        var resides: Bool?
    }

    @Sendable func addMember(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageResidents)
        let id = try request.uuidParameter()
        let body = try request.content.decode(MemberBody.self)
        guard let personID = body.personId else { throw AppError.invalid("personId", "required") }
        guard let relation = body.relation else { throw AppError.invalid("relation", "required") }
        try await PeopleChanges.addMember(householdID: id, personID: PersonID(personID), relation: relation, resides: body.resides ?? true, in: request.context)
        return .noContent
    }

    @Sendable func removeMember(_ request: Request) async throws -> HTTPStatus {
        _ = try request.require(.manageResidents)
        try await PeopleChanges.removeMember(householdID: try request.uuidParameter(), personID: try request.idParameter("personId"), in: request.context)
        return .noContent
    }

    // MARK: Persons

    @Sendable func listPersons(_ request: Request) async throws -> ListPage<PersonDTO> {
        let actor = try anyReach(request)
        let paging = try Paging(request)
        let own = try await ResidentReach.persons(of: actor, on: request.db)
        var query = PersonRecord.query(on: request.db).visible(to: actor, .viewResidents, alsoIDs: own)
        if let household = try request.queryUUID("householdId") {
            let ids = try await HouseholdMemberRecord.query(on: request.db).filter(\.$household.$id == household).all().map(\.$person.id)
            query = query.filter(\.$id ~~ ids)
        }
        return try await query.sort(\.$name).listPage(paging) { PersonDTO($0, viewer: actor, ownHousehold: own.contains($0.id!)) }
    }

    struct CreatePersonBody: Content {
        var householdId: UUID?
        var name: String?
        var idNumber: String?
        var phone: String?
        var relation: HouseholdRelation?
        var resides: Bool?
    }

    @Sendable func createPerson(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageResidents)
        let body = try request.content.decode(CreatePersonBody.self)
        guard let householdID = body.householdId else { throw AppError.invalid("householdId", "required") }
        let input = PeopleChanges.NewPerson(
            name: body.name, idNumber: body.idNumber, phone: body.phone, relation: body.relation ?? .family, resides: body.resides ?? true)
        let person = try await PeopleChanges.createPerson(householdID: householdID, input: input, in: request.context)
        return try await PersonDTO(person, viewer: actor).encodeResponse(status: .created, for: request)
    }

    struct LinkBody: Content {
        var userId: UUID?
        /// How the worker confirmed the account holder is this person (the ID card seen at the window, a call to
        /// the verified mobile …).
        var evidence: String?
    }

    /// `POST /api/v1/persons/:id/account`: a community worker puts an existing account on this person, saying how they
    /// confirmed it (issue 24 finding 2).
    @Sendable func linkAccount(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageResidents)
        let personID = try request.uuidParameter()
        _ = try await Scoped.find(PersonRecord.self, personID, actor: actor, .viewResidents, on: request.db)
        let body = try request.content.decode(LinkBody.self)
        guard let userID = body.userId else { throw AppError.invalid("userId", "required") }
        let user = try await AccountLinks.link(personID: PersonID(personID), userID: AccountID(userID), evidence: body.evidence, in: request.context)
        return try await LinkedAccountDTO(userId: user.id!, personId: personID).encodeResponse(status: .ok, for: request)
    }

    struct LinkedAccountDTO: Content {
        let userId: UUID
        let personId: UUID
    }

    @Sendable func getPerson(_ request: Request) async throws -> PersonDTO {
        let actor = try anyReach(request)
        let own = try await ResidentReach.persons(of: actor, on: request.db)
        let person = try await Scoped.find(PersonRecord.self, try request.uuidParameter(), actor: actor, .viewResidents, alsoIDs: own, on: request.db)
        return PersonDTO(person, viewer: actor, ownHousehold: own.contains(person.id!))
    }

    struct UpdatePersonBody: Content {
        var name: String?
        var idNumber: String?
        var phone: String?
    }

    @Sendable func updatePerson(_ request: Request) async throws -> PersonDTO {
        let actor = try request.require(.viewResidents)
        let id = try request.uuidParameter()
        let body = try request.content.decode(UpdatePersonBody.self)
        let name = try body.name.map { try Validate.name($0) }
        let idNumber = try body.idNumber.map { try PersonInput.idNumber($0, today: request.now) }
        // An empty string clears the phone; an absent field leaves it.
        let phone: MobileNumber?? = try body.phone.map { try PersonInput.phone($0) }
        let person = try await PeopleChanges.updatePerson(id: PersonID(id), name: name, idNumber: idNumber, phone: phone, in: request.context)
        return PersonDTO(person, viewer: actor)
    }

    struct LookupBody: Content {
        var idNumber: String?
        var phone: String?
    }

    @Sendable func lookup(_ request: Request) async throws -> [PersonDTO] {
        let actor = try request.require(.viewResidents)
        let body = try request.content.decode(LookupBody.self)
        let idNumber = try body.idNumber.flatMap { $0.isEmpty ? nil : try PersonInput.idNumber($0, today: request.now) }
        let phone = try PersonInput.phone(body.phone)
        guard idNumber != nil || phone != nil else { throw AppError.invalid("idNumber", "required") }
        let found = try await PeopleChanges.lookup(idNumber: idNumber, phone: phone, actor: actor, on: request.db, cipher: request.gongzhi.cipher)
        return found.map { PersonDTO($0, viewer: actor) }
    }

    struct UnmaskBody: Content {
        var reason: String?
    }

    @Sendable func unmask(_ request: Request) async throws -> UnmaskedDTO {
        _ = try request.require(.unmaskPersonalData)
        let body = try request.content.decode(UnmaskBody.self)
        return try await PeopleChanges.unmask(personID: try request.idParameter(), reason: body.reason ?? "", in: request.context)
    }
}
