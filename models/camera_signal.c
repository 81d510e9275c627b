/*
 * camera_signal.c - where a frame's blurred signal comes from.
 *
 * A still frame without tilt reads two cached blur levels per layer and
 * their weight (the noise pass lerps them).  With tilt every pixel has its
 * own defocus; with the stage moving during the exposure the image is the
 * average of the images along the way (motion blur).  Both compose the
 * signal into v->signal first, in one fixed order of float operations.
 */
#include <math.h>

#include "models/camera_impl.h"
#include "models/mdl.h"

/* The tilted path's sigmas with AVX2 where the processor has it (the view's
 * simd); -DAFSIM_NO_AVX2 leaves them out. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && \
	!defined(AFSIM_NO_AVX2)
#define SIGNAL_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

/* Blur sigma in pixels of a layer at stage defocus dz (um). */
static double layer_sigma_px(const mdl_view *v, int layer, double dz_um)
{
	double dz = dz_um - mdl_specimen_layer_offset_um(&v->spec, layer);

	return mdl_lens_blur_sigma_um(&v->lens, dz) / v->pixel_um;
}

/* The two levels around sigma_px and the weight of the upper one; the
 * upper is the lower when the weight is 0 (nothing more to build). */
static int levels_at(mdl_defocus_stack *s, double sigma_px, const float **a, const float **b,
		     float *t)
{
	int k, rc;

	mdl_defocus_locate(s, sigma_px, &k, t);
	rc = mdl_defocus_level(s, k, a);
	if (rc)
		return rc;
	if (*t == 0.0f) {
		*b = *a;
		return 0;
	}
	return mdl_defocus_level(s, k + 1, b);
}


/* A layer's place in its ladder for the tilted path: the level pair of the
 * last pixel, [lo, hi) its sigma interval between levels k and k + 1.
 * Neighbouring pixels nearly always fall in the same interval, so the
 * lookup is two comparisons; a row's sigmas change smoothly, so where a
 * pixel leaves the interval the next one is found by stepping along the
 * ladder from k rather than by a search. */
typedef struct level_cursor {
	double lo, hi;
	const float *a, *b;
	int k;
	int valid;
} level_cursor;

/* Point the cursor at the interval [level k, level k + 1) (0 <= k <
 * count - 1) and its two levels: 0 or MDL_ENOMEM (then not valid). */
static int cursor_set(mdl_defocus_stack *s, level_cursor *c, int k)
{
	const double *sg = mdl_defocus_ladder(s);
	int rc = mdl_defocus_level(s, k, &c->a);

	if (!rc)
		rc = mdl_defocus_level(s, k + 1, &c->b);
	c->valid = !rc;
	c->k = k;
	c->lo = sg[k];
	c->hi = sg[k + 1];
	return rc;
}

/*
 * Move the cursor to sigma_px, which left its interval.  From a valid
 * cursor the new interval is found by stepping: the ladder increases
 * strictly, so the k with sigma(k) <= sigma_px < sigma(k + 1) is the one
 * mdl_defocus_locate's bisection finds (and the run's weights its formula).
 * Below level 0, at the cap and for NaN the cursor is left not valid with
 * the general lookup's pair (levels_at) in a and b and its weight in *t,
 * which is set only then.  0 or MDL_ENOMEM.
 */
static int cursor_seek(mdl_defocus_stack *s, level_cursor *c, double sigma_px, float *t)
{
	const double *sg = mdl_defocus_ladder(s);
	int k, n = mdl_defocus_level_count(s);

	if (c->valid) {
		k = c->k;
		while (k + 2 < n && sigma_px >= sg[k + 1])
			k++;
		while (k > 0 && sigma_px < sg[k])
			k--;
		if (sigma_px >= sg[k] && sigma_px < sg[k + 1])
			return cursor_set(s, c, k);
	}
	mdl_defocus_locate(s, sigma_px, &k, t);
	if (k + 1 < n && sigma_px >= sg[k])
		return cursor_set(s, c, k);
	c->valid = 0;
	return levels_at(s, sigma_px, &c->a, &c->b, t);
}

/* The lens constants of the tilted path, hoisted out of the pixel loop. */
typedef struct tilt_consts {
	double pix, sxy2, k_slope, up, down;
} tilt_consts;

