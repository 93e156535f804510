import Foundation
import PropertyBased
import Testing
@testable import GongzhiCore

@Suite("Owners' votes: Civil Code Article 278, exactly")
struct OwnersVoteTests {
    typealias Unit = OwnersVote.Unit
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func area(_ m2: Int) -> Area { Area(centiSquareMetres: m2 * 100) }
    func units(_ owners: [String], area m2: Int = 100) -> [Unit] {
        owners.enumerated().map { Unit(id: "u\($0.offset)", area: area(m2), owners: [$0.element]) }
    }
    func ballots(_ choices: [(String, OwnersVote.Choice)]) -> [OwnersVote.Ballot] {
        choices.enumerated().map { .init(voterKey: $0.element.0, choice: $0.element.1, castAt: t0.addingTimeInterval(Double($0.offset)), sequence: $0.offset) }
    }
    func tally(_ units: [Unit], _ votes: [(String, OwnersVote.Choice)], _ matter: OwnersVote.Matter = .electCommittee) throws -> OwnersVote.Tally {
        try OwnersVote.tally(electorate: try OwnersVote.electorate(units), ballots: ballots(votes), matter: matter)
    }

    @Test("quorum at exactly 2/3 of the area and of the headcount passes; one hundredth of a m² less fails by 1")
    func quorumBoundary() throws {
        // Three owners of 100 m² each: two taking part are exactly 2/3 of both.
        let exact = try tally(units(["a", "b", "c"]), [("a", .yes), ("b", .yes)])
        #expect(exact.quorumArea.passed && exact.quorumHeadcount.passed && exact.quorumArea.margin == 0 && exact.quorumHeadcount.margin == 0)
        // The same heads, but a's unit is 0.01 m² smaller: 199.99 of 299.99 m² is under 2/3 (3 × 19 999 < 2 × 29 999).
        let smaller = [Unit(id: "u0", area: Area(centiSquareMetres: 9_999), owners: ["a"])] + Array(units(["a", "b", "c"]).dropFirst())
        let short = try tally(smaller, [("a", .yes), ("b", .yes)])
        #expect(!short.quorumArea.passed && short.quorumArea.margin == -1 && short.quorumHeadcount.passed && !short.passed)
        // Headcount exactly 2/3 with unequal areas; and 3 of 6 heads (1/2) fails.
        let six = units(["a", "b", "c", "d", "e", "f"])
        let halfOfSix = try tally(six, [("a", .yes), ("b", .yes), ("c", .yes)])
        let twoThirdsOfSix = try tally(six, [("a", .yes), ("b", .yes), ("c", .yes), ("d", .no)])
        #expect(!halfOfSix.quorumHeadcount.passed && twoThirdsOfSix.quorumHeadcount.margin == 0)
    }

    @Test("ordinary matters need more than half: exactly half fails, one more passes")
    func strictHalf() throws {
        let four = units(["a", "b", "c", "d"])
        let half = try tally(four, [("a", .yes), ("b", .yes), ("c", .no), ("d", .no)])
        #expect(half.quorumMet && !half.approvalArea.passed && !half.approvalHeadcount.passed && half.approvalHeadcount.margin == -1 && !half.passed)
        let more = try tally(four, [("a", .yes), ("b", .yes), ("c", .yes), ("d", .no)])
        #expect(more.passed && more.approvalHeadcount.needed == 3)
    }

    @Test("matters (6) to (8) need at least 3/4: exactly 3/4 passes, just under fails", arguments: [OwnersVote.Matter.raiseMaintenanceFund, .rebuild, .changeCommonParts])
    func threeQuarters(matter: OwnersVote.Matter) throws {
        let four = units(["a", "b", "c", "d"])
        let exact = try tally(four, [("a", .yes), ("b", .yes), ("c", .yes), ("d", .no)], matter)
        #expect(exact.passed && exact.approvalArea.margin == 0 && exact.approvalHeadcount.margin == 0)
        // Area just under 3/4: d's unit is a hundredth larger.
        let heavier = Array(four.prefix(3)) + [Unit(id: "u3", area: Area(centiSquareMetres: 10_001), owners: ["d"])]
        let under = try tally(heavier, [("a", .yes), ("b", .yes), ("c", .yes), ("d", .no)], matter)
        #expect(!under.approvalArea.passed && under.approvalHeadcount.passed && !under.passed)
        let half = try tally(four, [("a", .yes), ("b", .yes), ("c", .no), ("d", .no)], matter)
        #expect(!half.passed)
    }

