/*
 * defocus.c - the lazily built Gaussian blur ladder behind the camera.
 *
 * Each level is the sharp image convolved with a sampled Gaussian of the
 * level's sigma, truncated at 3.5 sigma and normalised to sum 1 so that
 * flux is conserved.  Convolution is direct and separable: a horizontal
 * pass over every padded row (ROI columns only), then a vertical pass over
 * the ROI rows.  Indices beyond the padded image reflect (period 2n), which
 * only matters once the kernel outgrows the margin; at those blurs the
 * image has little structure left and a mirrored neighbourhood has the
 * right statistics.  Cost per level is (padded rows + ROI rows) * ROI width
 * * (2 r + 1) multiply-adds; r grows with sigma, which the caller bounds
 * with the cap.  Recursive (IIR) Gaussians and box cascades were rejected:
 * the first are inexact for small sigma, the second quantise sigma.
 */
#include "models/defocus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mdl.h"

/* The AVX2 convolution needs the GNU target attribute (gcc, clang) on x86
 * and runs only where the processor reports AVX2; -DAFSIM_NO_AVX2 leaves
 * it out. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && \
	!defined(AFSIM_NO_AVX2)
#define DEFOCUS_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

/* Kernel half-width in sigmas; the truncated tail (4.7e-4) is renormalised. */
#define KERNEL_SIGMAS 3.5
#define MAX_LEVELS 4096
#define MAX_SIDE 65536u

struct mdl_defocus_stack {
	uint32_t width, height, margin;
	size_t pw, ph;          /* padded width and height */
	size_t level_bytes;     /* width * height floats */
	int level_count;
	int levels_built;
	int r_max;              /* kernel half-width of the largest level */
	double *sigma_px;       /* level_count */
	float *base;            /* pw * ph */
	float **level;          /* level_count, NULL until built */
	float *tmp;             /* ph * width: horizontal pass */
	float *ext;             /* width + 2 r_max: one reflected row */
	size_t *ext_at;         /* width + 2 r_max: where ext's pixels come from */
	float *kernel;          /* 2 r_max + 1 */
	const float **src;      /* 2 r_max + 1: each tap's source row */
	int avx2;               /* the AVX2 convolution kernel runs here */
	mdl_defocus_fill_fn fill;  /* NULL: the caller filled base */
	void *fill_user;
	int band;               /* margin pixels filled around the ROI, -1 none */
	size_t bytes;
};

