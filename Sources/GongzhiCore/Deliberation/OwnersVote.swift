import Foundation

/// Owners' joint decisions (业主共同决定) under Civil Code Article 278 and the Supreme People's Court's
/// interpretation on building-division ownership (arts. 8–9), counted exactly: areas in hundredths of a m²,
/// headcounts in persons, every threshold compared in integers, never in floating point.
public enum OwnersVote {
    /// The matters of Article 278; (6)–(8) need the special majority.
    public enum Matter: String, Codable, Sendable, CaseIterable {
        /// (1) 制定和修改业主大会议事规则
        case rulesOfProcedure = "rules_of_procedure"
        /// (2) 制定和修改管理规约
        case managementStatute = "management_statute"
        /// (3) 选举业主委员会或者更换业主委员会成员
        case electCommittee = "elect_committee"
        /// (4) 选聘和解聘物业服务企业或者其他管理人
        case hirePropertyManager = "hire_property_manager"
        /// (5) 使用建筑物及其附属设施的维修资金
        case useMaintenanceFund = "use_maintenance_fund"
        /// (6) 筹集建筑物及其附属设施的维修资金
        case raiseMaintenanceFund = "raise_maintenance_fund"
        /// (7) 改建、重建建筑物及其附属设施
        case rebuild
        /// (8) 改变共有部分的用途或者利用共有部分从事经营活动
        case changeCommonParts = "change_common_parts"
        /// (9) 有关共有和共同管理权利的其他重大事项
        case otherMajorMatter = "other_major_matter"

        /// Matters (6), (7) and (8): ≥ 3/4 of the participating area and headcount.
        public var needsSpecialMajority: Bool { [.raiseMaintenanceFund, .rebuild, .changeCommonParts].contains(self) }
    }

    /// A unit (专有部分) of the compound with its registered exclusive area and its owners.
    public struct Unit: Sendable, Equatable {
        public let id: String
        public let area: Area
        /// The owners' person ids; several for a co-owned unit (共有).
        public let owners: [String]
        /// Unsold or undelivered: all such units together count as one person, the developer.
        public let developerHeld: Bool
        /// For a co-owned unit: the owner who casts its ballot.
        public let representative: String?

        public init(id: String, area: Area, owners: [String], developerHeld: Bool = false, representative: String? = nil) {
            self.id = id
            self.area = area
            self.owners = owners
            self.developerHeld = developerHeld
            self.representative = representative
        }
    }

    /// One owner-person of the electorate: a single owner, a group of co-owners, or the developer, with the
    /// area of all their units.
    public struct Voter: Sendable, Equatable {
        /// `developer`, one person id, or the sorted co-owners' ids joined by "+".
        public let key: String
        /// Who casts the ballot (the owner, the co-owners' representative, or "developer").
        public let castBy: String
        public let area: Area
        public let units: [String]

        public init(key: String, castBy: String, area: Area, units: [String]) {
            self.key = key
            self.castBy = castBy
            self.area = area
            self.units = units
        }
    }

    public struct Electorate: Sendable, Equatable {
        public let voters: [Voter]

        public init(voters: [Voter]) { self.voters = voters }
        public var totalArea: Int { voters.reduce(0) { $0 + $1.area.centiSquareMetres } }
        public var headcount: Int { voters.count }

        public func voter(castBy person: String) -> Voter? { voters.first { $0.castBy == person } }
    }

    public enum ElectorateError: Error, Equatable, Sendable {
        case unitWithoutOwner(String)
        case noRepresentative(unit: String)
        case representativeNotAnOwner(unit: String)
        case duplicateUnit(String)
    }

    public static let developerKey = "developer"

    /// Builds the electorate: one person per unit, except that units of the same owner(s) are one person with
    /// all their area, and the developer's units together are one person.
    public static func electorate(_ units: [Unit]) throws(ElectorateError) -> Electorate {
        var seen = Set<String>()
        var groups: [String: (castBy: String, area: Int, units: [String])] = [:]
        var order: [String] = []
        for unit in units {
            guard seen.insert(unit.id).inserted else { throw .duplicateUnit(unit.id) }
            let key: String, castBy: String
            if unit.developerHeld {
                key = developerKey
                castBy = developerKey
            } else {
                let owners = Array(Set(unit.owners)).sorted()
                guard !owners.isEmpty else { throw .unitWithoutOwner(unit.id) }
                key = owners.joined(separator: "+")
                if owners.count == 1 {
                    castBy = owners[0]
                } else {
                    guard let representative = unit.representative else { throw .noRepresentative(unit: unit.id) }
                    guard owners.contains(representative) else { throw .representativeNotAnOwner(unit: unit.id) }
                    castBy = representative
                }
            }
            if var group = groups[key] {
                group.area += unit.area.centiSquareMetres
                group.units.append(unit.id)
                groups[key] = group
            } else {
                groups[key] = (castBy, unit.area.centiSquareMetres, [unit.id])
                order.append(key)
            }
        }
        return Electorate(voters: order.map { key in
            let group = groups[key]!
            return Voter(key: key, castBy: group.castBy, area: Area(centiSquareMetres: group.area), units: group.units)
        })
    }

