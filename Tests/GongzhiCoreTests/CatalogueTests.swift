import Foundation
import Testing
@testable import GongzhiCore

let shippedCatalogue: Catalogue = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return try! JSONDecoder().decode(Catalogue.self, from: Data(contentsOf: url.appendingPathComponent("Resources/Catalogue/default.json")))
}()

@Suite("Affairs catalogue and classification")
struct CatalogueTests {
    @Test("the shipped catalogue is valid: the seven categories, at least 60 items, limits by kind")
    func shipped() throws {
        let catalogue = try shippedCatalogue.validated()
        #expect(catalogue.categories.map(\.code) == CatalogueCategory.requiredCodes)
        #expect(catalogue.items.count >= 60)
        for category in CatalogueCategory.requiredCodes { #expect(catalogue.items.contains { $0.category == category }, "\(category)") }
        for item in catalogue.items {
            switch item.kind {
            case .urgent: #expect(item.completionDays == 0, "\(item.code)")
            case .enquiry, .help: #expect(item.completionDays == 3, "\(item.code)")
            case .complaint, .report: #expect(item.completionDays == 13, "\(item.code)")
            }
        }
        // Each language has its own words: no "是 / Yes" mixed names for a resident to read.
        for item in catalogue.items {
            for question in item.questions {
                #expect(!question.prompt.contains(/[A-Za-z]/) && !question.promptEn.contains(/\p{Han}/), "\(item.code) \(question.code)")
                for choice in question.choices {
                    #expect(!choice.name.contains(/[A-Za-z]/) && !choice.nameEn.contains(/\p{Han}/), "\(item.code) \(question.code) \(choice.key)")
                }
            }
        }
        // A catalogue stored before choices had English names reads the Chinese one for both.
        let old = try JSONDecoder().decode(CatalogueQuestion.Choice.self, from: Data(#"{"key":"yes","name":"是"}"#.utf8))
        #expect(old.name(english: true) == "是" && old.name(english: false) == "是")
        for name in ["楼道堆物", "高空抛物", "电梯故障", "路灯不亮", "占道经营", "违章搭建", "养老服务申请", "低保咨询", "物业费纠纷", "垃圾分类"] {
            #expect(catalogue.items.contains { $0.name.contains(name) }, "\(name)")
        }
    }

    @Test("invalid catalogues are refused with the reason")
    func invalid() {
        let good = shippedCatalogue
        let noAdmin = Catalogue(version: 2, name: "x", categories: good.categories.filter { $0.code != "ADMIN" }, items: [])
        #expect(throws: Catalogue.Error.missingCategory("ADMIN")) { try noAdmin.validated() }
        let item = good.items[0]
        let twice = Catalogue(version: 2, name: "x", categories: good.categories, items: [item, item])
        #expect(throws: Catalogue.Error.duplicateCode(item.code)) { try twice.validated() }
        let bad = CatalogueItem(code: "X-1", category: "ADMIN", name: "x", nameEn: "x", responsible: .community, kind: .help,
                                responseHours: 0, completionDays: 3, keywords: ["x"], communityMayHandle: true)
        #expect(throws: Catalogue.Error.invalidItem(code: "X-1", field: "responseHours")) {
            try Catalogue(version: 2, name: "x", categories: good.categories, items: [bad]).validated()
        }
        let orphan = CatalogueItem(code: "X-2", category: "NOPE", name: "x", nameEn: "x", responsible: .community, kind: .help,
                                   responseHours: 4, completionDays: 3, keywords: ["x"], communityMayHandle: true)
        #expect(throws: Catalogue.Error.unknownCategory(item: "X-2", category: "NOPE")) {
            try Catalogue(version: 2, name: "x", categories: good.categories, items: [orphan]).validated()
        }
    }

    @Test("plain-language requests are classified to the right item", arguments: [
        ("楼道里堆满杂物", "三楼楼道堆放杂物影响通行", "PRC-002"),
        ("电梯又坏了", "电梯故障把老人困在里面", "PRC-001"),
        ("楼下烧烤油烟太大", "每天晚上油烟飘进家里", "ADM-005"),
        ("晚上广场舞太吵", "音响开得很大声", "ADM-004"),
        ("想咨询低保怎么申请", "", "SRV-002"),
        ("楼道灯不亮", "声控灯坏了一个星期", "PRC-003"),
        ("有人高空抛物", "楼上扔下来一个瓶子", "ADM-021"),
        ("门口占道摆摊", "流动摊贩堵住路口", "ADM-001"),
        ("举报社区某工作人员吃拿卡要", "", "ADM-022"),
    ])
    func classification(title: String, description: String, expected: String) {
        let proposals = Classifier.propose(title: title, description: description, catalogue: shippedCatalogue)
        #expect(proposals.first?.code == expected, "\(proposals)")
        #expect(proposals.count <= 3)
        #expect(proposals.allSatisfy { (0..<1).contains($0.score) })
        #expect(zip(proposals, proposals.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test("nothing recognisable puts 'other matters' first with score 0, then the next best; words in the title weigh more")
    func fallbackAndWeights() {
        let vague = Classifier.propose(title: "你好", description: "请问", catalogue: shippedCatalogue)
        #expect(vague.first == .init(code: "TMP-004", score: 0) && vague.count == 3 && Set(vague.map(\.code)).count == 3)
        #expect(Classifier.propose(title: "你好", description: "请问", index: Classifier.Index(shippedCatalogue)) == [.init(code: "TMP-004", score: 0)])
        let inTitle = Classifier.propose(title: "电梯故障", description: "", catalogue: shippedCatalogue)[0]
        let inText = Classifier.propose(title: "求助", description: "电梯故障", catalogue: shippedCatalogue)[0]
        #expect(inTitle.code == "PRC-001" && inText.code == "PRC-001" && inTitle.score > inText.score)
    }

    @Test("the indexed classifier scores exactly as searching every phrase in the texts one by one")
    func indexMatchesPlainSearch() {
        // The plain rule, phrase by phrase: the reference the trie must agree with.
        func reference(_ title: String, _ description: String, _ catalogue: Catalogue) -> [Classifier.Proposal] {
            let title = title.lowercased(), description = description.lowercased()
            var scored: [(code: String, raw: Int)] = []
            for item in catalogue.items {
                var raw = 0
                for phrase in (item.keywords + [item.name]).map({ $0.lowercased() }) where !phrase.isEmpty {
                    let weight = phrase.count * (phrase == item.name.lowercased() ? 2 : 1)
                    if title.contains(phrase) { raw += 3 * weight } else if description.contains(phrase) { raw += weight }
                }
                if raw > 0 { scored.append((item.code, raw)) }
            }
            scored.sort { $0.raw != $1.raw ? $0.raw > $1.raw : $0.code < $1.code }
            let proposals = scored.prefix(3).map { Classifier.Proposal(code: $0.code, score: Double($0.raw) / Double($0.raw + 6)) }
            return proposals.isEmpty ? [.init(code: "TMP-004", score: 0)] : proposals
        }
        let phrases = shippedCatalogue.items.flatMap { $0.keywords + [$0.name] }
        let filler = ["，", "我家", "楼下", "已经三天了", "Wi-Fi", "ABC", "😀", "请尽快处理", " ", "e\u{301}"]
        var generator = SystemRandomNumberGenerator()
        let index = Classifier.Index(shippedCatalogue)
        var compared = 0
        for _ in 0..<400 {
            func text() -> String {
                (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    Bool.random(using: &generator) ? phrases.randomElement(using: &generator)! : filler.randomElement(using: &generator)!
                }.joined()
            }
            let (title, description) = (text(), text())
            let expected = reference(title, description, shippedCatalogue)
            #expect(Classifier.propose(title: title, description: description, index: index) == expected, "\(title) | \(description)")
            compared += expected.first?.score ?? 0 > 0 ? 1 : 0
        }
        #expect(compared > 100, "most random texts hold a phrase")
    }

    @Test("each responsible party is held at a level of the tree; reports go to the supervisory org at the district")
    func routingLevels() {
        #expect(ResponsibleParty.propertyCompany.level == .community)
        #expect(ResponsibleParty.streetOffice.level == .street)
        #expect(ResponsibleParty.districtDepartment.level == .district)
        #expect(shippedCatalogue.item("ADM-022")?.responsible == .supervisoryOrg)
    }
}

@Suite("Image signatures")
struct ImageSignatureTests {
    @Test("JPEG, PNG and WebP are recognised by their bytes; anything else is refused")
    func signatures() {
        #expect(ImageSignature.detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(ImageSignature.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]) == .png)
        #expect(ImageSignature.detect(Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WEBPVP8 ".utf8)) == .webp)
        #expect(ImageSignature.detect(Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WAVE".utf8)) == nil)
        #expect(ImageSignature.detect(Array("<?php echo 1; ?>".utf8)) == nil)
        #expect(ImageSignature.detect(Array("<svg onload=alert(1)>".utf8)) == nil)
        #expect(ImageSignature.detect([UInt8]()) == nil)
        #expect(ImageSignature.detect([0xFF, 0xD8]) == nil)
    }
}
