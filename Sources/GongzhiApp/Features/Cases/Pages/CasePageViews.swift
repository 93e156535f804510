import Fluent
import Foundation
import GongzhiCore
import Vapor

/// What the case pages show of a case, in the reader's language: words for states and levels, names for orgs
/// and places, dates in Beijing time.
struct CaseRowView: Encodable {
    let id: String
    /// Where the row links: the staff case page, the resident's request page or the public board's page.
    let href: String
    let number: String
    let title: String
    let category: String
    let state: String
    let stateLabel: String
    let sla: String
    let slaLabel: String
    let place: String
    let handler: String
    /// Whom to call at the party holding the case ("服务热线 6512 3456", "管家 张* 010-6523 8800"), or empty.
    var handlerContact: String = ""
    let opened: String
    let due: String
    let isOpen: Bool
    /// An emergency the one responsible has not signed for yet: a red mark, and first in every queue.
    let emergency: Bool
}

struct TimelineView: Encodable {
    let action: String
    let label: String
    let actor: String
    let note: String
    let at: String
    let photos: [String]
    /// A note between staff (shown only on the staff page, marked so).
    let internalNote: Bool
    /// The org the case went to at this step ("→ 某某物业"), or empty.
    let target: String
}

/// Names looked up once for a page of cases.
struct CaseLabels {
    var lang: Lang
    /// Who reads the page: numbers typed into a case's words are masked unless they may see them (`CaseText`);
    /// nil on public pages (the board), where they are always masked.
    var reader: Actor?
    var items: [String: String] = [:]
    var categories: [String: String] = [:]
    var nodes: [UUID: String] = [:]
    /// The handler nodes that are parties (a department, a property company…), with their kind.
    var partyKinds: [UUID: PartyKind] = [:]
    /// The contact of each party handler, as the reader may see it.
    var contacts: [UUID: String] = [:]
    var places: [UUID: String] = [:]

    /// Residents' words for states and steps (`mine.state.*`, `mine.action.*`: "已转给负责的单位", not "已派单") on
    /// every page a resident or the public reads; staff words on staff pages.
    var residentWords: Bool { reader.map { !AccessPolicy.allowsAnywhere(.viewCases, actor: $0) } ?? true }

    static func stateLabel(_ state: CaseState, residentWords: Bool, _ lang: Lang) -> String {
        Strings.text((residentWords ? "mine.state." : "state.") + state.rawValue, lang)
    }

    /// `catalogue`: the catalogue in force when the caller has read it already (nil: read it here).
    static func load(for cases: [CaseRecord], lang: Lang, reader: Actor?, catalogue: Catalogue? = nil, on db: any Database) async throws -> CaseLabels {
        var labels = CaseLabels(lang: lang, reader: reader)
        let inForce = if let catalogue { catalogue } else { try await CatalogueStore.current(on: db) }
        if let catalogue = inForce {
            // Residents read items in their own words ("水发黄、水箱脏"); staff the catalogue's names ("二次供水").
            let everyday = labels.residentWords
            for item in catalogue.items { labels.items[item.code] = lang == .zh ? (everyday ? item.everydayName : item.name) : item.nameEn }
            for category in catalogue.categories { labels.categories[category.code] = lang == .zh ? category.name : category.nameEn }
        }
        let nodeIDs = Set(cases.map(\.handlerNodeID) + cases.compactMap { OrgPath($0.placePath)?.segments.last.flatMap(UUID.init(uuidString:)) })
        if !nodeIDs.isEmpty {
            for node in try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Array(nodeIDs)).all() {
                labels.nodes[node.id!] = node.name
                labels.partyKinds[node.id!] = node.party
            }
            let partyIDs = Array(labels.partyKinds.keys)
            if !partyIDs.isEmpty {
                for profile in try await PartyProfileRecord.query(on: db).filter(\.$node.$id ~~ partyIDs).all() {
                    labels.contacts[profile.$node.id] = Self.contact(profile, masked: labels.residentWords)
                }
            }
        }
        let buildingIDs = Array(Set(cases.compactMap(\.buildingID)))
        if !buildingIDs.isEmpty {
            // Joined, not eager-loaded: one statement for the buildings and their compounds.
            let buildings = try await BuildingRecord.query(on: db).filter(\.$id ~~ buildingIDs)
                .join(CompoundRecord.self, on: \BuildingRecord.$compound.$id == \CompoundRecord.$id).all()
            for building in buildings { labels.places[building.id!] = try building.joined(CompoundRecord.self).name + " " + building.name }
        }
        return labels
    }

    func place(_ record: CaseRecord) -> String {
        if let building = record.buildingID, let name = places[building] { return name }
        if let grid = OrgPath(record.placePath)?.segments.last.flatMap(UUID.init(uuidString:)), let name = nodes[grid] { return name }
        return record.address
    }

    /// Who holds the case: a registered party by its name and kind ("城市管理委员会（区职能部门）"), an area by its
    /// name and the party the catalogue meant ("新华社区（社区居委会）").
    func handler(_ record: CaseRecord) -> String {
        let name = nodes[record.handlerNodeID] ?? ""
        if let kind = partyKinds[record.handlerNodeID] {
            // Residents read who it is in their words first ("小区物业：绿城物业"), staff the name and its kind.
            if residentWords { return Strings.text("mine.partykind.\(kind.rawValue)", lang) + (lang == .zh ? "：" : ": ") + name }
            return "\(name)（\(Strings.text("partykind.\(kind.rawValue)", lang))）"
        }
        let party = Strings.text("party.\(record.handlerParty.rawValue)", lang)
        return record.handlerDepartment.isEmpty ? "\(name)（\(party)）" : "\(name)（\(record.handlerDepartment)）"
    }

    func row(_ record: CaseRecord, linkTo prefix: String) -> CaseRowView {
        CaseRowView(
            id: record.id!.uuidString.lowercased(), href: prefix + record.id!.uuidString.lowercased(), number: record.number,
            title: CaseText.shown(record.title, to: reader, of: record),
            category: items[record.itemCode] ?? record.itemCode, state: record.state.rawValue,
            stateLabel: Self.stateLabel(record.state, residentWords: residentWords, lang),
            sla: record.state.isOpen ? record.slaLevel.rawValue : "none",
            slaLabel: record.state.isOpen ? Strings.text("sla.\(record.slaLevel.rawValue)", lang) : "—",
            place: place(record), handler: handler(record), handlerContact: contacts[record.handlerNodeID] ?? "", opened: PageDates.minute(record.openedAt),
            due: Self.due(record, lang), isOpen: record.state.isOpen, emergency: record.isPendingEmergency)
    }

    /// A party's contact and its service number (an office's, shown in full); for residents the last word of a
    /// contact of several words is masked as a name ("管家 张明" → "管家 张*": the form asks for the role first).
    static func contact(_ profile: PartyProfileRecord, masked: Bool) -> String {
        var words = profile.contactName.split(separator: " ").map(String.init)
        if masked, words.count > 1, let last = words.last { words[words.count - 1] = Masking.name(last) }
        return (words + [profile.contactPhone]).filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The completion deadline in words, saying so when it is provisional (a year without the holiday arrangement).
    static func due(_ record: CaseRecord, _ lang: Lang) -> String {
        let due = PageDates.minute(record.completionDueAt)
        guard record.deadlinesProvisional, record.state.isOpen else { return due }
        return due + Strings.text("case.due_provisional", lang)
    }
}

