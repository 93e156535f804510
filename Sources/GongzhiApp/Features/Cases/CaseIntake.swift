import Crypto
import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Taking in a case (SPEC §4): from a resident, at the window for a resident (一窗受理), from a grid worker's
/// patrol or through the API. Classifies it, routes it to the responsible org at its place, sets its time
/// limits, and writes the case, its first timeline event and the audit entry in one transaction (on SQLite, in one
/// statement per table with the other intakes of its group commit: `RowWrite`).
enum CaseIntake {
    typealias Channel = IntakeChannel

    struct Input: Sendable {
        var title: String
        var description: String
        var buildingID: UUID?
        var gridID: UUID?
        var address: String
        var latitude: Double?
        var longitude: Double?
        var itemCode: String?
        var overrideReason: String?
        /// The channel named by the submitter (nil: the entry point's `fallbackChannel`); `IntakeChannelPolicy` decides.
        var channel: Channel?
        var fallbackChannel: Channel = .api
        var isPublic: Bool
        var anonymous: Bool
        /// For a report against an org (举报): the org accused (default: the community of the place).
        var accusedNodeID: UUID?
        /// For a report: the person it is about, as the resident names them (a name, a position), if they do.
        var accusedPerson: String? = nil
        /// Answers to the item's questions (code → values).
        var answers: [String: [String]] = [:]
        /// The submitter chose the item themselves (an Open311 service code): no override reason is asked.
        var itemChosenBySubmitter = false
        /// Contact details an Open311 client sent (kept encrypted).
        var contact: Contact?
        /// Photos sent with the case (the resident's form): stored with it, in the same transaction.
        var photos: [CasePhoto] = []
        /// Staff entering it for a registered resident (一窗受理, a phone call): the person; their account, if
        /// any, then follows the case in its portal as if they had raised it.
        var forPersonID: UUID?
    }

    struct Contact: Codable, Sendable {
        var name: String
        var phone: String
        var email: String
    }

    struct Result: Sendable {
        let record: CaseRecord
        /// Shown once to an anonymous submitter; only its hash is kept.
        let trackingCode: String?
        let proposals: [Classifier.Proposal]
        /// Open cases of the same item at the same place in the last 30 days: possible duplicates to merge.
        let duplicates: [UUID]
    }

    /// Days within which a case of the same item at the same place counts as a possible duplicate.
    static let duplicateWindowDays = 30

    /// Takes in a case from whoever `context` names: a resident, staff, or an Open311 client (within the subtree
    /// its key was issued for). Every entry point calls this with the fields as sent; they are checked here.
    static func submit(_ raw: Input, in context: UseCaseContext) async throws -> Result {
        let (input, channel) = try validated(raw, principal: context.principal)
        guard input.photos.count <= CaseAttachmentsAPIController.maxPerCase else { throw AppError.conflict("too_many_attachments", field: "photos") }
        try context.submissions.admit(context)
        var result: Result?
        try await CasePhoto.writing(input.photos, in: context) { files in
            result = try await submit(input, channel: channel, photoFiles: files, in: context)
        }
        return result!
    }

    /// A request's own words, trimmed and checked: what `submit` takes, and what the resident's form checks before
    /// it proposes items for them.
    static func words(title: String?, description: String?) throws -> (title: String, description: String) {
        (try Validate.name(title, field: "title"), try Validate.text(description, field: "description", limit: 4_000))
    }

    /// The input with its text trimmed and checked, and the channel `IntakeChannelPolicy` allows (or the error).
    static func validated(_ raw: Input, principal: Principal) throws -> (Input, Channel) {
        var input = raw
        (input.title, input.description) = try words(title: raw.title, description: raw.description)
        input.address = try Validate.text(raw.address, field: "address")
        input.overrideReason = try Validate.text(raw.overrideReason, field: "overrideReason", limit: 500)
        _ = try Validate.point(latitude: raw.latitude, longitude: raw.longitude)
        do throws(IntakeChannelPolicy.Refusal) {
            let channel = try IntakeChannelPolicy.channel(requested: raw.channel, fallback: raw.fallbackChannel, submitter: submitter(principal))
            input.channel = channel
            return (input, channel)
        } catch {
            switch error {
            case .signInFirst: throw AppError.unauthorized
            case .notAllowed: throw AppError.forbidden
            case .wrongChannel: throw AppError.invalid("channel")
            case .residentsOnly: throw AppError.invalid("channel", "residents_channel")
            }
        }
    }

