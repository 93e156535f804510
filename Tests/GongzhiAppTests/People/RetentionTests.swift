import Fluent
import Foundation
import GongzhiCore
import Synchronization
import Testing
import VaporTesting
@testable import GongzhiApp

/// Checklist row 28: the purge job, time-travelled past its periods, leaves no residue in any table.
@Suite("Retention: personal data goes when its period runs out")
struct RetentionTests {
    struct NewCase: Content {
        let title: String
        let description: String
        let address: String
        let gridId: UUID
        let latitude: Double
        let longitude: Double
    }

    /// The markers found in any row of any table, read as text.
    static func residue(_ markers: [String], in app: Application) async throws -> Set<String> {
        let sql = app.db.sql()
        let found = Mutex<Set<String>>([])
        for table in try await DatabaseFingerprint.tables(sql) {
            try await DatabaseFingerprint.forEachRow(of: table, sql) { row in
                let hits = markers.filter { row.contains($0) }
                if !hits.isEmpty { found.withLock { $0.formUnion(hits) } }
            }
        }
        return found.withLock { $0 }
    }

    @Test("read notices go after 90 days; a case closed 10 years ago keeps its numbers but no words, place, photo or submitter")
    func timeTravel() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            let start = app.clock.now
            var worker = try await TestClient.api(app, as: "worker")
            let tag = UUID().uuidString.prefix(8)
            let markers = ["留存标题\(tag)", "留存描述\(tag)", "留存地址\(tag)", "留存备注\(tag)"]
            func submit(_ n: Int) async throws -> CaseDTO {
                let body = NewCase(title: n == 0 ? markers[0] : "另一件事\(n)", description: n == 0 ? markers[1] : "保留",
                                   address: n == 0 ? markers[2] : "保留", gridId: f.gridA.id!, latitude: 39.93, longitude: 116.33)
                let response = try await worker.send(.POST, "/api/v1/cases", json: body)
                #expect(response.status == .created, "\(response.body.string)")
                return try response.content.decode(CaseDTO.self)
            }
            let old = try await submit(0)
            let recent = try await submit(1)
            #expect(try await worker.sendMultipart("/api/v1/cases/\(old.id.uuidString)/attachments", fileName: "a.png", contentType: "image/png",
                                                   file: AttachmentTests.png).status == .created)
            let photo = try #require(try await CaseAttachmentRecord.query(on: app.db).filter(\.$caseID == old.id).first())
            let photoFile = app.gongzhi.config.storageDirectory + "/attachments/" + photo.id!.uuidString.lowercased()
            #expect(FileManager.default.fileExists(atPath: photoFile))
            try await CaseEventRecord.query(on: app.db).filter(\.$caseID == old.id).set(\.$note, to: markers[3]).update()
            // The old case closed now, the other one a year later; a notice about each, read at once.
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "worker").first())
            for (record, closedAt) in [(old.id, start), (recent.id, start.addingTimeInterval(365 * 86_400))] {
                let row = try #require(try await CaseRecord.find(record, on: app.db))
                row.state = .closed
                row.closedAt = closedAt
                try await row.save(on: app.db)
                let notice = CaseNoticeRecord()
                notice.userID = user.id!
                notice.caseID = record
                notice.caseNumber = row.number
                notice.kind = CaseNoticeRecord.Kind.allCases[0]
                notice.createdAt = closedAt
                notice.readAt = closedAt
                try await notice.create(on: app.db)
            }
            #expect(try await Self.residue(markers, in: app) == Set(markers))

            // The fixture's own closed cases, closed before `start`, are due as their ten years run out too.
            let closedBefore = { (date: Date) in try await CaseRecord.query(on: app.db).filter(\.$closedAt < date).count() }
            let fixtureDueEarly = try await closedBefore(start.addingTimeInterval(-86_400))
            let dueByTheEnd = try await closedBefore(start.addingTimeInterval(86_400))
            #expect(dueByTheEnd > fixtureDueEarly)
            // A day short of ten years: the old case's notice (read long ago) goes, the case stays whole.
            app.clock.set(Calendar(identifier: .gregorian).date(byAdding: .year, value: 10, to: start)!.addingTimeInterval(-86_400))
            let early = try await RetentionSweep.run(app.context())
            #expect(early.noticesDeleted >= 2 && early.casesAnonymised == fixtureDueEarly && early.photosDeleted == 0)
            #expect(try await Self.residue(markers, in: app) == Set(markers))
            #expect(FileManager.default.fileExists(atPath: photoFile))

            // A day past: nothing of it in any table, the photo file gone; the case and its numbers are still there.
            app.clock.set(Calendar(identifier: .gregorian).date(byAdding: .year, value: 10, to: start)!.addingTimeInterval(86_400))
            let due = try await RetentionSweep.run(app.context())
            #expect(due == .init(noticesDeleted: 0, casesAnonymised: dueByTheEnd - fixtureDueEarly, photosDeleted: 1))
            #expect(try await Self.residue(markers, in: app).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: photoFile))
            let kept = try #require(try await CaseRecord.find(old.id, on: app.db))
            #expect(kept.number == old.number && kept.category == old.category && kept.state == .closed && kept.latitude == nil)
            #expect(kept.submitterUserID == nil && kept.trackingHash == nil && kept.contactSealed == nil)
            #expect(try await CaseEventRecord.query(on: app.db).filter(\.$caseID == old.id).all().allSatisfy { $0.actorUserID == nil && $0.actorName.isEmpty })
            // The case closed a year later keeps its words until its own ten years are out.
            #expect(try await CaseRecord.find(recent.id, on: app.db)?.title == "另一件事1")
            // Audited, the chain intact; a second run finds nothing more.
            let entry = try #require(try await AuditRecord.query(on: app.db).filter(\.$action == "retention.cases").first())
            #expect(entry.actor == "system")
            #expect(try await RetentionSweep.run(app.context()) == .init())
            var auditor = try await TestClient.api(app, as: "auditor")
            let verify = try await auditor.send(.GET, "/api/v1/audit/verify")
            #expect(verify.status == .ok && verify.body.string.contains("\"intact\":true"), "\(verify.body.string)")
        }
    }

    @Test("a person who left their last household is deleted five years later, and only then; rejoining stops the clock")
    func leftTheRegister() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            let start = app.clock.now
            var worker = try await TestClient.api(app, as: "worker")
            let person = try #require(try await PersonRecord.find(f.personA.id, on: app.db))
            let marker = "离册居民\(UUID().uuidString.prefix(8))"
            person.name = marker
            try await person.save(on: app.db)
            let traces = [marker, person.idNumberSealed, person.idNumberHash]
            try await Self.leaveEveryHousehold(person.id!, as: &worker, app)
            #expect(try await PersonRecord.find(person.id, on: app.db)?.deregisteredAt == start)
            let fiveYears = Calendar(identifier: .gregorian).date(byAdding: .year, value: 5, to: start)!

            app.clock.set(fiveYears.addingTimeInterval(-60))
            #expect(try await RetentionSweep.run(app.context()).personsDeleted == 0)
            #expect(try await Self.residue(traces, in: app) == Set(traces))

            app.clock.set(fiveYears.addingTimeInterval(60))
            #expect(try await RetentionSweep.run(app.context()).personsDeleted == 1)
            #expect(try await PersonRecord.find(person.id, on: app.db) == nil)
            #expect(try await Self.residue(traces, in: app).isEmpty)
            #expect(try await PersonRecord.find(f.personB.id, on: app.db) != nil)
        }
    }

    /// Removes the person from each household they belong to (an owner of two units is in two), through the API:
    /// the date is set by the last removal only.
    static func leaveEveryHousehold(_ personID: UUID, as worker: inout TestClient, _ app: Application) async throws {
        let households = try await HouseholdMemberRecord.query(on: app.db).filter(\.$person.$id == personID).all().map { $0.$household.id }
        #expect(!households.isEmpty)
        for (i, household) in households.enumerated() {
            #expect(try await PersonRecord.find(personID, on: app.db)?.deregisteredAt == nil, "set before the last household (\(i))")
            let path = "/api/v1/households/\(household.uuidString)/members/\(personID.uuidString)"
            #expect(try await worker.send(.DELETE, path).status == .noContent)
        }
    }

    @Test("joining a household again clears the date")
    func rejoining() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let personID = f.personA.id!
            let members = "/api/v1/households/\(f.householdA.id!.uuidString)/members"
            try await Self.leaveEveryHousehold(personID, as: &worker, app)
            #expect(try await PersonRecord.find(personID, on: app.db)?.deregisteredAt != nil)
            let back = try await worker.send(.POST, members, json: ["personId": personID.uuidString, "relation": "owner"])
            #expect(back.status == .noContent, "\(back.body.string)")
            #expect(try await PersonRecord.find(personID, on: app.db)?.deregisteredAt == nil)
            app.clock.advance(by: 6 * 366 * 86_400)
            #expect(try await RetentionSweep.run(app.context()).personsDeleted == 0)
        }
    }

    @Test("a council member's name and organisation are cleared five years after their term ended")
    func councilTerm() async throws {
        try await withApp(households: 5) { app, f in
            let f = try #require(f)
            let start = app.clock.now
            let tag = UUID().uuidString.prefix(8)
            let member = CouncilMemberRecord(communityID: f.communityA.id!, orgPath: f.communityA.path, compoundID: nil,
                                       seat: CouncilRules.Seat.allCases[0], name: "议事员\(tag)", organisation: "某单位\(tag)", now: start)
            try await member.create(on: app.db)
            let sitting = CouncilMemberRecord(communityID: f.communityA.id!, orgPath: f.communityA.path, compoundID: nil,
                                        seat: CouncilRules.Seat.allCases[0], name: "在任\(tag)", organisation: "在任单位", now: start)
            try await sitting.create(on: app.db)
            var worker = try await TestClient.api(app, as: "worker")
            let retired = try await worker.send(.POST, "/api/v1/council-members/\(member.id!.uuidString)/retire")
            #expect(retired.status == .ok, "\(retired.body.string)")
            #expect(try await CouncilMemberRecord.find(member.id, on: app.db)?.retiredAt == start)
            let fiveYears = Calendar(identifier: .gregorian).date(byAdding: .year, value: 5, to: start)!
            app.clock.set(fiveYears.addingTimeInterval(-60))
            #expect(try await RetentionSweep.run(app.context()).councilMembersCleared == 0)
            app.clock.set(fiveYears.addingTimeInterval(60))
            #expect(try await RetentionSweep.run(app.context()).councilMembersCleared == 1)
            #expect(try await Self.residue(["议事员\(tag)", "某单位\(tag)"], in: app).isEmpty)
            // A sitting member is never due, however long ago they began.
            #expect(try await CouncilMemberRecord.find(sitting.id, on: app.db)?.name == "在任\(tag)")
        }
    }
}
