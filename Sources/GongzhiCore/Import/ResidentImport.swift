import Foundation

/// The rows of a units-and-residents import file (SPEC §11, issue 3 item 4), validated before anything is
/// written. A row describes one unit and, optionally, one person living in or owning it.
public enum ResidentImport {
    /// The columns, with the header words accepted for each (English or Chinese).
    public enum Column: String, CaseIterable, Sendable {
        case compound, building, unit, area, grid, name
        case idNumber = "id_number"
        case phone, relation

        public var headerWords: [String] {
            switch self {
            case .compound: ["compound", "小区"]
            case .building: ["building", "楼栋", "楼号"]
            case .unit: ["unit", "房号", "房屋", "门牌"]
            case .area: ["area", "面积", "专有面积", "建筑面积"]
            case .grid: ["grid", "网格"]
            case .name: ["name", "姓名"]
            case .idNumber: ["id_number", "身份证号", "身份证号码", "公民身份号码"]
            case .phone: ["phone", "手机", "手机号", "手机号码", "电话"]
            case .relation: ["relation", "关系", "身份"]
            }
        }

        static let required: [Column] = [.compound, .building, .unit, .area]
    }

    /// Why a row (or the header) was refused; the app words it in Chinese or English.
    public enum Reason: String, Sendable, Equatable, Codable, CaseIterable {
        case missingColumn = "missing_column"
        case required
        case tooLong = "too_long"
        case invalidArea = "invalid_area"
        case invalidIDNumber = "invalid_id_number"
        case invalidIDCheckDigit = "invalid_id_check_digit"
        case invalidBirthDate = "invalid_birth_date"
        case invalidPhone = "invalid_phone"
        case invalidRelation = "invalid_relation"
        case conflictingArea = "conflicting_area"
        case conflictingPerson = "conflicting_person"
        case unknownGrid = "unknown_grid"
        case wrongFieldCount = "wrong_field_count"
        case malformedFile = "malformed_file"
        case tooManyRows = "too_many_rows"
    }

    /// One refused row: 1-based record number in the file (the header is record 1), the column, the reason.
    public struct Issue: Sendable, Equatable, Codable {
        public let row: Int
        public let field: String
        public let reason: Reason

        public init(row: Int, field: String, reason: Reason) {
            self.row = row
            self.field = field
            self.reason = reason
        }
    }

    public struct Resident: Sendable, Equatable {
        public let name: String
        public let idNumber: ResidentIDNumber
        public let phone: MobileNumber?
        public let relation: HouseholdRelation
    }

    /// A valid row.
    public struct Row: Sendable, Equatable {
        public let row: Int
        public let compound: String
        public let building: String
        public let unit: String
        public let area: Area
        public let grid: String?
        public let resident: Resident?

        /// The unit's identity inside a community.
        public var unitKey: String { [compound, building, unit].joined(separator: "\u{1F}") }
    }

    public struct Result: Sendable {
        public var rows: [Row] = []
        public var issues: [Issue] = []
    }

    public static let maximumRows = 50_000
    static let maximumFieldLength = 100

