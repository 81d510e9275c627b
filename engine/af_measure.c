/*
 * af_measure.c - focus measures over the pixels of a frame.
 *
 * Every measure is computed on the decimated image D(i, j) = I(i s, j s) of
 * size wd x hd, wd = (width - 1) / s + 1, so stride s is exactly the measure
 * of the image a camera subsampling (skipping) by s would deliver, and kernel
 * neighbours lie s sensor pixels apart.  The normalising mean is the mean of all of D (the
 * same number af_frame_stats returns at that stride).
 *
 * Why integers: pixels are at most 16 bits, so every kernel response, its
 * square and their sums over a frame of up to AF_MEASURE_MAX_SAMPLES samples
 * fit in 64-bit integers (bounds below).  The sums are therefore exact and
 * independent of evaluation order, the inner loops are cheap integer code,
 * and a frame scaled by 2 gives exactly 4 times the sums: gradient scores
 * are bit-for-bit scale invariant.  Doubles appear only in the final few operations, in a
 * fixed order.  Each measure is one pass over the rows it needs; the pixel
 * sum for the mean is gathered in the same pass (border rows and columns the
 * kernel does not visit are added separately, O(width + height)).
 *
 *   bounds per sample, P = 65535:   brenner  2 P^2       < 2^33
 *                                   sobel    2 (4P)^2    < 2^37
 *                                   laplace  (4P)^2      < 2^36
 *   times 2^26 samples: < 2^63, so uint64 never wraps.
 *
 * Vector kernels (af_measure_simd.c: SSE2, the x86-64 baseline; AVX2
 * behind a run-time check) compute the BRENNER and NORMVAR sums at strides
 * 1 and 2, BRENNER being the engine's hot path (a quarter of a simulated
 * run's CPU when scalar), and with AVX2 the TENENGRAD and LAPVAR sums at
 * stride 1: the same exact sums, so the same bits.  Other strides run the
 * scalar kernels below.
 *
 * Variances use exact integer moments: n var = S2 - S1^2 / n, evaluated as
 * (S2 - q^2 n - 2 q r) - r^2 / n with S1 = q n + r, so the large terms cancel
 * in integers and no precision is lost however large the mean is.
 */
#include "af_measure.h"

#include <string.h>

#include "af_measure_impl.h"

static const char *const measure_names[AF_MEASURE_COUNT] = {
	[AF_MEASURE_NORMVAR] = "normvar",
	[AF_MEASURE_BRENNER] = "brenner",
	[AF_MEASURE_TENENGRAD] = "tenengrad",
	[AF_MEASURE_LAPVAR] = "lapvar",
};

const char *af_measure_name(af_measure_kind k)
{
	if ((unsigned)k >= AF_MEASURE_COUNT)
		return NULL;
	return measure_names[k];
}

int af_measure_parse(const char *s)
{
	if (!s)
		return -1;
	for (int k = 0; k < AF_MEASURE_COUNT; k++)
		if (strcmp(s, measure_names[k]) == 0)
			return k;
	return -1;
}

/*
 * Common frame checks and the decimated geometry.  min_side: the smallest
 * decimated width and height the caller's kernels need.
 */
static int view_of(const af_frame *f, uint32_t stride, size_t min_side, af__measure_view *v)
{
	uint64_t px;

	if (!f || !f->pixels || f->width == 0 || f->height == 0 || stride == 0)
		return AF_EINVAL;
	px = (uint64_t)f->width * f->height;
	if (px > (uint64_t)f->capacity_px)
		return AF_EINVAL;
	v->px = f->pixels;
	v->s = stride;
	v->row = (size_t)stride * f->width;
	v->wd = (f->width - 1u) / stride + 1u;
	v->hd = (f->height - 1u) / stride + 1u;
	v->n = (uint64_t)v->wd * v->hd;
	if (v->wd < min_side || v->hd < min_side || v->n > AF_MEASURE_MAX_SAMPLES)
		return AF_EINVAL;
	return AF_OK;
}

/*
 * Population variance from exact moments: s2 = sum x^2, s1 = |sum x|, n
 * samples (see the file comment).  Requires s2 >= s1^2 / n, which holds for
 * moments of real data (Cauchy-Schwarz).
 */
static double exact_variance(uint64_t s2, uint64_t s1, uint64_t n)
{
	uint64_t q = s1 / n, r = s1 % n;
	uint64_t big = s2 - q * q * n - 2u * q * r;
	double var = ((double)big - (double)r * (double)r / (double)n) / (double)n;

	return var > 0.0 ? var : 0.0;
}

/*
 * The per-measure kernels.  Each is written with the column step as a
 * parameter and called through a branch with the constant 1 for stride 1, so
 * that the compiler specialises the unit-stride case (constant step, and a
 * loop a vectoriser can take).  Each returns the kernel sums and the sum of
 * every pixel of D in *psum.
 */

