/*
 * dsort.h - sorting samples for the statistics: ascending, stable, in the
 * order glibc's qsort with a "<" comparison gave (equal values in input
 * order; -0.0 and +0.0 are equal), since the statistics' sums run over
 * sorted values and their last bits depend on that order.  O(n): a radix
 * sort on the doubles' bits (db/dsort.c).
 */
#ifndef DB_DSORT_H
#define DB_DSORT_H

#include <stddef.h>

/*
 * Sort v[0 .. n) ascending, stably.  v must hold no NaN.  Returns 0, or -1
 * when out of memory (v unchanged).  Memory: 16 bytes per value and 16 KiB
 * of counts while it runs, from 256 values on (below, in place).
 */
int db_sort_doubles(double *v, size_t n);

#endif /* DB_DSORT_H */
