/*
 * test_camera.c - the camera model: configuration, frame timing, views, the
 * focus curve each lens produces, flux, determinism, two-layer and
 * low-texture specimens, tilt, the lazy level cache and the lazily sampled
 * specimen.  The noise statistics
 * and clipping are in test_camera_noise.c.
 *
 * The focus measure is the normalised variance (variance / mean, Sun et al.
 * 2004) computed here from the rendered pixels, as an engine would.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/camera.h"
#include "models/mdl.h"
#include "models/optics.h"
#include "models/specimen.h"
#include "kernel/rng.h"
#include "tests/camera_fix.h"

Suite *camera_suite(void);

static double norm_var(const uint16_t *p, size_t n)
{
	return frame_var(p, n) / frame_mean(p, n);
}

/* Normalised variance averaged over `frames` noisy frames at dz. */
static double focus_score(mdl_view *v, sim_rng *rng, double dz, int frames)
{
	size_t n = (size_t)mdl_view_width(v) * mdl_view_height(v);
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { dz, 0.005, 1.0, 0.0 };
	double s = 0.0;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < frames; i++) {
		ck_assert_int_eq(mdl_camera_render(v, &x, rng, f), 0);
		s += norm_var(f, n);
	}
	free(f);
	return s / frames;
}

/* Vertex of the least-squares parabola through five equally spaced points
 * y[0..4] at x0 + (k - 2) h: with k' = k - 2, the linear coefficient is
 * sum(k' y) / 10 and the quadratic one sum((k'^2 - 2) y) / 14 (in h). */
static double parabola_vertex5(double x0, double h, const double *y)
{
	double b = 0.0, c = 0.0;

	for (int k = -2; k <= 2; k++) {
		b += k * y[k + 2] / 10.0;
		c += (k * k - 2) * y[k + 2] / 14.0;
	}
	return x0 - h * b / (2.0 * c);
}

START_TEST(test_config_defaults)
{
	mdl_camera_config c;

	mdl_camera_config_default(&c);
	ck_assert_int_eq(mdl_camera_config_check(&c), 0);
	ck_assert_uint_eq(c.sensor_width, 2048);
	ck_assert_uint_eq(c.roi_width, 128);
	ck_assert_uint_eq(c.roi_x, 960);
	ck_assert_uint_eq(mdl_camera_max_adu(&c), 65535);
	/* Auto gain: full well lands exactly on the top code. */
	ck_assert_double_eq_tol(mdl_camera_gain_e_per_adu(&c), 30000.0 / 65435.0, 1e-12);
	c.gain_e_per_adu = 2.0;
	ck_assert_double_eq(mdl_camera_gain_e_per_adu(&c), 2.0);
	/* 5 ms of the default specimen is 1/3 full well. */
	ck_assert_double_eq_tol(c.qe * c.photon_flux_per_s * 0.005, 10000.0, 1e-6);
	c.bit_depth = 12;
	ck_assert_uint_eq(mdl_camera_max_adu(&c), 4095);
}
END_TEST

START_TEST(test_config_check)
{
	mdl_camera_config c;

	mdl_camera_config_default(&c);
	c.qe = 0.0;
	ck_assert_int_eq(mdl_camera_config_check(&c), MDL_EINVAL);
	mdl_camera_config_default(&c);
	c.bit_depth = 17;
	ck_assert_int_eq(mdl_camera_config_check(&c), MDL_EINVAL);
	mdl_camera_config_default(&c);
	c.offset_adu = 70000.0;
	ck_assert_int_eq(mdl_camera_config_check(&c), MDL_EINVAL);
	mdl_camera_config_default(&c);
	c.read_noise_e = NAN;
	ck_assert_int_eq(mdl_camera_config_check(&c), MDL_EINVAL);
	mdl_camera_config_default(&c);
	c.roi_x = 2000;
	ck_assert_int_eq(mdl_camera_config_check(&c), MDL_EINVAL);
	ck_assert_int_eq(mdl_camera_config_check(NULL), MDL_EINVAL);
}
END_TEST

