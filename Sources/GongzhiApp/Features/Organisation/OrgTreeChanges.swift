import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// The use cases that change the organisation tree. Each loads through the actor's scope, checks the policy,
/// applies the rule, writes everything and its audit entry in one transaction. Pages and the API both call them.
enum OrgTreeChanges {
    /// A node as sent: `createNode` checks the name and the code.
    struct NodeInput: Sendable {
        var name: String?
        var code: String?
    }

    static func createNode(parentID: OrgNodeID?, level requested: OrgLevel?, input sent: NodeInput, in context: UseCaseContext) async throws -> OrgNodeRecord {
        let actor = try context.account()
        let input = (name: try Validate.name(sent.name), code: try Validate.code(sent.code))
        return try await context.write { db in
            var parent: OrgNodeRecord?
            if let parentID {
                parent = try await Scoped.find(OrgNodeRecord.self, parentID.uuid, actor: actor, .viewOrganisation, on: db)
            }
            let parentPath = parent?.orgPath ?? .root
            try Scoped.require(.manageOrganisation, actor: actor, at: parentPath.rawValue)
            // A party (a department, a company…) has no nodes under it; parties are registered with `PartyChanges`.
            if let parent, parent.party != nil { throw AppError.invalid("parentId", "wrong_parent_level") }
            guard let level = requested ?? parent?.level.childLevel ?? (parent == nil ? .district : nil) else {
                throw AppError.invalid("level", "wrong_parent_level")
            }
            do { try OrgTreeRules.checkPlacement(level: level, parentLevel: parent?.level) } catch {
                throw AppError.invalid(parentID == nil ? "parentId" : "level", "wrong_parent_level")
            }
            try await ensureUniqueName(input.name, parentID: parentID?.uuid, except: nil, on: db)
            let node = OrgNodeRecord(level: level, name: input.name, code: input.code, parentID: parentID?.uuid, parentPath: parentPath)
            try await node.create(on: db)
            try await context.audit(AuditEvent(action: "org.create", objectType: "org_node", objectID: node.id!.uuidString.lowercased(),
                                               summary: level.rawValue, change: ["name": input.name, "code": input.code, "path": node.path]), on: db)
            return node
        }
    }

    /// Renames a node or changes its code (nil: left as it is).
    static func updateNode(id: OrgNodeID, name sentName: String?, code sentCode: String?, in context: UseCaseContext) async throws -> OrgNodeRecord {
        let actor = try context.account()
        let name = try sentName.map { try Validate.name($0) }, code = try sentCode.map { try Validate.code($0) }
        return try await context.write { db in
            let node = try await Scoped.find(OrgNodeRecord.self, id.uuid, actor: actor, .viewOrganisation, on: db)
            // A node is named by those who manage the level above it, as it is created and moved.
            try Scoped.require(.manageOrganisation, actor: actor, at: (node.orgPath.parent ?? .root).rawValue)
            if let name {
                try await ensureUniqueName(name, parentID: node.$parent.id, except: id.uuid, on: db)
                node.name = name
            }
            if let code { node.code = code }
            guard node.hasChanges else { return node }
            try await node.update(on: db)
            try await context.audit(AuditEvent(action: "org.update", objectType: "org_node", objectID: id.description,
                                               change: ["name": node.name, "code": node.code]), on: db)
            return node
        }
    }

