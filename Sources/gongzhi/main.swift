import Foundation
import GongzhiApp
import Logging
import Vapor

var env = try Environment.detect()
let jsonLogs = ProcessInfo.processInfo.environment["GONGZHI_LOG_FORMAT"].map { $0 == "json" } ?? env.isRelease
if jsonLogs {
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
} else {
    try LoggingSystem.bootstrap(from: &env)
}

func report(_ error: any Error) { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }

let config: AppConfig
do {
    config = try AppConfig.fromEnvironment()
} catch {
    report(error)
    exit(1)
}
// Before any thread starts: the arena limit applies only to arenas made after it.
ProcessMemory.configureAllocator(config.allocator)

let app = try await Application.make(env)
do {
    try configure(app, config: config)
    // `serve` is the default command: bare flags (`--port 8081`) mean serve too, but not a request for help.
    let command = env.arguments.dropFirst().first
    let wantsHelp = env.arguments.contains { $0 == "--help" || $0 == "-h" }
    if !wantsHelp, command == nil || command == "serve" || command?.hasPrefix("-") == true {
        try await app.prepareToServe()
    }
    try await app.execute()
    try await app.asyncShutdown()
} catch {
    report(error)
    try? await app.asyncShutdown()
    exit(1)
}
