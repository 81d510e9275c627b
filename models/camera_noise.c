/*
 * camera_noise.c - the sCMOS camera's per-frame noise model: a view's
 * blurred signal to output codes.
 *
 * A frame is rendered in chunks of NOISE_CHUNK pixels (they stay in L1),
 * two passes each.  Pass one, float and branch-free so that compilers
 * vectorise it: the blurred emission (one lerp between two cached blur
 * levels per layer), the expected electrons, their mean and shot + read
 * noise sigma in ADU.  Pass two: the random draws (normals into a buffer),
 * then the output stage (mean + sigma z, clip, round, convert), vector
 * code again.  Where the processor has AVX2 (chosen at run time per view,
 * mdl_camera_simd_best) pass one and the output stage run eight lanes
 * wide; the portable kernels are the fallback and give the same bits
 * (tests/test_camera_simd.c holds both to one pinned digest).
 * With tilt every pixel has its own defocus and level pair; a per-pixel
 * signal pass fills v->signal first and pass one reads it.
 *
 * Normals come from a table of 65536 equal-probability cells of the
 * standard normal, each at its median (Acklam's quantile), indexed by 16
 * random bits: one 64-bit draw makes four normals.  The tail cells 0 and
 * 65535 (|z| > 4.17, 1 draw in 32768) are resolved exactly: an extra draw
 * places the value inside the tail by Acklam's tail formula, so tails reach
 * 9 sigma.  Neighbouring table values are 4e-5 sigma apart at the centre,
 * 0.02 at 3.5 sigma, 0.11 at 4 sigma; the variance is 1 - 2.3e-6.  Rejected:
 * polar/Box-Muller (log, sqrt and rejection per pixel) and a 2048-cell
 * table interpolated with 52 bits per normal (1.6x slower per pixel: the
 * random bits, not the table, were the cost).  The table (256 KiB) lives in
 * the view, since models keep no global state.
 *
 * Bright chunks (every pixel above NOISE_GAUSS_MIN_E expected electrons)
 * take shot + read noise as one Gaussian of variance lambda + read_noise^2
 * (skewness below 0.2), four pixels per draw.  A chunk with a dimmer pixel
 * draws one word per pixel: the top 32 bits invert the Poisson CDF (exact),
 * the low 16 bits make the read-noise normal.  So the number of draws a
 * frame takes depends on its light, deterministically.
 */
#include <math.h>
#include <string.h>
#include <threads.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 kernels need the GNU target attribute (gcc, clang) on x86; they run
 * only where the processor reports AVX2.  -DAFSIM_NO_AVX2 leaves them out. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && \
	!defined(AFSIM_NO_AVX2)
#define CAMERA_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

#include "models/camera_impl.h"
#include "models/mdl.h"
#include "kernel/digest.h"

/* Above this many expected electrons shot + read noise is one Gaussian. */
#define NOISE_GAUSS_MIN_E 24.0

/* ---- Normal deviates ---------------------------------------------------- */

/* Acklam's rational approximation of the normal quantile in the lower
 * tail, p < 0.02425 (relative error < 1.2e-9); returns a negative z. */
static double normal_quantile_low(double p)
{
	double q = sqrt(-2.0 * log(p));

	return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q -
		   2.400758277161838e+00) * q - 2.549671010114263e+00) * q +
		 4.374664141464968e+00) * q + 2.938163982698783e+00) /
	       ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q +
		  2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1.0);
}

/* The normal quantile for p in (0, 1/2]: Acklam (relative error < 1.2e-9,
 * far below the float the table stores). */
static double normal_quantile(double p)
{
	double q = p - 0.5, r = q * q;

	if (p < 0.02425)
		return normal_quantile_low(p);
	return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r -
		   2.759285104469687e+02) * r + 1.383577518672690e+02) * r -
		 3.066479806614716e+01) * r + 2.506628277459239e+00) * q /
	       (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r -
		   1.556989798598866e+02) * r + 6.680131188771972e+01) * r -
		 1.328068155288572e+01) * r + 1.0);
}

/* z[i] = Phi^-1((i + 1/2) / N), antisymmetric by construction; the tail
 * cells 0 and N - 1 are never read.  A pure function of N: one table
 * serves every view of the process (building it cost a view as much as
 * sampling its specimen at 128x128). */
static float normal_table[NORMAL_TABLE_N];
static once_flag normal_table_once = ONCE_FLAG_INIT;

