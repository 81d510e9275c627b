/*
 * camera.c - the sCMOS camera: its configuration, and views (what one lens
 * sees of the specimen through one ROI) with their cached defocus stacks.
 * The per-frame noise model, which turns a view's blurred signal into
 * output codes, is camera_noise.c; where a frame's signal comes from (level
 * pairs, tilt, motion) is camera_signal.c.
 */
#include "models/camera.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/defocus.h"
#include "models/camera_impl.h"
#include "models/mdl.h"

/* A view's sampling sums with AVX2 where the processor has it (the view's
 * simd); -DAFSIM_NO_AVX2 leaves them out. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && \
	!defined(AFSIM_NO_AVX2)
#define SAMPLE_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

/* Margin of real specimen around the ROI: exact blur up to sigma ~ 9 px. */
#define VIEW_MARGIN_PX 32u
/* Geometric step between cached blur levels, and the largest level. */
#define LEVEL_RATIO 1.08
#define LEVEL_CAP_PX 64.0
/* Area averaging: sub-samples per pixel side so they are <= this apart,
 * and at least SUBSAMPLE_MIN (3 x 3 for lens A, 2 x 2 for lens B). */
#define SUBSAMPLE_UM 0.25
#define SUBSAMPLE_MIN 2
#define SUBSAMPLE_MAX 8



void mdl_camera_config_default(mdl_camera_config *c)
{
	c->sensor_width = 2048;
	c->sensor_height = 2048;
	c->qe = 0.75;
	c->read_noise_e = 1.6;
	c->full_well_e = 30000.0;
	c->dark_e_per_s = 0.5;
	c->offset_adu = 100.0;
	c->bit_depth = 16;
	c->gain_e_per_adu = 0.0;
	/* 10000 e- = qe * flux * 5 ms at emission 1. */
	c->photon_flux_per_s = 10000.0 / (0.75 * 0.005);
	c->exposure_us = 5000;
	c->readout_us_per_row = 2500.0 / 512.0;
	c->roi_width = 128;
	c->roi_height = 128;
	c->roi_x = (c->sensor_width - c->roi_width) / 2;
	c->roi_y = (c->sensor_height - c->roi_height) / 2;
	c->bleach_tau_s = 0.0;
	c->frame_timeout_ms = 100.0;
	c->trigger_latency_us = 60.0;
	c->link_mb_per_s = 380.0;
	c->delivery_us = 300.0;
	c->register_write_us = 500.0;
	c->roi_change_ms = 20.0;
}

#define in_range mdl_camera_in_range

static int roi_fits(const mdl_camera_config *c, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	return w > 0 && h > 0 && w <= c->sensor_width && h <= c->sensor_height &&
	       x <= c->sensor_width - w && y <= c->sensor_height - h;
}

uint32_t mdl_camera_max_adu(const mdl_camera_config *c)
{
	uint32_t bits = c->bit_depth < 1 ? 1 : c->bit_depth > 16 ? 16 : c->bit_depth;

	return (1u << bits) - 1u;
}

int mdl_camera_config_check(const mdl_camera_config *c)
{
	if (!c)
		return MDL_EINVAL;
	if (c->sensor_width < 1 || c->sensor_width > 65535 || c->sensor_height < 1 ||
	    c->sensor_height > 65535 || c->bit_depth < 1 || c->bit_depth > 16)
		return MDL_EINVAL;
	if (!(c->qe > 0.0 && c->qe <= 1.0) || !in_range(c->read_noise_e, 0.0, 1e6) ||
	    !(c->full_well_e > 0.0 && c->full_well_e <= 1e12) ||
	    !in_range(c->dark_e_per_s, 0.0, 1e12) || !in_range(c->photon_flux_per_s, 0.0, 1e15))
		return MDL_EINVAL;
	if (!in_range(c->offset_adu, 0.0, (double)mdl_camera_max_adu(c) - 1.0) ||
	    !in_range(c->gain_e_per_adu, 0.0, 1e12))
		return MDL_EINVAL;
	if (!in_range(c->readout_us_per_row, 0.0, 1e9) || !in_range(c->bleach_tau_s, 0.0, 1e15) ||
	    !in_range(c->frame_timeout_ms, 0.0, 1e12))
		return MDL_EINVAL;
	if (!in_range(c->trigger_latency_us, 0.0, 1e9) || !(c->link_mb_per_s > 0.0) ||
	    !in_range(c->link_mb_per_s, 0.0, 1e9) || !in_range(c->delivery_us, 0.0, 1e9) ||
	    !in_range(c->register_write_us, 0.0, 1e9) || !in_range(c->roi_change_ms, 0.0, 1e6))
		return MDL_EINVAL;
	if (!roi_fits(c, c->roi_x, c->roi_y, c->roi_width, c->roi_height))
		return MDL_EINVAL;
	return 0;
}