    /// Validates a whole file. Rows with any issue are left out of `rows`; a missing column refuses every row.
    public static func validate(csv text: String, today: Date) -> Result {
        var result = Result()
        let records: [[String]]
        do { records = try CSV.parse(text) } catch {
            let row = switch error {
            case .unterminatedQuote(let r), .textAfterQuote(let r): r
            }
            result.issues.append(Issue(row: row, field: "", reason: .malformedFile))
            return result
        }
        guard let header = records.first else {
            result.issues.append(Issue(row: 1, field: Column.compound.rawValue, reason: .missingColumn))
            return result
        }
        var index: [Column: Int] = [:]
        for (position, word) in header.enumerated() {
            let word = word.trimmingCharacters(in: .whitespaces).lowercased()
            if let column = Column.allCases.first(where: { $0.headerWords.contains(word) }), index[column] == nil {
                index[column] = position
            }
        }
        let missing = Column.required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            result.issues += missing.map { Issue(row: 1, field: $0.rawValue, reason: .missingColumn) }
            return result
        }
        guard records.count - 1 <= maximumRows else {
            result.issues.append(Issue(row: maximumRows + 2, field: "", reason: .tooManyRows))
            return result
        }
        var areaByUnit: [String: Area] = [:]
        var nameByID: [String: String] = [:]
        for (offset, record) in records.enumerated().dropFirst() {
            let rowNumber = offset + 1
            if record.count != header.count {
                result.issues.append(Issue(row: rowNumber, field: "", reason: .wrongFieldCount))
                continue
            }
            switch validateRow(record, number: rowNumber, index: index, today: today) {
            case .failure(let issues):
                result.issues += issues.list
            case .success(let row):
                if let known = areaByUnit[row.unitKey], known != row.area {
                    result.issues.append(Issue(row: rowNumber, field: Column.area.rawValue, reason: .conflictingArea))
                    continue
                }
                if let resident = row.resident, let known = nameByID[resident.idNumber.value], known != resident.name {
                    result.issues.append(Issue(row: rowNumber, field: Column.name.rawValue, reason: .conflictingPerson))
                    continue
                }
                areaByUnit[row.unitKey] = row.area
                if let resident = row.resident { nameByID[resident.idNumber.value] = resident.name }
                result.rows.append(row)
            }
        }
        return result
    }

    struct Issues: Swift.Error { let list: [Issue] }

    static func validateRow(_ record: [String], number: Int, index: [Column: Int], today: Date) -> Swift.Result<Row, Issues> {
        var issues: [Issue] = []
        func value(_ column: Column) -> String {
            guard let position = index[column] else { return "" }
            return record[position].trimmingCharacters(in: .whitespaces)
        }
        func text(_ column: Column, required: Bool) -> String? {
            let v = value(column)
            if v.isEmpty {
                if required { issues.append(Issue(row: number, field: column.rawValue, reason: .required)) }
                return nil
            }
            if v.count > maximumFieldLength {
                issues.append(Issue(row: number, field: column.rawValue, reason: .tooLong))
                return nil
            }
            return v
        }
        let compound = text(.compound, required: true)
        let building = text(.building, required: true)
        let unit = text(.unit, required: true)
        let grid = text(.grid, required: false)
        var area: Area?
        if let raw = text(.area, required: true) {
            area = Area(parsing: raw)
            if area == nil { issues.append(Issue(row: number, field: Column.area.rawValue, reason: .invalidArea)) }
        }
        var resident: Resident?
        let name = text(.name, required: false)
        let anyPerson = name != nil || !value(.idNumber).isEmpty || !value(.phone).isEmpty || !value(.relation).isEmpty
        if anyPerson {
            let name = name ?? text(.name, required: true)
            var id: ResidentIDNumber?
            if let raw = text(.idNumber, required: true) {
                do { id = try ResidentIDNumber(validating: raw, today: today) } catch {
                    let reason: Reason = switch error {
                    case .wrongCheckDigit: .invalidIDCheckDigit
                    case .invalidBirthDate: .invalidBirthDate
                    default: .invalidIDNumber
                    }
                    issues.append(Issue(row: number, field: Column.idNumber.rawValue, reason: reason))
                }
            }
            var phone: MobileNumber?
            if let raw = text(.phone, required: false) {
                phone = try? MobileNumber(validating: raw)
                if phone == nil { issues.append(Issue(row: number, field: Column.phone.rawValue, reason: .invalidPhone)) }
            }
            var relation: HouseholdRelation? = .owner
            if let raw = text(.relation, required: false) {
                relation = HouseholdRelation(word: raw)
                if relation == nil {
                    issues.append(Issue(row: number, field: Column.relation.rawValue, reason: .invalidRelation))
                }
            }
            if let name, let id, let relation, issues.isEmpty {
                resident = Resident(name: name, idNumber: id, phone: phone, relation: relation)
            }
        }
        guard issues.isEmpty, let compound, let building, let unit, let area else { return .failure(Issues(list: issues)) }
        return .success(Row(row: number, compound: compound, building: building, unit: unit, area: area, grid: grid, resident: resident))
    }
}
