import CMemoryStats
import Foundation

/// The process's memory for `/metrics` and the soak (SECURITY row 38): the resident set the system counts, and
/// beside it the heap in use and held as the C library counts it. A leak grows what is in use; fragmentation
/// grows only what is held; a cache filling up (SQLite's pages) grows what is in use up to its bound.
public struct ProcessMemory: Equatable {
    /// Resident set (Linux `/proc/self/statm`); nil elsewhere.
    let residentBytes: Int?
    let heapInUseBytes: UInt64
    let heapHeldBytes: UInt64
    /// What SQLite holds of the heap in use (its page caches are bounded by `cache_size` per connection); nil
    /// when its count is off (`countSQLiteMemory` came too late) or SQLite is not linked.
    let sqliteBytes: Int64?

    static func read() -> ProcessMemory {
        let heap = gongzhi_memory_stats_read()
        let sqlite = gongzhi_sqlite_memory_in_use()
        return ProcessMemory(residentBytes: residentFromStatm(), heapInUseBytes: heap.heap_in_use, heapHeldBytes: heap.heap_held,
                             sqliteBytes: sqlite > 0 ? sqlite : nil)
    }

    /// Turns SQLite's count of its memory on, once per process, before its first connection (sqlite-nio builds
    /// SQLite with it off; the count costs a lock per SQLite allocation). Later calls change nothing.
    static let countSQLiteMemory: Bool = gongzhi_sqlite_memory_count_on() == 1

    /// Applies the allocator settings; call before the first thread starts (an arena limit set later leaves the
    /// arenas already made). glibc's own `MALLOC_ARENA_MAX` / `MALLOC_MMAP_THRESHOLD_`, when set, win: `AppConfig`
    /// then leaves the setting at 0. True when every setting asked for took (false off glibc).
    @discardableResult
    public static func configureAllocator(_ settings: AllocatorSettings) -> Bool {
        gongzhi_memory_configure(Int32(settings.arenas), Int32(settings.mmapThresholdKiB * 1024)) == 1
    }

    /// The malloc arenas there are now (glibc); 0 where unknown.
    static func arenaCount() -> Int { Int(gongzhi_memory_arena_count()) }

    /// `/proc/self/statm`'s second field (resident pages) times the page size.
    static func residentFromStatm() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        return resident(statm: text, pageSize: Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    static func resident(statm: String, pageSize: Int) -> Int? {
        let fields = statm.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return pages * pageSize
    }

    private static let residentGauge = Observability.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes")
    private static let heapInUseGauge = Observability.gauge("gongzhi_heap_in_use_bytes", help: "Heap bytes handed out by malloc and not freed (glibc mallinfo2); 0 where unknown")
    private static let heapHeldGauge = Observability.gauge("gongzhi_heap_held_bytes", help: "Heap bytes malloc holds from the system, in use or free (glibc mallinfo2); 0 where unknown")
    private static let arenasGauge = Observability.gauge("gongzhi_heap_arenas", help: "malloc arenas (glibc); 0 where unknown")
    private static let sqliteGauge = Observability.gauge("gongzhi_sqlite_memory_bytes", help: "Heap bytes SQLite holds (page caches, schemas, statements); 0 where unknown")

    /// Hands the heap's free pages back to the system (glibc `malloc_trim`). glibc keeps an arena per thread and
    /// returns memory only from the top of each, so pages freed in the middle stay resident: a 45-minute soak
    /// without trimming saw the heap in use go from 7.5 to 10.5 MiB while what malloc held grew from 21 to 35 MiB,
    /// and the resident set with it. `serve` trims every minute (see `prepareToServe`); a trim walks the arenas'
    /// free lists while it holds each arena's lock. It gives back only part of it: with it, a 52-minute soak still
    /// saw what malloc held grow from 19 to 39 MiB (README, SECURITY row 38).
    @discardableResult
    static func trim() -> Bool { gongzhi_memory_trim() == 1 }

    /// Sets the gauges from a fresh reading (before `/metrics` prints them).
    static func record() {
        let memory = read()
        if let resident = memory.residentBytes { residentGauge.set(Int64(resident)) }
        heapInUseGauge.set(Int64(clamping: memory.heapInUseBytes))
        heapHeldGauge.set(Int64(clamping: memory.heapHeldBytes))
        sqliteGauge.set(memory.sqliteBytes ?? 0)
        arenasGauge.set(Int64(arenaCount()))
    }
}
