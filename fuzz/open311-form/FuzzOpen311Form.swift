import Foundation
import GongzhiCore

/// The Open311 form and query parser from any bytes: never a crash; a query it accepts keeps within the
/// specification's limits; every refusal is one of the statuses the specification names.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpen311Form(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let p = Open311Parameters(urlEncoded: text)

    for name in ["service_code", "description", "lat", "long", "address_string", "api_key"] {
        if let value = p.value(name) { precondition(!value.isEmpty && value == value.trimmingCharacters(in: .whitespacesAndNewlines), "value not trimmed") }
        if let list = p.list(name) { precondition(!list.isEmpty && list.allSatisfy { !$0.isEmpty }, "empty list entry") }
    }
    for (code, answers) in p.attributes { precondition(!code.isEmpty && !answers.isEmpty, "empty attribute") }
    do {
        let query = try Open311RequestQuery.parse(p, now: now)
        precondition(query.start <= query.end && query.end.timeIntervalSince(query.start) <= Open311RequestQuery.maximumSpan, "span")
        precondition((1...Open311RequestQuery.maximumRecords).contains(query.pageSize) && query.page >= 1, "page")
        precondition(!query.statuses.isEmpty, "statuses")
    } catch {
        precondition([400, 403, 404].contains(error.status) && !error.code.isEmpty, "status \(error.status)")
    }
    return 0
}
