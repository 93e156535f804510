import Fluent
import Foundation
import GongzhiCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// A version of the affairs catalogue. The highest version is in force; cases keep the version they were opened
/// under, so a change never rewrites the rules of an existing case.
final class CatalogueVersionRecord: Model, @unchecked Sendable {
    static let schema = "catalogue_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "version") var version: Int
    @Field(key: "name") var name: String
    /// The categories, as JSON (seven, fixed by SPEC §3).
    @Field(key: "categories_json") var categoriesJSON: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $version, $name, $categoriesJSON, $createdAt] }

    init() {}

    init(version: Int, name: String, categoriesJSON: String) {
        self.version = version
        self.name = name
        self.categoriesJSON = categoriesJSON
    }
}

/// One item of one catalogue version.
final class CatalogueItemRecord: Model, @unchecked Sendable {
    static let schema = "catalogue_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "version") var version: Int
    @Field(key: "code") var code: String
    /// The whole item as JSON (its Core form): what a case opened under this version follows.
    @Field(key: "item_json") var itemJSON: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $version, $code, $itemJSON] }

    init() {}

    init(version: Int, item: CatalogueItem) throws {
        self.version = version
        self.code = item.code
        self.itemJSON = String(decoding: try JSONEncoder().encode(item), as: UTF8.self)
    }

    func item() throws -> CatalogueItem { try JSONDecoder().decode(CatalogueItem.self, from: Data(itemJSON.utf8)) }
}

struct CreateCatalogue: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CatalogueVersionRecord.schema)
            .id()
            .field("version", .int, .required)
            .field("name", .string, .required)
            .field("categories_json", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "version")
            .create()
        try await database.schema(CatalogueItemRecord.schema)
            .id()
            .field("version", .int, .required)
            .field("code", .string, .required)
            .field("item_json", .string, .required)
            .unique(on: "version", "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CatalogueItemRecord.schema).delete()
        try await database.schema(CatalogueVersionRecord.schema).delete()
    }
}

/// Reading and writing catalogue versions.
enum CatalogueStore {
    /// The catalogue shipped in `Resources/Catalogue/default.json`.
    static func shipped(root: String) throws -> Catalogue {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "Resources/Catalogue/default.json"))
        return try JSONDecoder().decode(Catalogue.self, from: data).validated()
    }

    /// The version in force, or nil before the first is loaded.
    static func current(on db: any Database) async throws -> Catalogue? {
        try await prepared(on: db)?.catalogue
    }

    /// The version in force with its classifier (from the catalogue alone: `LearnedClassifier` adds the cases).
    struct Prepared: Sendable {
        let catalogue: Catalogue
        let model: Classifier.Model
    }

    /// The version in force, parsed and indexed once: a version never changes once published, so its prepared
    /// form is kept per version row (whose id is unique across databases), and taking a case reads one small row
    /// instead of the whole catalogue.
    static func prepared(on db: any Database) async throws -> Prepared? {
        guard let head = try await db.sql().raw("SELECT id, version FROM catalogue_versions ORDER BY version DESC LIMIT 1").first()
        else { return nil }
        let id = try head.decode(column: "id", as: UUID.self)
        if let cached = parsed.withLockedValue({ $0[id] }) { return cached }
        guard let catalogue = try await load(version: try head.decode(column: "version", as: Int.self), on: db) else { return nil }
        let prepared = Prepared(catalogue: catalogue, model: Classifier.Model(catalogue: catalogue))
        parsed.withLockedValue { cache in
            if cache.count > 64 { cache.removeAll() }
            cache[id] = prepared
        }
        return prepared
    }

    /// Prepared catalogue versions by the id of their version row.
    private static let parsed = NIOLockedValueBox<[UUID: Prepared]>([:])

    static func load(version: Int, on db: any Database) async throws -> Catalogue? {
        guard let head = try await CatalogueVersionRecord.query(on: db).filter(\.$version == version).first() else { return nil }
        let categories = try JSONDecoder().decode([CatalogueCategory].self, from: Data(head.categoriesJSON.utf8))
        let items = try await CatalogueItemRecord.query(on: db).filter(\.$version == version).sort(\.$code).all().map { try $0.item() }
        return Catalogue(version: version, name: head.name, categories: categories, items: items)
    }

    /// One item as it was in `version`.
    static func item(_ code: String, version: Int, on db: any Database) async throws -> CatalogueItem? {
        try await CatalogueItemRecord.query(on: db).filter(\.$version == version).filter(\.$code == code).first()?.item()
    }

    /// Stores `catalogue` as the next version (numbered after the highest one), inside the caller's transaction.
    @discardableResult
    static func publish(_ catalogue: Catalogue, on db: any Database) async throws -> Int {
        let next = (try await CatalogueVersionRecord.query(on: db).max(\.$version) ?? 0) + 1
        let categories = String(decoding: try JSONEncoder().encode(catalogue.categories), as: UTF8.self)
        try await CatalogueVersionRecord(version: next, name: catalogue.name, categoriesJSON: categories).create(on: db)
        for item in catalogue.items { try await CatalogueItemRecord(version: next, item: item).create(on: db) }
        return next
    }

    /// Loads the shipped catalogue as version 1 when the database has none.
    static func seedIfEmpty(_ app: Application) async throws {
        guard try await CatalogueVersionRecord.query(on: app.db).count() == 0 else { return }
        let catalogue = try shipped(root: app.directory.workingDirectory)
        try await app.write { db in
            let version = try await publish(catalogue, on: db)
            try await AuditLog.append(AuditEvent(action: "catalogue.publish", objectType: "catalogue", objectID: String(version),
                                                 summary: "items=\(catalogue.items.count) source=default"),
                                      context: .system, now: app.clock.now, on: db)
        }
    }
}
