import GongzhiCore
import Vapor

/// U+0000 (NUL) is refused wherever a client can send it (`InputCharacters`), with 400 `invalid_character`, before
/// anything reads it: in the address and the query string here; in JSON and url-encoded bodies by their decoders
/// (`NULCheckingDecoder`), so that each route's own body limit still holds; in multipart text fields by
/// `SafeFormDataDecoder`; in an imported CSV file by the import. Should one still reach PostgreSQL, whose text
/// cannot hold it, the error middleware answers the same.
struct InputCharactersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let url = request.url
        if InputCharacters.carriesNUL(url.path.utf8, as: .percentEncoded)
            || url.query.map({ InputCharacters.carriesNUL($0.utf8, as: .percentEncoded) }) == true {
            throw AppError.invalidCharacter
        }
        return try await next.respond(to: request)
    }
}

/// A content decoder that refuses a body carrying U+0000 before `inner` decodes it.
struct NULCheckingDecoder: ContentDecoder {
    let inner: any ContentDecoder
    let encoding: InputCharacters.Encoding

    /// Wraps the decoders configured for JSON and url-encoded forms.
    static func install(in configuration: inout ContentConfiguration) throws {
        guard !(try configuration.requireDecoder(for: .json) is NULCheckingDecoder) else { return }
        configuration.use(decoder: NULCheckingDecoder(inner: try configuration.requireDecoder(for: .json), encoding: .json), for: .json)
        configuration.use(decoder: NULCheckingDecoder(inner: try configuration.requireDecoder(for: .urlEncodedForm), encoding: .percentEncoded),
                          for: .urlEncodedForm)
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders, userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        guard !InputCharacters.carriesNUL(body.readableBytesView, as: encoding) else { throw AppError.invalidCharacter }
        return try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }
}
