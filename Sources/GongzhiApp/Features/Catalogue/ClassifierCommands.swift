import Foundation
import GongzhiCore
import Vapor

/// `gongzhi classifier measure`: the classifier's accuracy on a labelled set of everyday phrasings, with the
/// shipped catalogue alone and with the catalogue plus a training set standing for the cases staff confirmed
/// (`bench/classifier/run` prints it; the figure is in the README). Reads no database.
enum ClassifierCommands {
    static func group() -> any AsyncCommandGroup {
        var commands = AsyncCommands()
        commands.use(Measure(), as: "measure")
        return commands.group(help: "The case classifier")
    }

    struct Measure: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "test", help: "Labelled phrasings to measure on (TSV: code, text)")
            var test: String?
            @Option(name: "train", help: "Labelled phrasings to learn from, standing for confirmed cases (TSV)")
            var train: String?
            @Flag(name: "sweep", help: "Also print the accuracy on the training set for each phrase weight (catalogue only)")
            var sweep: Bool
            @Flag(name: "misses", help: "List the phrasings missed in the top three")
            var misses: Bool
        }

        var help: String { "Measures the classifier's top-1 and top-3 accuracy on labelled phrasings." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let root = context.application.directory.workingDirectory
            let catalogue = try CatalogueStore.shipped(root: root)
            func load(_ path: String?, _ fallback: String) throws -> [NaiveBayes.Example] {
                ClassifierEvaluation.examples(tsv: try String(contentsOfFile: path ?? root + fallback, encoding: .utf8))
            }
            let test = try load(signature.test, "bench/classifier/test.tsv")
            let train = try load(signature.train, "bench/classifier/train.tsv")
            let overlap = Set(test.map(\.text)).intersection(train.map(\.text))
            let console = context.console
            console.print("catalogue: \(catalogue.items.count) items; test set: \(test.count) phrasings; training set: \(train.count) (shared with the test set: \(overlap.count))")
            if signature.sweep {
                let model = Classifier.Model(catalogue: catalogue)
                for weight in stride(from: 0.0, through: 1.0, by: 0.05) {
                    let result = ClassifierEvaluation(examples: train) {
                        Classifier.suggest(title: $0, description: "", model: model, phraseWeight: weight)
                    }
                    console.print(String(format: "  phrase weight %.2f on the training set: top-1 %.1f %%, top-3 %.1f %%", weight, result.top1Rate * 100, result.top3Rate * 100))
                }
            }
            let phrasesOnly = Classifier.Index(catalogue)
            let catalogueModel = Classifier.Model(catalogue: catalogue)
            let learnedModel = Classifier.Model(catalogue: catalogue, learned: train)
            let rows: [(String, (String) -> [Classifier.Proposal])] = [
                ("keywords only (before issue 26)", { Classifier.propose(title: $0, description: "", index: phrasesOnly) }),
                ("catalogue (keywords, names, everyday phrasings)", { Classifier.suggest(title: $0, description: "", model: catalogueModel) }),
                ("catalogue + \(train.count) confirmed cases", { Classifier.suggest(title: $0, description: "", model: learnedModel) }),
            ]
            var last: ClassifierEvaluation?
            for (name, classify) in rows {
                let started = ContinuousClock.now
                let result = ClassifierEvaluation(examples: test, classify: classify)
                let elapsed = ContinuousClock.now - started
                let micro = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
                console.print(String(format: "%@: top-1 %.1f %%, top-3 %.1f %% (%d of %d); %.0f µs per text", name,
                                     result.top1Rate * 100, result.top3Rate * 100, result.top3, result.total, micro / Double(max(1, test.count))))
                last = result
            }
            if signature.misses, let last {
                for miss in last.misses { console.print("  \(miss.label) ← \(miss.text)  (proposed \(miss.proposed.joined(separator: ", ")))") }
            }
        }
    }
}