    @Test("one owner of many units is one person with all their area; the developer's units are one person")
    func owners() throws {
        let big = (0..<10).map { Unit(id: "big\($0)", area: area(100), owners: ["tycoon"]) }
        let developer = (0..<5).map { Unit(id: "dev\($0)", area: area(80), owners: [], developerHeld: true) }
        let electorate = try OwnersVote.electorate(big + developer + units(["a", "b"]))
        #expect(electorate.headcount == 4)
        #expect(electorate.voters.first { $0.key == "tycoon" }?.area == area(1_000))
        #expect(electorate.voters.first { $0.key == OwnersVote.developerKey }?.area == area(400))
        // The tycoon alone has the area for the quorum (1000 of 1600 < 2/3 though) but not the heads.
        let alone = try OwnersVote.tally(electorate: electorate, ballots: ballots([("tycoon", .yes)]), matter: .electCommittee)
        #expect(!alone.quorumHeadcount.passed && alone.participatingArea == 100_000)
        let withDeveloper = try OwnersVote.tally(electorate: electorate, ballots: ballots([("tycoon", .yes), (OwnersVote.developerKey, .yes), ("a", .no)]),
                                                 matter: .electCommittee)
        #expect(withDeveloper.quorumMet && withDeveloper.passed && withDeveloper.yesHeadcount == 2)
    }

