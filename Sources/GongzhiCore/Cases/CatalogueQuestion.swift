import Foundation

/// An extra question a catalogue item asks when a case is raised (电梯故障: 是否有人被困?). Open311 calls these a
/// service definition's attributes, and serves them under `services/{code}`.
public struct CatalogueQuestion: Codable, Sendable, Equatable {
    /// Open311's datatypes.
    public enum Datatype: String, Codable, Sendable, CaseIterable {
        case string, number, datetime, text, singlevaluelist, multivaluelist

        public var isList: Bool { self == .singlevaluelist || self == .multivaluelist }
    }

    public struct Choice: Codable, Sendable, Equatable {
        public let key: String
        public let name: String
        /// The English name; a catalogue stored before it existed reads the Chinese one.
        public let nameEn: String
        /// Choosing it means danger to people: the item's `EmergencyRule` applies to the case.
        public let emergency: Bool

        public init(key: String, name: String, nameEn: String? = nil, emergency: Bool = false) {
            self.key = key
            self.name = name
            self.nameEn = nameEn ?? name
            self.emergency = emergency
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            name = try c.decode(String.self, forKey: .name)
            nameEn = try c.decodeIfPresent(String.self, forKey: .nameEn) ?? name
            emergency = try c.decodeIfPresent(Bool.self, forKey: .emergency) ?? false
        }

        /// The name in the reader's language.
        public func name(english: Bool) -> String { english ? nameEn : name }
    }

    public let code: String
    public let prompt: String
    public let promptEn: String
    public let datatype: Datatype
    public let required: Bool
    public let choices: [Choice]

    public init(code: String, prompt: String, promptEn: String, datatype: Datatype, required: Bool, choices: [Choice] = []) {
        self.code = code
        self.prompt = prompt
        self.promptEn = promptEn
        self.datatype = datatype
        self.required = required
        self.choices = choices
    }

    /// Why an answer was refused; `question` is the question's code.
    public enum Problem: Error, Equatable, Sendable {
        case missing(question: String)
        case unknownQuestion(String)
        case notANumber(question: String)
        case notADatetime(question: String)
        case notAChoice(question: String, value: String)
        case tooMany(question: String)
        case tooLong(question: String)
    }

    /// Checks answers (question code → values; one value unless the question is a multivaluelist) against the
    /// questions; empty values count as absent. Returns the answers kept, without empty ones. `requireAll: false`
    /// when the item was proposed by the classifier rather than chosen: the submitter was never asked.
    public static func validate(_ answers: [String: [String]], against questions: [CatalogueQuestion],
                                requireAll: Bool = true) throws(Problem) -> [String: [String]] {
        var kept: [String: [String]] = [:]
        for code in answers.keys.sorted() where !questions.contains(where: { $0.code == code }) {
            if answers[code]?.contains(where: { !$0.isEmpty }) == true { throw .unknownQuestion(code) }
        }
        for question in questions {
            let values = (answers[question.code] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            if values.isEmpty {
                if question.required, requireAll { throw .missing(question: question.code) }
                continue
            }
            if question.datatype != .multivaluelist, values.count > 1 { throw .tooMany(question: question.code) }
            for value in values {
                switch question.datatype {
                case .number:
                    guard Double(value)?.isFinite == true else { throw .notANumber(question: question.code) }
                case .datetime:
                    guard W3CDateTime.parse(value) != nil else { throw .notADatetime(question: question.code) }
                case .singlevaluelist, .multivaluelist:
                    guard question.choices.contains(where: { $0.key == value }) else { throw .notAChoice(question: question.code, value: value) }
                case .string:
                    guard value.count <= 200 else { throw .tooLong(question: question.code) }
                case .text:
                    guard value.count <= 2_000 else { throw .tooLong(question: question.code) }
                }
            }
            kept[question.code] = question.datatype == .multivaluelist ? Array(Set(values)).sorted() : values
        }
        return kept
    }
}

/// W3C / ISO 8601 date-times as Open311 exchanges them: with a zone offset or Z; a bare date means midnight UTC.
public enum W3CDateTime {
    public static func parse(_ text: String) -> Date? {
        let value = text.trimmingCharacters(in: .whitespaces)
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
                                                      [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: value) { return date }
        }
        return nil
    }

    /// Beijing time with its offset (+08:00), as a Chinese city publishes it.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
