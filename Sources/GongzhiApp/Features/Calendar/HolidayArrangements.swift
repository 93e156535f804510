import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Loading a year's State Council holiday arrangement (放假调休) after the release, and keeping every instance's
/// calendar and the open cases' provisional deadlines in step with what is loaded (issue 23 item 1).
enum HolidayArrangements {
    enum Failure: Error, CustomStringConvertible {
        case notJSON(String)
        case invalid(HolidayYear.Error)
        /// An arrangement names its source (the State Council notice), so that a reader can check it.
        case sourceMissing
        case yearOutOfRange(Int)
        /// A statutory holiday of the year is not a day off in it (an arrangement only ever adds days off to them).
        case statutoryDayMissing(String)

        var description: String {
            switch self {
            case .notJSON(let detail): "not a holiday arrangement document (year, holidays, workdays, source): \(detail)"
            case .invalid(.badDate(let text)): "\(text) is not a date"
            case .invalid(.wrongYear(let text)): "\(text) is not in the arrangement's year"
            case .invalid(.bothHolidayAndWorkday(let text)): "\(text) is both a holiday and a working day"
            case .sourceMissing: "the document must name its source (the State Council notice and its date)"
            case .yearOutOfRange(let year): "\(year) is not a year this platform can take (2000–2100)"
            case .statutoryDayMissing(let day): "\(day) is a statutory holiday (全国年节及纪念日放假办法) but not a day off in the file"
            }
        }
    }

    /// Decodes and checks one `cn-YYYY.json` document.
    static func decode(_ data: Data) throws -> HolidayYear {
        let year: HolidayYear
        do { year = try JSONDecoder().decode(HolidayYear.self, from: data) } catch { throw Failure.notJSON("\(error)") }
        guard (2000...2100).contains(year.year) else { throw Failure.yearOutOfRange(year.year) }
        let off: Set<CivilDate>
        do { off = try year.validated().holidays } catch { throw Failure.invalid(error) }
        if let missing = StatutoryHolidays.days(in: year.year).subtracting(off).min() { throw Failure.statutoryDayMissing(missing.description) }
        return year
    }

    struct Loaded: Sendable {
        let year: Int
        let replaced: Bool
        let recomputed: Int
    }

    /// Loads (or replaces) one year's arrangement: the row, the open provisional cases' deadlines computed again on
    /// the new calendar with their timeline entries, and the audit entry, in one transaction; then this instance's
    /// calendar. Other instances take it up in their next minute round.
    static func load(_ data: Data, loadedBy: String, context: UseCaseContext) async throws -> Loaded {
        let arrangement = try decode(data)
        guard let source = arrangement.source?.trimmingCharacters(in: .whitespacesAndNewlines), !source.isEmpty else { throw Failure.sourceMissing }
        let now = context.now
        let document = String(decoding: data, as: UTF8.self)
        let store = context.services.calendars
        let result = try await context.write { db -> Loaded in
            let existing = try await CalendarYearRecord.query(on: db).filter(\.$year == arrangement.year).first()
            let row = existing ?? CalendarYearRecord()
            row.year = arrangement.year; row.document = document; row.source = source; row.loadedAt = now; row.loadedBy = loadedBy
            try await row.save(on: db)
            let loaded = try await loadedYears(on: db)
            let calendar = try WorkingCalendar(years: store.fileYears + loaded.years, periods: store.periods)
            var recomputed = 0
            var after: UUID?
            repeat {
                let batch = try await CaseClock.recomputeProvisional(calendar: calendar, now: now, after: after, on: db)
                recomputed += batch.changed
                after = batch.last
            } while after != nil
            try await AuditLog.append(AuditEvent(action: "calendar.load", objectType: "calendar_year", objectID: "\(arrangement.year)",
                                                 summary: "\(existing == nil ? "loaded" : "replaced"); \(recomputed) open cases recomputed",
                                                 change: ["source": source, "holidays": "\(arrangement.holidays.count)",
                                                          "workdays": "\(arrangement.workdays.count)"]),
                                      context: AuditContext(actor: loadedBy, roles: "", ip: "", requestID: ""), now: now, on: db)
            return Loaded(year: arrangement.year, replaced: existing != nil, recomputed: recomputed)
        }
        try await refresh(context)
        return result
    }

