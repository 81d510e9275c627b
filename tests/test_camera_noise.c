/*
 * test_camera_noise.c - the camera model's noise statistics on flat
 * fields: the mean and variance of the Poisson-Gaussian model at high, low
 * and mid light, the Gaussian tails and kurtosis, clipping at full well,
 * at 0 and at a 12-bit top code.  The rest of the camera model is in
 * test_camera.c.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "models/camera.h"
#include "models/mdl.h"
#include "models/specimen.h"
#include "kernel/rng.h"
#include "tests/camera_fix.h"

Suite *camera_noise_suite(void);

/* A flat field: mean = offset + lambda / gain, variance = (lambda + rn^2) /
 * gain^2 + 1/12, each within 5 % (the mean's error relative to the signal
 * above the offset), at a high and a low light level.  Checks both and
 * returns the larger of the two relative errors. */
static double flat_field_error(double brightness, double exposure_s)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { 0.0, exposure_s, 1.0, 0.0 };
	sim_rng g;
	double gain, lambda, mean = 0.0, var = 0.0, want_mean, want_var, err_mean, err_var;

	ck_assert_ptr_nonnull(f);
	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_FLAT;
	r.spec.brightness = brightness;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	gain = mdl_camera_gain_e_per_adu(&r.cam);
	lambda = r.cam.qe * r.cam.photon_flux_per_s * exposure_s * brightness +
		 r.cam.dark_e_per_s * exposure_s;
	sim_rng_seed(&g, 21);
	for (int k = 0; k < 4; k++) {
		ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
		mean += frame_mean(f, n) / 4.0;
		var += frame_var(f, n) / 4.0;
	}
	want_mean = r.cam.offset_adu + lambda / gain;
	want_var = (lambda + r.cam.read_noise_e * r.cam.read_noise_e) / (gain * gain) + 1.0 / 12.0;
	ck_assert_msg(fabs(mean - want_mean) < 0.05 * (want_mean - r.cam.offset_adu),
		      "lambda %.1f: mean %.3f want %.3f", lambda, mean, want_mean);
	ck_assert_msg(fabs(var - want_var) < 0.05 * want_var, "lambda %.1f: var %.3f want %.3f",
		      lambda, var, want_var);
	err_mean = fabs(mean - want_mean) / (want_mean - r.cam.offset_adu);
	err_var = fabs(var - want_var) / want_var;
	mdl_view_free(v);
	free(f);
	return fmax(err_mean, err_var);
}

START_TEST(test_flat_field_high)
{
	ck_assert_double_lt(flat_field_error(1.0, 0.005), 0.05); /* 10000 e- */
}
END_TEST

START_TEST(test_flat_field_low)
{
	ck_assert_double_lt(flat_field_error(0.0005, 0.005), 0.05); /* 5 e-: exact Poisson */
}
END_TEST

START_TEST(test_flat_field_mid)
{
	/* 30 e-: just above the Gaussian switch */
	ck_assert_double_lt(flat_field_error(0.003, 0.005), 0.05);
}
END_TEST

/* The Gaussian tails: the share of pixels beyond 3 and 4 sigma and the
 * kurtosis are a normal's. */
START_TEST(test_noise_shape)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { 0.0, 0.005, 1.0, 0.0 };
	sim_rng g;
	double lambda, mu, sd, m4 = 0.0, out3 = 0.0, out4 = 0.0, total = 0.0;

	ck_assert_ptr_nonnull(f);
	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_FLAT;
	r.spec.brightness = 2.0;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	lambda = 20000.0 + r.cam.dark_e_per_s * 0.005;
	mu = r.cam.offset_adu + lambda / mdl_camera_gain_e_per_adu(&r.cam);
	sd = sqrt(lambda + 2.56) / mdl_camera_gain_e_per_adu(&r.cam);
	sim_rng_seed(&g, 77);
	for (int k = 0; k < 40; k++) {
		ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
		for (size_t i = 0; i < n; i++) {
			double z = ((double)f[i] - mu) / sd;

			m4 += z * z * z * z;
			out3 += fabs(z) > 3.0;
			out4 += fabs(z) > 4.0;
			total += 1.0;
		}
	}
	/* 655360 pixels: P(|z| > 3) = 2.70e-3, P(|z| > 4) = 6.3e-5. */
	ck_assert_double_lt(fabs(out3 / total - 2.70e-3), 0.25e-3);
	ck_assert_double_gt(out4, 0.4 * 6.3e-5 * total);
	ck_assert_double_lt(out4, 1.8 * 6.3e-5 * total);
	ck_assert_double_lt(fabs(m4 / total - 3.0), 0.05);
	mdl_view_free(v);
	free(f);
}
END_TEST

START_TEST(test_saturation)
{
	rig r;
	mdl_view *v;
	size_t n = ROI * ROI;
	uint16_t *f = malloc(n * sizeof *f);
	mdl_exposure x = { 0.0, 0.005, 1.0, 0.0 };
	sim_rng g;
	double mean;
	int zeros = 0;

	ck_assert_ptr_nonnull(f);
	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_FLAT;
	r.spec.brightness = 4.0; /* 40000 e- > full well */
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	sim_rng_seed(&g, 4);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(f[i], 65535);
	/* Just below full well (29000 e-): some pixels clip, none wrap. */
	x.signal_scale = 2.9 / 4.0;
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_gt(f[i], 60000);
	mdl_view_free(v);

	/* No light, offset 0: half the pixels clip at 0, none wrap. */
	r.spec.brightness = 0.0;
	r.cam.offset_adu = 0.0;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	x.signal_scale = 1.0;
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
	mean = frame_mean(f, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(f[i], 20);
		zeros += f[i] == 0;
	}
	ck_assert_int_gt(zeros, (int)n / 3);
	ck_assert_double_lt(mean, 3.0);
	mdl_view_free(v);

	/* A 12-bit camera clips at 4095. */
	rig_default(&r, MDL_LENS_B);
	r.spec.kind = MDL_SPECIMEN_FLAT;
	r.spec.brightness = 4.0;
	r.cam.bit_depth = 12;
	v = rig_view(&r, ROI, ROI);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, f), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(f[i], 4095);
	mdl_view_free(v);
	free(f);
}
END_TEST

Suite *camera_noise_suite(void)
{
	Suite *s = suite_create("camera_noise");
	TCase *tc = tcase_create("noise");

	tcase_add_test(tc, test_flat_field_high);
	tcase_add_test(tc, test_flat_field_low);
	tcase_add_test(tc, test_flat_field_mid);
	tcase_add_test(tc, test_noise_shape);
	tcase_add_test(tc, test_saturation);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
