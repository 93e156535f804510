import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// One stored entry of the hash-chained audit log. Never updated or deleted (a trigger refuses it).
final class AuditRecord: Model, @unchecked Sendable {
    static let schema = "audit_log"

    @ID(custom: "seq", generatedBy: .user) var id: Int64?
    @Field(key: "at_millis") var atMillis: Int64
    @Field(key: "actor") var actor: String
    @Field(key: "roles") var roles: String
    @Field(key: "action") var action: String
    @Field(key: "object_type") var objectType: String
    @Field(key: "object_id") var objectID: String
    @Field(key: "outcome") var outcome: String
    @Field(key: "ip") var ip: String
    @Field(key: "request_id") var requestID: String
    @Field(key: "summary") var summary: String
    @Field(key: "change_digest") var changeDigest: String
    @Field(key: "alg") var alg: String
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "entry_hash") var entryHash: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $atMillis, $actor, $roles, $action, $objectType, $objectID, $outcome, $ip, $requestID, $summary, $changeDigest, $alg,
            $prevHash, $entryHash
        ]
    }

    init() {}

    init(_ entry: AuditEntry) {
        let f = entry.fields
        id = f.seq
        atMillis = f.atMillis
        actor = f.actor
        roles = f.roles
        action = f.action
        objectType = f.objectType
        objectID = f.objectID
        outcome = f.outcome
        ip = f.ip
        requestID = f.requestID
        summary = f.summary
        changeDigest = f.changeDigest
        alg = f.alg
        prevHash = entry.prevHash
        entryHash = entry.entryHash
    }

    var entry: AuditEntry {
        AuditEntry(
            fields: AuditFields(
                seq: id ?? 0, atMillis: atMillis, actor: actor, roles: roles, action: action, objectType: objectType,
                objectID: objectID, outcome: outcome, ip: ip, requestID: requestID, summary: summary,
                changeDigest: changeDigest, alg: alg),
            prevHash: prevHash, entryHash: entryHash)
    }
}

struct CreateAuditLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditRecord.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("at_millis", .int64, .required)
            .field("actor", .string, .required)
            .field("roles", .string, .required)
            .field("action", .string, .required)
            .field("object_type", .string, .required)
            .field("object_id", .string, .required)
            .field("outcome", .string, .required)
            .field("ip", .string, .required)
            .field("request_id", .string, .required)
            .field("summary", .string, .required)
            .field("change_digest", .string, .required)
            .field("alg", .string, .required)
            .field("prev_hash", .string, .required)
            .field("entry_hash", .string, .required)
            .unique(on: "prev_hash")
            .create()
        // The head of the chain: one row, locked by every append so that appends never fork.
        try await database.schema("audit_head")
            .field("id", .int, .identifier(auto: false))
            .field("seq", .int64, .required)
            .field("hash", .string, .required)
            .create()
        try await database.sql().insert(into: "audit_head").columns("id", "seq", "hash")
            .values(SQLLiteral.numeric("1"), SQLLiteral.numeric("0"), SQLBind(AuditChain.genesisHash)).run()
        try await AppendOnly.install(AuditRecord.schema, on: database)
    }

    func revert(on database: any Database) async throws {
        try await AppendOnly.remove(AuditRecord.schema, on: database)
        try await database.schema("audit_head").delete()
        try await database.schema(AuditRecord.schema).delete()
    }
}

/// A signed checkpoint of the chain (`AuditCheckpoint`): append-only like the log.
final class AuditCheckpointRecord: Model, @unchecked Sendable {
    static let schema = "audit_checkpoints"

    @ID(custom: "seq", generatedBy: .user) var id: Int64?
    @Field(key: "entry_hash") var entryHash: String
    @Field(key: "at_millis") var atMillis: Int64
    @Field(key: "signature") var signature: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $entryHash, $atMillis, $signature] }

    init() {}

    init(_ checkpoint: AuditCheckpoint) {
        id = checkpoint.seq
        entryHash = checkpoint.entryHash
        atMillis = checkpoint.atMillis
        signature = checkpoint.signature
    }

    var checkpoint: AuditCheckpoint { AuditCheckpoint(seq: id ?? 0, entryHash: entryHash, atMillis: atMillis, signature: signature) }
}

struct CreateAuditCheckpoints: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditCheckpointRecord.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("entry_hash", .string, .required)
            .field("at_millis", .int64, .required)
            .field("signature", .string, .required)
            .create()
        try await AppendOnly.install(AuditCheckpointRecord.schema, on: database)
    }

    func revert(on database: any Database) async throws {
        try await AppendOnly.remove(AuditCheckpointRecord.schema, on: database)
        try await database.schema(AuditCheckpointRecord.schema).delete()
    }
}

/// The audit log searched by who, by which object and by day (the audit administrator's page; a person's copy of
/// their data finds their entries by actor): without these, such a search reads the log back from its newest
/// entry, and the log is never cut. Days by the stamp itself, not by bisecting the sequence numbers: a clock set
/// back would make that miss entries. The action has none: every index is written by every write, and the log's
/// own order serves an action (alone, or within an account's, an object's or a day's entries).
struct CreateAuditSearchIndexes: AsyncMigration {
    static let indexes: [(name: String, columns: [String])] = [
        ("idx_audit_actor", ["actor", "seq"]),
        ("idx_audit_object", ["object_type", "object_id", "seq"]),
        ("idx_audit_time", ["at_millis"]),
    ]

    func prepare(on database: any Database) async throws {
        for index in Self.indexes {
            var create = database.sql().create(index: index.name).on(AuditRecord.schema)
            for column in index.columns { create = create.column(column) }
            try await create.run()
        }
    }

    func revert(on database: any Database) async throws {
        for index in Self.indexes { try await database.sql().drop(index: index.name).run() }
    }
}

/// Triggers that refuse UPDATE and DELETE on an append-only table (the audit log, checklist row 22; the ballots
/// of owners' votes), on SQLite and PostgreSQL.
enum AppendOnly {
    static func install(_ table: String, on database: any Database) async throws {
        let sql = database.sql()
        let message = "\(table) is append-only"
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION \(ident: table + "_append_only")() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION \(literal: message); END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE TRIGGER \(ident: table + "_no_change") BEFORE UPDATE OR DELETE ON \(ident: table)
                FOR EACH ROW EXECUTE FUNCTION \(ident: table + "_append_only")()
                """).run()
        } else {
            try await sql.raw("""
                CREATE TRIGGER \(ident: table + "_no_update") BEFORE UPDATE ON \(ident: table)
                BEGIN SELECT RAISE(ABORT, \(literal: message)); END
                """).run()
            try await sql.raw("""
                CREATE TRIGGER \(ident: table + "_no_delete") BEFORE DELETE ON \(ident: table)
                BEGIN SELECT RAISE(ABORT, \(literal: message)); END
                """).run()
        }
    }

    static func remove(_ table: String, on database: any Database) async throws {
        let sql = database.sql()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS \(ident: table + "_no_change") ON \(ident: table)").run()
            try await sql.raw("DROP FUNCTION IF EXISTS \(ident: table + "_append_only")()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS \(ident: table + "_no_update")").run()
            try await sql.raw("DROP TRIGGER IF EXISTS \(ident: table + "_no_delete")").run()
        }
    }
}
