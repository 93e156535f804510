import Foundation
import Testing
@testable import GongzhiApp

/// Lints over the repository's own source (checklist rows 13 and 14): raw SQL only where a reviewer has said why
/// it cannot carry a user's words, and raw template output only for the server-drawn charts.
@Suite("Source lints: raw SQL and raw template output")
struct SourceLintTests {
    static var root: URL {
        repositoryRoot
    }

    static func files(under folder: String, extension ext: String) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
        return (enumerator?.compactMap { $0 as? URL } ?? []).filter { $0.pathExtension == ext }.sorted { $0.path < $1.path }
    }

    /// Every way SQLKit and Fluent take SQL text as written: `\(unsafeRaw:)` in a query string, `SQLRaw(…)`,
    /// `.sql(raw:)`/`.sql(unsafeRaw:)` and a `SQLQueryString(…)` built from a string.
    nonisolated(unsafe) static let rawSQL = /\\\(unsafeRaw:|SQLRaw\(|\.sql\((?:unsafe)?[rR]aw:|SQLQueryString\(/
    /// The same, given a string literal whose only interpolations are SQLKit's binds and quoted identifiers.
    nonisolated(unsafe) static let literalRawSQL = /(?:\\\(unsafeRaw:\s*|SQLRaw\(\s*|\.sql\((?:unsafe)?[rR]aw:\s*|SQLQueryString\(\s*)"(?:[^"\\]|\\[^(]|\\\((?:bind|binds|ident|idents|literal|literals):[^()]*\))*"\s*\)/
    /// The reviewer's note: `// raw SQL: why this text cannot come from a request`, on the line or up to four above.
    nonisolated(unsafe) static let note = /\/\/ raw SQL: \S/

    /// Lines (1-based) with raw SQL built from something other than a literal and no reviewer's note near them.
    static func unreviewedRawSQL(in text: String) -> [Int] {
        let lines = text.components(separatedBy: "\n")
        var found: [Int] = []
        for (index, line) in lines.enumerated() {
            let all = line.matches(of: rawSQL).count
            let literal = line.matches(of: literalRawSQL).count
            guard all > literal else { continue }
            let context = lines[max(0, index - 4)...index]
            if !context.contains(where: { $0.contains(note) }) { found.append(index + 1) }
        }
        return found
    }

    @Test("the raw-SQL lint flags interpolated raw SQL without a note, and nothing else")
    func rawSQLLintCatches() {
        #expect(Self.unreviewedRawSQL(in: #"try await sql.raw("SELECT * FROM t WHERE a = \(unsafeRaw: input)").all()"#) == [1])
        #expect(Self.unreviewedRawSQL(in: #"let e = SQLRaw("lower(\(column))")"#) == [1])
        #expect(Self.unreviewedRawSQL(in: "let e = SQLRaw(name)") == [1])
        #expect(Self.unreviewedRawSQL(in: #"q.filter(.sql(unsafeRaw: "a = " + b))"#) == [1])
        #expect(Self.unreviewedRawSQL(in: "x\n\n\n\n\nlet e = SQLRaw(name) // raw SQL:") == [6], "a note needs a reason")
        #expect(Self.unreviewedRawSQL(in: "// raw SQL: a name from the fixed list above\nx\nlet e = SQLRaw(name)").isEmpty)
        #expect(Self.unreviewedRawSQL(in: "// raw SQL: fixed\n1\n2\n3\n4\nlet e = SQLRaw(name)") == [6], "the note is too far above")
        #expect(Self.unreviewedRawSQL(in: #"let e = SQLRaw("accused_path || '%'")"#).isEmpty)
        #expect(Self.unreviewedRawSQL(in: #"q.filter(.sql(unsafeRaw: "case_events.seq = cases.event_count"))"#).isEmpty)
        #expect(Self.unreviewedRawSQL(in: #"sql.raw("SELECT \(bind: x), \(ident: name)")"#).isEmpty)
        #expect(Self.unreviewedRawSQL(in: #"f(SQLQueryString("CAST(\(ident: $0) AS TEXT) = \(bind: v)"))"#).isEmpty)
        #expect(Self.unreviewedRawSQL(in: #"f(SQLQueryString("CAST(\(ident: $0) AS \(unsafeRaw: t))"))"#) == [1])
    }

    @Test("raw SQL in the sources is literal text or carries a reviewer's note (no request's words in SQL text)")
    func noUnreviewedRawSQL() throws {
        let sources = Self.files(under: "Sources", extension: "swift")
        var found: [String] = []
        for file in sources {
            let text = try String(contentsOf: file, encoding: .utf8)
            found += Self.unreviewedRawSQL(in: text).map { "\(file.lastPathComponent):\($0)" }
        }
        #expect(sources.count > 100)
        #expect(found.isEmpty, "raw SQL without a `// raw SQL:` note: \(found)")
    }

    @Test("templates print raw HTML only for the server-drawn SVG charts (their labels are escaped in GongzhiCore.SVGChart)")
    func noUnescapedTemplateOutput() throws {
        let allowed: Set<String> = ["#unsafeHTML(chart.svg)", "#unsafeHTML(chart)"]
        let views = Self.files(under: "Resources/Views", extension: "leaf")
        var found: [String] = []
        for file in views {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /#unsafeHTML\([^)]*\)/) where !allowed.contains(String(match.output)) {
                found.append("\(file.lastPathComponent): \(match.output)")
            }
        }
        #expect(views.count > 20)
        #expect(found.isEmpty, "raw output in templates: \(found)")
    }

    @Test("every word a template asks for (`page.t.<key>`) exists, in Chinese and in English (Leaf prints nothing for a missing one)")
    func templateWordsExist() throws {
        let views = Self.files(under: "Resources/Views", extension: "leaf")
        var missing: [String] = []
        var asked = 0
        for file in views {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /page\.t\.([a-z0-9_]+)/) {
                asked += 1
                let key = String(match.output.1)
                let zh = Strings.all(.zh)[key] ?? "", en = Strings.all(.en)[key] ?? ""
                if zh.isEmpty || en.isEmpty { missing.append("\(file.lastPathComponent): \(key)") }
            }
        }
        #expect(asked > 500)
        #expect(missing.isEmpty, "words missing: \(missing)")
    }

    @Test("routes set a body limit only through `on(_:_:bodyUpTo:use:)`, which records it for the middleware that read bodies first")
    func bodyLimitsRecorded() throws {
        let sources = Self.files(under: "Sources", extension: "swift")
        var found: [String] = []
        for file in sources where file.lastPathComponent != "RouteBodyLimit.swift" {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() where line.contains(/body:\s*\.(collect|stream)/) {
                found.append("\(file.lastPathComponent):\(index + 1)")
            }
        }
        #expect(found.isEmpty, "a body strategy given directly, unseen by BodyCollectionMiddleware: \(found)")
    }
}
