/*
 * af_measure_simd.c - the focus measures' vector kernels (af_measure_impl.h):
 * SSE2, the x86-64 baseline, and AVX2 behind af_measure's run-time check.
 * Each computes the scalar kernel's exact integer sums, in another order,
 * which integer addition does not see: af_measure's results are the same
 * bits at every level (tests/test_measure_simd.c).
 */
#include "af_measure_impl.h"

#if defined(AF__MEASURE_HAVE_SSE2)
#include <emmintrin.h>
#endif
#if defined(AF__MEASURE_HAVE_AVX2)
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

#if defined(AF__MEASURE_HAVE_SSE2)
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
void af__normvar_sse2(const af__measure_view *v, size_t s, uint64_t *psum, uint64_t *psq)
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

void af__brenner_sse2(const af__measure_view *v, size_t s, uint64_t *psum, uint64_t *pacc)
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
		af__brenner_row(v, s, j, vec_end, w2, &sum, &acc_s);
		sum += af__row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += af__row_sum(v, j, 0, v->wd);
	*psum = sum + lanes_u64(vsum);
	*pacc = acc_s + lanes_u64(acc);
}
#endif

#if defined(AF__MEASURE_HAVE_AVX2)
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

AVX2_FN void af__brenner_avx2(const af__measure_view *v, size_t s, uint64_t *psum,
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
		af__brenner_row(v, s, j, end8, w2, &sum, &acc_s);
		sum += af__row_sum(v, j, w2, v->wd);
	}
	for (size_t j = h2; j < v->hd; j++)
		sum += af__row_sum(v, j, 0, v->wd);
	*psum = sum + lanes_u64x4(vsum) + lanes_u64(vsum8);
	*pacc = acc_s + lanes_u64x4(acc) + lanes_u64(acc8);
}
#endif


#if defined(AF__MEASURE_HAVE_AVX2)
/*
 * Tenengrad and the Laplacian at stride 1 with AVX2, eight columns a step
 * in 32-bit lanes (responses stay below 2^20), squares as exact 64-bit
 * products of the even and the odd lanes (vpmuldq), added in 64-bit lanes;
 * the columns a step does not cover go through the scalar formula.
 */
static inline AVX2_FN __m256i load8(const uint16_t *p)
{
	return _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* x0^2 + x1^2 + ... of eight int32 lanes, as four 64-bit lanes. */
static inline AVX2_FN __m256i sq64(__m256i x)
{
	__m256i hi = _mm256_srli_epi64(x, 32);

	return _mm256_add_epi64(_mm256_mul_epi32(x, x), _mm256_mul_epi32(hi, hi));
}

/* Eight int32 lanes summed into four 64-bit lanes (signed). */
static inline AVX2_FN __m256i widen64(__m256i x)
{
	return _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(x)),
				_mm256_cvtepi32_epi64(_mm256_extracti128_si256(x, 1)));
}