    @Test("a co-owned unit votes once, by its designated representative; without one it cannot be counted")
    func coOwned() throws {
        let shared = Unit(id: "s", area: area(90), owners: ["wife", "husband"], representative: "wife")
        let electorate = try OwnersVote.electorate([shared, Unit(id: "h", area: area(50), owners: ["husband"])])
        #expect(electorate.headcount == 2)
        #expect(electorate.voter(castBy: "wife")?.key == "husband+wife")
        #expect(electorate.voter(castBy: "husband")?.key == "husband")
        #expect(throws: OwnersVote.ElectorateError.noRepresentative(unit: "x")) {
            try OwnersVote.electorate([Unit(id: "x", area: area(1), owners: ["p", "q"])])
        }
        #expect(throws: OwnersVote.ElectorateError.representativeNotAnOwner(unit: "x")) {
            try OwnersVote.electorate([Unit(id: "x", area: area(1), owners: ["p", "q"], representative: "r")])
        }
        #expect(throws: OwnersVote.ElectorateError.unitWithoutOwner("y")) { try OwnersVote.electorate([Unit(id: "y", area: area(1), owners: [])]) }
        #expect(throws: OwnersVote.ElectorateError.duplicateUnit("y")) {
            try OwnersVote.electorate([Unit(id: "y", area: area(1), owners: ["p"]), Unit(id: "y", area: area(1), owners: ["q"])])
        }
    }

    @Test("abstentions take part but are not approval; a changed ballot replaces the earlier one")
    func abstainAndChange() throws {
        let three = units(["a", "b", "c"])
        let abstained = try tally(three, [("a", .yes), ("b", .abstain), ("c", .abstain)])
        #expect(abstained.quorumMet && abstained.participatingHeadcount == 3 && !abstained.passed && abstained.approvalHeadcount.needed == 2)
        let changed = try tally(three, [("a", .yes), ("b", .no), ("b", .yes), ("c", .abstain)])
        #expect(changed.yesHeadcount == 2 && changed.noHeadcount == 0 && changed.passed)
        // Order is by time, then sequence, not by position in the list.
        let early = OwnersVote.Ballot(voterKey: "b", choice: .yes, castAt: t0, sequence: 1)
        let late = OwnersVote.Ballot(voterKey: "b", choice: .no, castAt: t0.addingTimeInterval(60), sequence: 0)
        let reordered = try OwnersVote.tally(electorate: try OwnersVote.electorate(three), ballots: [late, early], matter: .electCommittee)
        #expect(reordered.noHeadcount == 1 && reordered.yesHeadcount == 0)
        #expect(throws: OwnersVote.TallyError.unknownVoter("zed")) {
            try OwnersVote.tally(electorate: try OwnersVote.electorate(three), ballots: ballots([("zed", .yes)]), matter: .rebuild)
        }
    }

    @Test("an empty electorate or no ballots never passes")
    func empty() throws {
        let nobody = try tally([], [])
        let silent = try tally(units(["a"]), [])
        #expect(!nobody.passed && !silent.passed)
    }

    /// The rules written the other way: maps built by scanning, thresholds by cross-multiplication.
    func reference(_ units: [Unit], _ ballots: [OwnersVote.Ballot], _ matter: OwnersVote.Matter) -> (quorum: Bool, passed: Bool, yes: Int, heads: Int) {
        var keys: [String] = [], areas: [Int] = []
        for unit in units {
            let key = unit.developerHeld ? "developer" : Set(unit.owners).sorted().joined(separator: "+")
            if let i = keys.firstIndex(of: key) { areas[i] += unit.area.centiSquareMetres } else { keys.append(key); areas.append(unit.area.centiSquareMetres) }
        }
        var final: [String: OwnersVote.Choice] = [:]
        for ballot in ballots.sorted(by: { ($0.castAt, $0.sequence) < ($1.castAt, $1.sequence) }) { final[ballot.voterKey] = ballot.choice }
        let totalArea = areas.reduce(0, +), totalHeads = keys.count
        var partArea = 0, partHeads = 0, yesArea = 0, yesHeads = 0
        for (i, key) in keys.enumerated() {
            guard let choice = final[key] else { continue }
            partArea += areas[i]; partHeads += 1
            if choice == .yes { yesArea += areas[i]; yesHeads += 1 }
        }
        let quorum = totalHeads > 0 && 3 * partArea >= 2 * totalArea && 3 * partHeads >= 2 * totalHeads
        let approval = matter.needsSpecialMajority
            ? partHeads > 0 && 4 * yesArea >= 3 * partArea && 4 * yesHeads >= 3 * partHeads
            : partHeads > 0 && 2 * yesArea > partArea && 2 * yesHeads > partHeads
        return (quorum, quorum && approval, yesArea, yesHeads)
    }

    /// A unit as generated: its owner (and co-owner) among eight people, kind, area and who represents it.
    struct UnitSpec: Sendable, CustomStringConvertible {
        let owner: Int, coOwner: Int, kind: Int, area: Int, representativeIsFirst: Bool
        var description: String { "(owner p\(owner) co p\(coOwner) kind \(kind) \(area))" }

        func unit(_ index: Int) -> Unit {
            let size = Area(centiSquareMetres: area)
            if kind == 0 { return Unit(id: "u\(index)", area: size, owners: [], developerHeld: true) }
            if kind <= 2, owner != coOwner {
                let (a, b) = ("p\(owner)", "p\(coOwner)")
                return Unit(id: "u\(index)", area: size, owners: [a, b], representative: representativeIsFirst ? a : b)
            }
            return Unit(id: "u\(index)", area: size, owners: ["p\(owner)"])
        }
    }

    struct BallotSpec: Sendable, CustomStringConvertible {
        let voter: Int, choice: OwnersVote.Choice, second: Int
        var description: String { "(v\(voter) \(choice.rawValue) @\(second))" }
    }

    /// Areas from a small set, so that exact ties (1/2, 2/3, 3/4 of the area) come up often.
    static let unitsGen = zip(Gen.int(in: 0...7), Gen.int(in: 0...7), Gen.int(in: 0...9),
                              Gen.int(in: 0...6).map { [5_000, 10_000, 10_000, 10_000, 15_000, 8_899, 12_345][$0] }, Gen.bool)
        .map { UnitSpec(owner: $0.0, coOwner: $0.1, kind: $0.2, area: $0.3, representativeIsFirst: $0.4) }
        .array(of: 1...14)
    static let ballotsGen = zip(Gen.int(in: 0...15), Gen<OwnersVote.Choice>.case, Gen.int(in: 0...50))
        .map { BallotSpec(voter: $0.0, choice: $0.1, second: $0.2) }
        .array(of: 0...30)

    @Test("property (swift-property-based): on random electorates and ballots the tally equals the brute-force reference")
    func property() async throws {
        await propertyCheck(count: 600, input: Self.unitsGen, Self.ballotsGen, Gen<OwnersVote.Matter>.case) { specs, ballotSpecs, matter in
            let list = specs.enumerated().map { $0.element.unit($0.offset) }
            let electorate = try OwnersVote.electorate(list)
            // Ballots name voters by position (modulo the electorate's size); several per voter change the choice.
            let cast = ballotSpecs.enumerated().map { n, spec in
                OwnersVote.Ballot(voterKey: electorate.voters[spec.voter % electorate.voters.count].key, choice: spec.choice,
                                  castAt: t0.addingTimeInterval(Double(spec.second)), sequence: n)
            }
            let result = try OwnersVote.tally(electorate: electorate, ballots: cast.reversed(), matter: matter)
            let expected = reference(list, cast, matter)
            #expect(result.quorumMet == expected.quorum && result.passed == expected.passed)
            #expect(result.yesArea == expected.yes && result.yesHeadcount == expected.heads)
            #expect(result.totalHeadcount == Set(list.map { $0.developerHeld ? "developer" : Set($0.owners).sorted().joined(separator: "+") }).count)
            for threshold in [result.quorumArea, result.quorumHeadcount, result.approvalArea, result.approvalHeadcount] where threshold.base > 0 {
                // `needed` is the least amount that passes.
                func passes(_ n: Int) -> Bool {
                    threshold.strict ? n * threshold.denominator > threshold.numerator * threshold.base
                        : n * threshold.denominator >= threshold.numerator * threshold.base
                }
                #expect(passes(threshold.needed) && !passes(threshold.needed - 1))
            }
        }
    }
}
