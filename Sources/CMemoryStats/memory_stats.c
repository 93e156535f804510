#include "memory_stats.h"

#include <stdlib.h> /* defines __GLIBC__ where it is glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#include <stdio.h>
#include <string.h>
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

int gongzhi_memory_configure(int arena_max, int mmap_threshold) {
#if defined(__GLIBC__)
    int ok = 1;
    if (arena_max > 0 && mallopt(M_ARENA_MAX, arena_max) != 1) ok = 0;
    if (mmap_threshold > 0 && mallopt(M_MMAP_THRESHOLD, mmap_threshold) != 1) ok = 0;
    return ok;
#else
    (void)arena_max;
    (void)mmap_threshold;
    return 0;
#endif
}

int gongzhi_memory_arena_count(void) {
#if defined(__GLIBC__)
    char *text = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&text, &length);
    if (!stream) return 0;
    int written = malloc_info(0, stream);
    fclose(stream);
    int count = 0;
    if (written == 0 && text) {
        for (const char *at = text; (at = strstr(at, "<heap nr=")) != NULL; at++) count++;
    }
    free(text);
    return count;
#else
    return 0;
#endif
}