/* a * b into *out unless it overflows size_t. */
static int mul_size(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

static int kernel_radius(double sigma_px)
{
	double r = ceil(KERNEL_SIGMAS * sigma_px);

	return r < 1.0 ? 1 : (int)r;
}

/* Mirror index i into [0, n): ... 1 0 | 0 1 ... n-1 | n-1 n-2 ... */
static size_t reflect(int64_t i, size_t n)
{
	int64_t p = 2 * (int64_t)n;
	int64_t m = i % p;

	if (m < 0)
		m += p;
	return (size_t)(m < (int64_t)n ? m : p - 1 - m);
}

mdl_defocus_stack *mdl_defocus_new(uint32_t width, uint32_t height, uint32_t margin_px,
				   double sigma0_px, double sigma_cap_px, double ratio)
{
	mdl_defocus_stack *s;
	size_t npad, nroi, ntmp, next, nk;
	double sig;
	int n;

	if (width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE ||
	    margin_px > MAX_SIDE)
		return NULL;
	if (!(sigma0_px > 0.0 && sigma0_px < 1e6) || !(ratio >= 1.001 && ratio <= 10.0) ||
	    !(sigma_cap_px < 1e6))
		return NULL;
	if (!(sigma_cap_px > sigma0_px))
		sigma_cap_px = sigma0_px;
	/* Count the levels: sigma0 ratio^k below the cap, then the cap. */
	n = 1;
	for (sig = sigma0_px; sig * ratio < sigma_cap_px && n < MAX_LEVELS; sig *= ratio)
		n++;
	if (sigma_cap_px > sig && n < MAX_LEVELS)
		n++;

	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->width = width;
	s->height = height;
	s->margin = margin_px;
	s->pw = (size_t)width + 2u * (size_t)margin_px;
	s->ph = (size_t)height + 2u * (size_t)margin_px;
	s->level_count = n;
	s->r_max = kernel_radius(sigma_cap_px);
	if (mul_size(s->pw, s->ph, &npad) || mul_size(width, height, &nroi) ||
	    mul_size(s->ph, width, &ntmp) || mul_size(npad, sizeof(float), &s->bytes) ||
	    mul_size(nroi, sizeof(float), &s->level_bytes))
		goto fail;
	next = (size_t)width + 2u * (size_t)s->r_max;
	nk = 2u * (size_t)s->r_max + 1u;
	s->sigma_px = calloc((size_t)n, sizeof *s->sigma_px);
	s->level = calloc((size_t)n, sizeof *s->level);
	s->base = calloc(npad, sizeof *s->base);
	s->tmp = calloc(ntmp, sizeof *s->tmp);
	s->ext = calloc(next, sizeof *s->ext);
	s->ext_at = calloc(next, sizeof *s->ext_at);
	s->kernel = calloc(nk, sizeof *s->kernel);
	s->src = calloc(nk, sizeof *s->src);
	if (!s->sigma_px || !s->level || !s->base || !s->tmp || !s->ext || !s->ext_at || !s->kernel || !s->src)
		goto fail;
	mdl_defocus_use_avx2(s, 1);
	s->band = (int)margin_px;
	s->bytes += (ntmp + next + nk) * sizeof(float) + next * sizeof *s->ext_at +
		    nk * sizeof *s->src +
		    (size_t)n * (sizeof *s->sigma_px + sizeof *s->level) + sizeof *s;
	s->sigma_px[0] = sigma0_px;
	for (int k = 1; k < n; k++)
		s->sigma_px[k] = s->sigma_px[k - 1] * ratio;
	if (n > 1)
		s->sigma_px[n - 1] = sigma_cap_px;
	return s;
fail:
	mdl_defocus_free(s);
	return NULL;
}

void mdl_defocus_free(mdl_defocus_stack *s)
{
	if (!s)
		return;
	if (s->level)
		for (int k = 0; k < s->level_count; k++)
			free(s->level[k]);
	free(s->level);
	free(s->sigma_px);
	free(s->base);
	free(s->tmp);
	free(s->ext);
	free(s->ext_at);
	free(s->kernel);
	free(s->src);
	free(s);
}

float *mdl_defocus_base(mdl_defocus_stack *s)
{
	return s->base;
}

uint32_t mdl_defocus_padded_width(const mdl_defocus_stack *s)
{
	return (uint32_t)s->pw;
}

/* The scratch of the horizontal pass and of reflected rows: sizes. */
static size_t tmp_count(const mdl_defocus_stack *s)
{
	return s->ph * s->width;   /* checked not to overflow by mdl_defocus_new */
}

static size_t ext_count(const mdl_defocus_stack *s)
{
	return (size_t)s->width + 2u * (size_t)s->r_max;
}

static size_t scratch_bytes(const mdl_defocus_stack *s)
{
	return tmp_count(s) * sizeof(float) + ext_count(s) * (sizeof(float) + sizeof(size_t));
}

static void scratch_free(mdl_defocus_stack *s)
{
	free(s->tmp);
	free(s->ext);
	free(s->ext_at);
	s->tmp = NULL;
	s->ext = NULL;
	s->ext_at = NULL;
}

void mdl_defocus_trim(mdl_defocus_stack *s)
{
	if (!s->tmp)
		return;
	scratch_free(s);
	s->bytes -= scratch_bytes(s);
}

int mdl_defocus_restore(mdl_defocus_stack *s)
{
	if (s->tmp)
		return 0;
	s->tmp = malloc(tmp_count(s) * sizeof *s->tmp);
	s->ext = malloc(ext_count(s) * sizeof *s->ext);
	s->ext_at = malloc(ext_count(s) * sizeof *s->ext_at);
	if (!s->tmp || !s->ext || !s->ext_at) {
		scratch_free(s);
		return MDL_ENOMEM;
	}
	s->bytes += scratch_bytes(s);
	return 0;
}

void mdl_defocus_drop_levels(mdl_defocus_stack *s)
{
	for (int k = 0; k < s->level_count; k++) {
		if (!s->level[k])
			continue;
		free(s->level[k]);
		s->level[k] = NULL;
		s->bytes -= s->level_bytes;
	}
	s->levels_built = 0;
}

void mdl_defocus_set_fill(mdl_defocus_stack *s, mdl_defocus_fill_fn fn, void *user)
{
	s->fill = fn;
	s->fill_user = user;
	s->band = fn ? -1 : (int)s->margin;
}

int mdl_defocus_filled_band(const mdl_defocus_stack *s)
{
	return s->band;
}

/* Grow the filled band to b pixels around the ROI: the whole square the
 * first time, then the ring between the old band and b (the strips above
 * and below, full width, then the sides between them). */
static int fill_band(mdl_defocus_stack *s, int b)
{
	uint32_t m = s->margin, w = s->width, h = s->height, b1 = (uint32_t)b, b0;
	void *u = s->fill_user;
	float *base = s->base;
	size_t pw = s->pw;
	int rc;

	if (s->band < 0) {
		rc = s->fill(u, base, pw, m - b1, m - b1, m + w + b1, m + h + b1);
	} else {
		b0 = (uint32_t)s->band;
		rc = s->fill(u, base, pw, m - b1, m - b1, m + w + b1, m - b0);
		if (!rc)
			rc = s->fill(u, base, pw, m - b1, m + h + b0, m + w + b1, m + h + b1);
		if (!rc)
			rc = s->fill(u, base, pw, m - b1, m - b0, m - b0, m + h + b0);
		if (!rc)
			rc = s->fill(u, base, pw, m + w + b0, m - b0, m + w + b1, m + h + b0);
	}
	if (rc)
		return MDL_ENOMEM;
	s->band = b;
	return 0;
}

int mdl_defocus_level_count(const mdl_defocus_stack *s)
{
	return s->level_count;
}

double mdl_defocus_level_sigma_px(const mdl_defocus_stack *s, int k)
{
	if (k < 0 || k >= s->level_count)
		return 0.0;
	return s->sigma_px[k];
}

const double *mdl_defocus_ladder(const mdl_defocus_stack *s)
{
	return s->sigma_px;
}

int mdl_defocus_levels_built(const mdl_defocus_stack *s)
{
	return s->levels_built;
}

size_t mdl_defocus_bytes(const mdl_defocus_stack *s)
{
	return s->bytes;
}

void mdl_defocus_locate(const mdl_defocus_stack *s, double sigma_px, int *k, float *t)
{
	const double *sg = s->sigma_px;
	int lo = 0, hi = s->level_count - 1;

	if (!(sigma_px > sg[0])) {
		*k = 0;
		*t = 0.0f;
		return;
	}
	if (sigma_px >= sg[hi]) {
		*k = hi;
		*t = 0.0f;
		return;
	}
	/* Invariant: sg[lo] < sigma_px < sg[hi]. */
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		if (sg[mid] <= sigma_px)
			lo = mid;
		else
			hi = mid;
	}
	*k = lo;
	*t = (float)((sigma_px - sg[lo]) / (sg[lo + 1] - sg[lo]));
}

