import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi demo --streets 3 --households 20000 --seed 42`: a deterministic, realistic demo district.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "streets", help: "Number of streets (default 3)")
        var streets: Int?
        @Option(name: "households", help: "Number of households (default 20000)")
        var households: Int?
        @Option(name: "seed", help: "Random seed: the same seed gives the same district (default 42)")
        var seed: Int?
    }

    var help: String { "Creates a realistic demo district (streets, communities, grids, compounds, units, residents, accounts)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        let streets = signature.streets ?? 3
        let households = signature.households ?? 20_000
        guard (1...50).contains(streets), (1...2_000_000).contains(households) else {
            throw DemoError(message: "--streets must be 1…50 and --households 1…2000000")
        }
        let started = Date()
        let summary = try await DemoDistrictSeeder.seed(app: app, streets: streets, households: households,
                                                        seed: UInt64(signature.seed ?? 42), progress: true)
        guard let summary else { throw DemoError(message: "the database already holds a district: use an empty database file") }
        context.console.print(String(format: "demo district written in %.1f s: %d nodes, %d compounds, %d buildings, %d units, %d households, %d persons, %d cases",
                                     Date().timeIntervalSince(started), summary.nodes, summary.compounds, summary.buildings,
                                     summary.units, summary.households, summary.persons, summary.cases))
        for line in try await DemoAccounts.banner(app: app) { context.console.print(line) }
    }
}

struct DemoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

enum DemoDistrictSeeder {
    /// Seeds the district unless the database already has one (then nil); with `examples`, also the examples
    /// written through the demo accounts (rectification items; the tests' fixture goes without them).
    static func seed(app: Application, streets: Int, households: Int, seed: UInt64, progress: Bool, examples: Bool = true) async throws -> DemoWriter.Summary? {
        guard try await OrgNodeRecord.query(on: app.db).count() == 0 else { return nil }
        // The demo shows communities to compare (three per street); the tests' fixture keeps one per street.
        let plan = DemoDistrict.generate(streets: streets, households: households, seed: seed, communitiesPerStreet: examples ? 3 : 1)
        let summary = try await DemoWriter.write(plan, seed: seed, app: app, progress: progress, casesPerCommunity: examples ? 40 : 0)
        if examples {
            try await DemoRectifications.seed(app: app)
            try await DemoDeliberation.seed(app: app)
            try await DemoParties.seed(app: app)
            try await DemoDisclosure.seed(app: app)
            try await DemoPoints.seed(app: app)
            try await DemoActivities.seed(app: app)
            try await DemoConvention.seed(app: app)
            try await DemoDualRegistration.seed(app: app)
            try await DemoFinances.seed(app: app)
        }
        return summary
    }
}
