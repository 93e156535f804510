import GongzhiCore
import NIOCore
import NIOHTTP1
import Vapor

/// Vapor's multipart/form-data decoder behind `MultipartGuard`: a body that would crash MultipartKit is a 400, and
/// so is a text field carrying U+0000 (`invalid_character`, as `InputCharactersMiddleware` answers other bodies).
/// Installed for every route by `configure`, since any `request.content.decode` reads multipart when a client
/// says so.
struct SafeFormDataDecoder: ContentDecoder {
    let inner = FormDataDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders, userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        guard let boundary = headers.contentType?.parameters["boundary"], !boundary.isEmpty else { throw AppError.badRequest("malformed_body") }
        let bytes = Array(body.readableBytesView)
        guard MultipartGuard.headerNamesAreASCII(bytes, boundary: boundary) else { throw AppError.badRequest("malformed_body") }
        guard !MultipartGuard.textFieldCarriesNUL(bytes, boundary: boundary) else { throw AppError.invalidCharacter }
        do {
            return try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
        } catch let error as any AbortError where error.status != .internalServerError {
            throw error
        } catch is DecodingError {
            throw AppError.badRequest("malformed_body")
        } catch {
            // MultipartKit's parser errors are internal types: a body it cannot read is the client's mistake.
            throw AppError.badRequest("malformed_body")
        }
    }
}
