import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Synchronization

/// The classifier that learns (issue 26): the catalogue's own model (`CatalogueStore.Prepared.model`) plus the
/// cases staff have confirmed — signed for by the one responsible, or classified by staff with a reason — under
/// the catalogue in force. Retrained in the background (`retrain`, every ten minutes while serving) from the most
/// recent `limit` such cases; until the first round, and for a catalogue version not trained yet, the catalogue's
/// own model answers.
final class LearnedClassifier: Sendable {
    private let state = Mutex<(catalogueVersion: Int, model: Classifier.Model)?>(nil)
    /// The most recent confirmed cases learned from: enough for a district's wording, bounded in memory and time.
    static let limit = 20_000

    /// The model for `prepared`'s catalogue: the learned one if it was trained on that version.
    func model(for prepared: CatalogueStore.Prepared) -> Classifier.Model {
        state.withLock { current in
            guard let current, current.catalogueVersion == prepared.catalogue.version else { return nil }
            return current.model
        } ?? prepared.model
    }

    /// Trains a new model from the database's confirmed cases and puts it in force.
    @discardableResult
    func retrain(on db: any Database) async throws -> Classifier.Model? {
        guard let prepared = try await CatalogueStore.prepared(on: db) else { return nil }
        let rows = try await db.sql().raw("""
            SELECT item_code, title, description FROM cases
            WHERE catalogue_version = \(bind: prepared.catalogue.version) AND state <> 'merged'
              AND (signed_at IS NOT NULL OR override_reason IS NOT NULL)
            ORDER BY opened_at DESC LIMIT \(bind: Self.limit)
            """).all()
        let examples = try rows.map { row in
            NaiveBayes.Example(label: try row.decode(column: "item_code", as: String.self),
                               text: try row.decode(column: "title", as: String.self) + "。" + row.decode(column: "description", as: String.self))
        }
        let model = Classifier.Model(catalogue: prepared.catalogue, learned: examples)
        state.withLock { $0 = (prepared.catalogue.version, model) }
        return model
    }
}

extension UseCaseContext {
    /// The classifier in force for the catalogue in force (nil before a catalogue is loaded).
    func classifier() async throws -> (prepared: CatalogueStore.Prepared, model: Classifier.Model)? {
        guard let prepared = try await CatalogueStore.prepared(on: db) else { return nil }
        return (prepared, services.classifier.model(for: prepared))
    }
}