/*
 * The blur sigma in pixels of n pixels of one row and layer: pixel x at
 * height h_um[x] (mdl_specimen_height_um, which the view keeps per pixel
 * since it does not change from frame to frame), dz_um the frame's
 * defocus, offset the layer's.  mdl_lens_blur_sigma_um() of the pixel's
 * defocus dz_um - h - offset, the same operations in the same order (sqrt
 * and division are correctly rounded in every lane, so the AVX2 form gives
 * the same bits; tests/test_camera_simd.c holds the two paths together).
 */
static void row_sigmas(const tilt_consts *k, const double *h_um, size_t n, double dz_um,
		       double offset, double *sigma)
{
	for (size_t x = 0; x < n; x++) {
		double d = (dz_um - h_um[x]) - offset;
		double g = k->k_slope * (d >= 0.0 ? d * k->up : -d * k->down);

		sigma[x] = sqrt(k->sxy2 + g * g) / k->pix;
	}
}

#if defined(SIGNAL_AVX2)
static AVX2_FN void row_sigmas_avx2(const tilt_consts *k, const double *h_um, size_t n,
				    double dz_um, double offset, double *sigma)
{
	const __m256d dz0 = _mm256_set1_pd(dz_um), off = _mm256_set1_pd(offset);
	const __m256d up = _mm256_set1_pd(k->up), down = _mm256_set1_pd(k->down);
	const __m256d ks = _mm256_set1_pd(k->k_slope), sxy2 = _mm256_set1_pd(k->sxy2);
	const __m256d pix = _mm256_set1_pd(k->pix);
	const __m256d zero = _mm256_setzero_pd(), sign = _mm256_set1_pd(-0.0);
	size_t x = 0;

	for (; x + 4u <= n; x += 4u) {
		__m256d d = _mm256_sub_pd(_mm256_sub_pd(dz0, _mm256_loadu_pd(h_um + x)), off);
		__m256d pos = _mm256_mul_pd(d, up);
		__m256d neg = _mm256_mul_pd(_mm256_xor_pd(d, sign), down);
		__m256d g = _mm256_mul_pd(ks, _mm256_blendv_pd(neg, pos,
							       _mm256_cmp_pd(d, zero, _CMP_GE_OQ)));

		_mm256_storeu_pd(sigma + x,
				 _mm256_div_pd(_mm256_sqrt_pd(_mm256_add_pd(sxy2, _mm256_mul_pd(g, g))),
					       pix));
	}
	row_sigmas(k, h_um + x, n - x, dz_um, offset, sigma + x);
}
#endif

/*
 * A layer's row of the tilted path is walked as runs of pixels whose
 * sigmas lie in one interval of the ladder: the cursor finds a run's
 * interval at its first pixel, run_end() where the run stops, and
 * lerp_run() adds each pixel's lerp between the interval's two levels,
 * t = (sigma - lo) / (hi - lo) rounded to float, to the row's sum (set for
 * the first layer).  Pixels outside every cached interval (below level 0,
 * at the cap, NaN) take the general lookup one at a time.  Per pixel the
 * operations are those of mdl_defocus_locate() and the still frame's lerp,
 * in every kernel (tests/test_camera_simd.c pins the bits).
 */

/* The first x in [x, n) whose sigma leaves [c->lo, c->hi). */
static size_t run_end(const level_cursor *c, const double *sigma, size_t x, size_t n)
{
	while (x < n && sigma[x] >= c->lo && sigma[x] < c->hi)
		x++;
	return x;
}

/* A run [x0, x1) of the row from pixel i0 in the cursor's interval. */
static void lerp_run(const level_cursor *c, const double *sigma, size_t i0, size_t x0,
		     size_t x1, int first, float *sum)
{
	for (size_t x = x0; x < x1; x++) {
		float t = (float)((sigma[x] - c->lo) / (c->hi - c->lo));
		float px = c->a[i0 + x] + t * (c->b[i0 + x] - c->a[i0 + x]);

		/* the layers' sum starts from 0.0f, as it always did */
		sum[x] = first ? 0.0f + px : sum[x] + px;
	}
}

#if defined(SIGNAL_AVX2)
static AVX2_FN size_t run_end_avx2(const level_cursor *c, const double *sigma, size_t x,
				   size_t n)
{
	const __m256d lo = _mm256_set1_pd(c->lo), hi = _mm256_set1_pd(c->hi);

	for (; x + 4u <= n; x += 4u) {
		__m256d sg = _mm256_loadu_pd(sigma + x);
		int in = _mm256_movemask_pd(_mm256_and_pd(_mm256_cmp_pd(sg, lo, _CMP_GE_OQ),
							  _mm256_cmp_pd(sg, hi, _CMP_LT_OQ)));

		if (in != 0xf)
			return x + (size_t)__builtin_ctz((unsigned)~in & 0xfu);
	}
	return run_end(c, sigma, x, n);
}