double mdl_camera_gain_e_per_adu(const mdl_camera_config *c)
{
	if (c->gain_e_per_adu > 0.0)
		return c->gain_e_per_adu;
	return c->full_well_e / ((double)mdl_camera_max_adu(c) - c->offset_adu);
}

int64_t mdl_camera_frame_time_ns(const mdl_camera_config *c, uint32_t exposure_us,
				 uint32_t roi_height)
{
	double readout_ns = (double)roi_height * c->readout_us_per_row * 1000.0;

	if (!(readout_ns > 0.0))
		readout_ns = 0.0;
	if (readout_ns > 1e18)
		readout_ns = 1e18;
	return (int64_t)exposure_us * 1000 + (int64_t)llround(readout_ns);
}

int64_t mdl_camera_grab_time_ns(const mdl_camera_config *c, uint32_t exposure_us,
				uint32_t roi_width, uint32_t roi_height, int64_t *exposure_start_ns)
{
	double bytes = (double)roi_width * (double)roi_height * (c->bit_depth > 8 ? 2.0 : 1.0);
	double readout_ns = (double)roi_height * c->readout_us_per_row * 1000.0;
	double transfer_ns = bytes / c->link_mb_per_s * 1000.0;   /* MB/s = bytes per us */
	double start_ns = c->trigger_latency_us * 1000.0;
	double tail_ns = fmax(readout_ns, transfer_ns) + c->delivery_us * 1000.0;

	if (!(tail_ns < 1e17))
		tail_ns = 1e17;
	if (!(start_ns < 1e17))
		start_ns = 1e17;
	if (exposure_start_ns)
		*exposure_start_ns = (int64_t)llround(start_ns);
	return (int64_t)llround(start_ns) + (int64_t)exposure_us * 1000 + (int64_t)llround(tail_ns);
}

double mdl_camera_bleach_scale(const mdl_camera_config *c, double cumulative_exposure_s)
{
	if (!(c->bleach_tau_s > 0.0) || !(cumulative_exposure_s > 0.0))
		return 1.0;
	return exp(-cumulative_exposure_s / c->bleach_tau_s);
}

/* ---- Views -------------------------------------------------------------- */

static int lens_check(const mdl_lens_config *l)
{
	if (!l)
		return MDL_EINVAL;
	if (!in_range(l->magnification, 1e-3, 1e6) || !in_range(l->medium_n, 1.0, 10.0) ||
	    !(l->na > 0.0 && l->na < l->medium_n) || !in_range(l->wavelength_um, 1e-3, 1e3) ||
	    !in_range(l->camera_pixel_um, 1e-3, 1e3) ||
	    !in_range(l->geometric_sigma_per_radius, 0.0, 1e3) ||
	    !(l->asymmetry > -1.0 && l->asymmetry < 1.0))
		return MDL_EINVAL;
	return 0;
}

/* sum[c] += row[c], c < n; then (sums_to_image) out[c] = (float)(sum[c]
 * / nn2): the portable loops and their AVX2 forms (the same operations per
 * lane). */
static void add_row(double *restrict sum, const double *restrict row, size_t n)
{
	for (size_t c = 0; c < n; c++)
		sum[c] += row[c];
}

static void sums_to_image(float *restrict out, const double *restrict sum, size_t n, double nn2)
{
	for (size_t c = 0; c < n; c++)
		out[c] = (float)(sum[c] / nn2);
}

