import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi api-key create --org <org code> --name <name>` prints a new Open311 key once (only its hash is kept);
/// `gongzhi api-key list` shows the keys; `gongzhi api-key revoke <id or prefix>` ends one. Each change is audited.
enum APIKeyCommands {
    static func group() -> any AsyncCommandGroup {
        var commands = AsyncCommands()
        commands.use(Create(), as: "create")
        commands.use(List(), as: "list")
        commands.use(Revoke(), as: "revoke")
        return commands.group(help: "Open311 client keys (api_key)")
    }

    struct Create: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "org", help: "Code of the org node whose area the client may report in")
            var org: String?
            @Option(name: "name", help: "Who the key is for (shown in case timelines)")
            var name: String?
        }

        var help: String { "Issues an Open311 api_key for an org node and prints it once." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            let name = try Validate.name(signature.name, field: "name")
            guard let code = signature.org, let node = try await OrgNodeRecord.query(on: app.db).filter(\.$code == code).first() else {
                throw KeyCommandError(message: "--org must name an existing org node's code")
            }
            let value = Open311KeyRecord.newValue()
            let key = Open311KeyRecord(name: name, node: node, key: value, now: app.clock.now)
            try await app.write { db in
                try await key.create(on: db)
                try await AuditLog.append(AuditEvent(action: "open311_key.create", objectType: "open311_key", objectID: key.id!.uuidString.lowercased(),
                                                     summary: "name=\(name) org=\(code)"), context: .system, now: app.clock.now, on: db)
            }
            context.console.print("Open311 api_key for \(name) (\(node.name)), shown only now:")
            context.console.print(value)
            context.console.print("id \(key.id!.uuidString.lowercased())")
        }
    }

    struct List: AsyncCommand {
        struct Signature: CommandSignature {}

        var help: String { "Lists the Open311 keys (prefix, name, org, created, revoked)." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            for key in try await Open311KeyRecord.query(on: app.db).sort(\.$createdAt).all() {
                let state = key.revokedAt.map { "revoked \(W3CDateTime.format($0))" } ?? "active"
                context.console.print("\(key.id!.uuidString.lowercased())  \(key.keyPrefix)…  \(key.name)  \(W3CDateTime.format(key.createdAt))  \(state)")
            }
        }
    }

    struct Revoke: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "key", help: "The key's id, or its first 12 characters (as `api-key list` shows them)")
            var key: String
        }

        var help: String { "Revokes an Open311 key: its client gets 403 from then on." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            let matches = try await Open311KeyRecord.query(on: app.db).filter(\.$revokedAt == nil).all().filter {
                $0.id!.uuidString.lowercased() == signature.key.lowercased()
                    || (signature.key.count >= Open311KeyRecord.shownPrefixLength && $0.keyPrefix == signature.key.prefix(Open311KeyRecord.shownPrefixLength))
            }
            guard matches.count == 1, let key = matches.first else {
                throw KeyCommandError(message: matches.isEmpty ? "no active key matches \(signature.key)" : "several keys match: give the id")
            }
            try await app.write { db in
                key.revokedAt = app.clock.now
                try await key.update(on: db)
                try await AuditLog.append(AuditEvent(action: "open311_key.revoke", objectType: "open311_key", objectID: key.id!.uuidString.lowercased(),
                                                     summary: "name=\(key.name)"), context: .system, now: app.clock.now, on: db)
            }
            context.console.print("revoked \(key.name)")
        }
    }
}

struct KeyCommandError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
