import Foundation
import GongzhiCore
import Synchronization

/// Every word the interface shows, in Simplified Chinese and English. Pages receive the table of their language.
enum Strings {
    /// The words of both languages, read from `Resources/Words/` (`zh-Hans.strings`, `en.strings`).
    struct Words: Sendable {
        let zh: [String: String]
        let en: [String: String]
    }

    static let directory = "Resources/Words/"

    /// Reads and checks both files: each must parse (no key twice) and hold the same keys as the other.
    static func load(root: String) throws -> Words {
        func file(_ name: String) throws -> [String: String] {
            let path = root + directory + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError(problems: ["\(path) is missing"]) }
            do { return try WordsFile.parse(text) } catch { throw ConfigurationError(problems: ["\(path): \(error)"]) }
        }
        let words = Words(zh: try file("zh-Hans.strings"), en: try file("en.strings"))
        let onlyZh = Set(words.zh.keys).subtracting(words.en.keys).sorted(), onlyEn = Set(words.en.keys).subtracting(words.zh.keys).sorted()
        guard onlyZh.isEmpty, onlyEn.isEmpty else {
            throw ConfigurationError(problems: (onlyZh.map { "\($0) has no English words" }) + (onlyEn.map { "\($0) has no Chinese words" }))
        }
        return words
    }

    private static let prepared = Mutex<Words?>(nil)

    /// Reads and checks the files at start-up (`configure` refuses to start on a problem) and keeps what it read
    /// for `words`, so the files are parsed once.
    static func prepare(root: String) throws {
        let words = try load(root: root)
        prepared.withLock { $0 = words }
    }

    /// Loaded once: what `prepare` read, or (in a test that never configured an app) the files read now.
    static let words: Words = prepared.withLock { $0 } ?? {
        do { return try load(root: ResourceLocation.packageRoot()) } catch { fatalError("\(error)") }
    }()

    static func text(_ key: String, _ lang: Lang) -> String {
        entry(key, lang) ?? key
    }

    /// The words for `key`, or nil when there are none.
    static func entry(_ key: String, _ lang: Lang) -> String? {
        lang == .zh ? words.zh[key] : words.en[key]
    }

    /// The whole table in one language for page contexts, with `_` for `.` in keys: `#(t.login_title)`.
    static func all(_ lang: Lang) -> [String: String] {
        lang == .zh ? zhTable : enTable
    }

    private static let zhTable = Dictionary(uniqueKeysWithValues: words.zh.map { (leafKey($0.key), $0.value) })
    private static let enTable = Dictionary(uniqueKeysWithValues: words.en.map { (leafKey($0.key), $0.value) })

    static func leafKey(_ key: String) -> String { key.replacingOccurrences(of: ".", with: "_") }
}