/* lerp_run() four pixels at a time: the weight's subtraction and division
 * in double, its rounding to float, the float lerp and sum, per lane. */
static AVX2_FN void lerp_run_avx2(const level_cursor *c, const double *sigma, size_t i0,
				  size_t ahead, size_t x0, size_t x1, int first, float *sum)
{
	const __m256d lo = _mm256_set1_pd(c->lo), den = _mm256_set1_pd(c->hi - c->lo);
	const float *a = c->a + i0, *b = c->b + i0;
	size_t x = x0;

	/* The next row reads these levels at about the same columns: ask for
	 * its lines now.  A row's runs jump between many levels, too short for
	 * the processor's stream prefetch once the levels outgrow the caches
	 * (512 x 512: 2.3 ms a frame without, 1.1 ms with).  A hint only: no
	 * result depends on it. */
	if (ahead)
		for (size_t p = x0; p < x1 + 16u; p += 16u) {
			_mm_prefetch((const char *)(a + ahead + p), _MM_HINT_T0);
			_mm_prefetch((const char *)(b + ahead + p), _MM_HINT_T0);
		}

	for (; x + 4u <= x1; x += 4u) {
		__m128 t = _mm256_cvtpd_ps(_mm256_div_pd(_mm256_sub_pd(_mm256_loadu_pd(sigma + x), lo),
							 den));
		__m128 va = _mm_loadu_ps(a + x), vb = _mm_loadu_ps(b + x);
		__m128 px = _mm_add_ps(va, _mm_mul_ps(t, _mm_sub_ps(vb, va)));

		_mm_storeu_ps(sum + x, _mm_add_ps(first ? _mm_setzero_ps() : _mm_loadu_ps(sum + x),
						  px));
	}
	lerp_run(c, sigma, i0, x, x1, first, sum);
}
#endif

/* A layer's row of n pixels from pixel i0, run by run (ahead: the next
 * row's offset, 0 if none, for the prefetch): 0 or MDL_ENOMEM. */
static int tilt_row(mdl_defocus_stack *s, level_cursor *c, const double *sigma, size_t i0,
		    size_t n, size_t ahead, int first, float *sum, int avx2)
{
	size_t x = 0;

	(void)ahead;
	(void)avx2;
	while (x < n) {
		size_t x1;

		if (!(c->valid && sigma[x] >= c->lo && sigma[x] < c->hi)) {
			float t, px;
			int rc = cursor_seek(s, c, sigma[x], &t);

			if (rc)
				return rc;
			if (!c->valid) {
				/* the general lookup's pair and weight, this pixel only */
				px = c->a[i0 + x] + t * (c->b[i0 + x] - c->a[i0 + x]);
				sum[x] = first ? 0.0f + px : sum[x] + px;
				x++;
				continue;
			}
		}
#if defined(SIGNAL_AVX2)
		if (avx2) {
			x1 = run_end_avx2(c, sigma, x + 1u, n);
			lerp_run_avx2(c, sigma, i0, ahead, x, x1, first, sum);
			x = x1;
			continue;
		}
#endif
		x1 = run_end(c, sigma, x + 1u, n);
		lerp_run(c, sigma, i0, x, x1, first, sum);
		x = x1;
	}
	return 0;
}

/* out[x] = w sum[x], added to out[x] when acc. */
static void tilt_out(float *out, const float *sum, size_t n, float w, int acc)
{
	for (size_t x = 0; x < n; x++)
		out[x] = acc ? out[x] + w * sum[x] : w * sum[x];
}

#if defined(SIGNAL_AVX2)
static AVX2_FN void tilt_out_avx2(float *out, const float *sum, size_t n, float w, int acc)
{
	const __m256 vw = _mm256_set1_ps(w);
	size_t x = 0;

	for (; x + 8u <= n; x += 8u) {
		__m256 p = _mm256_mul_ps(vw, _mm256_loadu_ps(sum + x));

		_mm256_storeu_ps(out + x, acc ? _mm256_add_ps(_mm256_loadu_ps(out + x), p) : p);
	}
	tilt_out(out + x, sum + x, n - x, w, acc);
}
#endif

/*
 * Tilt: every pixel has its own defocus, dz minus its height relative to
 * the ROI centre minus its layer's offset, and its own level pair and
 * weight.  A row's sigmas are computed first (vector code), then the row
 * is walked in runs of pixels between the same two levels (tilt_row).
 */