#if defined(SAMPLE_AVX2)
static AVX2_FN void add_row_avx2(double *restrict sum, const double *restrict row, size_t n)
{
	size_t c = 0;

	for (; c + 4u <= n; c += 4u)
		_mm256_storeu_pd(sum + c, _mm256_add_pd(_mm256_loadu_pd(sum + c),
							_mm256_loadu_pd(row + c)));
	add_row(sum + c, row + c, n - c);
}

static AVX2_FN void sums_to_image_avx2(float *restrict out, const double *restrict sum,
				       size_t n, double nn2)
{
	const __m256d d = _mm256_set1_pd(nn2);
	size_t c = 0;

	for (; c + 4u <= n; c += 4u)
		_mm_storeu_ps(out + c, _mm256_cvtpd_ps(_mm256_div_pd(_mm256_loadu_pd(sum + c), d)));
	sums_to_image(out + c, sum + c, n - c, nn2);
}
#endif

/*
 * The sharp image of one layer over the padded pixels [x0, x1) x [y0, y1)
 * (a mdl_defocus_fill_fn; user is the layer's view_fill): each pixel the
 * mean of n x n point samples.  The samples form a grid (a column's x and
 * a row's y do not depend on the other), taken a sample row at a time by
 * the specimen's row sampler, sub-column by sub-column (sample sx of pixel
 * column c at xs[sx nc + c]); each pixel's sum runs over its sub-rows, then
 * its sub-columns, in order: the same doubles as a point at a time, and
 * the same whatever rectangles the image is filled in.  Returns 0 or
 * MDL_ENOMEM.
 */
static int sample_rect(void *user, float *base, size_t pw, uint32_t x0, uint32_t y0,
		       uint32_t x1, uint32_t y1)
{
	struct view_fill *f = user;
	mdl_view *v = f->v;
	size_t nc = (size_t)(x1 - x0);
	double pix = v->pixel_um, *xs = NULL, *row = NULL, *sum = NULL;
	mdl_specimen_rows *rows = NULL;
	int n = (int)ceil(pix / SUBSAMPLE_UM), rc = MDL_ENOMEM;
	size_t nn;

	if (x1 <= x0 || y1 <= y0)
		return 0;
	if (n < SUBSAMPLE_MIN)
		n = SUBSAMPLE_MIN;
	if (n > SUBSAMPLE_MAX)
		n = SUBSAMPLE_MAX;
	nn = (size_t)n;
	xs = malloc(nc * nn * sizeof *xs);
	row = malloc(nc * nn * sizeof *row);
	sum = malloc(nc * sizeof *sum);
	if (!xs || !row || !sum)
		goto out;
	for (size_t c = 0; c < nc; c++) {
		double px0 = v->left_um + ((double)(x0 + c) - (double)VIEW_MARGIN_PX) * pix;

		for (int sx = 0; sx < n; sx++)
			xs[(size_t)sx * nc + c] = px0 + ((double)sx + 0.5) / (double)n * pix;
	}
	rows = mdl_specimen_rows_new(&v->spec, f->layer, xs, nc * nn);
	if (!rows)
		goto out;
	for (uint32_t py = y0; py < y1; py++) {
		double py0 = v->top_um + ((double)py - (double)VIEW_MARGIN_PX) * pix;
		float *dst = base + (size_t)py * pw + x0;

		for (size_t c = 0; c < nc; c++)
			sum[c] = 0.0;
		for (int sy = 0; sy < n; sy++) {
			mdl_specimen_rows_eval(rows, py0 + ((double)sy + 0.5) / (double)n * pix, row);
			for (size_t sx = 0; sx < nn; sx++) {
#if defined(SAMPLE_AVX2)
				if (v->simd == MDL_CAMERA_SIMD_AVX2)
					add_row_avx2(sum, row + sx * nc, nc);
				else
#endif
					add_row(sum, row + sx * nc, nc);
			}
		}
#if defined(SAMPLE_AVX2)
		if (v->simd == MDL_CAMERA_SIMD_AVX2)
			sums_to_image_avx2(dst, sum, nc, (double)(n * n));
		else
#endif
			sums_to_image(dst, sum, nc, (double)(n * n));
	}
	v->samples += nc * (size_t)(y1 - y0) * nn * nn;
	rc = 0;
out:
	mdl_specimen_rows_free(rows);
	free(xs);
	free(row);
	free(sum);
	return rc;
}

