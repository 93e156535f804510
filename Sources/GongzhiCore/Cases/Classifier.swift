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
        let title = title.lowercased()
        let description = description.lowercased()
        var scored: [(code: String, raw: Int)] = []
        for item in catalogue.items {
            var raw = 0
            for phrase in item.keywords + [item.name] {
                let phrase = phrase.lowercased()
                let weight = phrase.count * (phrase == item.name.lowercased() ? 2 : 1)
                if title.contains(phrase) { raw += 3 * weight } else if description.contains(phrase) { raw += weight }
            }
            if raw > 0 { scored.append((item.code, raw)) }
        }
        scored.sort { $0.raw != $1.raw ? $0.raw > $1.raw : $0.code < $1.code }
        let proposals = scored.prefix(3).map { Proposal(code: $0.code, score: Double($0.raw) / Double($0.raw + 6)) }
        if proposals.isEmpty, catalogue.item(fallback) != nil { return [Proposal(code: fallback, score: 0)] }
        return proposals
    }
}