    /// The org a report accuses: one of the place's areas (default: its community), or a public body registered at
    /// one of them (a district department, a street office, the community's party organisation). Anything else is
    /// refused: a report is about the place's own officials.
    static func accused(_ id: UUID?, placePath: OrgPath, on db: any Database) async throws -> OrgNodeRecord? {
        let segments = placePath.segments
        guard let id else {
            guard segments.count > OrgLevel.community.depth, let community = UUID(uuidString: segments[OrgLevel.community.depth]) else { return nil }
            return try await OrgNodeRecord.find(community, on: db)
        }
        guard let node = try await OrgNodeRecord.find(id, on: db) else { throw AppError.invalid("accusedNodeId") }
        let areas = Set(segments.prefix(OrgLevel.community.depth + 1).map { $0.lowercased() })
        let related = if let party = node.party {
            party.isAccusable && node.$parent.id.map { areas.contains($0.uuidString.lowercased()) } == true
        } else {
            areas.contains(id.uuidString.lowercased())
        }
        guard related else { throw AppError.invalid("accusedNodeId") }
        return node
    }

    static func submitter(_ principal: Principal) -> IntakeChannelPolicy.Submitter {
        switch principal {
        case .account(let actor):
            if actor.isResident { return .resident }
            return AccessPolicy.allowsAnywhere(.intakeCases, actor: actor) ? .intakeStaff : .otherStaff
        case .open311: return .open311Client
        case .system, .visitor: return .visitor
        }
    }

