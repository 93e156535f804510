#include "memory_stats.h"

#include <stdlib.h> /* defines __GLIBC__ where it is glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* SQLite as sqlite-nio builds it: its functions renamed (sqlite_nio_sqlite3_*). Weak, so that a binary without it
   still links. */
extern int sqlite_nio_sqlite3_config(int option, ...) __attribute__((weak));
extern long long sqlite_nio_sqlite3_memory_used(void) __attribute__((weak));
#define GONGZHI_SQLITE_CONFIG_MEMSTATUS 9

int gongzhi_sqlite_memory_count_on(void) {
    if (!sqlite_nio_sqlite3_config) return 0;
    return sqlite_nio_sqlite3_config(GONGZHI_SQLITE_CONFIG_MEMSTATUS, 1) == 0;
}

long long gongzhi_sqlite_memory_in_use(void) {
    return sqlite_nio_sqlite3_memory_used ? sqlite_nio_sqlite3_memory_used() : -1;
}

gongzhi_memory_stats gongzhi_memory_stats_read(void) {
    gongzhi_memory_stats stats = {0, 0};
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    stats.heap_in_use = (unsigned long long)info.uordblks + (unsigned long long)info.hblkhd;
    stats.heap_held = (unsigned long long)info.arena + (unsigned long long)info.hblkhd;
#endif
    return stats;
}

int gongzhi_memory_trim(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}