/// A table of cases as the `cases/case-rows` partial draws it (`#extend("cases/case-rows", table)`).
struct CaseTable: Encodable {
    let t: PageWords
    let rows: [CaseRowView]
    let caption: String
}

extension CaseLabels {
    /// The answers to the item's questions, each as "question answer(s)" in the reader's language.
    static func answers(_ record: CaseRecord, lang: Lang, on db: any Database) async throws -> [String] {
        let item = try await CatalogueStore.item(record.itemCode, version: record.catalogueVersion, on: db)
        return (item?.questions ?? []).compactMap { question -> String? in
            guard let values = record.answers[question.code] else { return nil }
            let shown = values.map { value in question.choices.first { $0.key == value }?.name(english: lang == .en) ?? value }
            return (lang == .zh ? question.prompt : question.promptEn) + " " + shown.joined(separator: "、")
        }
    }

    /// The timeline in plain words; `showActors: false` hides staff names (anonymous tracking).
    /// "response-before response-after completion-before completion-after" in words.
    static func recomputedNote(_ note: String, _ lang: Lang) -> String {
        let dates = note.split(separator: " ").compactMap { W3CDateTime.parse(String($0)) }
        guard dates.count == 4 else { return "" }
        return Strings.text("case.recomputed_note", lang).replacingOccurrences(of: "{from}", with: PageDates.minute(dates[2]))
            .replacingOccurrences(of: "{to}", with: PageDates.minute(dates[3]))
    }

    static func timeline(_ record: CaseRecord, lang: Lang, reader: Actor?, showActors: Bool, showPhotos: Bool, on db: any Database) async throws -> [TimelineView] {
        let events = try await CaseEventRecord.query(on: db).filter(\.$caseID == record.id!).sort(\.$seq).all()
        var photos: [Int: [String]] = [:]
        if showPhotos {
            for photo in try await CaseAttachmentRecord.query(on: db).filter(\.$caseID == record.id!).filter(\.$eventSeq != nil).sort(\.$uploadedAt).all() {
                photos[photo.eventSeq ?? 0, default: []].append("/api/v1/cases/\(record.id!.uuidString.lowercased())/attachments/\(photo.id!.uuidString.lowercased())")
            }
        }
        // Staff read every note; the one who raised it also their own rating's words; everyone else (a follower,
        // the public board, tracking) only what answers the resident (`NoteAudience`).
        let reach: NoteAudience = showActors ? .staff : reader.map { $0.userID.uuid == record.submitterUserID } == true ? .submitter : .everyone
        return events.map { event in
            let audience = CaseAction.noteAudience(ofEvent: event.action)
            let actor: String = switch event.actorName {
            case "system": Strings.text("case.actor_system", lang)
            case "resident": Strings.text("case.actor_resident", lang)
            case "staff": Strings.text("case.actor_staff", lang)
            case "anonymous": Strings.text("request.anonymous", lang)
            default: showActors ? event.actorName : ""
            }
            let note = event.note == "auto_close" ? Strings.text("case.auto_closed", lang)
                : event.action == CaseClock.recomputedAction ? recomputedNote(event.note, lang)
                : audience.isRead(by: reach) ? InvisibleCharacters.shown(CaseText.shown(event.note, to: reader, of: record)) : ""
            return TimelineView(action: event.action, label: Strings.text((showActors ? "action." : "mine.action.") + event.action, lang), actor: actor, note: note,
                                at: PageDates.minute(event.at), photos: photos[event.seq] ?? [], internalNote: showActors && audience == .staff && !note.isEmpty,
                                target: event.target ?? "")
        }
    }
}
