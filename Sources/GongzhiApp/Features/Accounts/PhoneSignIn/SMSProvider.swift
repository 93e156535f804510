import Foundation
import NIOConcurrencyHelpers
import Vapor

/// One text message: a one-time code for `to` (11 digits). `text` is what a person reads; a gateway that sends
/// by template gets `code` as the template's parameter.
struct SMSMessage: Sendable {
    let to: String
    let text: String
    let code: String
}

/// Where codes go. Chosen by `GONGZHI_SMS_PROVIDER` (`SMSSetting`): a file for development and tests, an HTTP
/// gateway in production. A provider never logs the code or the text.
protocol SMSProvider: Sendable {
    func send(_ message: SMSMessage) async throws
}

enum SMSFailure: Error {
    /// No provider is configured (an HTTPS deployment without `GONGZHI_SMS_PROVIDER=http`).
    case disabled
    /// The gateway did not take the message after the retries.
    case gateway(String)
}

/// Development and tests: each message appended as one JSON line (`{"at","to","text","code"}`) to a file. Refused
/// at start-up when Gongzhi serves over HTTPS (`AppConfig`).
struct FileSMSProvider: SMSProvider {
    let path: String
    private static let lock = NIOLock()

    func send(_ message: SMSMessage) async throws {
        let line: [String: String] = ["at": ISO8601DateFormatter().string(from: Date()), "to": message.to, "text": message.text, "code": message.code]
        var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        data.append(0x0A)
        try Self.lock.withLock {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw SMSFailure.gateway("cannot create \(path)")
                }
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        }
    }
}

/// A real gateway: `POST url` with `Authorization: Bearer key` and `{"to","template","params":{"code"}}`; 5 s per
/// attempt, up to 3 attempts on a transport error or a 5xx (a 4xx is the gateway refusing: not retried).
struct HTTPSMSProvider: SMSProvider {
    let url: String
    let key: String
    let template: String
    let client: any Client
    var attempts = 3

    struct Body: Content {
        let to: String
        let template: String
        let params: [String: String]
    }

    func send(_ message: SMSMessage) async throws {
        var last = ""
        for attempt in 1...attempts {
            do {
                var request = ClientRequest(method: .POST, url: URI(string: url), headers: ["Authorization": "Bearer \(key)"], body: nil, timeout: .seconds(5))
                try request.content.encode(Body(to: message.to, template: template, params: ["code": message.code]))
                let response = try await client.send(request)
                if (200..<300).contains(response.status.code) { return }
                last = "HTTP \(response.status.code)"
                if response.status.code < 500 { break }
            } catch {
                last = String(describing: type(of: error))
            }
            if attempt < attempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
        }
        throw SMSFailure.gateway(last)
    }
}

/// No provider: phone sign-in is switched off and says so.
struct DisabledSMSProvider: SMSProvider {
    func send(_ message: SMSMessage) async throws { throw SMSFailure.disabled }
}
