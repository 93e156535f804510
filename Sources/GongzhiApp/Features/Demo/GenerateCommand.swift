import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi generate --cases N [--days 365] [--seed 1] [--from 0]`: years of realistic case history in the
/// district already there (run `gongzhi demo` first), written in batches — each batch one transaction with its
/// KPI rollups — with a progress bar and the time left. Cases carry their dates, deadlines, states and ratings;
/// they have no timeline events (history only).
struct GenerateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "cases", help: "How many cases to write")
        var cases: Int?
        @Option(name: "days", help: "How many days back the history reaches (default 365)")
        var days: Int?
        @Option(name: "seed", help: "Seed of the draw (default 1)")
        var seed: Int?
        @Option(name: "from", help: "Index of the first case, to continue an earlier run (default 0)")
        var from: Int?
    }

    var help: String { "Writes synthetic case history (seasonality, busy grids, outcomes, ratings) in batches." }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        guard let count = signature.cases, (1...100_000_000).contains(count) else { throw Failure(description: "--cases must be 1 to 100 000 000") }
        let started = Date()
        let written = try await SyntheticCases.write(app: app, count: count, days: signature.days ?? 365, seed: UInt64(max(0, signature.seed ?? 1)),
                                                     from: max(0, signature.from ?? 0), progress: true)
        let seconds = Date().timeIntervalSince(started)
        context.console.print("wrote \(written) cases in \(Int(seconds)) s (\(Int(Double(written) / max(seconds, 0.001))) cases/s)")
    }
}

enum SyntheticCases {
    static let batchSize = 1_000

    /// Writes `count` cases drawn by `SyntheticHistory` (indexes `from` …); returns how many.
    @discardableResult
    static func write(app: Application, count: Int, days: Int, seed: UInt64, from: Int = 0, progress: Bool = false) async throws -> Int {
        guard let catalogue = try await CatalogueStore.current(on: app.db) else { throw GenerateCommand.Failure(description: "no catalogue") }
        let buildings = try await BuildingRecord.query(on: app.db).sort(\.$id).all()
        guard !buildings.isEmpty else { throw GenerateCommand.Failure(description: "no buildings: run `gongzhi demo` first") }
        let items = catalogue.items.filter { $0.responsible != .supervisoryOrg }
        // Environment and facilities, and property services, are asked about most.
        let heavy = Set(catalogue.categories.prefix(2).map(\.code))
        let plan = SyntheticHistory.Plan(seed: seed, days: days, grids: buildings.count, itemWeights: items.map { heavy.contains($0.category) ? 3 : 1 })
        let calendar = app.gongzhi.calendar
        let now = app.clock.now
        let lastDay = CivilDate(now)
        let bar = progress ? ProgressLine(title: "generate", total: count) : nil
        var done = 0
        while done < count {
            let size = min(batchSize, count - done)
            var records: [CaseRecord] = []
            records.reserveCapacity(size)
            for index in (from + done)..<(from + done + size) {
                let drawn = SyntheticHistory.draw(index, plan: plan, lastDay: lastDay)
                let building = buildings[drawn.grid]
                let item = items[drawn.item]
                let opened = DayNumber(DayNumber(lastDay).value - drawn.daysAgo).instant(minutes: drawn.secondOfDay / 60)
                guard opened < now else { continue }
                records.append(record(drawn, index: index, item: item, version: catalogue.version, building: building, opened: opened,
                                      calendar: calendar, now: now, previous: records.last))
            }
            let batch = records
            try await app.write { db in
                try await batch.create(on: db)
                // The trigger marked them dirty: fold them into the rollups in the same transaction.
                _ = try await KPIRollups.catchUp(on: db, batch: batch.count + 1_000, now: now)
            }
            done += size
            bar?.update(done)
        }
        bar?.finish()
        return done
    }

    static func record(_ drawn: SyntheticHistory.Case, index: Int, item: CatalogueItem, version: Int, building: BuildingRecord, opened: Date,
                       calendar: WorkingCalendar, now: Date, previous: CaseRecord?) -> CaseRecord {
        let record = CaseRecord()
        record.id = UUID()
        record.number = "GZ" + CivilDate(opened).description.replacingOccurrences(of: "-", with: "") + "-S" + String(index, radix: 36).uppercased()
        record.title = item.name
        record.details = ""
        record.channel = ["resident", "resident", "hotline", "window", "patrol"][index % 5]
        record.isPublic = index % 3 != 0
        record.anonymous = false
        record.catalogueVersion = version
        record.itemCode = item.code
        record.category = item.category
        record.classificationScore = 0.8
        record.placePath = building.orgPath
        record.buildingID = building.id
        record.address = ""
        record.latitude = building.latitude
        record.longitude = building.longitude
        let segments = OrgPath(building.orgPath)?.segments ?? []
        let depth = min(item.responsible.level.depth, max(0, segments.count - 1))
        record.handlerNodeID = segments.isEmpty ? UUID() : UUID(uuidString: segments[depth]) ?? UUID()
        record.handlerPath = "/" + segments.prefix(depth + 1).map { $0 + "/" }.joined()
        record.handlerParty = item.responsible
        record.handlerDepartment = item.department
        record.responseHours = item.responseHours
        record.completionDays = item.completionDays
        record.extensionDays = 0
        record.openedAt = opened
        let deadlines = CaseDeadlines.compute(.init(openedAt: opened, responseHours: item.responseHours, completionDays: item.completionDays),
                                              calendar: calendar, now: now)
        record.responseDueAt = deadlines.response
        record.completionDueAt = deadlines.completion
        record.deadlinesProvisional = deadlines.provisional
        record.signedAt = drawn.signedAfter.map { opened.addingTimeInterval(Double($0)) }.flatMap { $0 < now ? $0 : nil }
        let closed = drawn.closedAfter.map { opened.addingTimeInterval(Double($0)) }.flatMap { $0 < now ? $0 : nil }
        let state: CaseState
        switch drawn.outcome {
        case .closedRated, .closedUnrated: state = closed == nil ? .inProgress : .closed
        case .rejected: state = .rejected
        case .merged: state = previous == nil ? .rejected : .merged
        case .inProgress: state = record.signedAt == nil ? .dispatched : .inProgress
        }
        record.snapshot = CaseSnapshot(state: state)
        record.returns = drawn.returns
        record.reopens = drawn.reopens
        if state == .closed || state == .rejected || state == .merged { record.closedAt = closed ?? opened.addingTimeInterval(3600) }
        if state == .closed, drawn.outcome == .closedRated {
            record.repliedAt = record.closedAt
            record.ratingSolved = drawn.solved
            record.ratingSatisfaction = drawn.satisfaction
        }
        if state == .merged { record.mergedInto = previous?.id }
        record.slaLevel = state.isOpen ? deadlines.level : .normal
        record.eventCount = 0
        return record
    }
}
