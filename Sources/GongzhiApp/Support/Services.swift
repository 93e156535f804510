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
