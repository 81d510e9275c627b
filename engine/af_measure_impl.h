/*
 * af_measure_impl.h - the focus measures' kernel levels, for tests and
 * benchmarks: af_measure() runs the best level the build and the processor
 * have; af__measure_with() runs a given one (a level the build or the
 * processor lacks falls back to the next lower), so that tests can hold
 * every level to the scalar kernels' results, bit for bit.
 */
#ifndef AF_MEASURE_IMPL_H
#define AF_MEASURE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "af_measure.h"

/* Vector kernels built in (af_measure_simd.c): SSE2 where the target has
 * it, AVX2 besides with the GNU target attribute on x86-64 (run only where
 * the processor reports it); -DAFSIM_NO_AVX2 leaves AVX2 out. */
#if defined(__SSE2__)
#define AF__MEASURE_HAVE_SSE2 1
#if defined(__GNUC__) && defined(__x86_64__) && !defined(AFSIM_NO_AVX2)
#define AF__MEASURE_HAVE_AVX2 1
#endif
#endif

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

/* The decimated view of a frame: sample (i, j) is px[j * row + i * s]. */
typedef struct af__measure_view {
	const uint16_t *px;
	size_t row;     /* distance between decimated rows, in pixels (s * width) */
	size_t s;       /* distance between decimated columns */
	size_t wd, hd;  /* decimated size */
	uint64_t n;     /* wd * hd */
} af__measure_view;

/* Sum of decimated row j over columns [i0, i1). */
static inline uint64_t af__row_sum(const af__measure_view *v, size_t j, size_t i0, size_t i1)
{
	const uint16_t *r = v->px + j * v->row;
	uint64_t sum = 0;

	for (size_t i = i0; i < i1; i++)
		sum += r[i * v->s];
	return sum;
}

/* The scalar Brenner terms of decimated row j, columns [i0, i1). */
static inline void af__brenner_row(const af__measure_view *v, size_t s, size_t j, size_t i0, size_t i1,
			       uint64_t *psum, uint64_t *pacc)
{
	const uint16_t *r0 = v->px + j * v->row;
	const uint16_t *r2 = r0 + 2 * v->row;

	for (size_t i = i0; i < i1; i++) {
		int32_t c = r0[i * s];
		int32_t dx = (int32_t)r0[(i + 2) * s] - c;
		int32_t dy = (int32_t)r2[i * s] - c;
		uint32_t ax = (uint32_t)(dx < 0 ? -dx : dx);
		uint32_t ay = (uint32_t)(dy < 0 ? -dy : dy);

		*psum += (uint32_t)c;
		*pacc += (uint64_t)(ax * ax) + (uint64_t)(ay * ay);
	}
}

/*
 * The vector kernels (af_measure_simd.c), each the scalar kernel's sums for
 * stride s: the pixel sum of every sample of D into *psum and the kernel
 * sums (Brenner: sum dx^2 + dy^2; normalised variance: sum x^2;
 * Tenengrad: sum Gx^2 + Gy^2; Laplacian: sum L into *plsum, sum L^2).
 * Brenner and normalised variance for strides 1 and 2, Tenengrad and the
 * Laplacian for stride 1.
 */
#if defined(AF__MEASURE_HAVE_SSE2)
void af__brenner_sse2(const af__measure_view *v, size_t s, uint64_t *psum, uint64_t *pacc);
void af__normvar_sse2(const af__measure_view *v, size_t s, uint64_t *psum, uint64_t *psq);
#endif
#if defined(AF__MEASURE_HAVE_AVX2)
void af__brenner_avx2(const af__measure_view *v, size_t s, uint64_t *psum, uint64_t *pacc);
void af__tenengrad_avx2(const af__measure_view *v, uint64_t *psum, uint64_t *pacc);
void af__lapvar_avx2(const af__measure_view *v, uint64_t *psum, int64_t *plsum, uint64_t *plsq);
#endif

#endif /* AF_MEASURE_IMPL_H */