/* The tilt's surface height of every pixel relative to the ROI centre,
 * exactly as the tilted signal pass used to compute it per frame. */
static int tilt_heights(mdl_view *v)
{
	double pix = v->pixel_um;

	v->height_um = malloc(v->npix * sizeof *v->height_um);
	if (!v->height_um)
		return MDL_ENOMEM;
	for (uint32_t y = 0; y < v->height; y++) {
		double dy_um = ((double)y + 0.5 - 0.5 * (double)v->height) * pix;

		for (uint32_t x = 0; x < v->width; x++) {
			double dx_um = ((double)x + 0.5 - 0.5 * (double)v->width) * pix;

			v->height_um[(size_t)y * v->width + x] =
				mdl_specimen_height_um(&v->spec, dx_um, dy_um);
		}
	}
	return 0;
}

/* The view's own scratch: the frame's signal, the tilt's rows and
 * heights.  0 or MDL_ENOMEM. */
static int scratch_new(mdl_view *v)
{
	v->signal = malloc(v->npix * sizeof *v->signal);
	v->row_sigma = malloc(v->width * sizeof *v->row_sigma);
	v->row_sum = malloc(v->width * sizeof *v->row_sum);
	if (!v->signal || !v->row_sigma || !v->row_sum)
		return MDL_ENOMEM;
	return v->tilted ? tilt_heights(v) : 0;
}

static void scratch_free(mdl_view *v)
{
	free(v->signal);
	free(v->height_um);
	free(v->row_sigma);
	free(v->row_sum);
	v->signal = NULL;
	v->height_um = NULL;
	v->row_sigma = NULL;
	v->row_sum = NULL;
}

void mdl_camera_view_trim(mdl_view *v)
{
	scratch_free(v);
	for (int l = 0; l < v->layers; l++)
		mdl_defocus_trim(v->stack[l]);
}

int mdl_camera_view_restore(mdl_view *v)
{
	int rc = scratch_new(v);

	for (int l = 0; l < v->layers && !rc; l++)
		rc = mdl_defocus_restore(v->stack[l]);
	if (rc)
		mdl_camera_view_trim(v);
	return rc;
}

mdl_view *mdl_view_new(const mdl_lens_config *lens, const mdl_specimen_config *spec,
		       const mdl_camera_config *cam, uint32_t roi_x, uint32_t roi_y,
		       uint32_t roi_width, uint32_t roi_height, double field_x_um,
		       double field_y_um)
{
	mdl_view *v;
	double sigma0_px, cap_px, left_um, top_um;

	if (lens_check(lens) || mdl_specimen_config_check(spec) || mdl_camera_config_check(cam))
		return NULL;
	if (!roi_fits(cam, roi_x, roi_y, roi_width, roi_height) ||
	    !in_range(field_x_um, -1e9, 1e9) || !in_range(field_y_um, -1e9, 1e9))
		return NULL;
	v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	/* byte for byte, padding included: the view cache compares bytes */
	memcpy(&v->lens, lens, sizeof *lens);
	memcpy(&v->spec, spec, sizeof *spec);
	memcpy(&v->cam, cam, sizeof *cam);
	v->roi_x = roi_x;
	v->roi_y = roi_y;
	v->field_x_um = field_x_um;
	v->field_y_um = field_y_um;
	v->width = roi_width;
	v->height = roi_height;
	v->npix = (size_t)roi_width * (size_t)roi_height; /* < 2^32: fits */
	v->layers = mdl_specimen_layer_count(spec);
	v->tilted = spec->tilt_x_um_per_mm != 0.0 || spec->tilt_y_um_per_mm != 0.0;
	v->pixel_um = mdl_lens_sample_pixel_um(lens);
	v->gain_e_per_adu = mdl_camera_gain_e_per_adu(cam);
	left_um = field_x_um + ((double)roi_x - 0.5 * (double)cam->sensor_width) * v->pixel_um;
	top_um = field_y_um + ((double)roi_y - 0.5 * (double)cam->sensor_height) * v->pixel_um;
	v->centre_x_um = left_um + 0.5 * (double)roi_width * v->pixel_um;
	v->centre_y_um = top_um + 0.5 * (double)roi_height * v->pixel_um;
	v->left_um = left_um;
	v->top_um = top_um;
	v->normal_z = mdl_camera_normal_table();
	if (scratch_new(v))
		goto fail;
	v->simd = mdl_camera_simd_best();
	sigma0_px = mdl_lens_sigma_xy_um(lens) / v->pixel_um;
	cap_px = 0.5 * (double)(roi_width < roi_height ? roi_width : roi_height);
	if (cap_px > LEVEL_CAP_PX)
		cap_px = LEVEL_CAP_PX;
	for (int l = 0; l < v->layers; l++) {
		v->stack[l] = mdl_defocus_new(roi_width, roi_height, VIEW_MARGIN_PX, sigma0_px,
					      cap_px, LEVEL_RATIO);
		if (!v->stack[l])
			goto fail;
		v->fill[l].v = v;
		v->fill[l].layer = l;
		mdl_defocus_set_fill(v->stack[l], sample_rect, &v->fill[l]);
	}
	return v;
fail:
	mdl_view_free(v);
	return NULL;
}

