/// Proposes catalogue items for a case from its words (SPEC §4 auto-classification), best first; staff can always
/// override. Two signals (issue 26): the catalogue's phrases found in the text (keywords and the item's own name;
/// in the title they count three times as much as in the description, longer phrases more than shorter ones) and
/// a naive Bayes model of how residents word each item (`NaiveBayes`), trained on the catalogue's names, keywords
/// and everyday phrasings and on the cases staff have confirmed or re-classified (`Model`).
public enum Classifier {
    public struct Proposal: Sendable, Equatable {
        public let code: String
        /// In [0, 1]: how well the item matches the words.
        public let score: Double

        public init(code: String, score: Double) {
            self.code = code
            self.score = score
        }
    }

    /// How much the phrases found count against the learned model (the rest): chosen on the training phrasings
    /// in `bench/classifier/train.tsv` with the catalogue-only model (`bench/classifier/run`).
    public static let phraseWeight = 0.6
    /// Below this, with no phrase found, the words say too little: "other matters" comes first.
    public static let minimumConfidence = 0.12

    /// What the classifier knows: the catalogue's phrases (`Index`) and the learned model.
    public struct Model: Sendable {
        public let index: Index
        public let bayes: NaiveBayes
        /// The item proposed when the words say nothing.
        public let fallback: String
        /// How many confirmed cases the model learned from (besides the catalogue).
        public let learnedCases: Int

        public init(catalogue: Catalogue, learned: [NaiveBayes.Example] = [], fallback: String = "TMP-004") {
            index = Index(catalogue)
            let codes = Set(catalogue.items.map(\.code))
            let kept = learned.filter { codes.contains($0.label) }
            bayes = NaiveBayes(examples: Classifier.examples(from: catalogue) + kept)
            self.fallback = fallback
            learnedCases = kept.count
        }
    }

    /// The catalogue as training examples: each item's name (three times), keywords (twice) and everyday phrasings.
    public static func examples(from catalogue: Catalogue) -> [NaiveBayes.Example] {
        catalogue.items.flatMap { item in
            [NaiveBayes.Example(label: item.code, text: item.name, weight: 3), NaiveBayes.Example(label: item.code, text: item.everydayName, weight: 2)]
                + item.keywords.map { NaiveBayes.Example(label: item.code, text: $0, weight: 2) }
                + item.phrases.map { NaiveBayes.Example(label: item.code, text: $0, weight: 1) }
        }
    }

    /// The `count` best items for the words, best first (ties: the lower code). When the words say too little,
    /// "other matters" comes first.
    public static func suggest(title: String, description: String, model: Model, count: Int = 3,
                               phraseWeight: Double = Classifier.phraseWeight) -> [Proposal] {
        let inTitle = model.index.phrasesFound(in: title)
        let inDescription = model.index.phrasesFound(in: description)
        var phraseScore: [String: Double] = [:]
        for item in model.index.items {
            var raw = 0
            for phrase in item.phrases {
                if inTitle[phrase.id] { raw += 3 * phrase.weight } else if inDescription[phrase.id] { raw += phrase.weight }
            }
            if raw > 0 { phraseScore[item.code] = Double(raw) / Double(raw + 6) }
        }
        let learned = model.bayes.probabilities(title + "。" + title + "。" + description) ?? [:]
        var scored = model.index.items.map { item -> (code: String, score: Double) in
            (item.code, phraseWeight * (phraseScore[item.code] ?? 0) + (1 - phraseWeight) * (learned[item.code] ?? 0))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.code < $1.code }
        var proposals = scored.prefix(count).map { Proposal(code: $0.code, score: min(1, max(0, $0.score))) }
        if phraseScore.isEmpty, (proposals.first?.score ?? 0) < minimumConfidence, model.index.codes.contains(model.fallback) {
            proposals = [Proposal(code: model.fallback, score: 0)] + proposals.filter { $0.code != model.fallback }.prefix(max(0, count - 1))
        }
        return proposals
    }

    /// The three best items for the words with the catalogue-only model.
    public static func propose(title: String, description: String, catalogue: Catalogue) -> [Proposal] {
        suggest(title: title, description: description, model: Model(catalogue: catalogue))
    }

    /// The phrases alone: the best item and up to two alternatives by the catalogue's phrases found in the words
    /// (score s / (s + 6) of the raw score s); `fallback` with score 0 when none is found.
    public static func propose(title: String, description: String, index: Index, fallback: String = "TMP-004") -> [Proposal] {
        let inTitle = index.phrasesFound(in: title)
        let inDescription = index.phrasesFound(in: description)
        var scored: [(code: String, raw: Int)] = []
        for item in index.items {
            var raw = 0
            for phrase in item.phrases {
                if inTitle[phrase.id] { raw += 3 * phrase.weight } else if inDescription[phrase.id] { raw += phrase.weight }
            }
            if raw > 0 { scored.append((item.code, raw)) }
        }
        scored.sort { $0.raw != $1.raw ? $0.raw > $1.raw : $0.code < $1.code }
        let proposals = scored.prefix(3).map { Proposal(code: $0.code, score: Double($0.raw) / Double($0.raw + 6)) }
        if proposals.isEmpty, index.codes.contains(fallback) { return [Proposal(code: fallback, score: 0)] }
        return proposals
    }

    /// Every item's phrases (keywords and name, lower-cased), each with its weight (its length in characters,
    /// twice that for the item's name), and a trie of their UTF-8 bytes: finding which phrases a text holds
    /// takes one walk per byte of the text, not one search per phrase.
    public struct Index: Sendable {
        struct Phrase: Sendable {
            let id: Int
            let weight: Int
        }

        private(set) var items: [(code: String, phrases: [Phrase])] = []
        private(set) var codes: Set<String> = []
        /// Trie nodes: the children by byte, and the phrase a node completes (or -1).
        private var children: [[UInt8: Int32]] = [[:]]
        private var completes: [Int] = [-1]
        private(set) var phraseCount = 0

        public init(_ catalogue: Catalogue) {
            var items: [(code: String, phrases: [Phrase])] = []
            var ids: [String: Int] = [:]
            for item in catalogue.items {
                let name = item.name.lowercased()
                var phrases: [Phrase] = []
                for phrase in (item.keywords + [item.name]).map({ $0.lowercased() }) where !phrase.isEmpty {
                    let id: Int
                    if let known = ids[phrase] { id = known } else { id = insert(phrase) }
                    ids[phrase] = id
                    phrases.append(Phrase(id: id, weight: phrase.count * (phrase == name ? 2 : 1)))
                }
                items.append((item.code, phrases))
            }
            self.items = items
            codes = Set(catalogue.items.map(\.code))
        }

        private mutating func insert(_ phrase: String) -> Int {
            var node = 0
            for byte in phrase.utf8 {
                if let next = children[node][byte] {
                    node = Int(next)
                } else {
                    children.append([:])
                    completes.append(-1)
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            let id = phraseCount
            completes[node] = id
            phraseCount += 1
            return id
        }

        /// Which phrases occur in `text` (lower-cased), by phrase id. UTF-8 is self-synchronising: a phrase's
        /// bytes found in the text's bytes are the phrase's characters found in the text.
        func phrasesFound(in text: String) -> [Bool] {
            var found = [Bool](repeating: false, count: phraseCount)
            let bytes = Array(text.lowercased().utf8)
            for start in bytes.indices {
                var node = 0
                var at = start
                while at < bytes.count, let next = children[node][bytes[at]] {
                    node = Int(next)
                    if completes[node] >= 0 { found[completes[node]] = true }
                    at += 1
                }
            }
            return found
        }
    }
}
