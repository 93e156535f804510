import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// `gongzhi kpi check [--repair]`: recomputes every case's contribution from the cases and compares the sums with
/// the rollups, cell by cell; reports each difference and exits 1, or with `--repair` rebuilds the rollups.
struct KPICheckCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "repair", help: "Rebuild the rollups from the cases when they differ")
        var repair: Bool
    }

    var help: String { "Recomputes the KPI rollups from the cases and reports any difference." }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareAndMigrate()
        _ = try await KPIRollups.catchUpAll(app.context())
        let differences = try await KPIRollups.differences(on: app.db, now: app.clock.now)
        if differences.isEmpty {
            context.console.print("OK: KPI rollups equal the cases")
            return
        }
        for found in differences.prefix(20) {
            let key = found.key
            context.console.error("DIFFERENT (\(found.table)): \(key.day) \(key.placePath) \(key.category) handler \(key.handlerNodeID): stored \(found.stored.values), cases \(found.fresh.values)")
        }
        if signature.repair {
            try await KPIRollups.rebuild(app.context())
            context.console.print("repaired: \(differences.count) cells rebuilt from the cases")
        } else {
            throw Failure(description: "\(differences.count) KPI cells differ from the cases")
        }
    }
}
