import Foundation
import GongzhiCore
import Vapor

/// The app's long-lived services, made once from `AppConfig` at start-up.
struct GongzhiServices: Sendable {
    let config: AppConfig
    let cipher: FieldCipher
    let passwords: GongzhiCore.PasswordHasher
    /// A hash of a random password with the configured rounds, checked when a username does not exist so that
    /// the answer takes as long as for a real account.
    let decoyPasswordHash: String
    /// Working days and hours, from the holiday data.
    let calendar: WorkingCalendar
    /// Where personal data lives (`Resources/PersonalData/inventory.tsv`): the resident's export and erasure follow it.
    let dataInventory: DataInventory
}

enum DataInventoryLoader {
    static func load(root: String) throws -> DataInventory {
        let path = root + "Resources/PersonalData/inventory.tsv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError(problems: ["\(path) is missing"]) }
        do { return try DataInventory(tsv: text) } catch { throw ConfigurationError(problems: ["\(path) is not valid: \(error)"]) }
    }
}

/// Reads every `cn-YYYY.json` in the shipped `Resources/Calendar` and then in the configured directory (a later
/// file for the same year replaces the earlier one).
enum CalendarLoader {
    static func load(root: String, extra: String?, periods: [WorkingCalendar.Period]) throws -> WorkingCalendar {
        var years: [HolidayYear] = []
        for directory in [root + "Resources/Calendar"] + (extra.map { [$0] } ?? []) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
                do { years.append(try JSONDecoder().decode(HolidayYear.self, from: data)) } catch {
                    throw ConfigurationError(problems: ["holiday file \(directory)/\(name) is not valid: \(error)"])
                }
            }
        }
        do { return try WorkingCalendar(years: years, periods: periods) } catch {
            throw ConfigurationError(problems: ["holiday data is not valid: \(error)"])
        }
    }
}

extension Application {
    private struct GongzhiServicesKey: StorageKey { typealias Value = GongzhiServices }

    var gongzhi: GongzhiServices {
        get {
            guard let services = storage[GongzhiServicesKey.self] else { fatalError("configure(_:) has not run") }
            return services
        }
        set { storage[GongzhiServicesKey.self] = newValue }
    }
}

extension Request {
    var gongzhi: GongzhiServices { application.gongzhi }
}