START_TEST(test_frame_time)
{
	mdl_camera_config c;

	mdl_camera_config_default(&c);
	/* 5 ms + 128 rows of 2.5 ms / 512. */
	ck_assert_int_eq(mdl_camera_frame_time_ns(&c, 5000, 128), 5625000);
	ck_assert_int_eq(mdl_camera_frame_time_ns(&c, 5000, 512), 7500000);
	ck_assert_int_eq(mdl_camera_frame_time_ns(&c, 1000, 0), 1000000);
	c.readout_us_per_row = 10.0;
	ck_assert_int_eq(mdl_camera_frame_time_ns(&c, 20, 100), 1020000);
}
END_TEST

START_TEST(test_bleach_scale)
{
	mdl_camera_config c;

	mdl_camera_config_default(&c);
	ck_assert_double_eq(mdl_camera_bleach_scale(&c, 10.0), 1.0);
	c.bleach_tau_s = 2.0;
	ck_assert_double_eq_tol(mdl_camera_bleach_scale(&c, 2.0), exp(-1.0), 1e-15);
	ck_assert_double_eq(mdl_camera_bleach_scale(&c, 0.0), 1.0);
}
END_TEST

START_TEST(test_view_args)
{
	rig r;
	mdl_view *v;

	rig_default(&r, MDL_LENS_B);
	ck_assert_ptr_null(mdl_view_new(NULL, &r.spec, &r.cam, 0, 0, 16, 16, 0, 0));
	ck_assert_ptr_null(mdl_view_new(&r.lens, &r.spec, &r.cam, 0, 0, 0, 16, 0, 0));
	ck_assert_ptr_null(mdl_view_new(&r.lens, &r.spec, &r.cam, 2040, 0, 16, 16, 0, 0));
	ck_assert_ptr_null(mdl_view_new(&r.lens, &r.spec, &r.cam, 0, 0, 16, 16, NAN, 0));
	r.spec.contrast = 2.0;
	ck_assert_ptr_null(mdl_view_new(&r.lens, &r.spec, &r.cam, 0, 0, 16, 16, 0, 0));
	rig_default(&r, MDL_LENS_B);
	r.lens.na = 1.2;
	ck_assert_ptr_null(mdl_view_new(&r.lens, &r.spec, &r.cam, 0, 0, 16, 16, 0, 0));
	mdl_view_free(NULL);

	rig_default(&r, MDL_LENS_B);
	v = mdl_view_new(&r.lens, &r.spec, &r.cam, 0, 0, 16, 16, 0, 0);
	ck_assert_ptr_nonnull(v);
	{
		uint16_t f[256];
		sim_rng g;
		mdl_exposure x = { 0.0, 0.005, 1.0, 0.0 };

		sim_rng_seed(&g, 1);
		ck_assert_int_eq(mdl_camera_render(NULL, &x, &g, f), MDL_EINVAL);
		ck_assert_int_eq(mdl_camera_render(v, NULL, &g, f), MDL_EINVAL);
		ck_assert_int_eq(mdl_camera_render(v, &x, NULL, f), MDL_EINVAL);
		x.exposure_s = -1.0;
		ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), MDL_EINVAL);
		x.exposure_s = 0.005;
		x.defocus_um = NAN;
		ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), MDL_EINVAL);
		x.defocus_um = 0.0;
		x.signal_scale = -0.5;
		ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), MDL_EINVAL);
	}
	mdl_view_free(v);
}
END_TEST

