import Foundation
import NIOCore
import Testing
import VaporTesting
@testable import GongzhiApp

/// Talks to the app like an API client (a bearer token) or a browser (cookies, CSRF tokens from the pages).
struct TestClient {
    let app: Application
    var bearer: String?
    var cookies: [String: String] = [:]
    /// The CSRF token of the last page that had a form.
    var csrf: String?

    init(_ app: Application) { self.app = app }

    /// An API client signed in with a token.
    static func api(_ app: Application, as username: String, password: String = demoPassword) async throws -> TestClient {
        var client = TestClient(app)
        let response = try await client.send(.POST, "/api/v1/auth/token", json: ["username": username, "password": password])
        #expect(response.status == .created, "token for \(username): \(response.body.string)")
        client.bearer = try response.content.decode(LoginController.TokenResponse.self).token
        return client
    }

    /// A browser that has signed in through the login page.
    static func browser(_ app: Application, as username: String, password: String = demoPassword) async throws -> TestClient {
        var client = TestClient(app)
        let response = try await client.login(username, password: password)
        #expect(response.status == .seeOther, "login of \(username): \(response.status)")
        return client
    }

    mutating func login(_ username: String, password: String) async throws -> TestingHTTPResponse {
        _ = try await send(.GET, "/login")
        return try await send(.POST, "/login", form: ["username": username, "password": password, "next": "/"])
    }

    @discardableResult
    mutating func send(_ method: HTTPMethod, _ path: String, json: (any Encodable & Sendable)? = nil, form: [String: String]? = nil,
                       raw: String? = nil, rawData: Data? = nil, contentType: HTTPMediaType? = nil, headers extra: HTTPHeaders = [:],
                       withCSRF: Bool = true) async throws -> TestingHTTPResponse {
        let bearer = self.bearer
        let cookies = self.cookies
        var form = form
        if form != nil, withCSRF, form?["_csrf"] == nil, let csrf { form?["_csrf"] = csrf }
        let formBody = form
        let response = try await app.testing().sendRequest(method, path) { request in
            request.url = URI(string: path)
            for (name, value) in extra { request.headers.add(name: name, value: value) }
            if let bearer { request.headers.bearerAuthorization = .init(token: bearer) }
            if !cookies.isEmpty {
                var jar = HTTPCookies()
                for (name, value) in cookies { jar[name] = .init(string: value) }
                request.headers.cookie = jar
            }
            if let json { try request.content.encode(AnyEncodable(json), as: .json) }
            if let formBody { try request.content.encode(formBody, as: .urlEncodedForm) }
            if let raw {
                request.body = ByteBuffer(string: raw)
                request.headers.contentType = contentType ?? .plainText
            }
            if let rawData {
                request.body = ByteBuffer(bytes: rawData)
                request.headers.contentType = contentType ?? .binary
            }
        }
        for (name, value) in response.headers.setCookie?.all ?? [:] {
            if value.expires.map({ $0 < Date() }) == true || value.maxAge == 0 {
                self.cookies.removeValue(forKey: name)
            } else {
                self.cookies[name] = value.string
            }
        }
        if response.headers.contentType?.subType == "html", let token = Self.formToken(in: response.body.string) { csrf = token }
        Self.checkConformance(method, path, response)
        return response
    }

    struct NotARedirect: Error {}

    /// The page a form's 303 See Other leads to (Post/Redirect/Get), as a browser would load it.
    mutating func follow(_ response: TestingHTTPResponse) async throws -> TestingHTTPResponse {
        guard response.status == .seeOther, let location = response.headers.first(name: .location) else { throw NotARedirect() }
        return try await send(.GET, location)
    }

    static func formToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

struct AnyEncodable: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ value: any Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

extension ByteBuffer {
    var string: String { String(buffer: self) }
}

/// The `{"error":{…}}` body of an API error.
struct ErrorJSON: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
        let field: String?
    }

    let error: Detail
}

extension TestClient {
    /// Sends `fields` and one file as multipart/form-data (the CSRF token added for browsers).
    mutating func sendMultipart(_ path: String, fields: [String: String] = [:], fileField: String = "file", fileName: String,
                                contentType: String, file: [UInt8]) async throws -> TestingHTTPResponse {
        let boundary = "----gongzhi-\(UUID().uuidString)"
        var body = Data()
        var all = fields
        if bearer == nil, let csrf { all["_csrf"] = csrf }
        for (name, value) in all {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(Data(file))
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return try await send(.POST, path, rawData: body,
                              contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary]))
    }
}

extension TestClient {
    /// Sends ordered fields and any number of files as multipart/form-data, as a browser's form does.
    mutating func sendForm(_ path: String, fields: [(String, String)], files: [(field: String, name: String, type: String, bytes: [UInt8])] = []) async throws -> TestingHTTPResponse {
        let boundary = "----gongzhi-\(UUID().uuidString)"
        var body = Data()
        var all = fields
        if bearer == nil, let csrf { all.append(("_csrf", csrf)) }
        for (name, value) in all {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for file in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: \(file.type)\r\n\r\n".utf8))
            body.append(Data(file.bytes))
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await send(.POST, path, rawData: body,
                              contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary]))
    }
}
