import Foundation

/// How well a classifier model does on labelled phrasings (issue 26: top-3 accuracy ≥ 90 % on at least 300
/// everyday phrasings kept apart from the training data). Measured by `gongzhi classifier measure`
/// (`bench/classifier/run`), never asserted by a unit test.
public struct ClassifierEvaluation: Sendable, Equatable {
    public let total: Int
    public let top1: Int
    public let top3: Int
    /// The phrasings whose label was not among the three proposals: label, text, what was proposed.
    public let misses: [Miss]

    public struct Miss: Sendable, Equatable {
        public let label: String
        public let text: String
        public let proposed: [String]
    }

    public var top1Rate: Double { total == 0 ? 0 : Double(top1) / Double(total) }
    public var top3Rate: Double { total == 0 ? 0 : Double(top3) / Double(total) }

    public init(examples: [NaiveBayes.Example], classify: (String) -> [Classifier.Proposal]) {
        var top1 = 0, top3 = 0
        var misses: [Miss] = []
        for example in examples {
            let codes = classify(example.text).prefix(3).map(\.code)
            if codes.first == example.label { top1 += 1 }
            if codes.contains(example.label) { top3 += 1 } else { misses.append(Miss(label: example.label, text: example.text, proposed: codes)) }
        }
        total = examples.count
        self.top1 = top1
        self.top3 = top3
        self.misses = misses
    }

    /// Labelled phrasings from a TSV file's text: a header line `code<TAB>text`, then one per line.
    public static func examples(tsv: String) -> [NaiveBayes.Example] {
        tsv.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return NaiveBayes.Example(label: String(parts[0]), text: String(parts[1]))
        }
    }
}