/* A non-square ROI: sizes, the centre, every pixel written and no more. */
START_TEST(test_roi_size)
{
	rig r;
	mdl_view *v;
	uint16_t f[37 * 23 + 8];
	mdl_exposure x = { 0.3, 0.005, 1.0, 0.0 };
	sim_rng g;
	double cx, cy;

	rig_default(&r, MDL_LENS_B);
	v = mdl_view_new(&r.lens, &r.spec, &r.cam, 100, 200, 37, 23, 10.0, 20.0);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(mdl_view_width(v), 37);
	ck_assert_uint_eq(mdl_view_height(v), 23);
	ck_assert_double_eq_tol(mdl_view_pixel_um(v), 0.1625, 1e-12);
	mdl_view_centre_um(v, &cx, &cy);
	ck_assert_double_eq_tol(cx, 10.0 + (100.0 + 18.5 - 1024.0) * 0.1625, 1e-9);
	ck_assert_double_eq_tol(cy, 20.0 + (200.0 + 11.5 - 1024.0) * 0.1625, 1e-9);
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		f[i] = 0xbeef;
	sim_rng_seed(&g, 3);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
	for (size_t i = 0; i < 37 * 23; i++)
		ck_assert_uint_ne(f[i], 0xbeef);
	for (size_t i = 37 * 23; i < sizeof f / sizeof f[0]; i++)
		ck_assert_uint_eq(f[i], 0xbeef);
	mdl_view_free(v);
}
END_TEST

START_TEST(test_determinism)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	uint16_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	mdl_exposure x = { -0.45, 0.005, 1.0, 0.0 };
	sim_rng g1, g2;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	rig_default(&r, MDL_LENS_B);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_stream(&g1, 99, SIM_STREAM_CAMERA);
	g2 = g1;
	ck_assert_int_eq(mdl_camera_render(v, &x, &g1, a), 0);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g2, b), 0);
	ck_assert_int_eq(memcmp(a, b, n * sizeof *a), 0);
	ck_assert_int_eq(memcmp(&g1, &g2, sizeof g1), 0);
	/* The stream moved on: the next frame differs. */
	ck_assert_int_eq(mdl_camera_render(v, &x, &g2, b), 0);
	ck_assert_int_ne(memcmp(a, b, n * sizeof *a), 0);
	/* Another seed, another frame; a second view of the same place, the
	 * same frame. */
	sim_rng_stream(&g2, 100, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g2, b), 0);
	ck_assert_int_ne(memcmp(a, b, n * sizeof *a), 0);
	mdl_view_free(v);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_stream(&g2, 99, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g2, b), 0);
	ck_assert_int_eq(memcmp(a, b, n * sizeof *a), 0);
	mdl_view_free(v);
	free(a);
	free(b);
}
END_TEST

/* The focus curve from -3 to +3 DOF on a grid that straddles 0: checks
 * that it falls off 3 DOF out and that score(+d) matches score(-d) within
 * 3 %; returns the vertex of the parabola through the top five points (um)
 * and the lens's depth of field in *dof_out, for the test to check that the
 * peak lies within 0.1 DOF of 0. */
static double focus_curve_peak(int lens, double *dof_out)
{
	enum { N = 31 };
	rig r;
	mdl_view *v;
	sim_rng g;
	double dof, step, dz[N], score[N], peak;
	int best = 0;

	rig_default(&r, lens);
	dof = mdl_lens_dof_um(&r.lens);
	step = 0.2 * dof;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_stream(&g, 5, SIM_STREAM_CAMERA);
	for (int i = 0; i < N; i++) {
		dz[i] = ((double)i - (N - 1) / 2.0 + 0.37) * step;
		score[i] = focus_score(v, &g, dz[i], 3);
		if (score[i] > score[best])
			best = i;
	}
	ck_assert_int_ge(best, 2);
	ck_assert_int_le(best, N - 3);
	peak = parabola_vertex5(dz[best], step, &score[best - 2]);
	/* Monotone fall-off: 3 DOF out is well below the peak. */
	ck_assert_double_lt(score[0], 0.8 * score[best]);
	ck_assert_double_lt(score[N - 1], 0.8 * score[best]);
	/* Symmetry: frames at +d and -d (fresh noise) score alike. */
	for (double d = 0.5; d <= 3.0; d += 0.5) {
		double sp = focus_score(v, &g, d * dof, 2), sm = focus_score(v, &g, -d * dof, 2);

		ck_assert_msg(fabs(sp - sm) < 0.03 * (sp + sm) / 2.0,
			      "lens %d: score(+%.1f dof) %.2f vs score(-) %.2f", lens, d, sp, sm);
	}
	mdl_view_free(v);
	*dof_out = dof;
	return peak;
}