static void normal_table_build(void)
{
	for (uint32_t i = 0; i < NORMAL_TABLE_N / 2u; i++) {
		double q = normal_quantile(((double)i + 0.5) / (double)NORMAL_TABLE_N);

		normal_table[i] = (float)q;
		normal_table[NORMAL_TABLE_N - 1u - i] = (float)-q;
	}
}

const float *mdl_camera_normal_table(void)
{
	call_once(&normal_table_once, normal_table_build);
	return normal_table;
}

/* Normal for the 16-bit cell index idx: the table, or for a tail cell an
 * extra draw from r placing it inside the tail. */
static inline float normal16(const float *table, uint32_t idx, sim_rng *r)
{
	double u, z;

	if (idx - 1u < NORMAL_TABLE_N - 2u)
		return table[idx];
	u = ((double)(int64_t)(sim_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
	z = normal_quantile_low(u / (double)NORMAL_TABLE_N);
	return (float)(idx == 0 ? z : -z);
}

/* Poisson(lambda) by inversion of one uniform u in (0, 1); lambda small. */
static double poisson_small(double lambda, double u)
{
	double p = exp(-lambda), cdf = p;
	uint32_t k = 0;

	while (u > cdf && k < 256u) {
		k++;
		p *= lambda / (double)k;
		cdf += p;
	}
	return (double)k;
}

#define NOISE_CHUNK 512

typedef struct noise_params {
	float ke, dark_e, rn2, offset, inv_gain, cap_adu;
	double rn, fw, offset_d, inv_gain_d;
} noise_params;

/*
 * Floats >= 0 order like their bit patterns read as int32, so comparisons
 * and clamps in pass one are done on the bits: a float comparison may trap
 * on NaN, which keeps compilers from if-converting, hence vectorising, the
 * loop.  (-0.0 reads as negative, which only errs towards "dim".)
 */
static inline int32_t float_bits(float x)
{
	int32_t i;

	memcpy(&i, &x, sizeof i);
	return i;
}

/* sqrt(x) for x > 0 without libm: libm's sqrtf must set errno for x < 0,
 * which keeps the loop around it scalar.  The bit-level estimate of
 * 1/sqrt(x) refined by two Newton steps, times x: relative error < 5e-6,
 * far below what a noise sigma needs.  Only used for x > NOISE_GAUSS_MIN_E
 * (for x = 0 it would give NaN, harmlessly, in a value nobody reads). */
static inline float sqrt_nr(float x)
{
	int32_t i = 0x5f375a86 - (float_bits(x) >> 1);
	float h = 0.5f * x, y;

	memcpy(&y, &i, sizeof y);
	y = y * (1.5f - h * y * y);
	y = y * (1.5f - h * y * y);
	return x * y;
}

/* Mean and sigma in ADU of one pixel from its expected electrons. */
static inline void pixel_moments(const noise_params *p, float lambda, float *mu, float *sd)
{
	*mu = p->offset + lambda * p->inv_gain;
	*sd = sqrt_nr(lambda + p->rn2) * p->inv_gain;
}

/* Expected electrons of pixel i0 + j: the one expression both passes use. */
static inline float pixel_lambda(const noise_params *p, const frame_src *src, const float *sig,
				 size_t i0, size_t j)
{
	if (src->layers == 1) {
		const float *a = src->a[0] + i0, *b = src->b[0] + i0;

		return p->ke * (a[j] + src->t[0] * (b[j] - a[j])) + p->dark_e;
	}
	return p->ke * sig[j] + p->dark_e;
}

/* Pass one over n pixels from i0: mean and sigma in ADU; nonzero if any
 * pixel is dim.  Float, no branches in the loops: with a constant n they
 * vectorise, with the same rounding as the scalar form.  One layer (the
 * common case) has the lerp fused in; several are summed into sig first. */
static inline int noise_moments(const noise_params *p, const frame_src *src, size_t i0,
				size_t n, float *restrict sig, float *restrict mu,
				float *restrict sd)
{
	const int32_t dim_bits = float_bits((float)NOISE_GAUSS_MIN_E);
	int dim = 0;

	if (src->layers == 1) {
		const float *restrict a = src->a[0] + i0, *restrict b = src->b[0] + i0;
		const float t = src->t[0];

		for (size_t j = 0; j < n; j++) {
			float lambda = p->ke * (a[j] + t * (b[j] - a[j])) + p->dark_e;

			pixel_moments(p, lambda, &mu[j], &sd[j]);
			dim |= float_bits(lambda) <= dim_bits;
		}
		return dim;
	}
	mdl_camera_source_signal(src, i0, n, sig);
	for (size_t j = 0; j < n; j++) {
		float lambda = p->ke * sig[j] + p->dark_e;

		pixel_moments(p, lambda, &mu[j], &sd[j]);
		dim |= float_bits(lambda) <= dim_bits;
	}
	return dim;
}

/* To the output code: clip at full well and the top of the ADC range
 * (cap) and at 0, round to nearest.  Clipping comes first, so the
 * conversion is always defined. */
static inline uint16_t to_code(float a, float cap)
{
	a = a < cap ? a : cap;
	a = a > 0.0f ? a : 0.0f;
	return (uint16_t)(int32_t)(a + 0.5f);
}

/*
 * The output stage: o[j] = to_code(mu[j] + sd[j] z[j]) for j < n.  Written
 * as a scalar loop, compilers keep to_code's compares as branches; with
 * SSE2 (the x86-64 baseline) eight pixels go at once.  Same bits: mulps
 * and addps round each lane as mulss and addss do (no contraction:
 * -ffp-contract=off), minps(a, cap) is exactly "a < cap ? a : cap" and
 * maxps(a, 0) "a > 0 ? a : 0", NaN included, and cvttps truncates like
 * the cast.  The codes (0..65535) go to 16 bits by a signed pack of
 * code - 32768 and a flip of the top bit, SSE2 having no unsigned pack.
 */
static void output_codes(const float *restrict mu, const float *restrict sd,
			 const float *restrict z, size_t n, float cap, uint16_t *restrict o)
{
	size_t j = 0;

#if defined(__SSE2__)
	const __m128 vcap = _mm_set1_ps(cap), zero = _mm_setzero_ps(), half = _mm_set1_ps(0.5f);
	const __m128i bias32 = _mm_set1_epi32(32768), flip16 = _mm_set1_epi16(INT16_MIN);

	for (; j + 8u <= n; j += 8u) {
		__m128 a0 = _mm_add_ps(_mm_loadu_ps(mu + j),
				       _mm_mul_ps(_mm_loadu_ps(sd + j), _mm_loadu_ps(z + j)));
		__m128 a1 = _mm_add_ps(_mm_loadu_ps(mu + j + 4),
				       _mm_mul_ps(_mm_loadu_ps(sd + j + 4), _mm_loadu_ps(z + j + 4)));
		__m128i c0, c1;

		a0 = _mm_max_ps(_mm_min_ps(a0, vcap), zero);
		a1 = _mm_max_ps(_mm_min_ps(a1, vcap), zero);
		c0 = _mm_sub_epi32(_mm_cvttps_epi32(_mm_add_ps(a0, half)), bias32);
		c1 = _mm_sub_epi32(_mm_cvttps_epi32(_mm_add_ps(a1, half)), bias32);
		_mm_storeu_si128((__m128i *)(void *)(o + j),
				 _mm_xor_si128(_mm_packs_epi32(c0, c1), flip16));
	}
#endif
	for (; j < n; j++)
		o[j] = to_code(mu[j] + sd[j] * z[j], cap);
}

#if defined(CAMERA_AVX2)
/*
 * The AVX2 kernels: pass one over a full chunk and the output stage, eight
 * lanes at a time, each lane the scalar expression's operations in the
 * scalar order (no FMA: the target is "avx2" alone, and -ffp-contract=off),
 * so the same bits.  Compilers do not vectorise the portable pass one for
 * AVX2 by themselves (the dim flag's reduction), hence the intrinsics.
 */

/* lambda (8 lanes) to mu and sd, as pixel_moments; returns lambda's
 * "dim" lanes (bits <= dim_bits) as all-ones. */
static inline AVX2_FN __m256i moments8(const noise_params *p, __m256 lambda, float *mu,
				       float *sd)
{
	const __m256 offset = _mm256_set1_ps(p->offset), inv_gain = _mm256_set1_ps(p->inv_gain);
	const __m256 rn2 = _mm256_set1_ps(p->rn2), half = _mm256_set1_ps(0.5f);
	const __m256 three_halves = _mm256_set1_ps(1.5f);
	const __m256i magic = _mm256_set1_epi32(0x5f375a86);
	const __m256i dim_above = _mm256_set1_epi32(float_bits((float)NOISE_GAUSS_MIN_E) + 1);
	__m256 x = _mm256_add_ps(lambda, rn2), h = _mm256_mul_ps(half, x), y;

	_mm256_storeu_ps(mu, _mm256_add_ps(offset, _mm256_mul_ps(lambda, inv_gain)));
	/* sqrt_nr(x) */
	y = _mm256_castsi256_ps(
		_mm256_sub_epi32(magic, _mm256_srai_epi32(_mm256_castps_si256(x), 1)));
	y = _mm256_mul_ps(y, _mm256_sub_ps(three_halves, _mm256_mul_ps(_mm256_mul_ps(h, y), y)));
	y = _mm256_mul_ps(y, _mm256_sub_ps(three_halves, _mm256_mul_ps(_mm256_mul_ps(h, y), y)));
	_mm256_storeu_ps(sd, _mm256_mul_ps(_mm256_mul_ps(x, y), inv_gain));
	return _mm256_cmpgt_epi32(dim_above, _mm256_castps_si256(lambda));
}

/*
 * noise_moments over NOISE_CHUNK pixels.  One line (16 floats) of each
 * level is requested PREFETCH_PX pixels ahead: at 512 x 512 the levels
 * (1 MiB each) stream from beyond L2, and the hardware prefetcher alone
 * left this loop waiting on them (1.9 x the floor instead of 1.5 x).  A
 * hint past the end of a level is harmless (prefetches do not fault).
 */
#define PREFETCH_PX 1024u

static AVX2_FN int moments_chunk_avx2(const noise_params *p, const frame_src *src, size_t i0,
				      float *restrict sig, float *restrict mu,
				      float *restrict sd)
{
	const __m256 ke = _mm256_set1_ps(p->ke), dark = _mm256_set1_ps(p->dark_e);
	__m256i dim = _mm256_setzero_si256();

	if (src->layers == 1) {
		const float *a = src->a[0] + i0, *b = src->b[0] + i0;
		const __m256 t = _mm256_set1_ps(src->t[0]);

		for (size_t j = 0; j < NOISE_CHUNK; j += 8u) {
			__m256 va = _mm256_loadu_ps(a + j), vb = _mm256_loadu_ps(b + j);
			__m256 s;

			if ((j & 15u) == 0) {
				_mm_prefetch((const char *)(a + j + PREFETCH_PX), _MM_HINT_T0);
				_mm_prefetch((const char *)(b + j + PREFETCH_PX), _MM_HINT_T0);
			}
			s = _mm256_add_ps(va, _mm256_mul_ps(t, _mm256_sub_ps(vb, va)));
			__m256 lambda = _mm256_add_ps(_mm256_mul_ps(ke, s), dark);

			dim = _mm256_or_si256(dim, moments8(p, lambda, mu + j, sd + j));
		}
	} else {
		mdl_camera_source_signal(src, i0, NOISE_CHUNK, sig);
		for (size_t j = 0; j < NOISE_CHUNK; j += 8u) {
			__m256 lambda = _mm256_add_ps(_mm256_mul_ps(ke, _mm256_loadu_ps(sig + j)), dark);

			dim = _mm256_or_si256(dim, moments8(p, lambda, mu + j, sd + j));
		}
	}
	return !_mm256_testz_si256(dim, dim);
}

/* output_codes, sixteen pixels a step. */
static AVX2_FN void output_codes_avx2(const float *restrict mu, const float *restrict sd,
				      const float *restrict z, size_t n, float cap,
				      uint16_t *restrict o)
{
	const __m256 vcap = _mm256_set1_ps(cap), zero = _mm256_setzero_ps();
	const __m256 half = _mm256_set1_ps(0.5f);
	size_t j = 0;

	for (; j + 16u <= n; j += 16u) {
		__m256 a0 = _mm256_add_ps(_mm256_loadu_ps(mu + j), _mm256_mul_ps(_mm256_loadu_ps(sd + j),
									   _mm256_loadu_ps(z + j)));
		__m256 a1 = _mm256_add_ps(_mm256_loadu_ps(mu + j + 8),
					  _mm256_mul_ps(_mm256_loadu_ps(sd + j + 8),
							_mm256_loadu_ps(z + j + 8)));
		__m256i c0, c1;

		a0 = _mm256_max_ps(_mm256_min_ps(a0, vcap), zero);
		a1 = _mm256_max_ps(_mm256_min_ps(a1, vcap), zero);
		c0 = _mm256_cvttps_epi32(_mm256_add_ps(a0, half));
		c1 = _mm256_cvttps_epi32(_mm256_add_ps(a1, half));
		/* packus works per 128-bit half: put the quarters back in order */
		_mm256_storeu_si256((__m256i *)(void *)(o + j),
				    _mm256_permute4x64_epi64(_mm256_packus_epi32(c0, c1), 0xd8));
	}
	for (; j < n; j++)
		o[j] = to_code(mu[j] + sd[j] * z[j], cap);
}
#endif

mdl_camera_simd mdl_camera_simd_best(void)
{
#if defined(CAMERA_AVX2)
	if (__builtin_cpu_supports("avx2"))
		return MDL_CAMERA_SIMD_AVX2;
#endif
	return MDL_CAMERA_SIMD_PORTABLE;
}

/* Nonzero if any 16-bit lane of w is 0 or 0xffff: a tail cell. */
static inline uint64_t has_tail_lane(uint64_t w)
{
	const uint64_t ones = 0x0001000100010001u, highs = 0x8000800080008000u;
	uint64_t nw = ~w;

	return ((w - ones) & nw & highs) | ((nw - ones) & w & highs);
}

/*
 * The frame's digest (kernel/digest.h) taken while the frame is rendered:
 * whole words of finished pixels wait here and the next chunk's draw loop
 * digests one per iteration, so that the digest's serial multiply chain
 * (six cycles a word) runs alongside the draws instead of after the frame
 * (a tenth of a simulated handoff's time).  Words stay in frame order, so
 * the value is sim_digest_u16's.
 */
typedef struct digest_run {
	uint64_t h;
	const uint16_t *next;   /* first pixel not digested */
	size_t words;           /* whole words of finished pixels from next */
} digest_run;

static inline void digest_step(uint64_t *h, const uint16_t **next, size_t *words)
{
	if (*words) {
		*h = sim_digest_word(*h, sim_digest_load4(*next));
		*next += 4;
		(*words)--;
	}
}

/* Pass two, all pixels bright: four 16-bit normals per draw into z, one
 * test per draw for a tail lane, then the output stage.  The generator is
 * a local copy so that it stays in registers. */
static void noise_bright(const noise_params *p, const float *table, const float *mu,
			 const float *sd, size_t n, sim_rng *rng, float *restrict z,
			 mdl_camera_simd simd, digest_run *d, uint16_t *o)
{
	sim_rng r = *rng;
	uint64_t h = d->h;
	const uint16_t *next = d->next;
	size_t words = d->words;
	size_t j = 0;

	for (; j + 4u <= n; j += 4u) {
		uint64_t w = sim_rng_next(&r);

		digest_step(&h, &next, &words);

		if (has_tail_lane(w)) {
			z[j] = normal16(table, (uint32_t)w & 0xffffu, &r);
			z[j + 1] = normal16(table, (uint32_t)(w >> 16) & 0xffffu, &r);
			z[j + 2] = normal16(table, (uint32_t)(w >> 32) & 0xffffu, &r);
			z[j + 3] = normal16(table, (uint32_t)(w >> 48), &r);
		} else {
			z[j] = table[w & 0xffffu];
			z[j + 1] = table[(w >> 16) & 0xffffu];
			z[j + 2] = table[(w >> 32) & 0xffffu];
			z[j + 3] = table[w >> 48];
		}
	}
	if (j < n) {
		uint64_t w = sim_rng_next(&r);

		for (unsigned k = 0; j < n; j++, k++)
			z[j] = normal16(table, (uint32_t)(w >> (16u * k)) & 0xffffu, &r);
	}
	*rng = r;
	d->h = h;
	d->next = next;
	d->words = words;
#if defined(CAMERA_AVX2)
	if (simd == MDL_CAMERA_SIMD_AVX2) {
		output_codes_avx2(mu, sd, z, n, p->cap_adu, o);
		return;
	}
#endif
	(void)simd;
	output_codes(mu, sd, z, n, p->cap_adu, o);
}

/* Pass two with dim pixels: one draw per pixel; exact Poisson below
 * NOISE_GAUSS_MIN_E (in double), the Gaussian above. */
static void noise_mixed(const noise_params *p, const float *table, const frame_src *src,
			size_t i0, const float *sig, const float *mu, const float *sd, size_t n,
			sim_rng *r, digest_run *d, uint16_t *o)
{
	for (size_t j = 0; j < n; j++) {
		float lambda = pixel_lambda(p, src, sig, i0, j);
		uint64_t w = sim_rng_next(r);

		digest_step(&d->h, &d->next, &d->words);
		float z = normal16(table, (uint32_t)w & 0xffffu, r);

		if (lambda > (float)NOISE_GAUSS_MIN_E) {
			o[j] = to_code(mu[j] + sd[j] * z, p->cap_adu);
		} else {
			double u = ((double)(int64_t)(w >> 32) + 0.5) * 0x1.0p-32;
			double e = poisson_small((double)lambda, u) + p->rn * (double)z;

			e = e < p->fw ? e : p->fw;
			e = p->offset_d + e * p->inv_gain_d;
			o[j] = to_code((float)e, p->cap_adu);
		}
	}
}

static int render(mdl_view *v, const mdl_exposure *x, sim_rng *rng, uint16_t *out,
		  uint64_t *digest)
{
	const mdl_camera_config *c;
	float sig[NOISE_CHUNK], mu[NOISE_CHUNK], sd[NOISE_CHUNK], z[NOISE_CHUNK];
	frame_src src;
	noise_params p;
	digest_run d;
	sim_rng r;
	double inv_gain;
	int rc;

	if (!v || !rng || !out || mdl_camera_exposure_check(x))
		return MDL_EINVAL;
	rc = mdl_camera_frame_source(v, x, &src);
	if (rc)
		return rc;
	c = &v->cam;
	inv_gain = 1.0 / v->gain_e_per_adu;
	p.ke = (float)(c->qe * c->photon_flux_per_s * x->exposure_s * x->signal_scale);
	p.dark_e = (float)(c->dark_e_per_s * x->exposure_s);
	p.rn = c->read_noise_e;
	p.rn2 = (float)(p.rn * p.rn);
	p.fw = c->full_well_e;
	p.offset_d = c->offset_adu;
	p.offset = (float)p.offset_d;
	p.inv_gain_d = inv_gain;
	p.inv_gain = (float)inv_gain;
	p.cap_adu = (float)(p.offset_d + p.fw * inv_gain);
	if (p.cap_adu > (float)mdl_camera_max_adu(c))
		p.cap_adu = (float)mdl_camera_max_adu(c);
	r = *rng;
	d.h = sim_digest_begin(v->npix);
	d.next = out;
	d.words = 0;
	for (size_t i0 = 0; i0 < v->npix; i0 += NOISE_CHUNK) {
		size_t n = v->npix - i0;
		int dim;

		/* A constant count lets the compiler vectorise full chunks. */
		if (n >= NOISE_CHUNK) {
			n = NOISE_CHUNK;
#if defined(CAMERA_AVX2)
			if (v->simd == MDL_CAMERA_SIMD_AVX2)
				dim = moments_chunk_avx2(&p, &src, i0, sig, mu, sd);
			else
#endif
				dim = noise_moments(&p, &src, i0, NOISE_CHUNK, sig, mu, sd);
		} else {
			dim = noise_moments(&p, &src, i0, n, sig, mu, sd);
		}
		if (dim)
			noise_mixed(&p, v->normal_z, &src, i0, sig, mu, sd, n, &r, &d, out + i0);
		else
			noise_bright(&p, v->normal_z, mu, sd, n, &r, z, v->simd, &d, out + i0);
		/* this chunk's pixels are final: their whole words join the queue */
		if (digest)
			d.words = (i0 + n - (size_t)(d.next - out)) / 4u;
	}
	*rng = r;
	if (digest) {
		while (d.words)
			digest_step(&d.h, &d.next, &d.words);
		for (; d.next < out + v->npix; d.next++)
			d.h = sim_digest_pixel(d.h, *d.next);
		*digest = sim_digest_end(d.h);
	}
	return 0;
}

int mdl_camera_render(mdl_view *v, const mdl_exposure *x, sim_rng *rng, uint16_t *out)
{
	return render(v, x, rng, out, NULL);
}

int mdl_camera_render_digest(mdl_view *v, const mdl_exposure *x, sim_rng *rng, uint16_t *out,
			     uint64_t *digest)
{
	if (!digest)
		return MDL_EINVAL;
	return render(v, x, rng, out, digest);
}
