/// The inventory of personal data in the database (`Resources/PersonalData/inventory.tsv`): for every personal-data
/// column its category, whose data it is, purpose, retention and protection; for every table the columns that hold
/// none. A test keeps it in step with the schema, so a new column cannot arrive unclassified.
public struct DataInventory: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable {
        case identifying, sensitive, credential, contact, location, network
        case pseudonymousID = "pseudonymous_id"
        case freeText = "free_text"
        case sealedAnswer = "sealed_answer"
    }

    /// Whose data a column names: an account or a resident, by id (`user`, `person`) or inside a text key that holds
    /// the id (`user_key`: "user:<id>", an audit actor; `person_key`: the owners of a unit joined by "+"). The
    /// resident's own export and erasure follow these columns.
    public enum Subject: String, Sendable {
        case user, person
        case userKey = "user_key"
        case personKey = "person_key"
    }

    public struct Column: Sendable, Equatable {
        public let table: String
        public let column: String
        public let category: Category
        public let subject: Subject?
        public let purpose: String
        public let retention: String
        public let enforced: String
        public let protection: String
    }

    public enum Problem: Error, Equatable, Sendable {
        case malformedLine(Int)
        case unknownCategory(line: Int, String)
        case unknownSubject(line: Int, String)
        case missingPurposeOrRetention(line: Int)
        case listedTwice(table: String, column: String)
    }

    public let personal: [Column]
    /// Table → its columns without personal data.
    public let other: [String: [String]]

    /// The columns of `table`, personal and not, in the inventory's order.
    public func columns(of table: String) -> [String] {
        personal.filter { $0.table == table }.map(\.column) + (other[table] ?? [])
    }

    /// Every column the inventory accounts for, by table.
    public var columns: [String: Set<String>] {
        var all = other.mapValues(Set.init)
        for column in personal { all[column.table, default: []].insert(column.column) }
        return all
    }

    public init(tsv text: String) throws(Problem) {
        var personal: [Column] = []
        var other: [String: [String]] = [:]
        var seen = Set<String>()
        var pastHeader = false
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = number + 1
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if fields.first == "table" { pastHeader = true; continue }
            guard pastHeader else { throw .malformedLine(number) }
            switch fields.count {
            case 8:
                guard let category = Category(rawValue: fields[2]) else { throw .unknownCategory(line: number, fields[2]) }
                let subject: Subject?
                if fields[3] == "-" { subject = nil } else if let s = Subject(rawValue: fields[3]) { subject = s } else {
                    throw .unknownSubject(line: number, fields[3])
                }
                guard !fields[4].isEmpty, !fields[5].isEmpty, !fields[6].isEmpty else { throw .missingPurposeOrRetention(line: number) }
                guard seen.insert(fields[0] + "." + fields[1]).inserted else { throw .listedTwice(table: fields[0], column: fields[1]) }
                personal.append(Column(table: fields[0], column: fields[1], category: category, subject: subject, purpose: fields[4],
                                       retention: fields[5], enforced: fields[6], protection: fields[7]))
            case 2:
                let columns = fields[1].split(separator: ",").map(String.init)
                for column in columns where !seen.insert(fields[0] + "." + column).inserted {
                    throw .listedTwice(table: fields[0], column: column)
                }
                other[fields[0], default: []] += columns
            default:
                throw .malformedLine(number)
            }
        }
        self.personal = personal
        self.other = other
    }
}
