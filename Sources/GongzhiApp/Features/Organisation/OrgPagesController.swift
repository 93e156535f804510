import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// The organisation admin pages: browse the tree, create, edit and move nodes; compounds, buildings, units.
/// Forms post back and are re-shown with messages when something is wrong.
struct OrgPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("org", use: tree)
        routes.post("org", "nodes", use: createNode)
        routes.post("org", "nodes", ":id", use: editNode)
        routes.post("org", "nodes", ":id", "move", use: moveNode)
        routes.post("org", "compounds", use: createCompound)
        routes.get("org", "compounds", ":id", use: compound)
        routes.post("org", "buildings", use: createBuilding)
        routes.get("org", "buildings", ":id", use: building)
        routes.post("org", "units", use: createUnit)
        routes.post("org", "units", ":id", use: editUnit)
    }

    struct Row: Encodable {
        let id: String
        let name: String
        let detail: String
        let href: String
    }

    struct Option: Encodable {
        let id: String
        let label: String
    }

    struct TreePage: Encodable {
        let page: PageBase
        let node: Row?
        let nodeCode: String
        let level: String?
        let crumbs: [Row]
        let children: [Row]
        let childLevel: String?
        let compounds: [Row]
        let buildings: [Row]
        /// The parties registered with this area (its departments, offices, organisations).
        let parties: [Row]
        let moveTargets: [Option]
        let canManage: Bool
        let messages: [FormMessage]
    }

    func levelName(_ level: OrgLevel, _ lang: Lang) -> String { Strings.text("level.\(level.rawValue)", lang) }

    func renderTree(_ request: Request, actor: Actor, nodeID: UUID?, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        var node: OrgNodeRecord?
        if let nodeID { node = try await Scoped.find(OrgNodeRecord.self, nodeID, actor: actor, .viewOrganisation, on: db) }
        // A party has its own page.
        if let node, node.party != nil { return request.redirect(to: "/parties/\(node.id!.uuidString.lowercased())", redirectType: .normal) }
        var crumbs: [Row] = []
        var children: [OrgNodeRecord]
        var compounds: [Row] = []
        var buildings: [Row] = []
        var moveTargets: [Option] = []
        var parties: [Row] = []
        if let node {
            let ancestorIDs = node.orgPath.segments.dropLast().compactMap(UUID.init(uuidString:))
            let ancestors = try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ancestorIDs).visible(to: actor, .viewOrganisation).all()
            crumbs = ancestors.sorted { $0.path.count < $1.path.count }.map { Row(id: $0.id!.uuidString, name: $0.name, detail: "", href: "/org?node=\($0.id!.uuidString)") }
            let all = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == node.id!).sort(\.$name).all()
            children = all.filter(\.isArea)
            parties = all.filter { !$0.isArea }.map { Row(id: $0.id!.uuidString, name: $0.name, detail: PartyWords.kindName(of: $0, lang),
                                                        href: "/parties/\($0.id!.uuidString.lowercased())") }
            if node.isArea(.community) {
                compounds = try await CompoundRecord.query(on: db).filter(\.$community.$id == node.id!).sort(\.$name).all()
                    .map { Row(id: $0.id!.uuidString, name: $0.name, detail: $0.address, href: "/org/compounds/\($0.id!.uuidString)") }
            }
            if node.isArea(.grid) {
                let list = try await BuildingRecord.query(on: db).filter(\.$grid.$id == node.id!).with(\.$compound).sort(\.$name).limit(500).all()
                buildings = list.map { Row(id: $0.id!.uuidString, name: "\($0.compound.name) \($0.name)", detail: "", href: "/org/buildings/\($0.id!.uuidString)") }
            }
            if let parentLevel = node.level.parentLevel {
                moveTargets = try await OrgNodeRecord.query(on: db).visible(to: actor, .manageOrganisation).filter(\.$level == parentLevel).filter(\.$party == nil)
                    .filter(\.$id != (node.$parent.id ?? UUID())).sort(\.$name).limit(500).all()
                    .map { Option(id: $0.id!.uuidString, label: $0.name) }
            }
        } else {
            // The top of what the actor may see: the nodes of its grants.
            let scopes = AccessPolicy.scopes(.viewOrganisation, actor: actor)
            if scopes.contains(.root) {
                children = try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == nil).sort(\.$name).all()
            } else {
                let ids = scopes.compactMap { $0.segments.last.flatMap(UUID.init(uuidString:)) }
                children = try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).sort(\.$name).all()
            }
        }
        let canManage = AccessPolicy.allows(.manageOrganisation, actor: actor, at: node?.orgPath ?? .root)
        let title = node?.name ?? Strings.text("org.title", lang)
        let context = TreePage(
            page: await PageBase.make(for: request, title: title),
            node: node.map { Row(id: $0.id!.uuidString, name: $0.name, detail: levelName($0.level, lang), href: "") },
            nodeCode: node?.code ?? "", level: node?.level.rawValue, crumbs: crumbs,
            children: children.map { Row(id: $0.id!.uuidString, name: $0.name, detail: levelName($0.level, lang) + ($0.code.isEmpty ? "" : " · \($0.code)"), href: "/org?node=\($0.id!.uuidString)") },
            childLevel: (node?.level.childLevel ?? (node == nil ? .district : nil)).map { levelName($0, lang) },
            compounds: compounds, buildings: buildings, parties: parties, moveTargets: moveTargets, canManage: canManage, messages: messages)
        return try await request.view.render("org/tree", context).encodeResponse(status: status, for: request)
    }

    @Sendable func tree(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewOrganisation)
        return try await renderTree(request, actor: actor, nodeID: try request.queryUUID("node", emptyIsAbsent: true))
    }

    /// Runs a form's use case; on a client error re-shows `page` with the message (422), else redirects.
    func submit(_ request: Request, redirect: @escaping @Sendable () -> String, page: @escaping @Sendable ([FormMessage]) async throws -> Response,
                _ action: @escaping @Sendable () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return request.redirect(to: redirect(), redirectType: .normal)
        } catch let error as AppError where error.status.code < 500 && error.status != .notFound && error.status != .forbidden {
            return try await page(request.formMessages(for: error))
        }
    }

    struct NodeForm: Content {
        var parentId: String?
        var name: String?
        var code: String?
    }

    @Sendable func createNode(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let form = try request.content.decode(NodeForm.self)
        let parentID = form.parentId.flatMap(UUID.init(uuidString:))
        return try await submit(request, redirect: { parentID.map { "/org?node=\($0.uuidString)" } ?? "/org" },
                                page: { try await renderTree(request, actor: actor, nodeID: parentID, messages: $0, status: .unprocessableEntity) }) {
            _ = try await OrgTreeChanges.createNode(parentID: parentID.map(OrgNodeID.init), level: nil,
                                                 input: .init(name: form.name, code: form.code), in: request.context)
        }
    }

    @Sendable func editNode(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let id = try request.uuidParameter()
        let form = try request.content.decode(NodeForm.self)
        return try await submit(request, redirect: { "/org?node=\(id.uuidString)" },
                                page: { try await renderTree(request, actor: actor, nodeID: id, messages: $0, status: .unprocessableEntity) }) {
            _ = try await OrgTreeChanges.updateNode(id: OrgNodeID(id), name: form.name ?? "", code: form.code ?? "", in: request.context)
        }
    }

    @Sendable func moveNode(_ request: Request) async throws -> Response {
        let actor = try request.require(.manageOrganisation)
        let id = try request.uuidParameter()
        let form = try request.content.decode(NodeForm.self)
        return try await submit(request, redirect: { "/org?node=\(id.uuidString)" },
                                page: { try await renderTree(request, actor: actor, nodeID: id, messages: $0, status: .unprocessableEntity) }) {
            guard let parentID = form.parentId.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("parentId", "required") }
            _ = try await OrgTreeChanges.moveNode(id: OrgNodeID(id), newParentID: OrgNodeID(parentID), in: request.context)
        }
    }
}