static inline void normvar_core(const af__measure_view *v, size_t s, uint64_t *psum,
				uint64_t *psq)
{
	uint64_t sum = 0, sq = 0;

	for (size_t j = 0; j < v->hd; j++) {
		const uint16_t *r = v->px + j * v->row;

		for (size_t i = 0; i < v->wd; i++) {
			uint32_t x = r[i * s];

			sum += x;
			sq += (uint64_t)(x * x);
		}
	}
	*psum = sum;
	*psq = sq;
}

/* Brenner over positions with both +2 neighbours: i < wd - 2, j < hd - 2. */
static inline void brenner_core(const af__measure_view *v, size_t s, uint64_t *psum,
				uint64_t *pacc)
{
	uint64_t sum = 0, acc = 0;
	size_t w2 = v->wd - 2, h2 = v->hd - 2;

	for (size_t j = 0; j < h2; j++) {
		const uint16_t *r0 = v->px + j * v->row;
		const uint16_t *r2 = r0 + 2 * v->row;

		for (size_t i = 0; i < w2; i++) {
			int32_t c = r0[i * s];
			int32_t dx = (int32_t)r0[(i + 2) * s] - c;
			int32_t dy = (int32_t)r2[i * s] - c;
			uint32_t ax = (uint32_t)(dx < 0 ? -dx : dx);
			uint32_t ay = (uint32_t)(dy < 0 ? -dy : dy);

			sum += (uint32_t)c;
			acc += (uint64_t)(ax * ax) + (uint64_t)(ay * ay);
		}
		sum += af__row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += af__row_sum(v, j, 0, v->wd);
	*psum = sum;
	*pacc = acc;
}

/*
 * Sobel over the interior 1 <= i < wd - 1, 1 <= j < hd - 1.  The kernels are
 * separable: with the column sums v(i) = D(i, j-1) + 2 D(i, j) + D(i, j+1)
 * and differences d(i) = D(i, j+1) - D(i, j-1), Gx = v(i+1) - v(i-1) and
 * Gy = d(i-1) + 2 d(i) + d(i+1).  Sliding the three columns along the row
 * reads each pixel once instead of six times.
 */
static inline void tenengrad_core(const af__measure_view *v, size_t s, uint64_t *psum,
				  uint64_t *pacc)
{
	uint64_t sum = 0, acc = 0;

	for (size_t j = 1; j + 1 < v->hd; j++) {
		const uint16_t *r1 = v->px + j * v->row;
		const uint16_t *r0 = r1 - v->row;
		const uint16_t *r2 = r1 + v->row;
		int32_t vl = r0[0] + 2 * r1[0] + r2[0], dl = r2[0] - r0[0];
		int32_t vc = r0[s] + 2 * r1[s] + r2[s], dc = r2[s] - r0[s];

		for (size_t i = 1; i + 1 < v->wd; i++) {
			size_t n = (i + 1) * s;
			int32_t vr = r0[n] + 2 * r1[n] + r2[n], dr = r2[n] - r0[n];
			int32_t gx = vr - vl, gy = dl + 2 * dc + dr;
			/* |G| < 2^19: a 32 x 32 -> 64-bit unsigned multiply */
			uint64_t ax = (uint32_t)(gx < 0 ? -gx : gx);
			uint64_t ay = (uint32_t)(gy < 0 ? -gy : gy);

			sum += r1[i * s];
			acc += ax * ax + ay * ay;
			vl = vc;
			dl = dc;
			vc = vr;
			dc = dr;
		}
		sum += r1[0] + (uint64_t)r1[(v->wd - 1) * s];
	}
	sum += af__row_sum(v, 0, 0, v->wd) + af__row_sum(v, v->hd - 1, 0, v->wd);
	*psum = sum;
	*pacc = acc;
}

/* 4-neighbour Laplacian over the interior: *plsum = sum L, *plsq = sum L^2
 * (|L| < 2^19, so L^2 is a 32 x 32 -> 64-bit unsigned multiply). */
static inline void lapvar_core(const af__measure_view *v, size_t s, uint64_t *psum,
			       int64_t *plsum, uint64_t *plsq)
{
	uint64_t sum = 0, lsq = 0;
	int64_t lsum = 0;

	for (size_t j = 1; j + 1 < v->hd; j++) {
		const uint16_t *r1 = v->px + j * v->row;
		const uint16_t *r0 = r1 - v->row;
		const uint16_t *r2 = r1 + v->row;

		for (size_t i = 1; i + 1 < v->wd; i++) {
			size_t c = i * s;
			int32_t lap = 4 * (int32_t)r1[c] - (int32_t)r1[c - s] -
				      (int32_t)r1[c + s] - (int32_t)r0[c] - (int32_t)r2[c];
			uint64_t al = (uint32_t)(lap < 0 ? -lap : lap);

			sum += r1[c];
			lsum += lap;
			lsq += al * al;
		}
		sum += r1[0] + (uint64_t)r1[(v->wd - 1) * s];
	}
	sum += af__row_sum(v, 0, 0, v->wd) + af__row_sum(v, v->hd - 1, 0, v->wd);
	*psum = sum;
	*plsum = lsum;
	*plsq = lsq;
}

/* Positions a kernel visits: the interior of a 3 x 3 kernel, and the
 * i < wd - 2, j < hd - 2 corner of Brenner's; both (wd - 2)(hd - 2). */
static uint64_t interior(const af__measure_view *v)
{
	return (uint64_t)(v->wd - 2) * (v->hd - 2);
}

int af__measure_level_best(void)
{
#if defined(AF__MEASURE_HAVE_AVX2)
	if (__builtin_cpu_supports("avx2"))
		return AF__MEASURE_AVX2;
#endif
#if defined(AF__MEASURE_HAVE_SSE2)
	return AF__MEASURE_SSE2;
#else
	return AF__MEASURE_SCALAR;
#endif
}

int af_measure(af_measure_kind k, const af_frame *f, uint32_t stride, double *score)
{
	return af__measure_with(k, f, stride, af__measure_level_best(), score);
}

int af__measure_with(af_measure_kind k, const af_frame *f, uint32_t stride, int level,
		     double *score)
{
	af__measure_view v;
	uint64_t sum = 0, acc = 0;
	int64_t lsum = 0;
	double mean, value;
	int rc;

	if (!score || (unsigned)k >= AF_MEASURE_COUNT)
		return AF_EINVAL;
	if (!f || f->width < AF_MEASURE_MIN_SIDE || f->height < AF_MEASURE_MIN_SIDE)
		return AF_EINVAL;
	rc = view_of(f, stride, 3, &v);
	if (rc)
		return rc;

	switch (k) {
	case AF_MEASURE_NORMVAR:
#if defined(AF__MEASURE_HAVE_SSE2)
		if (v.s <= 2 && level >= AF__MEASURE_SSE2) {
			af__normvar_sse2(&v, v.s, &sum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			normvar_core(&v, 1, &sum, &acc);
		else
			normvar_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_BRENNER:
#if defined(AF__MEASURE_HAVE_AVX2)
		if (v.s <= 2 && level >= AF__MEASURE_AVX2) {
			af__brenner_avx2(&v, v.s, &sum, &acc);
			break;
		}
#endif
#if defined(AF__MEASURE_HAVE_SSE2)
		if (v.s <= 2 && level >= AF__MEASURE_SSE2) {
			af__brenner_sse2(&v, v.s, &sum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			brenner_core(&v, 1, &sum, &acc);
		else
			brenner_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_TENENGRAD:
#if defined(AF__MEASURE_HAVE_AVX2)
		if (v.s == 1 && level >= AF__MEASURE_AVX2) {
			af__tenengrad_avx2(&v, &sum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			tenengrad_core(&v, 1, &sum, &acc);
		else
			tenengrad_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_LAPVAR:
#if defined(AF__MEASURE_HAVE_AVX2)
		if (v.s == 1 && level >= AF__MEASURE_AVX2) {
			af__lapvar_avx2(&v, &sum, &lsum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			lapvar_core(&v, 1, &sum, &lsum, &acc);
		else
			lapvar_core(&v, v.s, &sum, &lsum, &acc);
		break;
	default:
		return AF_EINVAL;
	}
	if (sum == 0)
		return AF_EINVAL;  /* black frame: no scale to normalise by */
	mean = (double)sum / (double)v.n;

	switch (k) {
	case AF_MEASURE_NORMVAR:
		value = exact_variance(acc, sum, v.n) / mean;
		break;
	case AF_MEASURE_BRENNER:    /* same (wd - 2)(hd - 2) positions */
	case AF_MEASURE_TENENGRAD:
		value = (double)acc / (double)interior(&v) / (mean * mean);
		break;
	default: /* AF_MEASURE_LAPVAR */
		value = exact_variance(acc, (uint64_t)(lsum < 0 ? -lsum : lsum),
				       interior(&v)) / (mean * mean);
		break;
	}
	*score = value;
	return AF_OK;
}

int af_frame_stats(const af_frame *f, uint32_t stride, double *mean, double *saturated_frac)
{
	af__measure_view v;
	uint64_t sum = 0, sat = 0;
	uint32_t top;
	int rc;

	if (!mean || !f || f->bit_depth == 0 || f->bit_depth > 16)
		return AF_EINVAL;
	rc = view_of(f, stride, 1, &v);
	if (rc)
		return rc;
	top = (1u << f->bit_depth) - 1u;
	for (size_t j = 0; j < v.hd; j++) {
		const uint16_t *r = v.px + j * v.row;

		for (size_t i = 0; i < v.wd; i++) {
			uint32_t x = r[i * v.s];

			sum += x;
			sat += x >= top;
		}
	}
	*mean = (double)sum / (double)v.n;
	if (saturated_frac)
		*saturated_frac = (double)sat / (double)v.n;
	return AF_OK;
}
