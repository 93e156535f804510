import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Resident pages for staff: list and search (exact numbers through the keyed hash, masked on screen), a person
/// with an audited "show full numbers", a household with its members and a form to register a person in it.
struct PeoplePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("people", use: list)
        routes.post("people", "find", use: find)
        routes.get("people", ":id", use: person)
        routes.post("people", ":id", "unmask", use: unmask)
        routes.get("households", ":id", use: household)
        routes.post("households", ":id", "persons", use: registerPerson)
    }

    struct PersonRow: Encodable {
        let id: String
        let name: String
        let idNumber: String
        let phone: String
    }

    struct PersonListPage: Encodable {
        let page: PageBase
        let persons: [PersonRow]
        let query: String
        let searched: Bool
        let nextOffset: Int?
        let previousOffset: Int?
        let messages: [FormMessage]
    }

    func row(_ person: PersonRecord, _ actor: Actor) -> PersonRow {
        let dto = PersonDTO(person, viewer: actor)
        return PersonRow(id: dto.id.uuidString, name: dto.name, idNumber: dto.idNumber, phone: dto.phone ?? "")
    }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = try request.require(.viewResidents)
        let offset = request.pageOffset
        let name = ((try? request.query.get(String.self, at: "name")) ?? "").trimmingCharacters(in: .whitespaces)
        var query = PersonRecord.query(on: request.db).visible(to: actor, .viewResidents)
        // Searching by name is for those who may see full names; others search by exact number.
        if !name.isEmpty, AccessPolicy.allowsAnywhere(.viewFullNames, actor: actor) { query = query.filter(\.$name =~ String(name.prefix(20))) }
        let persons = try await query.sort(\.$name).range(offset..<(offset + 51)).all()
        return try await request.view.render("people/list", PersonListPage(
            page: await PageBase.make(for: request, title: Strings.text("people.title", request.lang)),
            persons: persons.prefix(50).map { row($0, actor) }, query: name, searched: !name.isEmpty,
            nextOffset: persons.count > 50 ? offset + 50 : nil, previousOffset: offset > 0 ? max(0, offset - 50) : nil, messages: []))
    }

    struct FindForm: Content {
        var number: String?
    }

    @Sendable func find(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewResidents)
        let form = try request.content.decode(FindForm.self)
        let raw = (form.number ?? "").trimmingCharacters(in: .whitespaces)
        let idNumber = try? ResidentIDNumber(validating: raw, today: request.now)
        let phone = idNumber == nil ? try? MobileNumber(validating: raw) : nil
        var persons: [PersonRecord] = []
        var messages: [FormMessage] = []
        if idNumber == nil && phone == nil {
            messages = [FormMessage(field: "number", text: Strings.text(raw.count > 11 ? "error.invalid_id_number" : "error.invalid_phone", request.lang))]
        } else {
            persons = try await PeopleChanges.lookup(idNumber: idNumber, phone: phone, actor: actor, on: request.db, cipher: request.gongzhi.cipher)
        }
        return try await request.view.render("people/list", PersonListPage(
            page: await PageBase.make(for: request, title: Strings.text("people.title", request.lang)),
            persons: persons.map { row($0, actor) }, query: "", searched: true, nextOffset: nil, previousOffset: nil, messages: messages))
        .encodeResponse(status: messages.isEmpty ? .ok : .unprocessableEntity, for: request)
    }

    struct Membership: Encodable {
        let householdHref: String
        let place: String
        let relation: String
    }

    struct PersonPage: Encodable {
        let page: PageBase
        let id: String
        let name: String
        let idNumber: String
        let phone: String
        let memberships: [Membership]
        let canUnmask: Bool
        let unmasked: Bool
        let messages: [FormMessage]
    }

    func renderPerson(_ request: Request, actor: Actor, id: UUID, unmasked: UnmaskedDTO? = nil, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let own = try await ResidentReach.persons(of: actor, on: db)
        let person = try await Scoped.find(PersonRecord.self, id, actor: actor, .viewResidents, alsoIDs: own, on: db)
        let dto = PersonDTO(person, viewer: actor, ownHousehold: own.contains(id))
        let memberships = try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == id)
            .with(\.$household) { $0.with(\.$unit) { $0.with(\.$building) { $0.with(\.$compound) } } }.all()
        let context = PersonPage(
            page: await PageBase.make(for: request, title: dto.name), id: id.uuidString,
            name: unmasked?.name ?? dto.name, idNumber: unmasked?.idNumber ?? dto.idNumber, phone: unmasked?.phone ?? dto.phone ?? "",
            memberships: memberships.map { m in
                let unit = m.household.unit
                return Membership(householdHref: "/households/\(m.household.id!.uuidString)",
                                  place: "\(unit.building.compound.name) \(unit.building.name) \(unit.number)",
                                  relation: Strings.text("relation.\(m.relation.rawValue)", request.lang))
            },
            canUnmask: OrgPath(person.orgPath).map { AccessPolicy.allows(.unmaskPersonalData, actor: actor, at: $0) } ?? false,
            unmasked: unmasked != nil, messages: messages)
        return try await request.view.render("people/person", context).encodeResponse(status: status, for: request)
    }

    @Sendable func person(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        return try await renderPerson(request, actor: actor, id: try request.uuidParameter())
    }

    struct UnmaskForm: Content {
        var reason: String?
    }

    @Sendable func unmask(_ request: Request) async throws -> Response {
        let actor = try request.require(.unmaskPersonalData)
        let id = try request.uuidParameter()
        let form = try request.content.decode(UnmaskForm.self)
        do {
            let full = try await PeopleChanges.unmask(personID: PersonID(id), reason: form.reason ?? "", in: request.context)
            return try await renderPerson(request, actor: actor, id: id, unmasked: full)
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await renderPerson(request, actor: actor, id: id, messages: request.formMessages(for: error), status: .unprocessableEntity)
        }
    }

    struct MemberRow: Encodable {
        let href: String
        let name: String
        let idNumber: String
        let phone: String
        let relation: String
        let resides: Bool
    }

    struct Relation: Encodable {
        let value: String
        let label: String
    }

    struct HouseholdPage: Encodable {
        let page: PageBase
        let id: String
        let place: String
        let buildingHref: String
        let members: [MemberRow]
        let relations: [Relation]
        let canManage: Bool
        /// The household code (入户码) as read out, and until when it works; empty when none is valid.
        let joinCode: String
        let joinCodeUntil: String
        let messages: [FormMessage]
    }

    func renderHousehold(_ request: Request, actor: Actor, id: UUID, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        let own = try await ResidentReach.households(of: actor, on: db)
        let household = try await Scoped.find(HouseholdRecord.self, id, actor: actor, .viewResidents, alsoIDs: own, on: db)
        let unit = try await HousingUnitRecord.query(on: db).filter(\.$id == household.$unit.id).with(\.$building) { $0.with(\.$compound) }.first()!
        let members = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id == id).with(\.$person).all()
        let isOwn = own.contains(id)
        let canManage = AccessPolicy.allows(.manageResidents, actor: actor, at: OrgPath(household.orgPath) ?? .root)
        let code = canManage ? HouseholdJoining.currentCode(of: household, cipher: request.gongzhi.cipher, now: request.context.now) : nil
        let context = HouseholdPage(
            page: await PageBase.make(for: request, title: Strings.text("people.household", lang)), id: id.uuidString,
            place: "\(unit.building.compound.name) \(unit.building.name) \(unit.number)",
            buildingHref: AccessPolicy.allowsAnywhere(.viewOrganisation, actor: actor) ? "/org/buildings/\(unit.building.id!.uuidString)" : "",
            members: members.map { m in
                let dto = PersonDTO(m.person, viewer: actor, ownHousehold: isOwn)
                return MemberRow(href: "/people/\(dto.id.uuidString)", name: dto.name, idNumber: dto.idNumber, phone: dto.phone ?? "",
                                 relation: Strings.text("relation.\(m.relation.rawValue)", lang), resides: m.resides)
            },
            relations: HouseholdRelation.allCases.map { Relation(value: $0.rawValue, label: Strings.text("relation.\($0.rawValue)", lang)) },
            canManage: canManage, joinCode: code?.code ?? "",
            joinCodeUntil: code.map { Strings.text("household.code_until", lang).replacingOccurrences(of: "{date}", with: PageDates.minute($0.validUntil)) } ?? "",
            messages: messages)
        return try await request.view.render("people/household", context).encodeResponse(status: status, for: request)
    }

    @Sendable func household(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        return try await renderHousehold(request, actor: actor, id: try request.uuidParameter())
    }

    struct PersonForm: Content {
        var name: String?
        var idNumber: String?
        var phone: String?
        var relation: String?
    }

    @Sendable func registerPerson(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageResidents)
        let id = try request.uuidParameter()
        let form = try request.content.decode(PersonForm.self)
        do {
            let input = PeopleChanges.NewPerson(
                name: form.name, idNumber: form.idNumber, phone: form.phone,
                relation: form.relation.flatMap(HouseholdRelation.init(rawValue:)) ?? .family, resides: true)
            _ = try await PeopleChanges.createPerson(householdID: id, input: input, in: request.context)
            return request.redirect(to: "/households/\(id.uuidString)", redirectType: .normal)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await renderHousehold(request, actor: actor, id: id, messages: request.formMessages(for: error), status: .unprocessableEntity)
        }
    }
}
