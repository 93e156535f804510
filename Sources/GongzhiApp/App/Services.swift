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
    /// Working days and hours in force: the holiday files and the arrangements loaded since (`CalendarStore`).
    let calendars: CalendarStore
    var calendar: WorkingCalendar { calendars.current }
    /// Where personal data lives (`Resources/PersonalData/inventory.tsv`): the resident's export and erasure follow it.
    let dataInventory: DataInventory
    /// Where one-time codes go (`AppConfig.sms`).
    let sms: any SMSProvider
    /// The rules of those codes (Core).
    let phoneCodes = PhoneCodeRules()
    /// The classifier learned from confirmed cases (`LearnedClassifier`).
    let classifier = LearnedClassifier()
}

enum DataInventoryLoader {
    static func load(root: String) throws -> DataInventory {
        let path = root + "Resources/PersonalData/inventory.tsv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError(problems: ["\(path) is missing"]) }
        do { return try DataInventory(tsv: text) } catch { throw ConfigurationError(problems: ["\(path) is not valid: \(error)"]) }
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
