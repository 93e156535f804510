import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// An instant written as Beijing time: "2026-12-15 10:00".
func beijing(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let hm = parts[1].split(separator: ":").map { Int($0)! }
    return DayNumber(CivilDate(iso: String(parts[0]))!).instant(minutes: hm[0] * 60 + hm[1])
}

/// Issue 23: deadlines exact in every year and every state, over HTTP and the background rounds, on both databases.
@Suite("Deadlines: years without an arrangement, suspensions, same-day items, closing, auto-close, warnings")
struct DeadlinesTests {
    struct NewCase: Encodable, Sendable {
        var title: String
        var buildingId: UUID
        var itemCode: String
        var channel = "window"
        var overrideReason = "窗口登记时确认"
    }

    struct Act: Encodable, Sendable {
        var note: String?
        var solved: Bool?
        var satisfaction: String?
        var calledAt: Date?
    }

    func open(_ client: inout TestClient, _ f: Fixture, item: String, title: String = "测试诉求") async throws -> CaseDTO {
        let created = try await client.send(.POST, "/api/v1/cases", json: NewCase(title: title, buildingId: f.unitA.$building.id, itemCode: item))
        #expect(created.status == .created, "\(created.body.string)")
        return try created.content.decode(CaseDTO.self)
    }

    func act(_ client: inout TestClient, _ id: UUID, _ action: String, _ body: Act = Act()) async throws -> TestingHTTPResponse {
        try await client.send(.POST, "/api/v1/cases/\(id.uuidString)/actions/\(action)", json: body)
    }

    /// A 2027 arrangement for the test: New Year's Day with the weekend, and 4 January off too (so that a loaded
    /// arrangement visibly moves a deadline).
    static let arrangement2027: Data = {
        let days = Set(StatutoryHolidays.days(in: 2027).map(\.description)).union(["2027-01-02", "2027-01-03", "2027-01-04"]).sorted()
        let holidays = days.map { "\"\($0)\"" }.joined(separator: ", ")
        return Data("{\"year\": 2027, \"source\": \"测试用安排\", \"holidays\": [\(holidays)], \"workdays\": []}".utf8)
    }()