/* Normalised sampled Gaussian of half-width r into s->kernel. */
static void make_kernel(mdl_defocus_stack *s, double sigma_px, int r)
{
	double sum = 0.0;

	for (int j = -r; j <= r; j++) {
		double u = (double)j / sigma_px;

		sum += exp(-0.5 * u * u);
	}
	for (int j = -r; j <= r; j++) {
		double u = (double)j / sigma_px;

		s->kernel[j + r] = (float)(exp(-0.5 * u * u) / sum);
	}
}

/*
 * The convolution's inner kernel: out[x] = sum over taps j, in order, of
 * k[j] src[j][x], for x0 <= x < n (x0 = 0 but for a tail), each sum
 * starting from 0.0f.  Blocks of
 * output pixels keep their sums in registers across all taps (the memory
 * traffic is the sources only); every out[x] gets the same roundings in
 * the same order as the one-tap-at-a-time loop it replaces, so the same
 * bits, whatever the block width: portable blocks of 16 (compilers
 * vectorise them with the baseline, SSE2 on x86-64), or AVX2 blocks of 32
 * where the processor has it (no FMA: the target is "avx2" alone, and
 * -ffp-contract=off).
 */
#define CONV_BLOCK 16u

static void conv_portable(float *restrict out, const float *k, const float *const *src,
			  size_t taps, size_t x0, size_t n)
{
	size_t x = x0;

	for (; x + CONV_BLOCK <= n; x += CONV_BLOCK) {
		float acc[CONV_BLOCK] = { 0 };

		for (size_t j = 0; j < taps; j++) {
			const float *restrict p = src[j] + x;
			float kj = k[j];

			for (size_t t = 0; t < CONV_BLOCK; t++)
				acc[t] += kj * p[t];
		}
		memcpy(out + x, acc, sizeof acc);
	}
	for (; x < n; x++) {
		float acc = 0.0f;

		for (size_t j = 0; j < taps; j++)
			acc += k[j] * src[j][x];
		out[x] = acc;
	}
}

