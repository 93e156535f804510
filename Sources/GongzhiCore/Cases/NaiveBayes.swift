import Foundation

/// A multinomial naive Bayes model over the character unigrams and bigrams of short Chinese texts (issue 26):
/// what lets the classifier understand "梯子又停了" without the word 电梯 in any keyword list. It learns from
/// labelled examples — the catalogue's names, keywords and everyday phrasings, and the cases staff confirmed or
/// re-classified — and is rebuilt in the background as a district uses it. Classes have equal priors: an item
/// asked about often must not crowd out a rare one the text clearly names.
public struct NaiveBayes: Sendable {
    public struct Example: Sendable {
        public let label: String
        public let text: String
        /// How much the example counts (a catalogue name more than one resident's wording).
        public let weight: Double

        public init(label: String, text: String, weight: Double = 1) {
            self.label = label
            self.text = text
            self.weight = weight
        }
    }

    public let labels: [String]
    private let vocabulary: [String: Int]
    /// Per label: log P(feature | label) of the features seen with it (sparse: a model's size follows its examples,
    /// not labels × vocabulary), and the smoothed value of every feature not seen with it.
    private let logLikelihood: [[Int: Double]]
    private let unseen: [Double]
    public let exampleCount: Int

    /// Trains on `examples` with additive smoothing `alpha`.
    public init(examples: [Example], alpha: Double = 0.3) {
        var vocabulary: [String: Int] = [:]
        var labelIndex: [String: Int] = [:]
        var labels: [String] = []
        var counts: [[Int: Double]] = []
        for example in examples {
            let label: Int
            if let known = labelIndex[example.label] { label = known } else {
                label = labels.count
                labelIndex[example.label] = label
                labels.append(example.label)
                counts.append([:])
            }
            for feature in Self.features(example.text) {
                let id: Int
                if let known = vocabulary[feature] { id = known } else {
                    id = vocabulary.count
                    vocabulary[feature] = id
                }
                counts[label][id, default: 0] += example.weight
            }
        }
        let size = Double(max(vocabulary.count, 1))
        let denominators = counts.map { row in log(row.values.reduce(0, +) + alpha * size) }
        logLikelihood = zip(counts, denominators).map { row, denominator in row.mapValues { log($0 + alpha) - denominator } }
        unseen = denominators.map { log(alpha) - $0 }
        self.labels = labels
        self.vocabulary = vocabulary
        exampleCount = examples.count
    }

    /// Each label's probability for `text` (summing to 1), from the features the model knows; nil when it knows
    /// none of them. `sharpness` below 1 tempers the overconfidence of the independence assumption.
    public func probabilities(_ text: String, sharpness: Double = 0.5) -> [String: Double]? {
        let ids = Self.features(text).compactMap { vocabulary[$0] }
        guard !ids.isEmpty, !labels.isEmpty else { return nil }
        let scores = zip(logLikelihood, unseen).map { row, other in ids.reduce(0) { $0 + (row[$1] ?? other) } * sharpness }
        let top = scores.max()!
        let exps = scores.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        var result: [String: Double] = [:]
        for (label, value) in zip(labels, exps) { result[label] = value / sum }
        return result
    }

    /// The features of a text: its characters and pairs of neighbouring characters, lower-cased, within runs of
    /// letters (Han characters, Latin letters). Digits, punctuation and spaces split runs: "3号楼" adds nothing about
    /// what the problem is beyond "号楼".
    public static func features(_ text: String) -> [String] {
        var result: [String] = []
        var run: [Character] = []
        func flush() {
            for (i, c) in run.enumerated() {
                result.append(String(c))
                if i + 1 < run.count { result.append(String([c, run[i + 1]])) }
            }
            run.removeAll(keepingCapacity: true)
        }
        for character in text.lowercased() {
            if character.isLetter { run.append(character) } else { flush() }
        }
        flush()
        return result
    }
}
