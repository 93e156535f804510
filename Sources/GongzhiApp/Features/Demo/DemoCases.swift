import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Cases for the demo district in every state, each walked through the real workflow on the working calendar,
/// so that timelines, deadlines and SLA levels are what the product itself would have produced.
enum DemoCases {
    /// The share of cases left in each state, and the actions that lead there.
    static let paths: [(weight: Int, actions: [CaseAction])] = [
        (7, []),
        (5, [.accept]),
        (2, [.reject]),
        (8, [.accept, .dispatch]),
        (5, [.accept, .dispatch, .sign]),
        (10, [.accept, .dispatch, .sign, .start]),
        (10, [.accept, .dispatch, .sign, .start, .reply]),
        (35, [.accept, .dispatch, .sign, .start, .reply, .rateSatisfied]),
        (5, [.accept, .dispatch, .sign, .start, .reply, .close]),
        (3, [.accept, .dispatch, .sign, .start, .reply, .rateUnsatisfied]),
        (2, [.accept, .dispatch, .return]),
        (1, [.accept, .dispatch, .return, .dispatch, .return]),
        (2, [.accept, .escalate]),
        (2, [.accept, .dispatch, .sign, .suspend]),
        (1, [.merge]),
    ]

    static let details = ["已经好几天了，希望尽快处理。", "影响老人出行，麻烦社区帮忙协调。", "多次反映未解决。", "请相关部门来看一下。", "晚上尤其严重。"]

