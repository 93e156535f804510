import Foundation
import Logging
import Synchronization
import Testing
@testable import GongzhiApp

/// The production log format (`GONGZHI_LOG_FORMAT=json`): one JSON object per line, written by hand.
@Suite("JSON log lines")
struct LogFormatTests {
    @Test("every line parses as JSON and gives back the message, fields and time exactly; control characters are escaped")
    func linesParse() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        let awkward = ["", "plain", "引号\"与\\反斜杠", "line\r\nbreak\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}", "👩‍👩‍👧 e\u{301}"]
        for i in 0..<500 {
            // Whole milliseconds between 1900 and 2200, and the edges of days and leap years.
            let fixed: [Double] = [0, -1, 86_399.999, 951_782_400, 4_107_542_399.999, -2_208_988_800]
            let seconds = i < fixed.count ? fixed[i] : Double(Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            let message = awkward[i % awkward.count] + "\(i)"
            let fields = ["user": awkward[(i + 1) % awkward.count], "a\"key": "v\(i)"]
            let line = JSONLogHandler.line(at: date, level: .warning, message: message, label: "l\n", source: "s", fields: fields)
            #expect(!line.contains("\n") && !line.contains("\r"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["msg"] as? String == message)
            #expect(object["level"] as? String == "warning" && object["logger"] as? String == "l\n" && object["source"] as? String == "s")
            #expect(object["meta"] as? [String: String] == fields)
            #expect(object["ts"] as? String == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test("a handler writes one line per record through its sink, with the handler's metadata and the call's")
    func handlerWrites() {
        let box = Mutex<[String]>([])
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, write: { line in box.withLock { $0.append(line) } }) }
        logger[metadataKey: "request-id"] = "r1"
        logger.debug("not written")
        logger.info("written", metadata: ["k": "v"])
        let lines = box.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""meta":{"k":"v","request-id":"r1"}"#) == true)
    }
}
