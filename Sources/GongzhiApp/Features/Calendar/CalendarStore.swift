import Fluent
import Foundation
import GongzhiCore
import Synchronization

/// The working calendar in force, shared by every request and background round of this process: the holiday
/// files (shipped `Resources/Calendar`, then `GONGZHI_CALENDAR_DIR`), then the arrangements loaded into the
/// database with `gongzhi calendar load` (a later one for a year replaces the earlier). Every instance reads the
/// database's arrangements at start-up and in its minute round (`HolidayArrangements.refresh`).
final class CalendarStore: Sendable {
    let fileYears: [HolidayYear]
    let periods: [WorkingCalendar.Period]
    private let state: Mutex<(calendar: WorkingCalendar, signature: String)>

    init(fileYears: [HolidayYear], periods: [WorkingCalendar.Period]) throws {
        self.fileYears = fileYears
        self.periods = periods
        do {
            state = Mutex((try WorkingCalendar(years: fileYears, periods: periods), ""))
        } catch {
            throw ConfigurationError(problems: ["holiday data is not valid: \(error)"])
        }
    }

    var current: WorkingCalendar { state.withLock { $0.calendar } }

    /// Builds the calendar from the files and `loaded` (the database's arrangements) when their `signature` differs
    /// from the one in force; returns whether it changed.
    @discardableResult
    func update(loaded: [HolidayYear], signature: String) throws -> Bool {
        guard state.withLock({ $0.signature }) != signature else { return false }
        let calendar = try WorkingCalendar(years: fileYears + loaded, periods: periods)
        state.withLock { $0 = (calendar, signature) }
        return true
    }
}

/// Reads every `cn-YYYY.json` in the shipped `Resources/Calendar` and then in the configured directory (a later
/// file for the same year replaces the earlier one).
enum CalendarLoader {
    static func years(root: String, extra: String?) throws -> [HolidayYear] {
        var years: [HolidayYear] = []
        for directory in [root + "Resources/Calendar"] + (extra.map { [$0] } ?? []) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
                do { years.append(try HolidayArrangements.decode(data)) } catch {
                    throw ConfigurationError(problems: ["holiday file \(directory)/\(name) is not valid: \(error)"])
                }
            }
        }
        return years
    }
}

/// One year's State Council arrangement loaded into the database (`gongzhi calendar load`).
final class CalendarYearRecord: Model, @unchecked Sendable {
    static let schema = "calendar_years"

    @ID(key: .id) var id: UUID?
    @Field(key: "year") var year: Int
    /// The `cn-YYYY.json` document as loaded.
    @Field(key: "document") var document: String
    @Field(key: "source") var source: String
    @Field(key: "loaded_at") var loadedAt: Date
    /// Who loaded it: "command" (`gongzhi calendar load` runs without an account).
    @Field(key: "loaded_by") var loadedBy: String

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $year, $document, $source, $loadedAt, $loadedBy] }

    init() {}
}

/// The arrangements loaded after the release (issue 23 item 1).
struct CreateCalendarYears: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CalendarYearRecord.schema)
            .id()
            .field("year", .int, .required)
            .field("document", .string, .required)
            .field("source", .string, .required)
            .field("loaded_at", .datetime, .required)
            .field("loaded_by", .string, .required)
            .unique(on: "year")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CalendarYearRecord.schema).delete() }
}
