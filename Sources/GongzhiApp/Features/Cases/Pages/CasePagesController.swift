import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The staff case page (`/cases/:id`): everything about the case, its timeline with names and photos, possible
/// duplicates, and a form for each action this user may take in this state, asking for exactly what the action
/// needs (a reason, the handler, the case to merge into, extra days, the phone follow-up's answers, photos).
struct CasePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("cases", ":id", use: show)
        routes.on(.POST, "cases", ":id", "act", ":action", bodyUpTo: CasePhoto.maxFormSize, use: act)
        routes.post("cases", ":id", "submitter-number", use: submitterNumber)
    }

    struct ReasonForm: Content {
        var reason: String?
    }

    /// The submitter's full number, shown on this answer only (not stored in a page), after a reason (audited).
    @Sendable func submitterNumber(_ request: Request) async throws -> Response {
        let actor = try request.require(.unmaskPersonalData)
        let id = try request.uuidParameter()
        let form = try request.content.decode(ReasonForm.self)
        do {
            let phone = try await CaseSubmitterNumber.unmask(caseID: CaseID(id), reason: form.reason ?? "", in: request.context)
            let response = try await render(request, actor: actor, id: id, fullNumber: phone)
            response.headers.cacheControl = .init(noStore: true)
            return response
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await render(request, actor: actor, id: id, messages: request.formMessages(for: error), status: .unprocessableEntity)
        }
    }

    struct ActionForm: Encodable {
        let action: String
        let label: String
        let needsNote: Bool
        let needsHandler: Bool
        let needsMerge: Bool
        let needsDays: Bool
        let isRating: Bool
        let takesPhotos: Bool
        let primary: Bool
    }

    struct CasePage: Encodable {
        let page: PageBase
        let item: CaseRowView
        let description: String
        let answers: [String]
        let channel: String
        let contact: String
        /// Who raised it (masked for roles without the right to full names) and their masked number; empty for
        /// an anonymous case.
        let submitter: String
        /// May see the full number (with a reason, audited): the form is offered.
        let canShowNumber: Bool
        /// The full number, on the answer to that form only.
        let fullNumber: String
        let visibility: String
        let classification: String
        let overrideReason: String
        let returns: Int
        let reopens: Int
        let supervised: Bool
        let timeline: [TimelineView]
        let duplicates: [CaseRowView]
        let actions: [ActionForm]
        let handlers: [SelectOption]
        let flash: String?
        let messages: [FormMessage]
        let emergency: EmergencyView?
        /// A report: the body and the person it is about.
        var accused: String? = nil
    }

    /// Actions whose form carries photos (the work done, the place seen).
    static let photoActions: Set<CaseAction> = [.reply, .start, .sign, .requestSuspension, .requestExtension, .return, .reject]

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        guard AccessPolicy.allowsAnywhere(.viewCases, actor: actor) else { return request.redirect(to: "/requests/\(id.uuidString.lowercased())") }
        return try await render(request, actor: actor, id: id, done: request.query[String.self, at: "done"])
    }

    /// What the page says after a form's redirect (`?done=`): the case entered, or the action done.
    static func doneMessage(_ done: String?, number: String, lang: Lang) -> String? {
        guard let done else { return nil }
        if done == "submitted" { return Strings.text("request.submitted", lang).replacingOccurrences(of: "{number}", with: number) }
        guard let label = Strings.entry("action.\(done)", lang) else { return nil }
        return Strings.text("action.done", lang).replacingOccurrences(of: "{action}", with: label)
    }

    func render(_ request: Request, actor: Actor, id: UUID, done: String? = nil, messages: [FormMessage] = [], fullNumber: String? = nil,
                status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        let record = try await CaseActions.visibleCase(id, actor: actor, on: db)
        let duplicates = record.state.isOpen
            ? try await CaseIntake.possibleDuplicates(itemCode: record.itemCode, placePath: OrgPath(record.placePath) ?? .root,
                                                      location: record.latitude.flatMap { lat in record.longitude.flatMap { GeoPoint(latitude: lat, longitude: $0) } },
                                                      now: request.now, on: db).filter { $0 != id }
            : []
        let duplicateRecords = duplicates.isEmpty ? [] : try await CaseRecord.visible(to: actor, on: db).filter(\.$id ~~ duplicates).all()
        let labels = try await CaseLabels.load(for: [record] + duplicateRecords, lang: lang, reader: actor, on: db)
        let answers = try await CaseLabels.answers(record, lang: lang, on: db)
        var contact = ""
        if let sealed = record.contactSealed, let opened = try? request.gongzhi.cipher.open(sealed, field: .caseContact),
           let details = try? JSONDecoder().decode(CaseIntake.Contact.self, from: Data(opened.utf8)) {
            contact = [details.name.isEmpty ? "" : Masking.name(details.name), details.phone.isEmpty ? "" : Masking.phone(details.phone)]
                .filter { !$0.isEmpty }.joined(separator: " ")
        }
        var submitter = "", canShowNumber = false
        if !record.anonymous {
            var person: PersonRecord?, user: UserRecord?
            if let id = record.submitterPersonID { person = try await PersonRecord.find(id, on: db) }
            if let id = record.submitterUserID { user = try await UserRecord.find(id, on: db) }
            if let person {
                let full = AccessPolicy.allows(.viewFullNames, actor: actor, at: OrgPath(person.orgPath) ?? .root)
                submitter = [full ? person.name : Masking.name(person.name), person.phoneMask ?? user?.phoneMask ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
                canShowNumber = (person.phoneSealed ?? user?.phoneSealed) != nil
            } else if let user, user.phoneMask != nil || user.$person.id == nil {
                submitter = [Strings.text("case.submitter_unregistered", lang), user.phoneMask ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
                canShowNumber = user.phoneSealed != nil
            }
            canShowNumber = canShowNumber && AccessPolicy.allows(.unmaskPersonalData, actor: actor, at: OrgPath(record.placePath) ?? .root)
        }
        let available = CaseActions.available(record, to: actor)
        let forms = available.filter { $0 != .rateUnsatisfied }.map { action in
            let rating = action == .rateSatisfied
            return ActionForm(
                action: rating ? "rate" : action.rawValue, label: Strings.text(rating ? "action.rate" : "action.\(action.rawValue)", lang),
                needsNote: CaseActions.needNote.contains(action) || rating, needsHandler: action == .dispatch || action == .arbitrate,
                needsMerge: action == .merge, needsDays: action == .extend || action == .requestExtension, isRating: rating,
                takesPhotos: Self.photoActions.contains(action), primary: [.accept, .dispatch, .sign, .start, .reply].contains(action))
        }
        var handlers: [SelectOption] = []
        if forms.contains(where: \.needsHandler) {
            let scopes = AccessPolicy.scopes(.viewOrganisation, actor: actor)
            let inScope = scopes.isEmpty ? [] : try await OrgNodeRecord.query(on: db)
                .group(.or) { group in for scope in scopes { group.filter(\.$path =~ scope.rawValue) } }
                .sort(\.$path).limit(400).all()
            // The parties registered for the place come after the areas (a department, the compound's company…).
            let parties = try await PartyDirectory.dispatchable(for: record, on: CivilDate(request.now), db: db)
            let inScopeIDs = Set(inScope.compactMap(\.id))
            handlers = (inScope.filter { $0.party != .supervisoryBody } + parties.filter { !inScopeIDs.contains($0.id!) })
                .filter { record.accusedPath.flatMap(OrgPath.init)?.contains($0.orgPath) != true }
                .map { SelectOption(value: $0.id!.uuidString.lowercased(), label: "\($0.name)（\(PartyWords.kindName(of: $0, lang))）") }
        }
        var context = CasePage(
            page: await PageBase.make(for: request, title: record.number), item: labels.row(record, linkTo: "/cases/"),
            description: InvisibleCharacters.shown(CaseText.shown(record.details, to: actor, of: record)), answers: answers, channel: Strings.text("channel.\(record.channel)", lang), contact: contact,
            submitter: submitter, canShowNumber: canShowNumber, fullNumber: fullNumber ?? "",
            visibility: Strings.text(record.isPublic ? "case.public" : "case.private", lang),
            classification: String(format: "%.0f%%", record.classificationScore * 100), overrideReason: record.overrideReason ?? "",
            returns: record.returns, reopens: record.reopens, supervised: record.supervised,
            timeline: try await CaseLabels.timeline(record, lang: lang, reader: actor, showActors: true, showPhotos: true, on: db),
            duplicates: duplicateRecords.map { labels.row($0, linkTo: "/cases/") }, actions: forms, handlers: handlers,
            flash: Self.doneMessage(done, number: record.number, lang: request.lang), messages: messages,
            emergency: try await EmergencyView.of(record, lang: lang, on: db))
        // A report: whom it is about (the body by its name, and the person as the resident named them).
        if let path = record.accusedPath.flatMap(OrgPath.init), let nodeID = path.segments.last.flatMap(UUID.init(uuidString:)) {
            let body = try await OrgNodeRecord.find(nodeID, on: db)?.name ?? ""
            context.accused = [body, record.accusedPerson].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
        }
        return try await request.view.render("cases/case", context).encodeResponse(status: status, for: request)
    }

    struct ActForm: Content {
        var note: String?
        var handlerNodeId: String?
        var mergeInto: String?
        var extraDays: String?
        var solved: String?
        var satisfaction: String?
        /// A phone follow-up's time, from `<input type="datetime-local">`: Beijing time, "2026-03-02T10:00".
        var calledAt: String?
        var photos: [File]?
    }

    /// A `datetime-local` value read as Beijing time (nil when empty; the field is named when it is not a time).
    static func beijingTime(_ raw: String?, field: String) throws -> Date? {
        guard let text = raw?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let parts = text.split(separator: "T")
        guard parts.count == 2, let date = CivilDate(iso: String(parts[0])) else { throw AppError.invalid(field) }
        let hm = parts[1].split(separator: ":").prefix(2).compactMap { Int($0) }
        guard hm.count == 2, (0..<24).contains(hm[0]), (0..<60).contains(hm[1]) else { throw AppError.invalid(field) }
        return DayNumber(date).instant(minutes: hm[0] * 60 + hm[1])
    }

    @Sendable func act(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let form = try request.content.decode(ActForm.self)
        let name = request.parameters.get("action") ?? ""
        let satisfaction = form.satisfaction.flatMap(CaseActions.Satisfaction.init(rawValue:))
        let solved: Bool? = form.solved == "yes" ? true : form.solved == "no" ? false : nil
        guard let action = CaseAction.fromRoute(name, satisfied: solved == true && satisfaction != nil && satisfaction != .unsatisfied),
              action != .rateSatisfied || name == "rate", action != .rateUnsatisfied || name == "rate" else { throw AppError.notFound }
        do {
            var mergeInto: UUID?
            if let number = form.mergeInto?.trimmingCharacters(in: .whitespaces).uppercased(), !number.isEmpty {
                mergeInto = try await CaseRecord.visible(to: actor, on: request.db).filter(\.$number == number).first()?.id
                if mergeInto == nil { throw AppError.invalid("mergeInto") }
            }
            var days: Int?
            if let raw = form.extraDays?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
                guard let value = Int(raw) else { throw AppError.invalid("extraDays") }
                days = value
            }
            let calledAt = try Self.beijingTime(form.calledAt, field: "calledAt")
            let photos = try (form.photos ?? []).filter { $0.data.readableBytes > 0 }.map { try CasePhoto(checking: $0, field: "photos") }
            let record = try await CaseActions.perform(action, caseID: CaseID(id), input: CaseActions.Input(
                note: form.note ?? "", handlerNodeID: form.handlerNodeId.flatMap(UUID.init(uuidString:)), mergeInto: mergeInto, extraDays: days,
                solved: solved, satisfaction: satisfaction, calledAt: calledAt, photos: photos), in: request.context)
            // Merged away: the page to go on with is the master's.
            return PageRedirect.to("/cases/\(record.id!.uuidString.lowercased())?done=\(name == "rate" ? "rate" : action.rawValue)", for: request)
        } catch let error as AppError where error.status != .internalServerError && error.status != .notFound && error.status != .unauthorized {
            return try await render(request, actor: actor, id: id, messages: request.formMessages(for: error), status: error.status)
        }
    }
}
