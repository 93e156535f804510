import GongzhiCore
import MultipartKit

/// Multipart bodies from any bytes, as the server reads them: every body `MultipartGuard` lets through is then
/// parsed by MultipartKit 4.7.1 (whose header parser crashed the server on a non-ASCII name byte) without a
/// crash; the check for NUL in text fields reads every body. The first input byte picks the boundary's length, the
/// next bytes are the boundary.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let length = Int(first % 40) + 1
    guard bytes.count > length else { return 0 }
    let boundary = String(decoding: bytes[1...length], as: UTF8.self)
    let body = Array(bytes[(length + 1)...])
    // The NUL check reads any body without a crash, and never reports a zero byte that is not there.
    if MultipartGuard.textFieldCarriesNUL(body, boundary: boundary) { precondition(body.contains(0)) }
    guard MultipartGuard.headerNamesAreASCII(body, boundary: boundary) else { return 0 }
    try? MultipartParser(boundary: boundary).execute(body)
    return 0
}