void mdl_view_free(mdl_view *v)
{
	if (!v)
		return;
	for (int l = 0; l < MAX_LAYERS; l++)
		mdl_defocus_free(v->stack[l]);
	scratch_free(v);
	free(v);
}

uint32_t mdl_view_width(const mdl_view *v)
{
	return v->width;
}

uint32_t mdl_view_height(const mdl_view *v)
{
	return v->height;
}

double mdl_view_pixel_um(const mdl_view *v)
{
	return v->pixel_um;
}

void mdl_view_centre_um(const mdl_view *v, double *x_um, double *y_um)
{
	*x_um = v->centre_x_um;
	*y_um = v->centre_y_um;
}

int mdl_view_sample_all(mdl_view *v)
{
	for (int l = 0; l < v->layers; l++) {
		int rc = mdl_defocus_fill_all(v->stack[l]);

		if (rc)
			return rc;
	}
	return 0;
}

size_t mdl_view_samples(const mdl_view *v)
{
	return v->samples;
}

int mdl_view_levels_built(const mdl_view *v)
{
	int n = 0;

	for (int l = 0; l < v->layers; l++)
		n += mdl_defocus_levels_built(v->stack[l]);
	return n;
}

size_t mdl_view_bytes(const mdl_view *v)
{
	size_t n = sizeof *v + (v->signal ? v->npix * sizeof *v->signal : 0) +
		   (v->row_sigma ? v->width * (sizeof *v->row_sigma + sizeof *v->row_sum) : 0) +
		   (v->height_um ? v->npix * sizeof *v->height_um : 0);

	for (int l = 0; l < v->layers; l++)
		n += mdl_defocus_bytes(v->stack[l]);
	return n;
}

/* ---- Frames ------------------------------------------------------------- */

int mdl_camera_expected_e(mdl_view *v, const mdl_exposure *x, double *out)
{
	const mdl_camera_config *c;
	frame_src src;
	float sig[1];
	double ke, dark_e;
	int rc;

	if (!v || !out || mdl_camera_exposure_check(x))
		return MDL_EINVAL;
	rc = mdl_camera_frame_source(v, x, &src);
	if (rc)
		return rc;
	c = &v->cam;
	ke = c->qe * c->photon_flux_per_s * x->exposure_s * x->signal_scale;
	dark_e = c->dark_e_per_s * x->exposure_s;
	for (size_t i = 0; i < v->npix; i++) {
		mdl_camera_source_signal(&src, i, 1, sig);
		out[i] = ke * (double)sig[0] + dark_e;
	}
	return 0;
}