AVX2_FN void af__tenengrad_avx2(const af__measure_view *v, uint64_t *psum, uint64_t *pacc)
{
	__m256i acc = _mm256_setzero_si256(), vsum = _mm256_setzero_si256();
	uint64_t sum = 0, acc_s = 0;
	size_t wd = v->wd;

	for (size_t j = 1; j + 1 < v->hd; j++) {
		const uint16_t *r1 = v->px + j * v->row, *r0 = r1 - v->row, *r2 = r1 + v->row;
		__m256i rsum = _mm256_setzero_si256();
		size_t i = 1;

		for (; i + 8u <= wd - 1u; i += 8u) {
			__m256i a0 = load8(r0 + i - 1), a1 = load8(r1 + i - 1), a2 = load8(r2 + i - 1);
			__m256i c0 = load8(r0 + i), c2 = load8(r2 + i), c1 = load8(r1 + i);
			__m256i b0 = load8(r0 + i + 1), b1 = load8(r1 + i + 1), b2 = load8(r2 + i + 1);
			__m256i vl = _mm256_add_epi32(_mm256_add_epi32(a0, _mm256_add_epi32(a1, a1)), a2);
			__m256i vr = _mm256_add_epi32(_mm256_add_epi32(b0, _mm256_add_epi32(b1, b1)), b2);
			__m256i dl = _mm256_sub_epi32(a2, a0), dc = _mm256_sub_epi32(c2, c0);
			__m256i dr = _mm256_sub_epi32(b2, b0);
			__m256i gx = _mm256_sub_epi32(vr, vl);
			__m256i gy = _mm256_add_epi32(_mm256_add_epi32(dl, _mm256_add_epi32(dc, dc)), dr);

			acc = _mm256_add_epi64(acc, _mm256_add_epi64(sq64(gx), sq64(gy)));
			rsum = _mm256_add_epi32(rsum, c1);
		}
		vsum = _mm256_add_epi64(vsum, widen64(rsum));
		for (; i + 1 < wd; i++) {
			int32_t gx = (r0[i + 1] + 2 * r1[i + 1] + r2[i + 1]) -
				     (r0[i - 1] + 2 * r1[i - 1] + r2[i - 1]);
			int32_t gy = (r2[i - 1] - r0[i - 1]) + 2 * (r2[i] - r0[i]) + (r2[i + 1] - r0[i + 1]);
			uint64_t ax = (uint32_t)(gx < 0 ? -gx : gx), ay = (uint32_t)(gy < 0 ? -gy : gy);

			sum += r1[i];
			acc_s += ax * ax + ay * ay;
		}
		sum += r1[0] + (uint64_t)r1[wd - 1];
	}
	sum += af__row_sum(v, 0, 0, wd) + af__row_sum(v, v->hd - 1, 0, wd);
	{
		uint64_t a[4], b[4];

		_mm256_storeu_si256((__m256i *)(void *)a, acc);
		_mm256_storeu_si256((__m256i *)(void *)b, vsum);
		*pacc = acc_s + a[0] + a[1] + a[2] + a[3];
		*psum = sum + b[0] + b[1] + b[2] + b[3];
	}
}

AVX2_FN void af__lapvar_avx2(const af__measure_view *v, uint64_t *psum, int64_t *plsum,
			     uint64_t *plsq)
{
	__m256i lsq = _mm256_setzero_si256(), lsumv = _mm256_setzero_si256();
	__m256i vsum = _mm256_setzero_si256();
	uint64_t sum = 0, lsq_s = 0;
	int64_t lsum = 0;
	size_t wd = v->wd;

	for (size_t j = 1; j + 1 < v->hd; j++) {
		const uint16_t *r1 = v->px + j * v->row, *r0 = r1 - v->row, *r2 = r1 + v->row;
		__m256i rsum = _mm256_setzero_si256();
		size_t i = 1;

		for (; i + 8u <= wd - 1u; i += 8u) {
			__m256i c = load8(r1 + i);
			__m256i lap = _mm256_sub_epi32(
				_mm256_slli_epi32(c, 2),
				_mm256_add_epi32(_mm256_add_epi32(load8(r1 + i - 1), load8(r1 + i + 1)),
						 _mm256_add_epi32(load8(r0 + i), load8(r2 + i))));

			lsq = _mm256_add_epi64(lsq, sq64(lap));
			lsumv = _mm256_add_epi64(lsumv, widen64(lap));
			rsum = _mm256_add_epi32(rsum, c);
		}
		vsum = _mm256_add_epi64(vsum, widen64(rsum));
		for (; i + 1 < wd; i++) {
			int32_t lap = 4 * (int32_t)r1[i] - (int32_t)r1[i - 1] - (int32_t)r1[i + 1] -
				      (int32_t)r0[i] - (int32_t)r2[i];
			uint64_t al = (uint32_t)(lap < 0 ? -lap : lap);

			sum += r1[i];
			lsum += lap;
			lsq_s += al * al;
		}
		sum += r1[0] + (uint64_t)r1[wd - 1];
	}
	sum += af__row_sum(v, 0, 0, wd) + af__row_sum(v, v->hd - 1, 0, wd);
	{
		uint64_t a[4], b[4];
		int64_t c[4];

		_mm256_storeu_si256((__m256i *)(void *)a, lsq);
		_mm256_storeu_si256((__m256i *)(void *)b, vsum);
		_mm256_storeu_si256((__m256i *)(void *)c, lsumv);
		*plsq = lsq_s + a[0] + a[1] + a[2] + a[3];
		*psum = sum + b[0] + b[1] + b[2] + b[3];
		*plsum = lsum + c[0] + c[1] + c[2] + c[3];
	}
}
#endif