    /// The arrangements in the database, with a signature that changes whenever one is loaded.
    static func loadedYears(on db: any Database) async throws -> (years: [HolidayYear], signature: String) {
        let rows = try await CalendarYearRecord.query(on: db).sort(\.$year).all()
        let years = try rows.map { try decode(Data($0.document.utf8)) }
        return (years, rows.map { "\($0.year)@\($0.loadedAt.timeIntervalSince1970)" }.joined(separator: ","))
    }

    /// Brings this instance's calendar up to the database's arrangements; when they changed, computes again the
    /// deadlines of the open cases still marked provisional (a second instance finds nothing left to do).
    static func refresh(_ context: UseCaseContext) async throws {
        let loaded = try await loadedYears(on: context.db)
        guard try context.services.calendars.update(loaded: loaded.years, signature: loaded.signature) else { return }
        try await recompute(context)
    }

    /// Computes again the open provisional deadlines on the calendar in force (at start-up: files under
    /// `GONGZHI_CALENDAR_DIR` may have brought a year).
    @discardableResult
    static func recompute(_ context: UseCaseContext, batch size: Int = 500) async throws -> Int {
        let calendar = context.services.calendar, now = context.now
        var changed = 0
        var after: UUID?
        // In batches of 500, each its own transaction: after a release that marks every open case, a large
        // district's start-up does not hold one transaction over all of them.
        repeat {
            let from = after
            let batch = try await context.write { db in
                let batch = try await CaseClock.recomputeProvisional(calendar: calendar, now: now, after: from, limit: size, on: db)
                if batch.changed > 0 {
                    try await AuditLog.append(AuditEvent(action: "calendar.recompute", objectType: "calendar_year", objectID: "",
                                                         summary: "\(batch.changed) open cases recomputed"), context: .system, now: now, on: db)
                }
                return batch
            }
            changed += batch.changed
            after = batch.last
        } while after != nil
        return changed
    }

    /// The year without an arrangement that the next 60 days reach into, if any: start-up, staff pages and
    /// `/metrics` warn about it.
    static var warningDays: Int { WorkingCalendar.arrangementWarningDays }

    static func missingYear(_ context: UseCaseContext) -> Int? {
        context.services.calendar.unarrangedYear(within: warningDays, of: context.now)
    }
}

/// `gongzhi calendar load FILE` checks a `cn-YYYY.json` arrangement and loads it (open cases' provisional deadlines
/// are computed again, each with a timeline entry); `gongzhi calendar status` lists the years and what is missing.
enum CalendarCommands {
    static func group() -> any AsyncCommandGroup {
        var commands = AsyncCommands()
        commands.use(Load(), as: "load")
        commands.use(Status(), as: "status")
        return commands.group(help: "Holiday arrangements (放假调休) of the working calendar")
    }

    struct Load: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "file", help: "A cn-YYYY.json file: year, holidays, workdays (调休上班) and source")
            var file: String
        }

        var help: String { "Checks and loads one year's State Council holiday arrangement." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            guard let data = FileManager.default.contents(atPath: signature.file) else {
                throw CalendarCommandError(message: "cannot read \(signature.file)")
            }
            do {
                let loaded = try await HolidayArrangements.load(data, loadedBy: "command", context: app.context())
                context.console.print("\(loaded.year): \(loaded.replaced ? "replaced" : "loaded"); \(loaded.recomputed) open cases' deadlines computed again")
            } catch let failure as HolidayArrangements.Failure {
                throw CalendarCommandError(message: "\(signature.file): \(failure)")
            }
        }
    }

    struct Status: AsyncCommand {
        struct Signature: CommandSignature {}

        var help: String { "Lists the years with an arrangement and warns of a missing one within 60 days." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.prepareAndMigrate()
            let calendar = app.gongzhi.calendar
            let now = app.clock.now
            let thisYear = CivilDate(now).year
            for year in (thisYear - 1)...(thisYear + 1) {
                context.console.print("\(year): \(calendar.isArranged(year) ? "arrangement loaded" : "no arrangement: statutory holidays only")")
            }
            if let missing = HolidayArrangements.missingYear(app.context()) {
                context.console.warning("The State Council's arrangement for \(missing) is not loaded: deadlines reaching into it are provisional.")
            }
        }
    }
}

struct CalendarCommandError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
