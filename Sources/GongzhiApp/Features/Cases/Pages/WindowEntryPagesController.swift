import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Staff entry of a case (`/window`): at the service window (一窗受理), on the phone or on patrol. The resident
/// is found by exact mobile or ID number through the keyed hash and shown masked; the case is then entered for
/// them, and appears in their own portal if they have an account.
struct WindowEntryPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("window", use: start)
        routes.post("window", "find", use: find)
        routes.on(.POST, "window", bodyUpTo: CasePhoto.maxFormSize, use: submit)
    }

    struct PersonOption: Encodable {
        let id: String
        let name: String
        let idNumber: String
        let phone: String
        let place: String
        let selected: Bool
    }

    struct WindowPage: Encodable {
        let page: PageBase
        let number: String
        let searched: Bool
        let persons: [PersonOption]
        let channels: [SelectOption]
        let items: [SelectOption]
        let buildings: [SelectOption]
        let title: String
        let description: String
        let messages: [FormMessage]
    }

    struct Draft {
        var number = ""
        var searched = false
        var persons: [PersonRecord] = []
        var personID: UUID?
        var channel = "window"
        var item = ""
        var buildingID: UUID?
        var title = ""
        var description = ""
    }

    func render(_ request: Request, actor: Actor, draft: Draft, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        var persons: [PersonOption] = []
        var ownBuilding: UUID?
        for person in draft.persons {
            let dto = PersonDTO(person, viewer: actor)
            let membership = try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == person.id!)
                .with(\.$household) { $0.with(\.$unit) { $0.with(\.$building) { $0.with(\.$compound) } } }.first()
            let unit = membership?.household.unit
            if ownBuilding == nil, draft.personID == nil || draft.personID == person.id { ownBuilding = unit?.$building.id }
            persons.append(PersonOption(id: person.id!.uuidString.lowercased(), name: dto.name, idNumber: dto.idNumber, phone: dto.phone ?? "",
                                        place: unit.map { "\($0.building.compound.name) \($0.building.name) \($0.number)" } ?? "",
                                        selected: draft.personID == person.id || (draft.personID == nil && draft.persons.count == 1)))
        }
        let scopes = AccessPolicy.scopes(.intakeCases, actor: actor)
        let buildings = scopes.isEmpty ? [] : try await BuildingRecord.query(on: db)
            .group(.or) { group in for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) } }
            .with(\.$compound).limit(600).all()
            .sorted { ($0.compound.name, $0.name) < ($1.compound.name, $1.name) }
        let chosenBuilding = draft.buildingID ?? ownBuilding
        let catalogue = try await CatalogueStore.current(on: db)
        let channels = AccessPolicy.allowsAnywhere(.dispatchCases, actor: actor) ? ["window", "hotline", "patrol"] : ["patrol", "window", "hotline"]
        let context = WindowPage(
            page: await PageBase.make(for: request, title: Strings.text("window.title", lang)), number: draft.number, searched: draft.searched,
            persons: persons,
            channels: channels.map { SelectOption(value: $0, label: Strings.text("channel.\($0)", lang), selected: draft.channel == $0) },
            items: [SelectOption(value: "", label: Strings.text("window.item_auto", lang), selected: draft.item.isEmpty)]
                + (catalogue?.items ?? []).map { SelectOption(value: $0.code, label: "\(lang == .zh ? $0.name : $0.nameEn)（\($0.code)）", selected: draft.item == $0.code) },
            buildings: buildings.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: "\($0.compound.name) \($0.name)", selected: $0.id == chosenBuilding) },
            title: draft.title, description: draft.description, messages: messages)
        return try await request.view.render("cases/window", context).encodeResponse(status: status, for: request)
    }

    @Sendable func start(_ request: Request) async throws -> Response {
        let actor = try request.require(.intakeCases)
        return try await render(request, actor: actor, draft: Draft())
    }

    struct FindForm: Content {
        var number: String?
    }

    @Sendable func find(_ request: Request) async throws -> Response {
        let actor = try request.require(.intakeCases)
        let raw = (try request.content.decode(FindForm.self).number ?? "").trimmingCharacters(in: .whitespaces)
        var draft = Draft(number: raw, searched: true)
        let idNumber = try? ResidentIDNumber(validating: raw, today: request.now)
        let phone = idNumber == nil ? try? MobileNumber(validating: raw) : nil
        guard idNumber != nil || phone != nil else {
            let message = FormMessage(field: "number", text: Strings.text(raw.count > 11 ? "error.invalid_id_number" : "error.invalid_phone", request.lang))
            return try await render(request, actor: actor, draft: draft, messages: [message], status: .unprocessableEntity)
        }
        // Only people the worker may see; exact match through the keyed hash, never a scan of plaintext.
        draft.persons = AccessPolicy.allowsAnywhere(.viewResidents, actor: actor)
            ? try await PeopleChanges.lookup(idNumber: idNumber, phone: phone, actor: actor, on: request.db, cipher: request.gongzhi.cipher) : []
        return try await render(request, actor: actor, draft: draft)
    }

    struct EntryForm: Content {
        var personId: String?
        var channel: String?
        var item: String?
        var overrideReason: String?
        var buildingId: String?
        var title: String?
        var description: String?
        var `public`: String?
        var photos: [File]?
    }

    @Sendable func submit(_ request: Request) async throws -> Response {
        let actor = try request.require(.intakeCases)
        let form = try request.content.decode(EntryForm.self)
        var draft = Draft(personID: form.personId.flatMap(UUID.init(uuidString:)), channel: form.channel ?? "window", item: form.item ?? "",
                          buildingID: form.buildingId.flatMap(UUID.init(uuidString:)), title: form.title ?? "", description: form.description ?? "")
        if let personID = draft.personID, let person = try? await Scoped.find(PersonRecord.self, personID, actor: actor, .viewResidents, on: request.db) {
            draft.persons = [person]
        }
        do {
            guard let channel = CaseIntake.Channel(rawValue: draft.channel) else { throw AppError.invalid("channel") }
            let photos = try (form.photos ?? []).filter { $0.data.readableBytes > 0 }.map { try CasePhoto(checking: $0, field: "photos") }
            let input = CaseIntake.Input(
                title: form.title ?? "", description: form.description ?? "", buildingID: draft.buildingID, gridID: nil, address: "",
                latitude: nil, longitude: nil, itemCode: draft.item.isEmpty ? nil : draft.item, overrideReason: form.overrideReason,
                channel: channel, fallbackChannel: .window, isPublic: form.public == "on", anonymous: false, accusedNodeID: nil,
                photos: photos, forPersonID: draft.personID)
            let result = try await CaseIntake.submit(input, in: request.context)
            return PageRedirect.to("/cases/\(result.record.id!.uuidString.lowercased())?done=submitted", for: request)
        } catch let error as AppError where error.status != .internalServerError && error.status != .unauthorized {
            return try await render(request, actor: actor, draft: draft, messages: request.formMessages(for: error),
                                    status: error.status == .notFound ? .unprocessableEntity : error.status)
        }
    }
}
