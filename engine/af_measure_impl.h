/*
 * af_measure_impl.h - the focus measures' kernel levels, for tests and
 * benchmarks: af_measure() runs the best level the build and the processor
 * have; af__measure_with() runs a given one (a level the build or the
 * processor lacks falls back to the next lower), so that tests can hold
 * every level to the scalar kernels' results, bit for bit.
 */
#ifndef AF_MEASURE_IMPL_H
#define AF_MEASURE_IMPL_H

#include <stdint.h>

#include "af_measure.h"

enum {
	AF__MEASURE_SCALAR = 0,  /* portable C */
	AF__MEASURE_SSE2 = 1,    /* SSE2 kernels (the x86-64 baseline) */
	AF__MEASURE_AVX2 = 2,    /* AVX2 kernels, where the processor has AVX2 */
};

/* The level af_measure() uses: the highest this build and processor run. */
int af__measure_level_best(void);

/* af_measure() with the kernels of at most `level` (one of the above). */
int af__measure_with(af_measure_kind k, const af_frame *f, uint32_t stride, int level,
		     double *score);

#endif /* AF_MEASURE_IMPL_H */