START_TEST(test_focus_curve_lens_a)
{
	double dof, peak = focus_curve_peak(MDL_LENS_A, &dof);

	ck_assert_msg(fabs(peak) < 0.1 * dof, "lens %d: peak at %.3f um, dof %.3f", MDL_LENS_A,
		      peak, dof);
}
END_TEST

START_TEST(test_focus_curve_lens_b)
{
	double dof, peak = focus_curve_peak(MDL_LENS_B, &dof);

	ck_assert_msg(fabs(peak) < 0.1 * dof, "lens %d: peak at %.3f um, dof %.3f", MDL_LENS_B,
		      peak, dof);
}
END_TEST

/* Without noise the curve is exactly symmetric and peaks at 0; with
 * asymmetry it is lopsided: defocus above focus blurs more. */
START_TEST(test_focus_curve_asymmetry)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	double *e = malloc(n * sizeof *e);
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { 0.0, 0.005, 1.0, 0.0 };
	double e0, ep, em;
	sim_rng g;

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(f);
	rig_default(&r, MDL_LENS_B);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	for (double d = 0.1; d < 3.0; d += 0.37) {
		double *e2 = malloc(n * sizeof *e2);

		ck_assert_ptr_nonnull(e2);
		x.defocus_um = d;
		ck_assert_int_eq(mdl_camera_expected_e(v, &x, e), 0);
		x.defocus_um = -d;
		ck_assert_int_eq(mdl_camera_expected_e(v, &x, e2), 0);
		ck_assert_int_eq(memcmp(e, e2, n * sizeof *e), 0);
		free(e2);
	}
	mdl_view_free(v);

	r.lens.asymmetry = 0.3;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_seed(&g, 8);
	e0 = focus_score(v, &g, 0.0, 2);
	ep = focus_score(v, &g, 1.0, 2);
	em = focus_score(v, &g, -1.0, 2);
	ck_assert_double_lt(ep, em * 0.95);
	ck_assert_double_lt(em, e0);
	mdl_view_free(v);
	free(e);
	free(f);
}
END_TEST

/* Blur conserves flux: the ROI mean of the expected electrons hardly moves
 * with defocus (only light crossing the ROI border changes it). */
START_TEST(test_flux_conserved)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	double *e = malloc(n * sizeof *e), m0 = 0.0;

	ck_assert_ptr_nonnull(e);
	rig_default(&r, MDL_LENS_A);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	for (double d = 0.0; d <= 30.0; d += 7.5) {
		mdl_exposure x = { d, 0.005, 1.0, 0.0 };
		double m = 0.0;

		ck_assert_int_eq(mdl_camera_expected_e(v, &x, e), 0);
		for (size_t i = 0; i < n; i++)
			m += e[i];
		m /= (double)n;
		if (d == 0.0)
			m0 = m;
		ck_assert_double_gt(m, 5000.0);
		ck_assert_double_lt(fabs(m - m0), 0.03 * m0);
	}
	mdl_view_free(v);
	free(e);
}
END_TEST
/* Brenner's gradient (sum of squared differences two pixels apart along
 * rows) over the mean: a gradient measure, dominated by fine texture. */
