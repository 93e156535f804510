import Foundation
import Logging
import Synchronization
@testable import GongzhiApp

/// The canary personal data of `security/canaries.tsv` (checklist rows 21 and 25).
enum Canaries {
    static let values: [(kind: String, value: String)] = {
        let file = repositoryRoot.appendingPathComponent("security/canaries.tsv")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("kind\t") }.compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 1)
            return fields.count == 2 ? (String(fields[0]), String(fields[1])) : nil
        }
    }()

    static func value(_ kind: String) -> String {
        guard let found = values.first(where: { $0.kind == kind }) else { fatalError("no canary \(kind) in security/canaries.tsv") }
        return found.value
    }

    /// The kinds of canary found in `text`.
    static func found(in text: String) -> [String] { values.filter { text.contains($0.value) }.map(\.kind) }

    /// The kinds of canary found in raw bytes (the values as UTF-8).
    static func found(in bytes: Data) -> [String] { values.filter { bytes.range(of: Data($0.value.utf8)) != nil }.map(\.kind) }
}

/// Every log record of the test process, from every test: written by the production `JSONLogHandler` at trace
/// level (so SQL statements and their binds too) and checked line by line for canaries and for unescaped line
/// breaks. Errors are passed on to standard error. With `GONGZHI_LOG_CANARY_REPORT=FILE` (scripts/test sets it)
/// each finding is appended to FILE, so a scan of the whole suite can be judged after the last test.
final class TestLog: Sendable {
    static let shared = TestLog()

    let lines = Atomic<Int>(0)
    /// Lines that carry an SQL statement (with its binds): proof that the scan sees the database traffic.
    let sqlLines = Atomic<Int>(0)
    let findings = Mutex<[String]>([])
    /// Texts a test watches for (a one-time code, say): how many lines have shown each.
    let watched = Mutex<[String: Int]>([:])
    let report: String? = ProcessInfo.processInfo.environment["GONGZHI_LOG_CANARY_REPORT"].flatMap { $0.isEmpty ? nil : $0 }

    private init() {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .trace, write: { TestLog.shared.take($0) }) }
    }

    /// Called by `withApp` before an app exists, so the log system is this one.
    static func start() { _ = shared }

    /// What `line` shows that it must not: canaries, and a line break inside an entry.
    static func problems(in line: String) -> [String] {
        var found = Canaries.found(in: line)
        if line.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) { found.append("line break") }
        return found
    }

    /// Starts counting the lines that show `text`.
    func watch(_ text: String) { watched.withLock { $0[text] = $0[text] ?? 0 } }

    /// How many lines have shown `text` since `watch`.
    func seen(_ text: String) -> Int { watched.withLock { $0[text] ?? 0 } }

    /// Whether `text` occurs in `line` not as part of a longer run of letters and digits: a six-digit code watched
    /// for is not "seen" inside another test's timestamp, id or duration (the log is shared by tests run in parallel).
    static func standsAlone(_ text: String, in line: String) -> Bool {
        var rest = line[...]
        while let range = rest.range(of: text) {
            let before = range.lowerBound > line.startIndex ? line[line.index(before: range.lowerBound)] : " "
            let after = range.upperBound < line.endIndex ? line[range.upperBound] : " "
            if !(before.isLetter || before.isNumber) && !(after.isLetter || after.isNumber) { return true }
            rest = line[range.upperBound...]
        }
        return false
    }

    func take(_ line: String) {
        lines.add(1, ordering: .relaxed)
        watched.withLock { counts in for text in counts.keys where Self.standsAlone(text, in: line) { counts[text, default: 0] += 1 } }
        if line.contains("SELECT ") || line.contains("INSERT INTO") { sqlLines.add(1, ordering: .relaxed) }
        let problems = Self.problems(in: line)
        if !problems.isEmpty {
            let finding = "\(problems.joined(separator: ", ")): \(line)"
            findings.withLock { $0.append(finding) }
            if let report, let handle = FileHandle(forWritingAtPath: report) ?? {
                _ = FileManager.default.createFile(atPath: report, contents: nil)
                return FileHandle(forWritingAtPath: report)
            }() {
                handle.seekToEndOfFile()
                handle.write(Data((finding + "\n").utf8))
                try? handle.close()
            }
        }
        if line.contains("\"level\":\"error\"") || line.contains("\"level\":\"critical\"") {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
