import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Raising a request from the resident's page, in two steps that work without JavaScript: (1) say what is
/// wrong in plain words; (2) confirm the category the classifier proposes (or find another by typing, from a
/// `datalist`), answer the item's questions, choose the building, add photos, choose anonymous or public.
/// The case and its photos are written in one transaction.
struct RequestFormPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("requests", "new", use: start)
        routes.post("requests", "new", use: confirm)
        // Six photos of 5 MB each, with the form around them.
        routes.on(.POST, "requests", bodyUpTo: CasePhoto.maxFormSize, use: submit)
    }

    struct Draft: Content {
        var title: String?
        var description: String?
    }

    struct StepOnePage: Encodable {
        let page: PageBase
        let title: String
        let description: String
        let messages: [FormMessage]
    }

    /// Step 1, for residents and for visitors (who give their number at the end: `CaseDrafts`).
    @Sendable func start(_ request: Request) async throws -> View {
        // "Go back and change" brings the words back.
        let title = String(((try? request.query.get(String.self, at: "title")) ?? "").prefix(100))
        let description = String(((try? request.query.get(String.self, at: "description")) ?? "").prefix(4_000))
        // A visitor's problem that could not be sent after the code (gone after a day, or refused): said so.
        let lost = (try? request.query.get(String.self, at: "lost")) != nil
        return try await request.view.render("cases/new", StepOnePage(
            page: await PageBase.make(for: request, title: Strings.text("request.new_title", request.lang)),
            title: title, description: description, messages: lost ? [FormMessage(field: nil, text: Strings.text("request.draft_lost", request.lang))] : []))
    }

    struct Choice: Encodable {
        let code: String
        let name: String
        let category: String
        let checked: Bool
    }

    struct QuestionView: Encodable {
        let code: String
        let prompt: String
        let kind: String
        let required: Bool
        let choices: [ChoiceOption]
        let value: String
    }

    struct ChoiceOption: Encodable {
        let key: String
        let name: String
        let checked: Bool
    }

    struct PlaceGroup: Encodable {
        let compound: String
        let buildings: [PlaceOption]
    }

    struct PlaceOption: Encodable {
        let id: String
        let name: String
        let selected: Bool
    }

    struct StepTwoPage: Encodable {
        let page: PageBase
        /// The proposed item can mean danger to people: whom to call first, before any form.
        let calls: [EmergencyView.Call]
        let title: String
        let description: String
        let proposals: [Choice]
        let otherChecked: Bool
        let otherName: String
        let catalogue: [Choice]
        let questions: [QuestionView]
        let places: [PlaceGroup]
        let anonymous: Bool
        let isPublic: Bool
        /// Not signed in: the form asks for the mobile number (a code confirms it and makes the account) and takes no
        /// photos (they can be added once signed in).
        let visitor: Bool
        let phone: String
        /// A report against officials (举报): whom it is about, the place's bodies (`CaseIntake.accused`), offered
        /// whenever a report is among the choices; `reportChosen` when it is the one ticked.
        let accusable: [SelectOption]
        let reportChosen: Bool
        let messages: [FormMessage]
    }

    /// Step 2: the classifier's proposals for the words given.
    @Sendable func confirm(_ request: Request) async throws -> Response {
        let actor = request.currentActor
        let draft = try request.content.decode(Draft.self)
        let title: String, description: String
        do {
            (title, description) = try CaseIntake.words(title: draft.title, description: draft.description)
        } catch {
            return try await request.view.render("cases/new", StepOnePage(
                page: await PageBase.make(for: request, title: Strings.text("request.new_title", request.lang)),
                title: draft.title ?? "", description: draft.description ?? "", messages: request.formMessages(for: error)))
                .encodeResponse(status: .unprocessableEntity, for: request)
        }
        return try await stepTwo(request, actor: actor, title: title, description: description, chosen: nil, answers: [:], buildingID: nil,
                                 anonymous: false, isPublic: false, messages: [], status: .ok)
    }

    func stepTwo(_ request: Request, actor: Actor?, title: String, description: String, chosen: String?, answers: [String: [String]],
                 buildingID: UUID?, anonymous: Bool, isPublic: Bool, phone: String = "", accused: UUID? = nil, messages: [FormMessage],
                 status: HTTPStatus) async throws -> Response {
        guard let (prepared, model) = try await request.context.classifier() else { throw AppError.conflict("no_catalogue") }
        let catalogue = prepared.catalogue
        let lang = request.lang
        let categories = Dictionary(uniqueKeysWithValues: catalogue.categories.map { ($0.code, lang == .zh ? $0.name : $0.nameEn) })
        let proposals = Classifier.suggest(title: title, description: description, model: model)
        let selected = chosen ?? proposals.first?.code
        func choice(_ item: CatalogueItem, checked: Bool) -> Choice {
            Choice(code: item.code, name: lang == .zh ? item.everydayName : item.nameEn, category: categories[item.category] ?? "", checked: checked)
        }
        let proposed = proposals.compactMap { proposal in catalogue.item(proposal.code).map { choice($0, checked: $0.code == selected) } }
        let otherItem = selected.flatMap { code in proposals.contains { $0.code == code } ? nil : catalogue.item(code) }
        let questions = (selected.flatMap(catalogue.item)?.questions ?? []).map { question in
            QuestionView(code: question.code, prompt: lang == .zh ? question.prompt : question.promptEn, kind: question.datatype.rawValue,
                         required: question.required,
                         choices: question.choices.map { ChoiceOption(key: $0.key, name: $0.name(english: lang == .en), checked: answers[question.code]?.contains($0.key) == true) },
                         value: answers[question.code]?.first ?? "")
        }
        let calls = EmergencyView.calls(selected.flatMap(catalogue.item)?.emergency?.calls ?? [], lang)
        let places = try await places(for: actor, selected: buildingID, mentioned: PlaceMention.buildingNumbers(in: title + " " + description), on: request.db)
        var accusable: [SelectOption] = []
        let chosenBuilding = places.flatMap(\.buildings).first(where: \.selected).flatMap { UUID(uuidString: $0.id) }
        // Whenever a report against officials is among the choices (proposed, or chosen): the resident may tick it
        // on this page, and the form works without a script (intake reads the body only for a report).
        let offersReport = ([selected] + proposals.map(\.code)).contains { $0.flatMap(catalogue.item)?.responsible == .supervisoryOrg }
        if actor != nil, offersReport, let chosenBuilding,
           let building = try await BuildingRecord.find(chosenBuilding, on: request.db), let path = OrgPath(building.orgPath) {
            accusable = try await PartyDirectory.accusable(at: path, on: request.db).map { node in
                let kind = node.party.map { Strings.text("mine.partykind.\($0.rawValue)", lang) } ?? Strings.text("level.\(node.level.rawValue)", lang)
                return SelectOption(value: node.id!.uuidString.lowercased(), label: "\(node.name)（\(kind)）", selected: node.id == accused)
            }
        }
        return try await request.view.render("cases/confirm", StepTwoPage(
            page: await PageBase.make(for: request, title: Strings.text("request.new_title", request.lang)), calls: calls,
            title: title, description: description, proposals: proposed, otherChecked: otherItem != nil,
            otherName: otherItem.map { lang == .zh ? $0.name : $0.nameEn } ?? "",
            catalogue: catalogue.items.map { choice($0, checked: false) }, questions: questions,
            places: places, anonymous: anonymous, isPublic: isPublic, visitor: actor == nil, phone: phone, accusable: accusable,
            reportChosen: selected.flatMap(catalogue.item)?.responsible == .supervisoryOrg,
            messages: messages)).encodeResponse(status: status, for: request)
    }

    /// The buildings a resident may report at (`Actor.mayReport`), their own first and selected unless another is —
    /// or one the words name ("3号楼…", `PlaceMention`): in the resident's own compound, or the only one so named.
    func places(for actor: Actor?, selected: UUID?, mentioned: [String] = [], on db: any Database) async throws -> [PlaceGroup] {
        // Before joining a household (or signing up) a resident may report anywhere: the buildings of the whole installation.
        guard actor?.isResident != false else { return [] }
        let scopes = actor.map { $0.grants.isEmpty ? [OrgPath.root.rawValue] : $0.grants.map(\.path.rawValue) } ?? [OrgPath.root.rawValue]
        var own: UUID?
        if let personID = actor?.personID?.uuid,
           let member = try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == personID).with(\.$household, { $0.with(\.$unit) }).first() {
            own = member.household.unit.$building.id
        }
        let buildings = try await BuildingRecord.query(on: db).group(.or) { group in for scope in scopes { group.filter(\.$orgPath =~ scope) } }
            .with(\.$compound).sort(\.$orgPath).sort(\.$name).limit(500).all()
        var named: UUID?
        if selected == nil, let number = mentioned.first {
            let candidates = buildings.filter { PlaceMention.number(ofBuilding: $0.name) == number }
            let ownCompound = buildings.first { $0.id == own }?.$compound.id
            named = (candidates.first { $0.$compound.id == ownCompound } ?? (candidates.count == 1 ? candidates.first : nil))?.id
        }
        let chosen = selected ?? named ?? own
        let groups = Dictionary(grouping: buildings, by: { $0.compound.name })
        // The chosen building's compound first, then the compounds with a building of the number the words name.
        func rank(_ group: PlaceGroup) -> Int {
            group.buildings.contains(where: \.selected) ? 0 : group.buildings.contains { PlaceMention.number(ofBuilding: $0.name) == mentioned.first } ? 1 : 2
        }
        let all = groups.keys.sorted().map { name in
            PlaceGroup(compound: name, buildings: groups[name]!.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
                .map { PlaceOption(id: $0.id!.uuidString.lowercased(), name: $0.name, selected: $0.id == chosen) })
        }
        return all.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    struct FinalForm: Content {
        var title: String?
        var description: String?
        var item: String?
        var otherItem: String?
        var buildingId: String?
        var anonymous: String?
        var `public`: String?
        var q: [String: String]?
        var photos: [File]?
        /// A visitor's mobile number.
        var phone: String?
        /// A report's accused body.
        var accused: String?
        /// …and the person, if the resident names one.
        var accusedPerson: String?
    }

    @Sendable func submit(_ request: Request) async throws -> Response {
        let actor = request.currentActor
        let form = try request.content.decode(FinalForm.self)
        let title = (form.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let description = form.description ?? ""
        let catalogue = try await CatalogueStore.current(on: request.db)
        var itemCode = form.item == "other" ? nil : form.item
        if form.item == "other" || itemCode == nil, let name = form.otherItem?.trimmingCharacters(in: .whitespaces), !name.isEmpty {
            itemCode = catalogue?.items.first { $0.name == name || $0.nameEn == name || $0.code == name }?.code
        }
        // Answers: `q[code]` for one value, `q[code__key]` = on for each ticked box of a multiple choice.
        var answers: [String: [String]] = [:]
        for (key, value) in form.q ?? [:] {
            if let split = key.range(of: "__") {
                answers[String(key[..<split.lowerBound]), default: []].append(String(key[split.upperBound...]))
            } else {
                answers[key, default: []].append(value)
            }
        }
        let buildingID = form.buildingId.flatMap(UUID.init(uuidString:))
        let anonymous = form.anonymous == "on", isPublic = form.public == "on"
        let accused = form.accused.flatMap(UUID.init(uuidString:))
        do {
            if form.item == "other", itemCode == nil { throw AppError.invalid("otherItem", "not_a_choice") }
            guard actor != nil else {
                // A visitor: the problem waits for the code texted to the number given; the code page sends it.
                let draft = CaseDrafts.Draft(title: title, description: description, itemCode: itemCode, buildingID: buildingID, answers: answers,
                                             isPublic: isPublic, anonymous: anonymous)
                let (id, phone) = try await CaseDrafts.save(draft, phone: form.phone, in: request.context)
                let response = request.redirect(to: "/signin/code" + PageRedirect.nextQuery("/requests/draft/\(id.uuidString.lowercased())"), redirectType: .normal)
                response.cookies[PhoneSignInController.cookie] = PhoneSignInController().pending(phone, request)
                return response
            }
            let photos = try (form.photos ?? []).filter { $0.data.readableBytes > 0 }.map { try CasePhoto(checking: $0, field: "photos") }
            let input = CaseIntake.Input(
                title: title, description: description, buildingID: buildingID, gridID: nil, address: "", latitude: nil, longitude: nil,
                itemCode: itemCode, overrideReason: nil, channel: nil, fallbackChannel: .resident, isPublic: isPublic, anonymous: anonymous,
                accusedNodeID: accused, accusedPerson: form.accusedPerson, answers: answers, photos: photos)
            let result = try await CaseIntake.submit(input, in: request.context)
            return PageRedirect.to("/requests/\(result.record.id!.uuidString.lowercased())?done=submitted", secret: result.trackingCode, for: request)
        } catch let error as AppError where error.status != .internalServerError && error.status != .unauthorized {
            return try await stepTwo(request, actor: actor, title: title, description: description, chosen: itemCode, answers: answers,
                                     buildingID: buildingID, anonymous: anonymous, isPublic: isPublic, phone: form.phone ?? "", accused: accused,
                                     messages: request.formMessages(for: error), status: error.status == .notFound ? .unprocessableEntity : error.status)
        } catch let failure as PhoneSignIn.Failure {
            let controller = PhoneSignInController()
            return try await stepTwo(request, actor: actor, title: title, description: description, chosen: itemCode, answers: answers,
                                     buildingID: buildingID, anonymous: anonymous, isPublic: isPublic, phone: form.phone ?? "",
                                     messages: [controller.message(failure, request)], status: controller.status(failure))
        }
    }
}
