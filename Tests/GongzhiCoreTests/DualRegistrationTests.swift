import Foundation
import Testing
@testable import GongzhiCore

@Suite("Dual registration of party members and co-building units")
struct DualRegistrationTests {
    let street = OrgPath.root.appending("d").appending("s")
    var community: OrgPath { street.appending("c") }
    var organisation: OrgPath { community.appending("dangwei") }

    func actor(_ role: Role, _ path: OrgPath) -> Actor { Actor(userID: "u", username: "u", grants: [RoleGrant(role: role, path: path)]) }

    @Test("only a pending registration is decided; active ones are withdrawn", arguments: DualRegistration.State.allCases)
    func states(state: DualRegistration.State) throws {
        if state == .pending {
            #expect(try DualRegistration.decide(state, confirm: true) == .confirmed)
            #expect(try DualRegistration.decide(state, confirm: false) == .declined)
        } else {
            #expect(throws: DualRegistration.Problem.notPending) { try DualRegistration.decide(state, confirm: true) }
        }
        if state == .pending || state == .confirmed {
            #expect(try DualRegistration.withdraw(state) == .withdrawn)
        } else {
            #expect(throws: DualRegistration.Problem.notActive) { try DualRegistration.withdraw(state) }
        }
    }

    @Test("the organisation's staff run it, the street's supervisors see it, nobody else does")
    func readers() {
        #expect(DualRegistration.reader(actor(.partyStaff, organisation), organisation: organisation) == .organisation)
        #expect(DualRegistration.reader(actor(.streetSupervisor, street), organisation: organisation) == .street)
        // Staff of another party of the community (a co-building unit), its workers, the district, another street, administrators.
        #expect(DualRegistration.reader(actor(.partyStaff, community.appending("hospital")), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.partyStaff, community), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.communityWorker, community), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.districtOfficer, OrgPath.root.appending("d")), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.streetSupervisor, OrgPath.root.appending("d").appending("t")), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.systemAdmin, .root), organisation: organisation) == nil)
        #expect(DualRegistration.reader(actor(.resident, community), organisation: organisation) == nil)
    }

    @Test("a post takes members up to its capacity")
    func capacity() throws {
        try DualRegistration.checkClaim(held: 2, capacity: 3)
        try DualRegistration.checkClaim(held: 500, capacity: nil)
        #expect(throws: DualRegistration.Problem.postFull) { try DualRegistration.checkClaim(held: 3, capacity: 3) }
    }

    @Test("service in quarter hours up to a day, on a day of the last 90")
    func service() throws {
        let today = CivilDate(year: 2026, month: 3, day: 1)!
        try DualRegistration.checkService(minutes: 15, day: today, today: today)
        try DualRegistration.checkService(minutes: 720, day: CivilDate(year: 2025, month: 12, day: 1)!, today: today)
        for minutes in [0, 10, 50, 735, -15] {
            #expect(throws: DualRegistration.Problem.minutesOutOfRange) { try DualRegistration.checkService(minutes: minutes, day: today, today: today) }
        }
        #expect(throws: DualRegistration.Problem.dayOutOfRange) {
            try DualRegistration.checkService(minutes: 60, day: CivilDate(year: 2026, month: 3, day: 2)!, today: today)
        }
        #expect(throws: DualRegistration.Problem.dayOutOfRange) {
            try DualRegistration.checkService(minutes: 60, day: CivilDate(year: 2025, month: 11, day: 30)!, today: today)
        }
    }

    @Test("receipt codes: ten unambiguous characters, read back however they are typed")
    func receipts() {
        var generator = SystemRandomNumberGenerator()
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let code = DualRegistration.Receipt.make(using: &generator)
            #expect(code.count == 10)
            #expect(!code.contains(where: { "01OIL".contains($0) }))
            #expect(DualRegistration.Receipt.normalise(DualRegistration.Receipt.display(code).lowercased()) == code)
            seen.insert(code)
        }
        #expect(seen.count == 2_000)
        #expect(DualRegistration.Receipt.display("ABCDE23456") == "ABCDE-23456")
        #expect(DualRegistration.Receipt.normalise(" abcde 23456 ") == "ABCDE23456")
        #expect(DualRegistration.Receipt.normalise("ABCDE-2345") == nil)
        #expect(DualRegistration.Receipt.normalise("ABCDE-2345O") == nil)
        #expect(DualRegistration.Receipt.normalise("ABCDE-23456-7") == nil)
    }

    @Test("a unit's report: a line per registration in order, pending apart from confirmed, others' entries ignored")
    func report() {
        let entries: [DualRegistration.Entry] = [
            .init(registration: "b", minutes: 90, confirmed: true), .init(registration: "a", minutes: 60, confirmed: true),
            .init(registration: "b", minutes: 30, confirmed: false), .init(registration: "x", minutes: 600, confirmed: true),
            .init(registration: "a", minutes: 45, confirmed: true),
        ]
        let (lines, total) = DualRegistration.report(registrations: ["a", "b", "c"], entries: entries)
        #expect(lines.map(\.registration) == ["a", "b", "c"])
        #expect(lines.map(\.confirmedMinutes) == [105, 90, 0])
        #expect(lines.map(\.pendingMinutes) == [0, 30, 0])
        #expect(lines.map(\.entries) == [2, 2, 0])
        #expect(total == 195)
    }

    @Test("hours as people write them")
    func hours() {
        #expect(DualRegistration.hours(120) == "2")
        #expect(DualRegistration.hours(90) == "1.5")
        #expect(DualRegistration.hours(15) == "0.25")
        #expect(DualRegistration.hours(165) == "2.75")
        #expect(DualRegistration.hours(10) == "0.17")
    }
}
