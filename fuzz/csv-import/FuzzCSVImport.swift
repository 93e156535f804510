import Foundation
import GongzhiCore

/// The residents' CSV import from any bytes: the reader and the validator never crash; what the reader reads,
/// written back with `CSV.field` (as the exports write it, after a BOM), reads back the same, apart from the
/// quote that disarms a spreadsheet formula.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let today = Date(timeIntervalSince1970: 1_795_000_000)

    if let records = try? CSV.parse(text) {
        let written = "\u{FEFF}" + records.map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\r\n")
        let expected = records.map { $0.map { field in
            field.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } == true ? "'" + field : field
        } }
        guard let reread = try? CSV.parse(written) else { fatalError("written CSV does not read: \(written.debugDescription)") }
        precondition(reread == expected, "round trip: \(records) → \(written.debugDescription) → \(reread)")
    }
    let result = ResidentImport.validate(csv: text, today: today)
    precondition(result.issues.allSatisfy { $0.row >= 1 }, "issue before the first row")
    precondition(result.rows.count <= ResidentImport.maximumRows, "too many rows accepted")
    return 0
}
