import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The Open311 GeoReport v2 bodies built from the catalogue and from cases.
enum Open311Documents {
    static let specification = "http://wiki.open311.org/GeoReport_v2"

    static func discovery(baseURL: String, changeset: Date) -> Open311Value {
        let changed = W3CDateTime.format(changeset)
        return .object([
            ("changeset", .text(changed)),
            ("contact", .text("区级共治平台系统管理员 / the district's Gongzhi system administrator")),
            ("key_service", .text("api_key 由系统管理员用 `gongzhi api-key create --org <机构编码> --name <名称>` 签发 / issued by the system administrator")),
            ("endpoints", .list(itemName: "endpoint", [.object([
                ("specification", .text(specification)),
                ("url", .text(baseURL + "/open311/v2")),
                ("changeset", .text(changed)),
                ("type", .text("production")),
                ("formats", .list(itemName: "format", [.text("text/xml"), .text("application/json")])),
            ])])),
        ])
    }

    static func services(_ catalogue: Catalogue) -> Open311Value {
        let groups = Dictionary(uniqueKeysWithValues: catalogue.categories.map { ($0.code, $0.name) })
        return .list(itemName: "service", catalogue.items.map { item in
            .object([
                ("service_code", .text(item.code)),
                ("service_name", .text(item.name)),
                ("description", .text("\(item.name)（\(item.nameEn)）：\(item.completionDays == 0 ? "当日办结" : "\(item.completionDays) 个工作日内办结")")),
                ("metadata", .bool(!item.questions.isEmpty)),
                ("type", .text("realtime")),
                ("keywords", .text(item.keywords.joined(separator: ","))),
                ("group", .text(groups[item.category] ?? item.category)),
            ])
        })
    }

    static func definition(_ item: CatalogueItem) -> Open311Value {
        .object([
            ("service_code", .text(item.code)),
            ("attributes", .list(itemName: "attribute", item.questions.enumerated().map { index, question in
                .object([
                    ("variable", .bool(true)),
                    ("code", .text(question.code)),
                    ("datatype", .text(question.datatype.rawValue)),
                    ("required", .bool(question.required)),
                    ("datatype_description", .text(question.promptEn)),
                    ("order", .number(Double(index + 1))),
                    ("description", .text(question.prompt)),
                    ("values", .list(itemName: "value", question.choices.map { .object([("key", .text($0.key)), ("name", .text($0.name))]) })),
                ])
            })),
        ])
    }

    /// What is known about the cases of a page, loaded in one query per table.
    struct Context {
        var itemNames: [String: String] = [:]
        var handlers: [UUID: String] = [:]
        var addresses: [UUID: String] = [:]
        var notes: [UUID: String] = [:]

        /// The actions whose notes answer the resident and so are public (`NoteAudience.everyone`): the reply, a refusal, a merge.
        static let publicNoteActions = CaseAction.allCases.filter { $0.noteAudience == .everyone }.map(\.rawValue)

        static func load(for cases: [CaseRecord], catalogue: Catalogue?, on db: any Database) async throws -> Context {
            var context = Context()
            for item in catalogue?.items ?? [] { context.itemNames[item.code] = item.name }
            guard !cases.isEmpty else { return context }
            let handlerIDs = Array(Set(cases.map(\.handlerNodeID)))
            for node in try await OrgNodeRecord.query(on: db).filter(\.$id ~~ handlerIDs).all() { context.handlers[node.id!] = node.name }
            let buildingIDs = Array(Set(cases.compactMap(\.buildingID)))
            if !buildingIDs.isEmpty {
                let buildings = try await BuildingRecord.query(on: db).filter(\.$id ~~ buildingIDs).all()
                let compoundIDs = Array(Set(buildings.map(\.$compound.id)))
                let compounds = Dictionary(uniqueKeysWithValues: try await CompoundRecord.query(on: db).filter(\.$id ~~ compoundIDs).all().map { ($0.id!, $0) })
                for building in buildings {
                    let compound = compounds[building.$compound.id]
                    context.addresses[building.id!] = (compound.map { ($0.address.isEmpty ? $0.name : $0.address) } ?? "") + building.name
                }
            }
            let events = try await CaseEventRecord.query(on: db).filter(\.$caseID ~~ cases.compactMap(\.id))
                .filter(\.$action ~~ publicNoteActions).filter(\.$note != "").sort(\.$seq).all()
            for event in events { context.notes[event.caseID] = event.note }
            return context
        }
    }

    static func request(_ record: CaseRecord, _ context: Context) -> Open311Value {
        let department = record.handlerDepartment.isEmpty ? "" : "（\(record.handlerDepartment)）"
        let address = record.address.isEmpty ? record.buildingID.flatMap { context.addresses[$0] } ?? "" : record.address
        let updated = record.state.isOpen ? (record.updatedAt ?? record.openedAt) : (record.closedAt ?? record.updatedAt ?? record.openedAt)
        return .object([
            ("service_request_id", .text(record.number)),
            ("status", .text(Open311Status.status(of: record.state).rawValue)),
            ("status_notes", .optional(context.notes[record.id!].map(Masking.numbersInText))),
            ("service_name", .text(context.itemNames[record.itemCode] ?? record.title)),
            ("service_code", .text(record.itemCode)),
            ("description", .text(Masking.numbersInText(record.details.isEmpty ? record.title : record.details))),
            ("agency_responsible", .text((context.handlers[record.handlerNodeID] ?? "") + department)),
            ("service_notice", .null),
            ("requested_datetime", .text(W3CDateTime.format(record.openedAt))),
            ("updated_datetime", .text(W3CDateTime.format(updated))),
            ("expected_datetime", .text(W3CDateTime.format(record.completionDueAt))),
            ("address", .optional(address)),
            ("address_id", .optional(record.buildingID?.uuidString.lowercased())),
            ("zipcode", .null),
            ("lat", record.latitude.map(Open311Value.number) ?? .null),
            ("long", record.longitude.map(Open311Value.number) ?? .null),
            ("media_url", .null),
        ])
    }

    static func update(_ event: CaseEventRecord, number: String) -> Open311Value {
        .object([
            ("update_id", .text(event.id!.uuidString.lowercased())),
            ("service_request_id", .text(number)),
            ("status", .text(Open311Status.status(of: event.toState).rawValue)),
            ("updated_datetime", .text(W3CDateTime.format(event.at))),
            ("description", .text(Context.publicNoteActions.contains(event.action) ? Masking.numbersInText(event.note) : "")),
            ("media_url", .null),
            ("external_status_code", .text(Open311Status.extended(event.toState, after: event.action))),
        ])
    }
}
