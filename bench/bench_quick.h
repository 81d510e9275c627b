/*
 * bench_quick.h - the quick mode every benchmark shares: with
 * AFSIM_BENCH_QUICK set (make bench QUICK=1), sizes and repetitions
 * shrink so that CI sees each program build and run in seconds.  Quick
 * figures only show that the program works; compare full runs only.
 */
#ifndef BENCH_QUICK_H
#define BENCH_QUICK_H

#include <stdlib.h>

/* full in a normal run, quick under AFSIM_BENCH_QUICK (not "" or "0"). */
static inline int bench_size(int full, int quick)
{
	const char *q = getenv("AFSIM_BENCH_QUICK");

	return q && *q && !(q[0] == '0' && !q[1]) ? quick : full;
}

#endif /* BENCH_QUICK_H */
