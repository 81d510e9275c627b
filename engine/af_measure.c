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
 * Vector kernels (SSE2, the x86-64 baseline; AVX2 behind a run-time check)
 * compute the BRENNER and NORMVAR sums at strides 1 and 2, the engine's
 * hot path (a quarter of a simulated run's CPU when scalar): the same exact
 * sums, so the same bits.  TENENGRAD and LAPVAR, whose kernel responses
 * need more than 16 bits, stay scalar.
 *
 * Variances use exact integer moments: n var = S2 - S1^2 / n, evaluated as
 * (S2 - q^2 n - 2 q r) - r^2 / n with S1 = q n + r, so the large terms cancel
 * in integers and no precision is lost however large the mean is.
 */
#include "af_measure.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 kernels need the GNU target attribute (gcc, clang) on x86-64 and
 * run only where the processor reports AVX2; -DAFSIM_NO_AVX2 leaves them
 * out. */
#if defined(__SSE2__) && defined(__GNUC__) && defined(__x86_64__) && !defined(AFSIM_NO_AVX2)
#define MEASURE_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

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

/* The decimated view of a frame: sample (i, j) is px[j * row + i * s]. */
typedef struct measure_view {
	const uint16_t *px;
	size_t row;     /* distance between decimated rows, in pixels (s * width) */
	size_t s;       /* distance between decimated columns */
	size_t wd, hd;  /* decimated size */
	uint64_t n;     /* wd * hd */
} measure_view;

/*
 * Common frame checks and the decimated geometry.  min_side: the smallest
 * decimated width and height the caller's kernels need.
 */
static int view_of(const af_frame *f, uint32_t stride, size_t min_side, measure_view *v)
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

/* Sum of decimated row j over columns [i0, i1). */
static uint64_t row_sum(const measure_view *v, size_t j, size_t i0, size_t i1)
{
	const uint16_t *r = v->px + j * v->row;
	uint64_t sum = 0;

	for (size_t i = i0; i < i1; i++)
		sum += r[i * v->s];
	return sum;
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

static inline void normvar_core(const measure_view *v, size_t s, uint64_t *psum,
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
static inline void brenner_core(const measure_view *v, size_t s, uint64_t *psum,
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
		sum += row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += row_sum(v, j, 0, v->wd);
	*psum = sum;
	*pacc = acc;
}

/* The scalar Brenner terms of decimated row j, columns [i0, i1). */
static inline void brenner_row(const measure_view *v, size_t s, size_t j, size_t i0, size_t i1,
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

#if defined(__SSE2__)
/*
 * Brenner with SSE2 (the x86-64 baseline), stride 1 or 2, eight samples a
 * step; exact integer sums like the scalar kernel, so the same result bit
 * for bit.
 *
 * |a - b| of two 16-bit samples is subs(a, b) | subs(b, a) (saturating
 * unsigned), exact.  Below 2^15 pmaddwd squares and pairs it exactly
 * (dx0^2 + dx1^2 < 2^31; with the dy pair < 2^32, widened to 64-bit lanes
 * before it is added up): the fast row.  A row with a difference of 2^15
 * or more (half the ADC range over two pixels: sharp edges of bright
 * cells) is done again exactly: with a = l + 2^15 b (b the top bit),
 * a^2 = l^2 + 2^16 b (l + 2^14), each part within pmaddwd's reach.  The
 * pixel sum adds low and high bytes with psadbw into 64-bit lanes.
 * Stride 2 takes the even pixels of two loads: masked to 32-bit lanes,
 * offset by -2^15 so that the signed pack cannot saturate, the offset
 * flipped back; the vector part stops one sample short of the kernel's
 * last column so that its loads stay inside the row.
 */
static inline __m128i load_samples(const uint16_t *p, size_t s)
{
	const __m128i even = _mm_set1_epi32(0xffff), half = _mm_set1_epi32(0x8000);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p), y;

	if (s == 1)
		return x;
	y = _mm_loadu_si128((const __m128i *)(const void *)(p + 8));
	x = _mm_sub_epi32(_mm_and_si128(x, even), half);
	y = _mm_sub_epi32(_mm_and_si128(y, even), half);
	return _mm_xor_si128(_mm_packs_epi32(x, y), _mm_set1_epi16(INT16_MIN));
}

static inline __m128i absdiff_u16(__m128i a, __m128i b)
{
	return _mm_or_si128(_mm_subs_epu16(a, b), _mm_subs_epu16(b, a));
}

/* Pairs of squares of a (any 16-bit values): l^2 pairs returned, the
 * b (l + 2^14) pairs (to be scaled by 2^16) added to *ext. */
static inline __m128i sq_pairs_exact(__m128i a, __m128i *ext)
{
	const __m128i low15 = _mm_set1_epi16(0x7fff), quarter = _mm_set1_epi16(0x4000);
	const __m128i ones = _mm_set1_epi16(1);
	__m128i big = _mm_srai_epi16(a, 15), l = _mm_and_si128(a, low15);

	*ext = _mm_add_epi32(*ext, _mm_add_epi32(_mm_madd_epi16(_mm_and_si128(l, big), ones),
						 _mm_madd_epi16(_mm_and_si128(quarter, big), ones)));
	return _mm_madd_epi16(l, l);
}

static inline uint64_t lanes_u64(__m128i x)
{
	uint64_t l[2];

	_mm_storeu_si128((__m128i *)(void *)l, x);
	return l[0] + l[1];
}

/* One row's vector part, samples [0, n): adds the squares to *acc and the
 * pixels to *sum (64-bit lanes).  Not exact: returns -1 without adding
 * anything if a difference is 2^15 or more. */
static inline int brenner_row_sse2(const uint16_t *r0, const uint16_t *r2, size_t s, size_t n,
				   int exact, __m128i *acc, __m128i *sum)
{
	const __m128i zero = _mm_setzero_si128(), low_bytes = _mm_set1_epi16(0xff);
	__m128i racc = zero, rlo = zero, rhi = zero, seen = zero, ext = zero;

	for (size_t i = 0; i < n; i += 8u) {
		__m128i c = load_samples(r0 + i * s, s);
		__m128i dx = absdiff_u16(load_samples(r0 + (i + 2) * s, s), c);
		__m128i dy = absdiff_u16(load_samples(r2 + i * s, s), c);
		__m128i t;

		if (exact) {
			t = _mm_add_epi32(sq_pairs_exact(dx, &ext), sq_pairs_exact(dy, &ext));
		} else {
			t = _mm_add_epi32(_mm_madd_epi16(dx, dx), _mm_madd_epi16(dy, dy));
			seen = _mm_or_si128(seen, _mm_or_si128(dx, dy));
		}
		racc = _mm_add_epi64(racc, _mm_unpacklo_epi32(t, zero));
		racc = _mm_add_epi64(racc, _mm_unpackhi_epi32(t, zero));
		rlo = _mm_add_epi64(rlo, _mm_sad_epu8(_mm_and_si128(c, low_bytes), zero));
		rhi = _mm_add_epi64(rhi, _mm_sad_epu8(_mm_srli_epi16(c, 8), zero));
	}
	if (!exact && (_mm_movemask_epi8(seen) & 0xaaaa))
		return -1;
	if (exact) {
		racc = _mm_add_epi64(racc, _mm_slli_epi64(_mm_unpacklo_epi32(ext, zero), 16));
		racc = _mm_add_epi64(racc, _mm_slli_epi64(_mm_unpackhi_epi32(ext, zero), 16));
	}
	*acc = _mm_add_epi64(*acc, racc);
	*sum = _mm_add_epi64(*sum, _mm_add_epi64(rlo, _mm_slli_epi64(rhi, 8)));
	return 0;
}

/*
 * Normalised variance's sums with SSE2, stride 1 or 2.  With u = x - 2^15
 * (the top bit flipped, a signed 16-bit value) pmaddwd pairs u^2 exactly
 * (< 2^31 + 1, read unsigned), and sum x^2 = sum u^2 + 2^16 sum x - 2^30 n
 * in exact (modulo 2^64) integer arithmetic.
 */
static void normvar_sse2(const measure_view *v, size_t s, uint64_t *psum, uint64_t *psq)
{
	const __m128i zero = _mm_setzero_si128(), low_bytes = _mm_set1_epi16(0xff);
	const __m128i flip = _mm_set1_epi16(INT16_MIN);
	__m128i sq = zero, vsum = zero;
	uint64_t sum = 0, sq_s = 0, nvec = 0;
	size_t end = s == 1 ? v->wd : v->wd - 1;

	end -= end % 8u;
	for (size_t j = 0; j < v->hd; j++) {
		const uint16_t *r = v->px + j * v->row;
		__m128i rlo = zero, rhi = zero;

		for (size_t i = 0; i < end; i += 8u) {
			__m128i x = load_samples(r + i * s, s), u = _mm_xor_si128(x, flip);
			__m128i t = _mm_madd_epi16(u, u);

			sq = _mm_add_epi64(sq, _mm_unpacklo_epi32(t, zero));
			sq = _mm_add_epi64(sq, _mm_unpackhi_epi32(t, zero));
			rlo = _mm_add_epi64(rlo, _mm_sad_epu8(_mm_and_si128(x, low_bytes), zero));
			rhi = _mm_add_epi64(rhi, _mm_sad_epu8(_mm_srli_epi16(x, 8), zero));
		}
		vsum = _mm_add_epi64(vsum, _mm_add_epi64(rlo, _mm_slli_epi64(rhi, 8)));
		nvec += end;
		for (size_t i = end; i < v->wd; i++) {
			uint32_t x = r[i * s];

			sum += x;
			sq_s += (uint64_t)(x * x);
		}
	}
	{
		uint64_t vs = lanes_u64(vsum);

		*psum = sum + vs;
		*psq = sq_s + lanes_u64(sq) + (vs << 16) - (nvec << 30);
	}
}

static void brenner_sse2(const measure_view *v, size_t s, uint64_t *psum, uint64_t *pacc)
{
	__m128i acc = _mm_setzero_si128(), vsum = _mm_setzero_si128();
	uint64_t sum = 0, acc_s = 0;
	size_t w2 = v->wd - 2, h2 = v->hd - 2;
	size_t vec_end = w2 >= 9 ? w2 - (s == 1 ? 0 : 1) : 0;

	vec_end -= vec_end % 8u;
	for (size_t j = 0; j < h2; j++) {
		const uint16_t *r0 = v->px + j * v->row;

		if (brenner_row_sse2(r0, r0 + 2 * v->row, s, vec_end, 0, &acc, &vsum))
			(void)brenner_row_sse2(r0, r0 + 2 * v->row, s, vec_end, 1, &acc, &vsum);
		brenner_row(v, s, j, vec_end, w2, &sum, &acc_s);
		sum += row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += row_sum(v, j, 0, v->wd);
	*psum = sum + lanes_u64(vsum);
	*pacc = acc_s + lanes_u64(acc);
}
#endif

#if defined(MEASURE_AVX2)
/* The SSE2 Brenner sixteen samples a step: the same operations on 256-bit
 * registers.  The stride-2 pack works within 128-bit halves, so samples
 * land in another lane order; c and its dx and dy neighbours land in the
 * same order, and sums do not care. */
static inline AVX2_FN __m256i load_samples16(const uint16_t *p, size_t s)
{
	const __m256i even = _mm256_set1_epi32(0xffff), half = _mm256_set1_epi32(0x8000);
	__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p), y;

	if (s == 1)
		return x;
	y = _mm256_loadu_si256((const __m256i *)(const void *)(p + 16));
	x = _mm256_sub_epi32(_mm256_and_si256(x, even), half);
	y = _mm256_sub_epi32(_mm256_and_si256(y, even), half);
	return _mm256_xor_si256(_mm256_packs_epi32(x, y), _mm256_set1_epi16(INT16_MIN));
}

static inline AVX2_FN __m256i absdiff_u16x16(__m256i a, __m256i b)
{
	return _mm256_or_si256(_mm256_subs_epu16(a, b), _mm256_subs_epu16(b, a));
}

static inline AVX2_FN __m256i sq_pairs_exact16(__m256i a, __m256i *ext)
{
	const __m256i low15 = _mm256_set1_epi16(0x7fff), quarter = _mm256_set1_epi16(0x4000);
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i big = _mm256_srai_epi16(a, 15), l = _mm256_and_si256(a, low15);

	*ext = _mm256_add_epi32(*ext,
				_mm256_add_epi32(_mm256_madd_epi16(_mm256_and_si256(l, big), ones),
						 _mm256_madd_epi16(_mm256_and_si256(quarter, big),
								   ones)));
	return _mm256_madd_epi16(l, l);
}

static inline AVX2_FN uint64_t lanes_u64x4(__m256i x)
{
	uint64_t l[4];

	_mm256_storeu_si256((__m256i *)(void *)l, x);
	return l[0] + l[1] + l[2] + l[3];
}

static inline AVX2_FN int brenner_row_avx2(const uint16_t *r0, const uint16_t *r2, size_t s,
					   size_t n, int exact, __m256i *acc, __m256i *sum)
{
	const __m256i zero = _mm256_setzero_si256(), low_bytes = _mm256_set1_epi16(0xff);
	__m256i racc = zero, rlo = zero, rhi = zero, seen = zero, ext = zero;

	for (size_t i = 0; i < n; i += 16u) {
		__m256i c = load_samples16(r0 + i * s, s);
		__m256i dx = absdiff_u16x16(load_samples16(r0 + (i + 2) * s, s), c);
		__m256i dy = absdiff_u16x16(load_samples16(r2 + i * s, s), c);
		__m256i t;

		if (exact) {
			t = _mm256_add_epi32(sq_pairs_exact16(dx, &ext), sq_pairs_exact16(dy, &ext));
		} else {
			t = _mm256_add_epi32(_mm256_madd_epi16(dx, dx), _mm256_madd_epi16(dy, dy));
			seen = _mm256_or_si256(seen, _mm256_or_si256(dx, dy));
		}
		racc = _mm256_add_epi64(racc, _mm256_unpacklo_epi32(t, zero));
		racc = _mm256_add_epi64(racc, _mm256_unpackhi_epi32(t, zero));
		rlo = _mm256_add_epi64(rlo, _mm256_sad_epu8(_mm256_and_si256(c, low_bytes), zero));
		rhi = _mm256_add_epi64(rhi, _mm256_sad_epu8(_mm256_srli_epi16(c, 8), zero));
	}
	if (!exact && ((uint32_t)_mm256_movemask_epi8(seen) & 0xaaaaaaaau))
		return -1;
	if (exact) {
		racc = _mm256_add_epi64(racc,
					_mm256_slli_epi64(_mm256_unpacklo_epi32(ext, zero), 16));
		racc = _mm256_add_epi64(racc,
					_mm256_slli_epi64(_mm256_unpackhi_epi32(ext, zero), 16));
	}
	*acc = _mm256_add_epi64(*acc, racc);
	*sum = _mm256_add_epi64(*sum, _mm256_add_epi64(rlo, _mm256_slli_epi64(rhi, 8)));
	return 0;
}

static AVX2_FN void brenner_avx2(const measure_view *v, size_t s, uint64_t *psum,
				 uint64_t *pacc)
{
	__m256i acc = _mm256_setzero_si256(), vsum = _mm256_setzero_si256();
	__m128i acc8 = _mm_setzero_si128(), vsum8 = _mm_setzero_si128();
	uint64_t sum = 0, acc_s = 0;
	size_t w2 = v->wd - 2, h2 = v->hd - 2;
	size_t end8 = w2 >= 9 ? w2 - (s == 1 ? 0 : 1) : 0, end16 = end8 - end8 % 16u;

	/* sixteen a step, then eight (a 64-sample row would leave 14 for the
	 * scalar tail), then one */
	end8 -= end8 % 8u;
	for (size_t j = 0; j < h2; j++) {
		const uint16_t *r0 = v->px + j * v->row, *r2 = r0 + 2 * v->row;

		if (brenner_row_avx2(r0, r2, s, end16, 0, &acc, &vsum))
			(void)brenner_row_avx2(r0, r2, s, end16, 1, &acc, &vsum);
		if (end8 > end16 && brenner_row_sse2(r0 + end16 * s, r2 + end16 * s, s, 8, 0,
						     &acc8, &vsum8))
			(void)brenner_row_sse2(r0 + end16 * s, r2 + end16 * s, s, 8, 1, &acc8,
					       &vsum8);
		brenner_row(v, s, j, end8, w2, &sum, &acc_s);
		sum += row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += row_sum(v, j, 0, v->wd);
	*psum = sum + lanes_u64x4(vsum) + lanes_u64(vsum8);
	*pacc = acc_s + lanes_u64x4(acc) + lanes_u64(acc8);
}
#endif

/*
 * Sobel over the interior 1 <= i < wd - 1, 1 <= j < hd - 1.  The kernels are
 * separable: with the column sums v(i) = D(i, j-1) + 2 D(i, j) + D(i, j+1)
 * and differences d(i) = D(i, j+1) - D(i, j-1), Gx = v(i+1) - v(i-1) and
 * Gy = d(i-1) + 2 d(i) + d(i+1).  Sliding the three columns along the row
 * reads each pixel once instead of six times.
 */
static inline void tenengrad_core(const measure_view *v, size_t s, uint64_t *psum,
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
	sum += row_sum(v, 0, 0, v->wd) + row_sum(v, v->hd - 1, 0, v->wd);
	*psum = sum;
	*pacc = acc;
}

/* 4-neighbour Laplacian over the interior: *plsum = sum L, *plsq = sum L^2
 * (|L| < 2^19, so L^2 is a 32 x 32 -> 64-bit unsigned multiply). */
static inline void lapvar_core(const measure_view *v, size_t s, uint64_t *psum,
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
	sum += row_sum(v, 0, 0, v->wd) + row_sum(v, v->hd - 1, 0, v->wd);
	*psum = sum;
	*plsum = lsum;
	*plsq = lsq;
}

/* Positions a kernel visits: the interior of a 3 x 3 kernel, and the
 * i < wd - 2, j < hd - 2 corner of Brenner's; both (wd - 2)(hd - 2). */
static uint64_t interior(const measure_view *v)
{
	return (uint64_t)(v->wd - 2) * (v->hd - 2);
}

int af__measure_level_best(void)
{
#if defined(MEASURE_AVX2)
	if (__builtin_cpu_supports("avx2"))
		return AF__MEASURE_AVX2;
#endif
#if defined(__SSE2__)
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
	measure_view v;
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
#if defined(__SSE2__)
		if (v.s <= 2 && level >= AF__MEASURE_SSE2) {
			normvar_sse2(&v, v.s, &sum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			normvar_core(&v, 1, &sum, &acc);
		else
			normvar_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_BRENNER:
#if defined(MEASURE_AVX2)
		if (v.s <= 2 && level >= AF__MEASURE_AVX2) {
			brenner_avx2(&v, v.s, &sum, &acc);
			break;
		}
#endif
#if defined(__SSE2__)
		if (v.s <= 2 && level >= AF__MEASURE_SSE2) {
			brenner_sse2(&v, v.s, &sum, &acc);
			break;
		}
#endif
		if (v.s == 1)
			brenner_core(&v, 1, &sum, &acc);
		else
			brenner_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_TENENGRAD:
		if (v.s == 1)
			tenengrad_core(&v, 1, &sum, &acc);
		else
			tenengrad_core(&v, v.s, &sum, &acc);
		break;
	case AF_MEASURE_LAPVAR:
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
	measure_view v;
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
