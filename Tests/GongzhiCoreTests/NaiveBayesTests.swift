import Foundation
import Testing
@testable import GongzhiCore

@Suite("Classifier that learns: naive Bayes over characters, combined with the catalogue's phrases")
struct NaiveBayesTests {
    @Test("features: characters and neighbouring pairs within runs of letters; digits and punctuation split runs")
    func features() {
        #expect(NaiveBayes.features("电梯坏了") == ["电", "电梯", "梯", "梯坏", "坏", "坏了", "了"])
        #expect(NaiveBayes.features("3号楼，漏水") == ["号", "号楼", "楼", "漏", "漏水", "水"])
        #expect(NaiveBayes.features("Wi-Fi") == ["w", "wi", "i", "f", "fi", "i"])
        #expect(NaiveBayes.features("！？ 123").isEmpty)
    }

    @Test("probabilities sum to one, favour the label whose examples share the words, and are nil for words never seen")
    func probabilities() throws {
        let model = NaiveBayes(examples: [
            .init(label: "lift", text: "电梯坏了"), .init(label: "lift", text: "梯子停了"),
            .init(label: "leak", text: "楼上漏水"), .init(label: "leak", text: "天花板滴水"),
        ])
        let p = try #require(model.probabilities("梯子又停了"))
        #expect(abs(p.values.reduce(0, +) - 1) < 1e-9)
        #expect(p["lift"]! > 0.8)
        #expect(model.probabilities("滴水了")!["leak"]! > model.probabilities("滴水了")!["lift"]!)
        #expect(model.probabilities("ABC") == nil)
        #expect(NaiveBayes(examples: []).probabilities("电梯") == nil)
    }

    @Test("a weight counts as that many repeated examples")
    func weights() throws {
        let weighted = NaiveBayes(examples: [.init(label: "a", text: "水管", weight: 3), .init(label: "b", text: "水电")])
        let repeated = NaiveBayes(examples: Array(repeating: .init(label: "a", text: "水管"), count: 3) + [.init(label: "b", text: "水电")])
        let single = NaiveBayes(examples: [.init(label: "a", text: "水管"), .init(label: "b", text: "水电")])
        let w = try #require(weighted.probabilities("管道漏水")), r = try #require(repeated.probabilities("管道漏水"))
        #expect(abs(w["a"]! - r["a"]!) < 1e-12)
        #expect(abs(w["a"]! - single.probabilities("管道漏水")!["a"]!) > 1e-6)
    }

    @Test("learning from confirmed cases moves a wording the catalogue does not know to the item staff chose")
    func learns() throws {
        let wording = "水管子咕噜咕噜响半夜吵醒人"
        let before = Classifier.suggest(title: wording, description: "", model: Classifier.Model(catalogue: shippedCatalogue))
        let learned = (0..<5).map { NaiveBayes.Example(label: "PRC-010", text: $0 % 2 == 0 ? "水管咕噜咕噜响" : "水管子老是咕噜响") }
        let model = Classifier.Model(catalogue: shippedCatalogue, learned: learned + [.init(label: "NOT-AN-ITEM", text: "咕噜")])
        #expect(model.learnedCases == 5, "examples of unknown items are left out")
        let after = Classifier.suggest(title: wording, description: "", model: model)
        #expect(before.first?.code != "PRC-010" && after.first?.code == "PRC-010", "\(before) → \(after)")
        #expect(after.count == 3 && zip(after, after.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(after.allSatisfy { (0...1).contains($0.score) })
    }

    @Test("the everyday items residents ask about are there and found from residents' words", arguments: [
        ("暖气片一点都不热", "ADM-023"), ("整栋楼又停电了", "ADM-024"), ("社区有没有老年食堂", "SRV-015"),
        ("电梯门关不上了", "PRC-001"), ("楼上漏水到我家卫生间", "PRC-004"),
    ])
    func everyday(text: String, expected: String) {
        let proposals = Classifier.suggest(title: text, description: "", model: Classifier.Model(catalogue: shippedCatalogue))
        #expect(proposals.prefix(3).map(\.code).contains(expected), "\(proposals)")
        #expect(shippedCatalogue.item(expected)?.everydayName.isEmpty == false)
    }

    @Test("evaluation counts top-1 and top-3 and lists what was missed; the TSV reader skips the header and bad lines")
    func evaluation() {
        let examples = ClassifierEvaluation.examples(tsv: "code\ttext\nA\t一\nB\t二\nbroken line\nC\t三\n")
        #expect(examples.map(\.label) == ["A", "B", "C"])
        let result = ClassifierEvaluation(examples: examples) { text in
            switch text {
            case "一": [.init(code: "A", score: 1)]
            case "二": [.init(code: "X", score: 1), .init(code: "B", score: 0.5)]
            default: [.init(code: "X", score: 1), .init(code: "Y", score: 0.5), .init(code: "Z", score: 0.1), .init(code: "C", score: 0)]
            }
        }
        #expect(result.total == 3 && result.top1 == 1 && result.top3 == 2 && result.misses.map(\.label) == ["C"])
    }
}