static double brenner_score(mdl_view *v, sim_rng *rng, double dz, int frames)
{
	uint32_t w = mdl_view_width(v), h = mdl_view_height(v);
	size_t n = (size_t)w * h;
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { dz, 0.005, 1.0, 0.0 };
	double s = 0.0;

	ck_assert_ptr_nonnull(f);
	for (int k = 0; k < frames; k++) {
		double g = 0.0;

		ck_assert_int_eq(mdl_camera_render(v, &x, rng, f), 0);
		for (uint32_t y = 0; y < h; y++) {
			for (uint32_t i = 0; i + 2 < w; i++) {
				double d = (double)f[y * w + i + 2] - (double)f[y * w + i];

				g += d * d;
			}
		}
		s += g / (double)n / frame_mean(f, n);
	}
	free(f);
	return s / frames;
}

/*
 * Two layers 4 um apart under lens B: the gradient focus curve has two
 * local maxima, one at each layer, with a real dip between them.  The
 * normalised variance, dominated by cell-sized structure that survives a
 * few um of blur, shows the second layer as a shoulder: it stays high
 * towards the second layer and falls fast beyond it.
 */
START_TEST(test_two_layer)
{
	enum { N = 41 };
	rig r;
	mdl_view *v;
	sim_rng g;
	double dz[N], s[N], peaks[4];
	int npeaks = 0;

	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_TWO_LAYER;
	ck_assert_int_eq(mdl_specimen_layer_count(&r.spec), 2);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_seed(&g, 12);
	for (int i = 0; i < N; i++) {
		dz[i] = -3.0 + 0.25 * i;
		s[i] = brenner_score(v, &g, dz[i], 2);
	}
	for (int i = 2; i < N - 2; i++) {
		if (s[i] > s[i - 1] && s[i] > s[i + 1] && s[i] > s[i - 2] && s[i] > s[i + 2] &&
		    npeaks < 4)
			peaks[npeaks++] = dz[i];
	}
	ck_assert_int_eq(npeaks, 2);
	ck_assert_double_lt(fabs(peaks[0] - 0.0), 0.3);
	ck_assert_double_lt(fabs(peaks[1] - r.spec.layer_separation_um), 0.3);
	/* The dip between them (dz = 2) is far below both peaks. */
	ck_assert_double_lt(s[20], 0.6 * s[12]);
	ck_assert_double_lt(s[20], 0.6 * s[28]);
	/* Normalised variance: the shoulder. */
	{
		double at0 = focus_score(v, &g, 0.0, 2), at4 = focus_score(v, &g, 4.0, 2);
		double below = focus_score(v, &g, -4.0, 2), above = focus_score(v, &g, 8.0, 2);

		ck_assert_double_gt(at4, 0.7 * at0);
		ck_assert_double_gt(at4, 2.0 * below);
		ck_assert_double_gt(at4, 2.0 * above);
	}
	mdl_view_free(v);
}
END_TEST

/* Low texture: the focus curve (normalised variance, lens B, +-3 um) is
 * nearly flat next to the cell field's. */
