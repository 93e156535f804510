import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import Vapor
@testable import GongzhiApp

/// The HTTP provider against a fake gateway: what it sends, and what it does with failures.
@Suite("SMS through an HTTP gateway")
struct SMSGatewayTests {
    /// A gateway answering with the statuses given, in turn (a thrown error for nil), recording every request.
    final class FakeGateway: Client, @unchecked Sendable {
        /// A real loop: the provider awaits the answers from other threads, which an `EmbeddedEventLoop` does not allow.
        let eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
        private let answers: NIOLockedValueBox<[HTTPStatus?]>
        let seen = NIOLockedValueBox<[ClientRequest]>([])

        init(_ answers: [HTTPStatus?]) { self.answers = NIOLockedValueBox(answers) }

        func delegating(to eventLoop: any EventLoop) -> any Client { self }

        func send(_ request: ClientRequest) -> EventLoopFuture<ClientResponse> {
            seen.withLockedValue { $0.append(request) }
            let next = answers.withLockedValue { $0.isEmpty ? .ok : $0.removeFirst() }
            guard let status = next else { return eventLoop.makeFailedFuture(URLError(.timedOut)) }
            return eventLoop.makeSucceededFuture(ClientResponse(status: status))
        }
    }

    static let message = SMSMessage(to: "13912345679", text: "【共治】验证码 482913", code: "482913")

    @Test("one POST to the configured address, with the key, the template and the code as a parameter — not the whole text")
    func sends() async throws {
        let gateway = FakeGateway([.ok])
        try await HTTPSMSProvider(url: "https://sms.example.cn/send", key: "k-123", template: "SMS_001", client: gateway).send(Self.message)
        let requests = gateway.seen.withLockedValue { $0 }
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == .POST && request.url.string == "https://sms.example.cn/send")
        #expect(request.headers.first(name: .authorization) == "Bearer k-123")
        let body = try request.content.decode(HTTPSMSProvider.Body.self)
        #expect(body.to == "13912345679" && body.template == "SMS_001" && body.params == ["code": "482913"])
    }

    @Test("a server error or a broken connection is tried again (three times in all); a refusal (4xx) is not; the failure says why")
    func retries() async throws {
        let flaky = FakeGateway([.badGateway, nil, .ok])
        try await HTTPSMSProvider(url: "https://sms.example.cn/send", key: "k", template: "t", client: flaky).send(Self.message)
        #expect(flaky.seen.withLockedValue { $0.count } == 3)

        let down = FakeGateway([.serviceUnavailable, .serviceUnavailable, .serviceUnavailable, .ok])
        await #expect(throws: SMSFailure.self) {
            try await HTTPSMSProvider(url: "https://sms.example.cn/send", key: "k", template: "t", client: down).send(Self.message)
        }
        #expect(down.seen.withLockedValue { $0.count } == 3)

        let refused = FakeGateway([.unauthorized, .ok])
        do {
            try await HTTPSMSProvider(url: "https://sms.example.cn/send", key: "k", template: "t", client: refused).send(Self.message)
            Issue.record("a refusal must fail")
        } catch let failure as SMSFailure {
            #expect("\(failure)".contains("401") && !"\(failure)".contains("482913"))
        }
        #expect(refused.seen.withLockedValue { $0.count } == 1)
    }
}
