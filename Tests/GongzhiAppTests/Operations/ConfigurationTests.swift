import Fluent
import Foundation
import SQLKit
import Testing
@testable import GongzhiApp

@Suite("Configuration from the environment and the durability it sets")
struct ConfigurationTests {
    @Test("every bad value is named in one error")
    func badValuesListedTogether() throws {
        let env = ["GONGZHI_DATA_KEY": "short", "GONGZHI_SQLITE_SYNCHRONOUS": "off", "GONGZHI_WORKING_HOURS": "9-5"]
        do {
            _ = try AppConfig.fromEnvironment(env)
            Issue.record("a bad configuration was accepted")
        } catch let error as ConfigurationError {
            let text = error.problems.joined(separator: "\n")
            #expect(text.contains("GONGZHI_SQLITE_SYNCHRONOUS"))
            #expect(text.contains("GONGZHI_DATA_KEY"))
            #expect(text.contains("GONGZHI_WORKING_HOURS"))
        }
    }

    @Test("the allocator: 2 arenas and a fixed 256 KiB mmap threshold by default; 0 leaves glibc's; glibc's own variables win")
    func allocatorSettings() throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key]).allocator == AllocatorSettings(arenas: 2, mmapThresholdKiB: 256))
        let set = try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key, "GONGZHI_MALLOC_ARENAS": "0", "GONGZHI_MALLOC_MMAP_THRESHOLD_KB": "1024"])
        #expect(set.allocator == AllocatorSettings(arenas: 0, mmapThresholdKiB: 1024))
        let glibc = try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key, "MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "65536",
                                                  "GONGZHI_MALLOC_ARENAS": "3"])
        #expect(glibc.allocator == AllocatorSettings(arenas: 0, mmapThresholdKiB: 0))
        for (name, value) in [("GONGZHI_MALLOC_ARENAS", "65"), ("GONGZHI_MALLOC_ARENAS", "two"), ("GONGZHI_MALLOC_MMAP_THRESHOLD_KB", "-1"),
                              ("GONGZHI_MALLOC_MMAP_THRESHOLD_KB", "40000")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") { try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key, name: value]) }
        }
        #if os(Linux)
        // glibc takes the default threshold (lowering the arena limit here would bind the rest of the test process;
        // scripts/api-fuzz checks the served process's arenas).
        #expect(ProcessMemory.configureAllocator(AllocatorSettings(arenas: 0, mmapThresholdKiB: 256)))
        #expect(ProcessMemory.arenaCount() >= 1)
        #endif
    }

    @Test("SQLite runs with synchronous=FULL unless NORMAL is asked for")
    func sqliteSynchronousLevel() async throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key]).sqliteSynchronous == .full)
        #expect(try AppConfig.fromEnvironment(["GONGZHI_DATA_KEY": key, "GONGZHI_SQLITE_SYNCHRONOUS": "NORMAL"]).sqliteSynchronous == .normal)
        guard !TestDatabase.isPostgres else { return }
        // PRAGMA synchronous answers 2 for FULL and 1 for NORMAL, on every pooled connection.
        for (level, expected) in [(AppConfig.SQLiteSynchronous.full, 2), (.normal, 1)] {
            try await withApp(seed: false, adjust: { $0.sqliteSynchronous = level }) { app, _ in
                for eventLoop in app.eventLoopGroup.makeIterator() {
                    for id: DatabaseID in [.sqlite, .sqliteWriter] {  // the requests' connections and the write gate's
                        let db = app.databases.database(id, logger: app.logger, on: eventLoop)!
                        let row = try await db.sql().raw("PRAGMA synchronous").first()
                        #expect(try row?.decode(column: "synchronous", as: Int.self) == expected, "\(id)")
                    }
                }
            }
        }
    }
}
