/// Proposes catalogue items for a case from its words (SPEC §4 auto-classification): keywords and the item's
/// own name found in the title count three times as much as in the description, longer phrases more than
/// shorter ones. Staff can always override.
public enum Classifier {
    public struct Proposal: Sendable, Equatable {
        public let code: String
        /// In [0, 1): s / (s + 6) of the raw score s, so one strong phrase already gives a high score.
        public let score: Double
    }

    /// The best item and up to two alternatives, best first (ties: the lower code). When nothing matches,
    /// `fallback` (the catalogue's "other matters" item) with score 0.
    public static func propose(title: String, description: String, catalogue: Catalogue, fallback: String = "TMP-004") -> [Proposal] {
        propose(title: title, description: description, index: Index(catalogue), fallback: fallback)
    }

    /// The same with the catalogue's phrases prepared once (`Index`): what taking a case uses.
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