static int signal_tilted(mdl_view *v, double dz_um, float w, int acc)
{
	level_cursor cur[MAX_LAYERS] = { { 0 } };
	const mdl_lens_config *lens = &v->lens;
	double *sigma = v->row_sigma;
	float *sum = v->row_sum;
	tilt_consts k;
	int rc;

	k.pix = v->pixel_um;
	k.sxy2 = mdl_lens_sigma_xy_um(lens) * mdl_lens_sigma_xy_um(lens);
	k.k_slope = lens->geometric_sigma_per_radius * mdl_lens_blur_slope(lens);
	k.up = 1.0 + lens->asymmetry;
	k.down = 1.0 - lens->asymmetry;
	for (uint32_t y = 0; y < v->height; y++) {
		size_t i0 = (size_t)y * v->width;
		float *out = v->signal + i0;
		/* the next row's offset from this one's, 0 on the last row */
		size_t ahead = y + 1u < v->height ? v->width : 0u;

		for (int l = 0; l < v->layers; l++) {
			double offset = mdl_specimen_layer_offset_um(&v->spec, l);

#if defined(SIGNAL_AVX2)
			if (v->simd == MDL_CAMERA_SIMD_AVX2)
				row_sigmas_avx2(&k, v->height_um + i0, v->width, dz_um, offset,
						sigma);
			else
#endif
				row_sigmas(&k, v->height_um + i0, v->width, dz_um, offset, sigma);
			rc = tilt_row(v->stack[l], &cur[l], sigma, i0, v->width, ahead, l == 0, sum,
				      v->simd == MDL_CAMERA_SIMD_AVX2);
			if (rc)
				return rc;
		}
#if defined(SIGNAL_AVX2)
		if (v->simd == MDL_CAMERA_SIMD_AVX2)
			tilt_out_avx2(out, sum, v->width, w, acc);
		else
#endif
			tilt_out(out, sum, v->width, w, acc);
	}
	return 0;
}

/* Add w times the still image at defocus dz (no tilt) to v->signal, or
 * set it when acc is 0. */
static int signal_still(mdl_view *v, double dz_um, float w, int acc)
{
	for (int l = 0; l < v->layers; l++) {
		const float *a, *b;
		float t;
		int rc = levels_at(v->stack[l], layer_sigma_px(v, l, dz_um), &a, &b, &t);

		if (rc)
			return rc;
		for (size_t i = 0; i < v->npix; i++) {
			float px = w * (a[i] + t * (b[i] - a[i]));

			v->signal[i] = (acc || l > 0) ? v->signal[i] + px : px;
		}
	}
	return 0;
}

/*
 * Sub-exposures for a defocus sweep: one per quarter depth of field swept
 * (the image changes little within that), at least 1, at most
 * SWEEP_MAX_SAMPLES.  Sweeps below a hundredth of the DOF are still frames.
 */
#define SWEEP_MAX_SAMPLES 16

static int sweep_samples(const mdl_view *v, double sweep_um)
{
	double dof = mdl_lens_dof_um(&v->lens), n;

	if (!(fabs(sweep_um) > 0.01 * dof))
		return 1;
	n = ceil(fabs(sweep_um) / (0.25 * dof));
	if (n < 2.0)
		return 2;
	return n > SWEEP_MAX_SAMPLES ? SWEEP_MAX_SAMPLES : (int)n;
}

int mdl_camera_frame_source(mdl_view *v, const mdl_exposure *x, frame_src *src)
{
	int n = sweep_samples(v, x->defocus_sweep_um);
	int rc;

	if (v->tilted || n > 1) {
		/* Sub-exposures at the middles of n equal parts of the sweep,
		 * equal weights: the time average of the image. */
		float w = 1.0f / (float)n;

		for (int k = 0; k < n; k++) {
			double dz = x->defocus_um +
				    x->defocus_sweep_um * (((double)k + 0.5) / (double)n - 0.5);

			rc = v->tilted ? signal_tilted(v, dz, w, k > 0)
				       : signal_still(v, dz, w, k > 0);
			if (rc)
				return rc;
		}
		src->layers = 1;
		src->a[0] = src->b[0] = v->signal;
		src->t[0] = 0.0f;
		return 0;
	}
	src->layers = v->layers;
	for (int l = 0; l < v->layers; l++) {
		rc = levels_at(v->stack[l], layer_sigma_px(v, l, x->defocus_um), &src->a[l],
			       &src->b[l], &src->t[l]);
		if (rc)
			return rc;
	}
	return 0;
}