    /// Writes `count` cases at the given buildings (id, grid path, point) in one transaction; returns how many.
    /// Case numbers are drawn from `code` (random by default) and drawn again when one is already used in this batch:
    /// the first cases all open on the same day, and a repeated number would fail the whole write.
    @discardableResult
    static func write(count: Int, buildings: [(UUID, OrgPath, GeoPoint?)], seed: UInt64, app: Application,
                      code: () -> String = { CaseIntake.randomCode(length: 6) }) async throws -> Int {
        guard count > 0, !buildings.isEmpty, let catalogue = try await CatalogueStore.current(on: app.db) else { return 0 }
        let calendar = app.gongzhi.calendar
        let now = app.clock.now
        var rng = SeededGenerator(seed: seed ^ 0xCA5E)
        let items = catalogue.items.filter { $0.responsible != .supervisoryOrg }
        let totalWeight = paths.reduce(0) { $0 + $1.weight }
        var records: [CaseRecord] = []
        var events: [CaseEventRecord] = []
        var pauses: [CasePauseRecord] = []
        var numbers = Set<String>()
        // Communities work at different speeds (a street has someone ahead and someone behind): by the community's
        // place among them, each step of a case takes a sixth, about half, or a little more than the usual working time.
        let communities = Array(Set(buildings.compactMap { $0.1.segments.dropFirst(2).first })).sorted()
        let speeds = [0.15, 0.45, 1.2]
        func speed(_ place: OrgPath) -> Double {
            guard let community = place.segments.dropFirst(2).first, let index = communities.firstIndex(of: community) else { return 1 }
            return speeds[index % speeds.count]
        }
        for index in 0..<count {
            let (buildingID, place, location) = buildings[rng.int(0...(buildings.count - 1))]
            let item = rng.pick(items)
            // The first cases take every path in turn (so every state is there), opened a month ago.
            let guaranteed = index < paths.count
            let opened = now.addingTimeInterval(-Double(guaranteed ? 30 * 86_400 : rng.int(3_600...(60 * 86_400))))
            let record = CaseRecord()
            record.id = UUID()
            var number = CaseIntake.caseNumber(opened, code: code())
            while !numbers.insert(number).inserted { number = CaseIntake.caseNumber(opened, code: code()) }
            record.number = number
            record.title = item.name
            record.details = rng.pick(details)
            record.channel = rng.pick(["resident", "resident", "window", "hotline", "patrol"])
            record.isPublic = rng.chance(0.6)
            record.anonymous = rng.chance(0.05)
            record.catalogueVersion = catalogue.version
            record.itemCode = item.code
            record.category = item.category
            record.classificationScore = Double(rng.int(40...95)) / 100
            record.placePath = place.rawValue
            record.buildingID = buildingID
            record.address = ""
            record.latitude = location?.latitude
            record.longitude = location?.longitude
            let segments = place.segments
            let handlerID = UUID(uuidString: segments[min(item.responsible.level.depth, segments.count - 1)])!
            record.handlerNodeID = handlerID
            record.handlerPath = "/" + segments.prefix(item.responsible.level.depth + 1).map { $0 + "/" }.joined()
            record.handlerParty = item.responsible
            record.handlerDepartment = item.department
            record.responseHours = item.responseHours
            record.completionDays = item.completionDays
            record.extensionDays = 0
            record.openedAt = opened
            record.snapshot = CaseSnapshot(state: .submitted)
            var log = [CaseEventRecord(caseID: record.id!, seq: 1, action: "submit", from: nil, to: .submitted, actorUserID: nil,
                                       actorName: record.anonymous ? "anonymous" : "resident", note: "", at: opened)]
            // Walk the workflow; each step takes some working hours; stop at the present.
            var roll = rng.int(1...totalWeight)
            let path = guaranteed ? paths[index].actions : paths.first { roll -= $0.weight; return roll <= 0 }!.actions
            var at = opened
            var casePauses: [SLAClock.Pause] = []
            for action in path {
                let next = calendar.advance(at, workingSeconds: Int(Double(rng.int(600...(10 * 3600))) * speed(place)))
                guard next < now, let moved = try? CaseWorkflow.apply(action, to: record.snapshot) else { break }
                at = next
                let before = record.state
                record.snapshot = moved
                switch action {
                case .sign: record.signedAt = at
                case .reply: record.repliedAt = at
                case .rateSatisfied, .close:
                    record.closedAt = at
                    if action == .rateSatisfied {
                        record.ratingSolved = true
                        record.ratingSatisfaction = rng.chance(0.75) ? "satisfied" : "basically_satisfied"
                    }
                case .rateUnsatisfied:
                    record.ratingSolved = false
                    record.ratingSatisfaction = "unsatisfied"
                    record.repliedAt = nil
                case .suspend:
                    let pause = CasePauseRecord(caseID: record.id!, startedAt: at)
                    pauses.append(pause)
                    casePauses.append(SLAClock.Pause(start: at, end: nil))
                default: break
                }
                let note = action == .reject ? "不属于受理范围" : action == .return ? "非本单位职责" : action == .suspend ? "等待当事人回复"
                    : action == .escalate ? "需上级协调" : action == .merge ? "重复诉求" : action == .close ? "auto_close" : ""
                log.append(CaseEventRecord(caseID: record.id!, seq: log.count + 1, action: action.rawValue, from: before, to: record.state,
                                           actorUserID: nil, actorName: action == .close ? "system" : "staff", note: note, at: at))
            }
            record.slaLevel = .normal
            CaseClock.apply(CaseDeadlines.compute(.init(openedAt: opened, responseHours: item.responseHours, completionDays: item.completionDays,
                                                        pauses: casePauses, signedAt: record.signedAt),
                                                  calendar: calendar, now: now), to: record)
            record.eventCount = log.count
            if record.state == .merged {
                // A duplicate of the latest open case (the first one of all, if none is open yet: it is submitted).
                record.mergedInto = (records.last { $0.state.isOpen } ?? records.first)?.id
                if record.mergedInto == nil { continue }
            }
            records.append(record)
            events += log
        }
        let kept = Set(records.compactMap(\.id))
        let (caseRows, eventRows, pauseRows) = (records, events, pauses.filter { kept.contains($0.caseID) })
        try await app.write { db in
            for record in caseRows { try await record.create(on: db) }
            for event in eventRows { try await event.create(on: db) }
            for pause in pauseRows { try await pause.create(on: db) }
        }
        return records.count
    }
}