    public enum Choice: String, Codable, Sendable, CaseIterable { case yes, no, abstain }

    /// A ballot as stored: the owner-person's key, the choice, and when it was cast (a later ballot of the same
    /// voter replaces an earlier one until the vote closes; `sequence` orders ballots cast in the same instant).
    public struct Ballot: Sendable, Equatable {
        public let voterKey: String
        public let choice: Choice
        public let castAt: Date
        public let sequence: Int

        public init(voterKey: String, choice: Choice, castAt: Date, sequence: Int) {
            self.voterKey = voterKey
            self.choice = choice
            self.castAt = castAt
            self.sequence = sequence
        }
    }

    /// A threshold: `actual` against `base` with the fraction `numerator/denominator`, inclusive (以上, ≥) or
    /// strict (过半数, >). `needed` is the least whole amount that passes; `margin` = actual − needed (≥ 0 passes).
    public struct Threshold: Sendable, Equatable {
        public let actual: Int
        public let base: Int
        public let numerator: Int
        public let denominator: Int
        public let strict: Bool

        public var needed: Int {
            let product = numerator * base
            return strict ? product / denominator + 1 : (product + denominator - 1) / denominator
        }
        public var passed: Bool { base > 0 && actual >= needed }
        public var margin: Int { actual - needed }

        public init(actual: Int, base: Int, numerator: Int, denominator: Int, strict: Bool) {
            self.actual = actual
            self.base = base
            self.numerator = numerator
            self.denominator = denominator
            self.strict = strict
        }
    }

    public struct Tally: Sendable, Equatable {
        public let matter: Matter
        public let totalArea: Int
        public let totalHeadcount: Int
        public let yesArea: Int, noArea: Int, abstainArea: Int
        public let yesHeadcount: Int, noHeadcount: Int, abstainHeadcount: Int
        public var participatingArea: Int { yesArea + noArea + abstainArea }
        public var participatingHeadcount: Int { yesHeadcount + noHeadcount + abstainHeadcount }
        /// ≥ 2/3 of the total area and of the headcount took part.
        public let quorumArea: Threshold
        public let quorumHeadcount: Threshold
        /// Yes against the participants: ≥ 3/4 for matters (6)–(8), > 1/2 otherwise.
        public let approvalArea: Threshold
        public let approvalHeadcount: Threshold
        public var quorumMet: Bool { quorumArea.passed && quorumHeadcount.passed }
        public var passed: Bool { quorumMet && approvalArea.passed && approvalHeadcount.passed }
    }

    public enum TallyError: Error, Equatable, Sendable {
        case unknownVoter(String)
    }

    /// Counts the ballots (the last one of each voter) against the electorate. Abstentions take part (they count
    /// towards the quorum and the base of approval) but are not approval.
    public static func tally(electorate: Electorate, ballots: [Ballot], matter: Matter) throws(TallyError) -> Tally {
        let voters = Dictionary(uniqueKeysWithValues: electorate.voters.map { ($0.key, $0) })
        var last: [String: Ballot] = [:]
        for ballot in ballots {
            guard voters[ballot.voterKey] != nil else { throw .unknownVoter(ballot.voterKey) }
            if let previous = last[ballot.voterKey], (previous.castAt, previous.sequence) > (ballot.castAt, ballot.sequence) { continue }
            last[ballot.voterKey] = ballot
        }
        var area: [Choice: Int] = [:], heads: [Choice: Int] = [:]
        for (key, ballot) in last {
            area[ballot.choice, default: 0] += voters[key]!.area.centiSquareMetres
            heads[ballot.choice, default: 0] += 1
        }
        let yesArea = area[.yes] ?? 0, noArea = area[.no] ?? 0, abstainArea = area[.abstain] ?? 0
        let yesHeads = heads[.yes] ?? 0, noHeads = heads[.no] ?? 0, abstainHeads = heads[.abstain] ?? 0
        let participatingArea = yesArea + noArea + abstainArea, participatingHeads = yesHeads + noHeads + abstainHeads
        let special = matter.needsSpecialMajority
        return Tally(
            matter: matter, totalArea: electorate.totalArea, totalHeadcount: electorate.headcount,
            yesArea: yesArea, noArea: noArea, abstainArea: abstainArea,
            yesHeadcount: yesHeads, noHeadcount: noHeads, abstainHeadcount: abstainHeads,
            quorumArea: Threshold(actual: participatingArea, base: electorate.totalArea, numerator: 2, denominator: 3, strict: false),
            quorumHeadcount: Threshold(actual: participatingHeads, base: electorate.headcount, numerator: 2, denominator: 3, strict: false),
            approvalArea: Threshold(actual: yesArea, base: participatingArea, numerator: special ? 3 : 1, denominator: special ? 4 : 2, strict: !special),
            approvalHeadcount: Threshold(actual: yesHeads, base: participatingHeads, numerator: special ? 3 : 1, denominator: special ? 4 : 2, strict: !special))
    }
}