#if defined(DEFOCUS_AVX2)
static AVX2_FN void conv_avx2(float *restrict out, const float *k, const float *const *src,
			      size_t taps, size_t n)
{
	size_t x = 0;

	/* Eight sums in flight: an add's latency is hidden behind the other
	 * seven (four left each tap waiting on its own last add). */
	for (; x + 64u <= n; x += 64u) {
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
		__m256 a4 = a0, a5 = a0, a6 = a0, a7 = a0;

		for (size_t j = 0; j < taps; j++) {
			const float *p = src[j] + x;
			__m256 kj = _mm256_set1_ps(k[j]);

			a0 = _mm256_add_ps(a0, _mm256_mul_ps(kj, _mm256_loadu_ps(p)));
			a1 = _mm256_add_ps(a1, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 8)));
			a2 = _mm256_add_ps(a2, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 16)));
			a3 = _mm256_add_ps(a3, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 24)));
			a4 = _mm256_add_ps(a4, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 32)));
			a5 = _mm256_add_ps(a5, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 40)));
			a6 = _mm256_add_ps(a6, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 48)));
			a7 = _mm256_add_ps(a7, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 56)));
		}
		_mm256_storeu_ps(out + x, a0);
		_mm256_storeu_ps(out + x + 8, a1);
		_mm256_storeu_ps(out + x + 16, a2);
		_mm256_storeu_ps(out + x + 24, a3);
		_mm256_storeu_ps(out + x + 32, a4);
		_mm256_storeu_ps(out + x + 40, a5);
		_mm256_storeu_ps(out + x + 48, a6);
		_mm256_storeu_ps(out + x + 56, a7);
	}
	for (; x + 32u <= n; x += 32u) {
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;

		for (size_t j = 0; j < taps; j++) {
			const float *p = src[j] + x;
			__m256 kj = _mm256_set1_ps(k[j]);

			a0 = _mm256_add_ps(a0, _mm256_mul_ps(kj, _mm256_loadu_ps(p)));
			a1 = _mm256_add_ps(a1, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 8)));
			a2 = _mm256_add_ps(a2, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 16)));
			a3 = _mm256_add_ps(a3, _mm256_mul_ps(kj, _mm256_loadu_ps(p + 24)));
		}
		_mm256_storeu_ps(out + x, a0);
		_mm256_storeu_ps(out + x + 8, a1);
		_mm256_storeu_ps(out + x + 16, a2);
		_mm256_storeu_ps(out + x + 24, a3);
	}
	conv_portable(out, k, src, taps, x, n);
}
#endif