    private static func submit(_ input: Input, channel: Channel, photoFiles: [(id: UUID, path: String)],
                               in context: UseCaseContext) async throws -> Result {
        // An account, or an Open311 client (`validated` has refused everyone else).
        let actor = context.principal.actor
        let client: Open311Client? = if case .open311(let client) = context.principal { client } else { nil }
        let now = context.now
        let calendar = context.services.calendar
        let cipher = context.services.cipher
        let isResident = actor?.isResident == true
        // Everything read first, outside the write: the catalogue (cached per version), the place, the item, the
        // handler, possible duplicates. Only the inserts and the audit entry hold the (SQLite-serialised) write.
        let db = context.db
        guard let prepared = try await CatalogueStore.prepared(on: db) else { throw AppError.conflict("no_catalogue") }
        let catalogue = prepared.catalogue
        // Where: a building (its grid) or a grid; the actor must be allowed to report there.
        let (placePath, buildingID, location) = try await place(input, on: db)
        let allowed = if let client {
            client.scope.contains(placePath)
        } else if let actor, isResident {
            actor.mayReport(at: placePath)
        } else if let actor {
            AccessPolicy.allows(.intakeCases, actor: actor, at: placePath)
        } else {
            false
        }
        guard allowed else { throw AppError.notFound }

        // What: the classifier's proposal, or the chosen item (staff overriding it say why).
        let proposals = Classifier.suggest(title: input.title, description: input.description,
                                           model: context.services.classifier.model(for: prepared))
        var itemCode = proposals.first?.code ?? ""
        var score = proposals.first?.score ?? 0
        if let chosen = input.itemCode, !chosen.isEmpty {
            guard catalogue.item(chosen) != nil else { throw AppError.invalid("itemCode") }
            if chosen != itemCode {
                if !isResident, !input.itemChosenBySubmitter, (input.overrideReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    throw AppError.invalid("overrideReason", "reason_required")
                }
                score = proposals.first { $0.code == chosen }?.score ?? 0
                itemCode = chosen
            }
        }
        guard let item = catalogue.item(itemCode) else { throw AppError.conflict("no_catalogue") }
        let answers: [String: [String]]
        do throws(CatalogueQuestion.Problem) {
            answers = try CatalogueQuestion.validate(input.answers, against: item.questions, requireAll: !(input.itemCode ?? "").isEmpty)
        } catch {
            let (question, code) = Self.describe(error)
            throw AppError.invalid("attribute[\(question)]", code)
        }

        // Who: the party the catalogue names where it is registered for the place (a department, the company
        // serving the compound…), else the node of the responsible party's level above it (`PartyRouting`).
        guard let handler = try await PartyDirectory.handler(for: item, placePath: placePath, buildingID: buildingID,
                                                             on: CivilDate(now), db: db) else { throw AppError.invalid("buildingId") }
        let handlerID = handler.id, handlerPath = handler.path
        // A report never goes to the org it accuses, nor is seen inside it.
        var accusedPath: String?
        var accusedPerson: String?
        if let named = input.accusedPerson?.trimmingCharacters(in: .whitespacesAndNewlines), !named.isEmpty {
            guard item.responsible == .supervisoryOrg else { throw AppError.invalid("accusedPerson", "not_a_report") }
            accusedPerson = try Validate.name(named, field: "accusedPerson")
        }
        if item.responsible == .supervisoryOrg {
            accusedPath = try await accused(input.accusedNodeID, placePath: placePath, on: db)?.path
            // Only a supervisory body may handle a report from inside the org it accuses (a report against the
            // district, where the district has none registered, has nobody to go to).
            if let accused = accusedPath.flatMap(OrgPath.init), let path = OrgPath(handlerPath), accused.contains(path), handler.party != .supervisoryBody {
                throw AppError.invalid("accusedNodeId", "no_supervisor")
            }
        }

        let record = CaseRecord()
        record.id = context.ids.next()
        record.title = input.title
        record.details = input.description
        record.channel = channel.rawValue
        record.isPublic = input.isPublic && item.responsible != .supervisoryOrg
        record.anonymous = input.anonymous
        let userID = actor?.userID.uuid
        var trackingCode: String?
        if input.anonymous {
            let code = trackingCodeValue()
            trackingCode = code
            record.trackingHash = Tokens.digest(code)
        }
        record.submitterUserID = isResident ? userID : nil
        record.submitterPersonID = isResident ? actor?.personID?.uuid : nil
        if let personID = input.forPersonID, !isResident, let actor {
            let person = try await Scoped.find(PersonRecord.self, personID, actor: actor, .viewResidents, on: db)
            record.submitterPersonID = person.id
            record.submitterUserID = try await UserRecord.query(on: db).filter(\.$person.$id == person.id).first()?.id
        }
        record.catalogueVersion = catalogue.version
        record.itemCode = item.code
        record.category = item.category
        record.classificationScore = score
        record.overrideReason = input.overrideReason.flatMap { $0.isEmpty ? nil : $0 }
        record.placePath = placePath.rawValue
        record.buildingID = buildingID
        record.address = input.address
        record.latitude = location?.latitude
        record.longitude = location?.longitude
        record.handlerNodeID = handlerID
        record.handlerPath = handlerPath
        record.handlerParty = item.responsible
        record.handlerDepartment = item.department
        record.accusedPath = accusedPath
        record.accusedPerson = accusedPerson
        record.snapshot = CaseSnapshot(state: .submitted)
        record.responseHours = item.responseHours
        record.completionDays = item.completionDays
        record.extensionDays = 0
        record.openedAt = now
        // Danger to people: minutes to take it, a warning to the community and the street at once (`EmergencyRule`).
        let emergency = EmergencyRule.applying(to: item, answers: answers)
        record.emergencyMinutes = emergency?.responseMinutes
        CaseClock.apply(CaseDeadlines.compute(.init(openedAt: now, responseHours: item.responseHours, completionDays: item.completionDays,
                                                    emergencyMinutes: emergency?.responseMinutes),
                                              calendar: calendar, now: now), to: record)
        record.slaLevel = .normal
        record.eventCount = 1
        record.answers = answers
        record.apiKeyID = client.flatMap { UUID(uuidString: $0.keyID) }
        if let contact = input.contact {
            let encoded = String(decoding: try JSONEncoder().encode(contact), as: UTF8.self)
            record.contactSealed = cipher.seal(encoded, field: .caseContact)
        }
        let duplicates = try await possibleDuplicates(itemCode: item.code, placePath: placePath, location: location, now: now, on: db)
        // The rows are made ready here, outside the write: on SQLite the one writer is held only to send them.
        record.updatedAt = now
        let event = CaseEventRecord(caseID: record.id!, seq: 1, action: "submit", from: nil, to: .submitted,
                                    actorUserID: input.anonymous ? nil : userID,
                                    actorName: input.anonymous ? "anonymous" : client.map { "open311:" + $0.name }
                                        ?? (isResident ? "resident" : context.actorName),
                                    note: "", at: now)
        event.id = UUID()
        let eventInsert = try PreparedInsert(event, on: db)
        let photoInserts = try zip(input.photos, photoFiles).map { photo, file in
            try PreparedInsert(photo.row(caseID: record.id!, id: file.id, uploadedBy: userID, eventSeq: 1, now: now), on: db)
        }
        let audit = AuditEvent(action: "case.create", objectType: "case", objectID: record.id!.uuidString.lowercased(),
                               summary: "item=\(item.code) channel=\(channel.rawValue)",
                               change: ["title": input.title, "description": input.description, "item": item.code, "place": placePath.rawValue])
        try await numbered(now, on: db) { number in
            record.number = number
            let alert = try emergency.map { _ in try PreparedInsert(Warnings.raised(.emergency, key: Warnings.emergencyKey(record.id!), path: placePath.rawValue,
                                                                                   caseID: record.id!, detail: number, now: now), on: db) }
            try await context.write(rows: [try PreparedInsert(record, on: db), eventInsert] + photoInserts + (alert.map { [$0] } ?? []), audit: [audit])
        }
        return Result(record: record, trackingCode: trackingCode, proposals: proposals, duplicates: duplicates)
    }

}