    @Test("a year without an arrangement: provisional deadlines, warnings, and loading the arrangement recomputes them")
    func unarrangedYear() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-12-15 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "SRV-012")
            #expect(dto.completionDueAt == beijing("2027-01-04 17:30"))  // not New Year's Day
            #expect(dto.deadlinesProvisional)
            let inside = try await open(&worker, f, item: "ORG-004")  // 3 days: 18 December
            #expect(!inside.deadlinesProvisional)
            // Staff pages and /metrics warn; a resident's pages do not.
            var browser = try await TestClient.browser(app, as: "worker")
            let workbench = try await browser.send(.GET, "/workbench").body.string
            #expect(workbench.contains("2027 年放假安排尚未载入系统"))
            var admin = try await TestClient.browser(app, as: "admin")
            #expect(try await admin.send(.GET, "/account/security").body.string.contains("2027 年的国务院放假安排尚未载入"))
            let page = try await browser.send(.GET, "/cases/\(dto.id.uuidString)").body.string
            #expect(page.contains("2027-01-04 17:30（暂定）"))
            var resident = try await TestClient.browser(app, as: "resident")
            #expect(!(try await resident.send(.GET, "/").body.string.contains("放假安排尚未")))
            let metrics = try await worker.send(.GET, "/metrics").body.string
            #expect(metrics.contains("gongzhi_calendar_unarranged_year 2027"))

            // A bad document is refused and changes nothing.
            let before = try await app.auditCount()
            for bad in [#"{"year": 2027, "source": "x", "holidays": ["2027-02-30"], "workdays": []}"#,
                        #"{"year": 2027, "holidays": ["2027-01-01"], "workdays": []}"#,
                        #"{"year": 2027, "source": "x", "holidays": ["2026-01-01"], "workdays": []}"#, "not json",
                        #"{"year": 2027, "source": "x", "holidays": ["2027-01-02"], "workdays": []}"#] {
                await #expect(throws: HolidayArrangements.Failure.self) { _ = try await HolidayArrangements.load(Data(bad.utf8), loadedBy: "test", context: app.context()) }
            }
            #expect(try await app.auditCount() == before)
            #expect(try await CalendarYearRecord.query(on: app.db).count() == 0)

            let loaded = try await HolidayArrangements.load(Self.arrangement2027, loadedBy: "test", context: app.context())
            #expect(loaded.year == 2027 && !loaded.replaced && loaded.recomputed == 1)
            let after = try await worker.send(.GET, "/api/v1/cases/\(dto.id.uuidString)").content.decode(CaseDTO.self)
            #expect(after.completionDueAt == beijing("2027-01-05 17:30"))
            #expect(!after.deadlinesProvisional)
            let events = try await CaseEventRecord.query(on: app.db).filter(\.$caseID == dto.id).filter(\.$action == CaseClock.recomputedAction).all()
            #expect(events.count == 1)
            let timeline = try await browser.send(.GET, "/cases/\(dto.id.uuidString)").body.string
            #expect(timeline.contains("办结期限重新计算") && timeline.contains("2027-01-05 17:30") && !timeline.contains("（暂定）"))
            #expect(!(try await browser.send(.GET, "/workbench").body.string.contains("放假安排尚未")))
            #expect(try await worker.send(.GET, "/metrics").body.string.contains("gongzhi_calendar_unarranged_year 0"))
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "calendar.load").count() == 1)
            // Loading it again changes no case; a second instance takes the year up in its round.
            #expect(try await HolidayArrangements.load(Self.arrangement2027, loadedBy: "test", context: app.context()).recomputed == 0)
            try await withTwin(of: app) { twin in
                #expect(!twin.gongzhi.calendar.isArranged(2027))
                try await HolidayArrangements.refresh(twin.context())
                #expect(twin.gongzhi.calendar.isArranged(2027))
                #expect(!twin.gongzhi.calendar.isWorkingDay(CivilDate(iso: "2027-01-04")!))
            }
            let verified = try await AuditLog.verify(on: app.db)
            #expect(verified == .intact(count: Int64(try await app.auditCount())))
        }
    }

    @Test("a year brought by GONGZHI_CALENDAR_DIR recomputes the open provisional deadlines at start-up")
    func calendarDirectory() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-12-15 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "SRV-012")
            #expect(dto.deadlinesProvisional && dto.completionDueAt == beijing("2027-01-04 17:30"))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-calendar-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try Self.arrangement2027.write(to: directory.appendingPathComponent("cn-2027.json"))
            // A second start of the server with the directory configured.
            let restarted = try await Application.make(.testing)
            var config = app.gongzhi.config
            config.calendarDirectory = directory.path
            do {
                try configure(restarted, config: config, postgresSearchPath: app.storage[TestSchemaKey.self])
                restarted.clock.set(app.clock.now)
                try await restarted.prepareAndMigrate()
            } catch {
                try? await restarted.asyncShutdown()
                throw error
            }
            try await restarted.asyncShutdown()
            let record = try #require(try await CaseRecord.find(dto.id, on: app.db))
            #expect(!record.deadlinesProvisional && record.completionDueAt == beijing("2027-01-05 17:30"))
            #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == dto.id).filter(\.$action == CaseClock.recomputedAction).count() == 1)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "calendar.recompute").count() == 1)
        }
    }

    @Test("open provisional cases are recomputed batch after batch until none is left")
    func recomputeInBatches() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-12-15 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            var ids: [UUID] = []
            for _ in 0..<3 { ids.append(try await open(&worker, f, item: "SRV-012").id) }
            // The arrangement arrives in this instance's calendar only (as from GONGZHI_CALENDAR_DIR); batches of one.
            try app.gongzhi.calendars.update(loaded: [try HolidayArrangements.decode(Self.arrangement2027)], signature: "test")
            #expect(try await HolidayArrangements.recompute(app.context(), batch: 1) == 3)
            for id in ids {
                let record = try #require(try await CaseRecord.find(id, on: app.db))
                #expect(!record.deadlinesProvisional && record.completionDueAt == beijing("2027-01-05 17:30"))
            }
            #expect(try await HolidayArrangements.recompute(app.context(), batch: 1) == 0)
        }
    }

    @Test("a suspension before signing pauses the response clock; one on the opening day costs no day of the limit")
    func suspensions() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-03-02 09:00"))
            var worker = try await TestClient.api(app, as: "worker")
            var street = try await TestClient.api(app, as: "street")
            let dto = try await open(&worker, f, item: "ORG-004")  // 4 h / 3 days
            #expect(dto.responseDueAt == beijing("2026-03-02 14:30"))
            #expect(dto.completionDueAt == beijing("2026-03-05 17:30"))
            #expect(try await act(&worker, dto.id, "accept").status == .ok)
            app.clock.set(beijing("2026-03-02 10:00"))
            #expect(try await act(&street, dto.id, "suspend", Act(note: "等待居民补充材料")).status == .ok)
            app.clock.set(beijing("2026-03-02 17:00"))
            let resumed = try await act(&street, dto.id, "resume", Act(note: "材料已补齐")).content.decode(CaseDTO.self)
            // 1 h of 4 used before the pause; 3 h left from the resumption (17:00–17:30, then Tuesday 09:00–11:30).
            #expect(resumed.responseDueAt == beijing("2026-03-03 11:30"))
            // The pause lay on the opening day: the three days still end on Thursday.
            #expect(resumed.completionDueAt == beijing("2026-03-05 17:30"))
            // Signing before the moved limit counts as on time.
            app.clock.set(beijing("2026-03-03 11:00"))
            #expect(try await act(&worker, dto.id, "dispatch").status == .ok)
            let signed = try await act(&worker, dto.id, "sign").content.decode(CaseDTO.self)
            #expect(signed.responseDueAt == beijing("2026-03-03 11:30"))
            let record = try #require(try await CaseRecord.find(dto.id, on: app.db))
            #expect(try #require(record.signedAt) <= record.responseDueAt)
            // A suspension after signing leaves the response deadline where it was.
            #expect(try await act(&street, dto.id, "suspend", Act(note: "等待天气好转")).status == .ok)
            app.clock.set(beijing("2026-03-04 11:00"))
            let later = try await act(&street, dto.id, "resume", Act(note: "天气好转")).content.decode(CaseDTO.self)
            #expect(later.responseDueAt == beijing("2026-03-03 11:30"))
            // 7 working hours suspended (Tuesday 11:00 to Wednesday 11:00) reach into Friday: its close of work.
            #expect(later.completionDueAt == beijing("2026-03-06 17:30"))
        }
    }

    @Test("a same-day item opened late is due the next working day, never before its response")
    func sameDay() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-03-02 17:29"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "SRV-008")  // 1 h / same day
            #expect(dto.responseDueAt == beijing("2026-03-03 09:59"))
            #expect(dto.completionDueAt == beijing("2026-03-03 17:30"))
            app.clock.set(beijing("2026-03-02 15:00"))
            let early = try await open(&worker, f, item: "SRV-008")
            #expect(early.completionDueAt == beijing("2026-03-02 17:30"))
        }
    }

    @Test("a replied case closes only by a rating, a recorded phone follow-up or the auto-close")
    func closing() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            app.clock.set(beijing("2026-03-02 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "ORG-004")
            for action in ["accept", "dispatch", "sign", "reply"] { #expect(try await act(&worker, dto.id, action, Act(note: "已处理")).status == .ok) }
            var street = try await TestClient.api(app, as: "street")
            var other = try await TestClient.api(app, as: "worker2")
            let before = try await app.auditCount(excludingDenials: true)
            let closed = try await act(&worker, dto.id, "close", Act(note: "已办结"))
            #expect(closed.status == .conflict)
            #expect(try closed.content.decode(ErrorJSON.self).error.code == "close_needs_rating")
            #expect(try await act(&street, dto.id, "close").status == .conflict)
            #expect(try await act(&other, dto.id, "close").status == .notFound)
            // A phone follow-up must say what the resident said, and lie between the reply and now.
            let unsaid = try await act(&worker, dto.id, "rate", Act(solved: true, satisfaction: "satisfied"))
            #expect(unsaid.status == .unprocessableEntity)
            #expect(try unsaid.content.decode(ErrorJSON.self).error.field == "note")
            let early = try await act(&worker, dto.id, "rate", Act(note: "居民说已修好", solved: true, satisfaction: "satisfied", calledAt: beijing("2026-03-02 09:00")))
            #expect(try early.content.decode(ErrorJSON.self).error.field == "calledAt")
            #expect(try await app.auditCount(excludingDenials: true) == before)
            #expect(try await CaseRecord.find(dto.id, on: app.db)?.state == .replied)
            app.clock.set(beijing("2026-03-02 15:00"))
            let rated = try await act(&worker, dto.id, "rate", Act(note: "居民说灯已修好，满意", solved: true, satisfaction: "satisfied",
                                                                   calledAt: beijing("2026-03-02 14:30")))
            #expect(try rated.content.decode(CaseDTO.self).state == .closed)
            let call = try #require(try await CaseFollowUpRecord.query(on: app.db).filter(\.$caseID == dto.id).filter(\.$kind == .ratingCall).first())
            #expect(call.calledAt == beijing("2026-03-02 14:30") && call.residentSaid == "居民说灯已修好，满意" && call.state == .done)
            let workerID = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first()?.id)
            #expect(call.calledBy == workerID)
        }
    }

    @Test("the rating period counts days as the Civil Code does: a reply before National Day closes on 9 October")
    func autoCloseAcrossHoliday() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            // The demo district's replied cases are closed first, so that only this test's case counts.
            app.clock.advance(by: 30 * 86_400)
            try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 0)
            app.clock.set(beijing("2026-09-28 10:00"))
            var worker = try await TestClient.api(app, as: "worker")
            let dto = try await open(&worker, f, item: "ORG-004")
            for action in ["accept", "dispatch", "sign", "reply"] { #expect(try await act(&worker, dto.id, action, Act(note: "已处理")).status == .ok) }
            for instant in ["2026-10-05 10:01", "2026-10-08 23:59"] {
                app.clock.set(beijing(instant))
                #expect(try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 7) == 0, "\(instant)")
            }
            app.clock.set(beijing("2026-10-09 00:00"))
            #expect(try await CaseMaintenance.autoClose(in: app.context(), ratingDays: 7) == 1)
            #expect(try await CaseRecord.find(dto.id, on: app.db)?.state == .closed)
        }
    }

}
