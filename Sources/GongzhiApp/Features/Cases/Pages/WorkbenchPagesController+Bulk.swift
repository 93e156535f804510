import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Acting on several cases of the queue at once: accept them, or dispatch them to one org (`CaseBulkActions`).
extension WorkbenchPagesController {
    struct BulkForm: Content {
        var ids: [String]?
        var action: String?
        var handlerNodeId: String?
        /// The tab to go back to.
        var stage: String?
    }

    @Sendable func bulk(_ request: Request) async throws -> Response {
        _ = try request.require(.viewCases)
        let form = try request.content.decode(BulkForm.self)
        let stage = form.stage.flatMap(WorkStage.init(rawValue:))
        var back = "/workbench?" + (stage.map { "stage=\($0.rawValue)&" } ?? "")
        guard let action = form.action.flatMap(CaseAction.init(rawValue:)), CaseBulkActions.actions.contains(action) else {
            throw AppError.invalid("action")
        }
        let ids = (form.ids ?? []).compactMap(CaseID.init)
        do {
            var input = CaseActions.Input()
            input.handlerNodeID = form.handlerNodeId.flatMap { UUID(uuidString: $0) }
            let outcome = try await CaseBulkActions.perform(action, caseIDs: ids, input: input, in: request.context)
            back += pageQueryString([("bulk", action.rawValue), ("done", String(outcome.done.count)),
                                     ("refused", outcome.refused.map { $0.number.isEmpty ? "?" : $0.number }.joined(separator: ","))])
        } catch let error as AppError where error.status == .unprocessableEntity {
            back += pageQueryString([("bulk", action.rawValue), ("problem", error.code), ("field", error.field ?? "")])
        }
        return request.redirect(to: back, redirectType: .normal)
    }

    /// The orgs cases can be dispatched to from the queue: those the actor sees, each with its level.
    static func dispatchTargets(for actor: Actor, lang: Lang, on db: any Database) async throws -> [SelectOption] {
        let scopes = AccessPolicy.scopes(.viewOrganisation, actor: actor)
        guard !scopes.isEmpty else { return [] }
        return dispatchTargets(among: try await OrgNodeRecord.query(on: db).group(.or) { group in for scope in scopes { group.filter(\.$path =~ scope.rawValue) } }
            .sort(\.$path).limit(400).all(), lang: lang)
    }

    /// The nodes of `nodes` a case can be dispatched to (every one but a supervisory body), named with their kind.
    static func dispatchTargets(among nodes: [OrgNodeRecord], lang: Lang) -> [SelectOption] {
        nodes.filter { $0.party != .supervisoryBody }
            .map { SelectOption(value: $0.id!.uuidString.lowercased(), label: "\($0.name)（\(PartyWords.kindName(of: $0, lang))）", selected: false) }
    }

    /// What the last bulk action did ("已受理 3 件"; "2 件没有办成：GZ…"), from the redirect's query.
    static func bulkMessage(_ request: Request, lang: Lang) -> String {
        guard let action = (try? request.query.get(String.self, at: "bulk")).flatMap(CaseAction.init(rawValue:)),
              CaseBulkActions.actions.contains(action) else { return "" }
        if let problem = try? request.query.get(String.self, at: "problem"), problem.allSatisfy({ $0.isLetter || $0 == "_" }) {
            let message = Strings.entry("error.\(problem)", lang) ?? Strings.text("workbench.bulk_none", lang)
            let field = (try? request.query.get(String.self, at: "field")).flatMap { Strings.entry("field.\($0)", lang) }
            return field.map { $0 + (lang == .zh ? "：" : ": ") + message } ?? message
        }
        let done = (try? request.query.get(Int.self, at: "done")) ?? 0
        let refused = ((try? request.query.get(String.self, at: "refused")) ?? "").split(separator: ",")
            .map(String.init).filter { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "?" } }.prefix(CaseBulkActions.limit)
        var text = Strings.text("workbench.bulk_done_\(action.rawValue)", lang).replacingOccurrences(of: "{count}", with: String(done))
        if !refused.isEmpty {
            text += " " + Strings.text("workbench.bulk_refused", lang).replacingOccurrences(of: "{count}", with: String(refused.count))
                .replacingOccurrences(of: "{numbers}", with: refused.filter { $0 != "?" }.joined(separator: "、"))
        }
        return text
    }
}
