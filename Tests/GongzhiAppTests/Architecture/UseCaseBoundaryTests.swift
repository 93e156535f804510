import Foundation
import Testing
@testable import GongzhiApp

/// Use cases take a `UseCaseContext`, never an HTTP request: a file that declares one may not name `Request`
/// (controllers build the context with `request.context`; commands and background rounds with `app.context()`).
@Suite("Use cases are apart from HTTP")
struct UseCaseBoundaryTests {
    /// The code of a Swift file without its comments and string literals.
    static func code(_ text: String) -> String {
        text.replacing(/\/\/[^\n]*/, with: "").replacing(/"(?:[^"\\\n]|\\.)*"/, with: "\"\"")
    }

    /// Files that take a `UseCaseContext` and also name `Request` (the bridge in `Web/` is the one place both meet).
    static func offenders(_ files: [(name: String, text: String)]) -> [String] {
        files.filter { file in
            let code = code(file.text)
            return code.contains(/\bUseCaseContext\b/) && code.contains(/\bRequest\b/)
        }.map(\.name)
    }

    @Test("the check finds Request beside a use case, and not in a comment, a string or a longer name")
    func checkItself() {
        let useCase = "enum A { static func f(in context: UseCaseContext) {} }\n"
        #expect(Self.offenders([("a", useCase + "func g(_ request: Request) {}")]) == ["a"])
        #expect(Self.offenders([("b", useCase + "// a Request is not taken\nlet s = \"Request\"\nstruct RequestFormPagesController {}")]).isEmpty)
        #expect(Self.offenders([("c", "func g(_ request: Request) {}")]).isEmpty)
    }

    @Test("no file of the app that takes a UseCaseContext names Request, outside the web bridge")
    func noRequestInUseCases() throws {
        let files = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift")
            .filter { !$0.path.contains("/Sources/GongzhiApp/Web/Request+UseCaseContext.swift") }
            .map { (name: $0.lastPathComponent, text: try String(contentsOf: $0, encoding: .utf8)) }
        #expect(files.count > 100)
        #expect(files.contains { $0.text.contains("in context: UseCaseContext") })
        #expect(Self.offenders(files) == [])
    }

    @Test("every public function of GongzhiCore is used by the app or by Core itself, not only by tests")
    func coreRulesAreUsed() throws {
        let core = try SourceLintTests.files(under: "Sources/GongzhiCore", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
        let app = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
        let coreText = core.joined(separator: "\n")
        let names = Set(coreText.matches(of: /public (?:static )?func ([a-zA-Z]+)/).map { String($0.output.1) })
        #expect(names.count > 50)
        func words(_ text: String) -> [Substring] { text.split { !($0.isLetter || $0.isNumber || $0 == "_") } }
        let appWords = Set(words(app))
        var coreCounts: [Substring: Int] = [:]
        for word in words(coreText) { coreCounts[word, default: 0] += 1 }
        let unused = names.filter { !appWords.contains(Substring($0)) && coreCounts[Substring($0), default: 0] <= 1 }
        #expect(unused.sorted() == [], "Core functions only tests call")
    }

    /// Feature functions that take the whole `Application` instead of a context (commands, the demo writer and the
    /// start-up seeding of the catalogue are set-up, not use cases).
    static func applicationTakers(_ files: [(name: String, text: String)]) -> [String] {
        files.filter { !$0.name.contains("Command") && !$0.name.hasPrefix("Demo") }.flatMap { file in
            code(file.text).matches(of: /func ([a-zA-Z]+)\([^)]*:\s*Application\b/).map { "\(file.name): \($0.output.1)" }
        }.filter { !$0.hasSuffix(": seedIfEmpty") && !$0.hasSuffix(": boot") }
    }

    @Test("background rounds take a context like every other entry point: no feature function takes the Application")
    func roundsTakeAContext() throws {
        #expect(Self.applicationTakers([("Warnings.swift", "static func evaluate(_ app: Application) {}")]) == ["Warnings.swift: evaluate"])
        #expect(Self.applicationTakers([("DemoWriter.swift", "static func write(app: Application) {}")]).isEmpty)
        let files = try SourceLintTests.files(under: "Sources/GongzhiApp/Features", extension: "swift")
            .map { (name: $0.lastPathComponent, text: try String(contentsOf: $0, encoding: .utf8)) }
        #expect(Self.applicationTakers(files) == [])
    }

    /// Use-case parameters that carry an account, person, case or org-node id as a bare UUID or string.
    static func untypedIDs(_ files: [(name: String, text: String)]) -> [String] {
        files.flatMap { file in
            code(file.text).split(separator: "\n").filter { $0.contains("func ") && $0.contains("UseCaseContext") }.flatMap { line in
                line.matches(of: /\b((?:user|person|case|node|parent|newParent|community|grid)IDs?|community id): \[?(?:UUID|String)\b/)
                    .map { "\(file.name): \($0.output.1)" }
            }
        }
    }

    @Test("use cases take accounts, persons, cases and org nodes as typed ids, not bare UUIDs or strings")
    func idsAreTyped() throws {
        #expect(Self.untypedIDs([("a", "static func f(caseID: UUID, in context: UseCaseContext)")]) == ["a: caseID"])
        #expect(Self.untypedIDs([("b", "static func f(caseIDs: [UUID], nodeID: OrgNodeID?, in context: UseCaseContext)")]) == ["b: caseIDs"])
        #expect(Self.untypedIDs([("c", "static func f(caseID: CaseID, in context: UseCaseContext)")]).isEmpty)
        let files = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift")
            .map { (name: $0.lastPathComponent, text: try String(contentsOf: $0, encoding: .utf8)) }
        #expect(files.contains { $0.text.contains("caseID: CaseID") })
        #expect(Self.untypedIDs(files) == [])
    }

    @Test("every Fluent model's name ends in Record")
    func modelSuffix() throws {
        let files = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
        let models = files.flatMap { Self.code($0).matches(of: /final class ([A-Za-z0-9]+): Model\b/).map { String($0.output.1) } }
        #expect(models.count > 40)
        #expect(models.filter { !$0.hasSuffix("Record") } == [])
    }
}
