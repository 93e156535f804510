#ifndef GONGZHI_MEMORY_STATS_H
#define GONGZHI_MEMORY_STATS_H

/// The heap as the C library counts it, for `/metrics` and the soak (SECURITY row 38): it tells memory the program
/// holds (a leak grows it; SQLite's page caches are in it too) from memory the allocator keeps without using it
/// (fragmentation grows only that). Zero where the C library does not say (not glibc 2.33 or later).
typedef struct {
    /// Bytes handed out by malloc and not yet freed, over all arenas (glibc mallinfo2: uordblks + hblkhd).
    unsigned long long heap_in_use;
    /// Bytes malloc holds from the system, used or not (arena + hblkhd).
    unsigned long long heap_held;
} gongzhi_memory_stats;

gongzhi_memory_stats gongzhi_memory_stats_read(void);

/// Hands free heap memory at the tops and in the middle of the arenas back to the system (glibc malloc_trim);
/// 1 when some was released.
int gongzhi_memory_trim(void);

/// Sets the C library's allocator before the process starts its threads (glibc mallopt): at most `arena_max` malloc
/// arenas (0 leaves glibc's 8 per core) and a fixed threshold in bytes above which a block gets its own mapping
/// (0 leaves glibc's sliding threshold, which rises after each large free). 1 when every setting asked for took.
int gongzhi_memory_configure(int arena_max, int mmap_threshold);

/// The number of malloc arenas (glibc malloc_info's heaps); 0 where unknown.
int gongzhi_memory_arena_count(void);

/// Turns on SQLite's count of its own memory (sqlite-nio builds it with the count off). Must come before SQLite
/// is first used in the process; 1 when it took effect, 0 when SQLite was already in use or is not linked.
int gongzhi_sqlite_memory_count_on(void);

/// Bytes SQLite holds (page caches, schemas, statements: sqlite3_memory_used); 0 while the count is off; -1
/// without SQLite.
long long gongzhi_sqlite_memory_in_use(void);

#endif