static void conv(const mdl_defocus_stack *s, float *out, const float *const *src, size_t taps,
		 size_t n)
{
#if defined(DEFOCUS_AVX2)
	if (s->avx2) {
		conv_avx2(out, s->kernel, src, taps, n);
		return;
	}
#endif
	conv_portable(out, s->kernel, src, taps, 0, n);
}

int mdl_defocus_fill_all(mdl_defocus_stack *s)
{
	if (!s->fill || s->band >= (int)s->margin)
		return 0;
	return fill_band(s, (int)s->margin);
}

/* Level sigma_px into out: 0, or MDL_ENOMEM when the band it reads could
 * not be filled. */
static int build_level(mdl_defocus_stack *s, double sigma_px, float *out)
{
	int r = kernel_radius(sigma_px);
	size_t w = s->width, taps = 2u * (size_t)r + 1u;
	int64_t m = (int64_t)s->margin;
	const float **src = s->src;
	/* the rows and columns beyond the ROI this level reads: the vertical
	 * pass reads rows m - r .. m + h + r - 1 of the horizontal one, which
	 * reads the same columns of the image; past the margin, all of it */
	int band = r < (int)m ? r : (int)m;

	if (band > s->band && fill_band(s, band))
		return MDL_ENOMEM;
	make_kernel(s, sigma_px, r);
	/* Horizontal: the padded rows the vertical pass reads, ROI columns
	 * only.  Within the margin the row is read in place; beyond it a
	 * reflected copy is made. */
	if (r > m)
		for (size_t q = 0; q < w + 2u * (size_t)r; q++)
			s->ext_at[q] = reflect(m - r + (int64_t)q, s->pw);
	for (size_t y = (size_t)(m - band); y < s->height + (size_t)(m + band); y++) {
		const float *row = s->base + y * s->pw, *in = row + m - r;

		if (r > m) {
			for (size_t q = 0; q < w + 2u * (size_t)r; q++)
				s->ext[q] = row[s->ext_at[q]];
			in = s->ext;
		}
		for (size_t j = 0; j < taps; j++)
			src[j] = in + j;
		conv(s, s->tmp + y * w, src, taps, w);
	}
	/* Vertical: ROI rows; the rows they read reflect only past the margin. */
	for (size_t y = 0; y < s->height; y++) {
		for (size_t j = 0; j < taps; j++)
			src[j] = s->tmp + (r > m ? reflect(m + (int64_t)y - r + (int64_t)j, s->ph)
						 : (size_t)(m + (int64_t)y - r + (int64_t)j)) * w;
		conv(s, out + y * w, src, taps, w);
	}
	return 0;
}

void mdl_defocus_use_avx2(mdl_defocus_stack *s, int on)
{
#if defined(DEFOCUS_AVX2)
	s->avx2 = on && __builtin_cpu_supports("avx2");
#else
	(void)s;
	(void)on;
#endif
}

int mdl_defocus_level(mdl_defocus_stack *s, int k, const float **img)
{
	float *lvl;

	if (k < 0 || k >= s->level_count)
		return MDL_EINVAL;
	if (s->level[k]) {
		*img = s->level[k];
		return 0;
	}
	if (!s->tmp)
		return MDL_EINVAL;   /* trimmed: mdl_defocus_restore first */
	lvl = malloc(s->level_bytes);
	if (!lvl)
		return MDL_ENOMEM;
	if (build_level(s, s->sigma_px[k], lvl)) {
		free(lvl);
		return MDL_ENOMEM;
	}
	s->level[k] = lvl;
	s->levels_built++;
	s->bytes += s->level_bytes;
	*img = lvl;
	return 0;
}