START_TEST(test_low_texture)
{
	rig r;
	mdl_view *v;
	sim_rng g;
	double lo = 1e300, hi = 0.0, rel_low, rel_cells;

	sim_rng_seed(&g, 13);
	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_LOW_TEXTURE;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	for (double d = -3.0; d <= 3.0; d += 0.5) {
		double s = focus_score(v, &g, d, 2);

		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	rel_low = (hi - lo) / lo;
	mdl_view_free(v);

	r.spec.kind = MDL_SPECIMEN_CELLS;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	lo = 1e300;
	hi = 0.0;
	for (double d = -3.0; d <= 3.0; d += 0.5) {
		double s = focus_score(v, &g, d, 1);

		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	rel_cells = (hi - lo) / lo;
	mdl_view_free(v);
	/* Measured: 0.06 against 1.2.  The faint texture lifts the in-focus
	 * score a few per cent above the noise floor. */
	ck_assert_msg(rel_low < 0.1, "low texture: relative change %.4f", rel_low);
	ck_assert_msg(rel_cells > 0.8, "cells: relative change %.4f", rel_cells);
	ck_assert_double_lt(rel_low, 0.1 * rel_cells);
}
END_TEST

/* Tilt changes the frame (not at the centre), and a vanishing tilt gives
 * the untilted frame: the per-pixel path agrees with the fast one. */
START_TEST(test_tilt)
{
	rig r;
	mdl_view *v0, *v1, *v2;
	size_t n = ROI * ROI;
	double *e0 = malloc(n * sizeof *e0), *e1 = malloc(n * sizeof *e1);
	double *e2 = malloc(n * sizeof *e2), maxdiff = 0.0, d02 = 0.0;
	uint16_t *f0 = malloc(n * sizeof *f0), *f1 = malloc(n * sizeof *f1);
	mdl_exposure x = { 0.2, 0.005, 1.0, 0.0 };
	sim_rng g0, g1;
	size_t centre = (ROI / 2) * ROI + ROI / 2;

	ck_assert_ptr_nonnull(e0);
	ck_assert_ptr_nonnull(e1);
	ck_assert_ptr_nonnull(e2);
	ck_assert_ptr_nonnull(f0);
	ck_assert_ptr_nonnull(f1);
	rig_default(&r, MDL_LENS_B);
	v0 = rig_view(&r, ROI, ROI);
	r.spec.tilt_x_um_per_mm = 1e-9;
	v2 = rig_view(&r, ROI, ROI);
	r.spec.tilt_x_um_per_mm = 60.0;
	r.spec.tilt_y_um_per_mm = -25.0;
	v1 = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v0);
	ck_assert_ptr_nonnull(v1);
	ck_assert_ptr_nonnull(v2);
	ck_assert_int_eq(mdl_camera_expected_e(v0, &x, e0), 0);
	ck_assert_int_eq(mdl_camera_expected_e(v1, &x, e1), 0);
	ck_assert_int_eq(mdl_camera_expected_e(v2, &x, e2), 0);
	for (size_t i = 0; i < n; i++) {
		double d = fabs(e1[i] - e0[i]) / e0[i];

		maxdiff = d > maxdiff ? d : maxdiff;
		d = fabs(e2[i] - e0[i]) / e0[i];
		d02 = d > d02 ? d : d02;
	}
	ck_assert_double_gt(maxdiff, 0.02);
	ck_assert_double_lt(fabs(e1[centre] - e0[centre]) / e0[centre], 0.01);
	ck_assert_double_lt(d02, 1e-5);
	sim_rng_seed(&g0, 6);
	g1 = g0;
	ck_assert_int_eq(mdl_camera_render(v0, &x, &g0, f0), 0);
	ck_assert_int_eq(mdl_camera_render(v1, &x, &g1, f1), 0);
	ck_assert_int_ne(memcmp(f0, f1, n * sizeof *f0), 0);
	mdl_view_free(v0);
	mdl_view_free(v1);
	mdl_view_free(v2);
	free(e0);
	free(e1);
	free(e2);
	free(f0);
	free(f1);
}
END_TEST

/* The cache builds levels lazily and only the ones a search visits. */
START_TEST(test_lazy_levels)
{
	rig r;
	mdl_view *v;
	sim_rng g;
	int built;

	rig_default(&r, MDL_LENS_B);
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(mdl_view_levels_built(v), 0);
	sim_rng_seed(&g, 1);
	focus_score(v, &g, 0.0, 1);
	ck_assert_int_eq(mdl_view_levels_built(v), 1);
	focus_score(v, &g, 0.05, 1);
	built = mdl_view_levels_built(v);
	ck_assert_int_le(built, 2);
	focus_score(v, &g, -0.05, 1);
	ck_assert_int_eq(mdl_view_levels_built(v), built);
	focus_score(v, &g, 50.0, 1);
	ck_assert_int_le(mdl_view_levels_built(v), built + 2);
	ck_assert_uint_gt(mdl_view_bytes(v), (size_t)ROI * ROI * 4 * 3);
	mdl_view_free(v);
}
END_TEST

/* The specimen is sampled lazily: a frame in focus samples lens B's ROI
 * and the band its in-focus level reads (2 x 2 samples a pixel), a frame
 * far out of focus the whole 32-pixel margin; and the frames do not depend
 * on the order the band grew in. */
START_TEST(test_lazy_sampling)
{
	const size_t n = (size_t)ROI * ROI, full = (size_t)(ROI + 64) * (ROI + 64) * 4;
	uint16_t *in_a = malloc(n * sizeof *in_a), *out_a = malloc(n * sizeof *out_a);
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure in = { 0.0, 0.005, 1.0, 0.0 }, out = { 40.0, 0.005, 1.0, 0.0 };
	mdl_view *near, *far;
	sim_rng g;
	rig r;

	ck_assert_ptr_nonnull(in_a);
	ck_assert_ptr_nonnull(out_a);
	ck_assert_ptr_nonnull(f);
	rig_default(&r, MDL_LENS_B);
	near = rig_view(&r, ROI, ROI);
	far = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(near);
	ck_assert_ptr_nonnull(far);
	ck_assert_uint_eq(mdl_view_samples(near), 0);
	/* near: in focus (a band of 4 pixels), then far out of focus */
	sim_rng_stream(&g, 3, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(near, &in, &g, in_a), 0);
	ck_assert_uint_eq(mdl_view_samples(near), (size_t)(ROI + 2 * 4) * (ROI + 2 * 4) * 4);
	sim_rng_stream(&g, 4, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(near, &out, &g, out_a), 0);
	ck_assert_uint_eq(mdl_view_samples(near), full);
	/* far: the other way round, the same frames */
	sim_rng_stream(&g, 4, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(far, &out, &g, f), 0);
	ck_assert_uint_eq(mdl_view_samples(far), full);
	ck_assert_int_eq(memcmp(f, out_a, n * sizeof *f), 0);
	sim_rng_stream(&g, 3, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(far, &in, &g, f), 0);
	ck_assert_uint_eq(mdl_view_samples(far), full);
	ck_assert_int_eq(memcmp(f, in_a, n * sizeof *f), 0);
	/* sampled in full up front (bench/peer reads the image): the same */
	mdl_view_free(far);
	far = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(far);
	ck_assert_int_eq(mdl_view_sample_all(far), 0);
	ck_assert_uint_eq(mdl_view_samples(far), full);
	ck_assert_int_eq(mdl_view_sample_all(far), 0);
	ck_assert_uint_eq(mdl_view_samples(far), full);
	sim_rng_stream(&g, 3, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(far, &in, &g, f), 0);
	ck_assert_uint_eq(mdl_view_samples(far), full);
	ck_assert_int_eq(memcmp(f, in_a, n * sizeof *f), 0);
	mdl_view_free(near);
	mdl_view_free(far);
	free(in_a);
	free(out_a);
	free(f);
}
END_TEST

Suite *camera_suite(void)
{
	Suite *s = suite_create("camera");
	TCase *tc = tcase_create("config");
	TCase *img = tcase_create("image");

	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_check);
	tcase_add_test(tc, test_frame_time);
	tcase_add_test(tc, test_bleach_scale);
	tcase_add_test(tc, test_view_args);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);

	tcase_add_test(img, test_roi_size);
	tcase_add_test(img, test_determinism);
	tcase_add_test(img, test_focus_curve_lens_a);
	tcase_add_test(img, test_focus_curve_lens_b);
	tcase_add_test(img, test_focus_curve_asymmetry);
	tcase_add_test(img, test_flux_conserved);
	tcase_add_test(img, test_two_layer);
	tcase_add_test(img, test_low_texture);
	tcase_add_test(img, test_tilt);
	tcase_add_test(img, test_lazy_levels);
	tcase_add_test(img, test_lazy_sampling);
	tcase_set_timeout(img, 30);
	suite_add_tcase(s, img);
	return s;
}
