/// A generated district: the organisation tree, compounds, buildings, units, households and persons
/// (issue 3 item 8). Pure data, in insertion order (parents before children); the app writes it.
public struct DemoDistrict: Sendable {
    public struct Node: Sendable {
        public let level: OrgLevel
        public let name: String
        public let code: String
        /// Index into `nodes`; nil for the district.
        public let parent: Int?
    }

    public struct Compound: Sendable {
        public let name: String
        /// Index of the community in `nodes`.
        public let community: Int
        /// Commercial compounds have a property company; old ones do not (SPEC §3 PROPERTY_* categories).
        public let commercial: Bool
    }

    public struct Building: Sendable {
        public let name: String
        public let compound: Int
        /// Index of the grid in `nodes`.
        public let grid: Int
        /// Laid out on a plan: communities 3 km apart, compounds 250 m apart, buildings 45 m apart.
        public let location: GeoPoint
    }

    /// The demo district's south-west corner (a made-up place in a real city's latitude).
    public static let origin = GeoPoint(latitude: 39.93, longitude: 116.33)!

    public struct Unit: Sendable {
        public let number: String
        public let building: Int
        public let area: Area
        /// Unsold or undelivered: held by the developer (one person together in owners' votes).
        public let developerHeld: Bool
    }

    public struct Person: Sendable {
        public let name: String
        public let idNumber: String
        public let phone: String
    }

    public struct Household: Sendable {
        public let unit: Int
    }

    public struct Member: Sendable {
        public let household: Int
        public let person: Int
        public let relation: HouseholdRelation
        /// False for an owner who lets the unit and lives elsewhere.
        public let resides: Bool
    }

    public var nodes: [Node] = []
    /// ID and mobile numbers already given out: each is unique, as in life (and the ID's keyed hash is UNIQUE).
    var usedNumbers = Set<String>()
    public var compounds: [Compound] = []
    public var buildings: [Building] = []
    public var units: [Unit] = []
    public var persons: [Person] = []
    public var households: [Household] = []
    public var members: [Member] = []

    /// Households per community and per grid, as in practice (a community serves a few thousand households).
    static let householdsPerCommunity = 2_500
    static let householdsPerGrid = 400

    /// Builds a district of `streets` streets holding about `households` households, deterministically from `seed`,
    /// with at least `communitiesPerStreet` communities in each street (a street official has someone to compare).
    public static func generate(streets: Int, households: Int, seed: UInt64, communitiesPerStreet: Int = 1) -> DemoDistrict {
        var rng = SeededGenerator(seed: seed)
        var plan = DemoDistrict()
        var usedStems = Set<String>()
        let streets = max(1, streets)
        let households = max(1, households)
        let communities = max(streets * max(1, communitiesPerStreet), (households + householdsPerCommunity - 1) / householdsPerCommunity)

        let districtStem = ChineseNames.placeStem(using: &rng, avoiding: &usedStems)
        plan.nodes.append(Node(level: .district, name: districtStem + "区", code: "110199", parent: nil))
        var communityIndexes: [Int] = []
        for s in 0..<streets {
            let stem = ChineseNames.placeStem(using: &rng, avoiding: &usedStems)
            plan.nodes.append(Node(level: .street, name: stem + "街道", code: "110199" + DemoIdentity.pad(s + 1, 3), parent: 0))
            let streetIndex = plan.nodes.count - 1
            let count = communities / streets + (s < communities % streets ? 1 : 0)
            for c in 0..<count {
                let stem = ChineseNames.placeStem(using: &rng, avoiding: &usedStems)
                let code = plan.nodes[streetIndex].code + DemoIdentity.pad(c + 1, 3)
                plan.nodes.append(Node(level: .community, name: stem + "社区", code: code, parent: streetIndex))
                communityIndexes.append(plan.nodes.count - 1)
            }
        }

        var remaining = households
        for (position, community) in communityIndexes.enumerated() {
            let share = remaining / (communityIndexes.count - position)
            remaining -= share
            let centre = Self.origin.offset(north: Double(position / 6) * 3_000, east: Double(position % 6) * 3_000)
            plan.addCommunityContents(community: community, households: share, centre: centre, rng: &rng, usedStems: &usedStems)
        }
        return plan
    }