    /// Moves a node (and its whole subtree, with every object in it) under a new parent. The actor must manage
    /// both the old and the new parent.
    static func moveNode(id: OrgNodeID, newParentID: OrgNodeID, in context: UseCaseContext) async throws -> OrgNodeRecord {
        let actor = try context.account()
        return try await context.write { db in
            let node = try await Scoped.find(OrgNodeRecord.self, id.uuid, actor: actor, .viewOrganisation, on: db)
            let newParent = try await Scoped.find(OrgNodeRecord.self, newParentID.uuid, actor: actor, .viewOrganisation, on: db)
            let oldPath = node.orgPath
            let oldParentPath = oldPath.parent ?? .root
            try Scoped.require(.manageOrganisation, actor: actor, at: oldParentPath.rawValue)
            try Scoped.require(.manageOrganisation, actor: actor, at: newParent.path)
            // A party moves to another area of its home level (a social organisation to another community), if it may.
            guard newParent.isArea else { throw AppError.invalid("parentId", "wrong_parent_level") }
            do throws(OrgTreeRules.Error) {
                if let party = node.party {
                    // Only a social organisation or a co-building unit moves to another community: a committee is tied
                    // to its compound, a company to its contracts, a department or an office to its area.
                    guard [.socialOrganisation, .coBuildingUnit].contains(party), newParent.level == party.homeLevel else {
                        throw OrgTreeRules.Error.wrongParentLevel(expected: party.homeLevel)
                    }
                } else {
                    try OrgTreeRules.checkMove(level: node.level, path: oldPath, newParentLevel: newParent.level, newParentPath: newParent.orgPath)
                }
            } catch {
                throw AppError.invalid("parentId", error == .cycle ? "cycle" : "wrong_parent_level")
            }
            if node.$parent.id == newParentID.uuid { return node }
            try await ensureUniqueName(node.name, parentID: newParentID.uuid, except: id.uuid, on: db)
            let newPath = newParent.orgPath.appending(id.description)
            try await OrgPathColumns.rebase(from: oldPath, to: newPath, on: db)
            try await KPIRollups.afterMove(from: oldPath, to: newPath, on: db)
            node.path = newPath.rawValue
            node.$parent.id = newParentID.uuid
            try await node.update(on: db)
            try await passOpenCases(movedTo: newPath, from: oldPath, actor: actor,
                                    actorName: context.actorName.isEmpty ? actor.username : context.actorName, now: context.now, on: db)
            try await context.audit(AuditEvent(action: "org.move", objectType: "org_node", objectID: id.description,
                                               change: ["from": oldPath.rawValue, "to": newPath.rawValue]), on: db)
            return node
        }
    }

    /// The timeline action of a case whose handler passed to another node when its place moved.
    static let handlerMovedAction = "handler_moved"

    /// Open cases in the moved subtree that a node above it handled (the old street, say) pass to the node of the
    /// same level above the new place, with a timeline entry; closed ones stay in the old node's history.
    static func passOpenCases(movedTo newPath: OrgPath, from oldPath: OrgPath, actor: Actor, actorName: String, now: Date,
                              on db: any Database) async throws {
        let old = Array(oldPath.segments.dropLast()), new = Array(newPath.segments.dropLast())
        for depth in 0..<min(old.count, new.count) where old[depth] != new[depth] {
            guard let oldHandler = UUID(uuidString: old[depth]), let newHandler = UUID(uuidString: new[depth]),
                  let target = try await OrgNodeRecord.find(newHandler, on: db) else { continue }
            let cases = try await CaseRecord.query(on: db).filter(\.$handlerNodeID == oldHandler).filter(\.$placePath =~ newPath.rawValue)
                .filter(\.$state !~ [.closed, .rejected, .merged]).all()
            for record in cases {
                record.handlerNodeID = newHandler
                record.handlerPath = target.path
                record.eventCount += 1
                record.updatedAt = now
                try await record.update(on: db)
                try await CaseEventRecord(caseID: record.id!, seq: record.eventCount, action: handlerMovedAction, from: record.state,
                                          to: record.state, actorUserID: actor.userID.uuid, actorName: actorName, note: target.name, at: now)
                    .create(on: db)
            }
        }
    }

    static func ensureUniqueName(_ name: String, parentID: UUID?, except: UUID?, on db: any Database) async throws {
        var query = OrgNodeRecord.query(on: db).filter(\.$name == name).filter(\.$parent.$id == parentID)
        if let except { query = query.filter(\.$id != except) }
        if try await query.count() > 0 { throw AppError.conflict("duplicate", field: "name") }
    }
}
