#include "memory_stats.h"

#include <stdlib.h> /* defines __GLIBC__ where it is glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

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