    mutating func addCommunityContents(community: Int, households: Int, centre: GeoPoint, rng: inout SeededGenerator, usedStems: inout Set<String>) {
        let gridCount = max(1, (households + Self.householdsPerGrid - 1) / Self.householdsPerGrid)
        var grids: [Int] = []
        for g in 0..<gridCount {
            let code = nodes[community].code + DemoIdentity.pad(g + 1, 2)
            nodes.append(Node(level: .grid, name: "第\(g + 1)网格", code: code, parent: community))
            grids.append(nodes.count - 1)
        }
        var placed = 0
        var ordinal = 0
        while placed < households {
            let corner = centre.offset(north: Double(ordinal / 5) * 250, east: Double(ordinal % 5) * 250)
            ordinal += 1
            let stem = ChineseNames.placeStem(using: &rng, avoiding: &usedStems)
            let commercial = rng.chance(0.6)
            compounds.append(Compound(name: stem + ChineseNames.compoundSuffix(using: &rng), community: community, commercial: commercial))
            let compound = compounds.count - 1
            let buildingCount = rng.int(4...14)
            for b in 1...buildingCount where placed < households {
                // Consecutive buildings share a grid, as grids are drawn over neighbouring buildings.
                let grid = grids[min(grids.count - 1, placed * gridCount / households)]
                let location = corner.offset(north: Double((b - 1) / 4) * 45, east: Double((b - 1) % 4) * 45)
                buildings.append(Building(name: "\(b)号楼", compound: compound, grid: grid, location: location))
                let building = buildings.count - 1
                let floors = commercial ? rng.int(6...18) : rng.int(5...6)
                let perFloor = commercial ? rng.pick([2, 4]) : 2
                for floor in 1...floors where placed < households {
                    for door in 1...perFloor where placed < households {
                        let area = Area(centiSquareMetres: rng.int(commercial ? 6_000...16_000 : 3_800...9_000) + rng.pick([0, 25, 50, 75]))
                        let developerHeld = commercial && rng.chance(0.02)
                        units.append(Unit(number: "\(floor)\(door < 10 ? "0" : "")\(door)", building: building, area: area, developerHeld: developerHeld))
                        if developerHeld { continue }
                        addHousehold(unit: units.count - 1, rng: &rng)
                        placed += 1
                    }
                }
            }
        }
    }

    mutating func addHousehold(unit: Int, rng: inout SeededGenerator) {
        households.append(Household(unit: unit))
        let household = households.count - 1
        func person(_ years: ClosedRange<Int>) -> Int {
            var idNumber = DemoIdentity.idNumber(using: &rng, birthYears: years)
            while !usedNumbers.insert(idNumber).inserted { idNumber = DemoIdentity.idNumber(using: &rng, birthYears: years) }
            var phone = DemoIdentity.mobile(using: &rng)
            while !usedNumbers.insert(phone).inserted { phone = DemoIdentity.mobile(using: &rng) }
            persons.append(Person(name: ChineseNames.person(using: &rng), idNumber: idNumber, phone: phone))
            return persons.count - 1
        }
        // Some owners hold several units (a large owner counts once, with all their area, in owners' votes);
        // they live in one and let the others.
        let owner: Int
        var rented = rng.chance(0.2)
        if rng.chance(0.03), let previous = members.last(where: { $0.relation == .owner }) {
            owner = previous.person
            rented = true
        } else {
            owner = person(1940...1995)
        }
        members.append(Member(household: household, person: owner, relation: .owner, resides: !rented))
        if rented {
            members.append(Member(household: household, person: person(1975...2003), relation: .tenant, resides: true))
        } else if rng.chance(0.5) {
            members.append(Member(household: household, person: person(1940...1998), relation: .coOwner, resides: true))
        }
        for _ in 0..<rng.int(0...2) {
            members.append(Member(household: household, person: person(1945...2020), relation: .family, resides: true))
        }
    }
}
