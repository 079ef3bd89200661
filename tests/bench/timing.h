/* Shared by the benchmark tools: a monotonic clock and a sort order for
 * the median and percentiles of repeated timings. */
#ifndef FC_BENCH_TIMING_H
#define FC_BENCH_TIMING_H

#include <time.h>

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
