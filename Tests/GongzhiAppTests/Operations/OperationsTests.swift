import Fluent
import Foundation
import Testing
import VaporTesting
import FluentSQLiteDriver
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("Operations: health, metrics, pages, preferences")
struct OperationsTests {
    @Test("/healthz answers with the database state; /metrics counts requests in Prometheus text")
    func healthAndMetrics() async throws {
        try await withApp(seed: false) { app, _ in
            var client = TestClient(app)
            let health = try await client.send(.GET, "/healthz")
            #expect(health.status == .ok && health.body.string.contains("\"database\":\"ok\""))
            _ = try await client.send(.GET, "/login")
            let metrics = try await client.send(.GET, "/metrics")
            #expect(metrics.headers.contentType?.subType == "plain")
            #expect(metrics.body.string.contains("http_requests_total"))
            #expect(metrics.body.string.contains("http_request_duration_seconds"))
            // The process's memory (SECURITY row 38's soak reads these): resident set and the heap, in bytes.
            func value(_ name: String) -> Double? {
                metrics.body.string.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            #if os(Linux)
            #expect(try #require(value("process_resident_memory_bytes")) > 10_000_000)
            let inUse = try #require(value("gongzhi_heap_in_use_bytes")), held = try #require(value("gongzhi_heap_held_bytes"))
            #expect(inUse > 1_000_000 && held >= inUse)
            #expect(try #require(value("gongzhi_heap_arenas")) >= 1)
            #endif
            if case .sqlite = app.gongzhi.config.database {
                // SQLite's own count, turned on before its first connection: its caches and schema are part of the heap.
                let sqlite = try #require(value("gongzhi_sqlite_memory_bytes"))
                #expect(sqlite > 10_000)
                #if os(Linux)
                #expect(sqlite < inUse)
                #endif
            }
        }
    }

    @Test("the heap figures follow what the program holds: 64 MiB held shows in the heap in use, and goes when freed")
    func heapFigures() throws {
        #if os(Linux)
        let before = ProcessMemory.read()
        let size = 64 << 20
        let block = try #require(malloc(size))
        memset(block, 1, size)
        let holding = ProcessMemory.read()
        free(block)
        let after = ProcessMemory.read()
        // Other tests of this process allocate and free meanwhile: a margin of a quarter of the block.
        #expect(holding.heapInUseBytes > before.heapInUseBytes + UInt64(size * 3 / 4))
        #expect(holding.heapInUseBytes > after.heapInUseBytes + UInt64(size * 3 / 4))
        #expect(holding.heapHeldBytes >= holding.heapInUseBytes)
        #expect(try #require(holding.residentBytes) > size)
        #endif
        #expect(ProcessMemory.resident(statm: "5120 2048 300 100 0 900 0\n", pageSize: 4096) == 2048 * 4096)
        #expect(ProcessMemory.resident(statm: "", pageSize: 4096) == nil)
    }

    @Test("a trim hands pages freed in the middle of the heap back to the system: 64 MiB of small blocks freed all but one in 64")
    func heapTrim() throws {
        #if os(Linux)
        // Small blocks come from an arena, not from mmap; the one in 64 kept (the last among them) stops free()
        // from trimming the arena's top by itself, as a long-lived object would in the server.
        let count = 65_536, size = 1_024
        var blocks = [UnsafeMutableRawPointer]()
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            let block = try #require(malloc(size))
            memset(block, 7, size)
            blocks.append(block)
        }
        for (index, block) in blocks.enumerated() where index % 64 != 63 { free(block) }
        let before = try #require(ProcessMemory.read().residentBytes)
        ProcessMemory.trim()
        let after = try #require(ProcessMemory.read().residentBytes)
        for (index, block) in blocks.enumerated() where index % 64 == 63 { free(block) }
        // 63 of 64 MiB were freed; other tests of this process allocate meanwhile, hence half as the bound.
        #expect(before - after > 32 << 20, "resident \(before >> 20) MiB before the trim, \(after >> 20) MiB after")
        #endif
    }

    @Test("every page is Chinese by default, switches to English, remembers the elderly mode, and sends security headers")
    func pages() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var browser = try await TestClient.browser(app, as: "worker")
            let building = try #require(try await BuildingRecord.find(f.unitA.$building.id, on: app.db))
            let buildingPage = try await browser.send(.GET, "/org/buildings/\(building.id!.uuidString)")
            #expect(buildingPage.body.string.contains("/households/\(f.householdA.id!.uuidString)"))
            let paths = ["/", "/org", "/org?node=\(f.communityA.id!.uuidString)", "/people", "/import",
                         "/people/\(f.personA.id!.uuidString)", "/households/\(f.householdA.id!.uuidString)"]
            for path in paths {
                let page = try await browser.send(.GET, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.body.string.contains("<html lang=\"zh-CN\""), "\(path)")
                #expect(page.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
                #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            // Public files are served from /static/ only (nothing else is looked up on disk), with the same headers.
            let css = try await browser.send(.GET, "/static/app.css")
            #expect(css.status == .ok && css.headers.contentType?.subType == "css")
            #expect(css.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(try await browser.send(.GET, "/static/../Package.swift").status.code >= 400)
            #expect(try await browser.send(.GET, "/static/none.css").status == .notFound)
            _ = try await browser.send(.GET, "/prefs/elderly/on?next=/org")
            let elderly = try await browser.send(.GET, "/org")
            #expect(elderly.body.string.contains("<html lang=\"zh-CN\" class=\"elderly\">"))
            let redirect = try await browser.send(.GET, "/prefs/lang/en?next=//evil.example")
            #expect(redirect.headers.first(name: .location) == "/")
            var auditor = try await TestClient.browser(app, as: "auditor")
            let audit = try await auditor.send(.GET, "/audit?verify=1")
            #expect(audit.status == .ok && audit.body.string.contains("哈希链完整"))
            var security = try await TestClient.browser(app, as: "security")
            #expect(try await security.send(.GET, "/users").status == .ok)
            #expect(try await security.send(.GET, "/people").status == .forbidden)
        }
    }

    @Test("stored text comes back escaped on pages")
    func escaping() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let payload = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
            let created = try await worker.send(.POST, "/api/v1/org/nodes", json: ["parentId": f.communityA.id!.uuidString, "name": payload])
            #expect(created.status == .created)
            var browser = try await TestClient.browser(app, as: "worker")
            let page = try await browser.send(.GET, "/org?node=\(f.communityA.id!.uuidString)")
            #expect(!page.body.string.contains("<script>alert(1)"))
            #expect(!page.body.string.contains("<img src=x"))
            #expect(page.body.string.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }
}
