/*
 * test_engine_errors2.c - the error returns of the engine's numeric and
 * memory edges and of its constructors, each run once with its code and
 * message: a polynomial whose solution or natural coefficients overflow, a
 * thermal fit whose offsets overflow, points that make no focus peak,
 * statistics and a flight recorder that run out of memory, every
 * configuration the engine refuses, every HAL op af_hal_bind requires, a
 * recorder's engine refused.  After each failure the same call on sound
 * input works: these functions keep no state, and a failed one leaves
 * nothing behind (make asan's LeakSanitizer checks).  The engine's
 * operations' own errors are test_engine_errors.c's.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"
#include "engine/af_fit.h"
#include "engine/af_mapping.h"
#include "engine/af_peak.h"
#include "engine/af_rec.h"
#include "engine/af_rec_wire.h"
#include "engine/af_stats.h"
#include "tests/alloc_count.h"
#include "tests/fake_hal.h"

/*
 * A least-squares solution that overflows: ordinates near DBL_MAX make
 * Q^T y infinite, so back substitution gives a non-finite coefficient
 * (AF_ERANGE, not infinities handed to the caller).
 */
START_TEST(poly_fit_solution_overflows)
{
	const double x[3] = { 0.0, 1.0, 2.0 };
	const double big[3] = { 1.7e308, -1.7e308, 1.7e308 }, y[3] = { 1.0, 3.0, 5.0 };
	af_poly p = { 2, { 7.0, 7.0, 7.0, 7.0 } };
	double rms = -1.0;

	ck_assert_int_eq(af_poly_fit(x, big, 3, 1, &p, &rms, NULL), AF_ERANGE);
	/* nothing written on failure */
	ck_assert_int_eq(p.order, 2);
	ck_assert_double_eq(p.c[0], 7.0);
	ck_assert_double_eq(rms, -1.0);
	ck_assert_int_eq(af_poly_fit(x, y, 3, 1, &p, &rms, NULL), AF_OK);
	ck_assert_int_eq(p.order, 1);
	ck_assert_double_eq_tol(p.c[0], 1.0, 1e-12);
	ck_assert_double_eq_tol(p.c[1], 2.0, 1e-12);
	ck_assert_double_eq_tol(rms, 0.0, 1e-12);
}
END_TEST

/*
 * A fit that is sound in the scaled basis but whose natural coefficients
 * are not representable: abscissae 1e-300 apart put xs^2 below the
 * smallest double, so d[2] / xs^2 overflows (AF_ERANGE).  The same
 * ordinates over abscissae 1 apart fit exactly.
 */
START_TEST(poly_natural_coefficients_overflow)
{
	const double tiny[4] = { 1e-300, 2e-300, 3e-300, 4e-300 }, x[4] = { 1.0, 2.0, 3.0, 4.0 };
	const double y[4] = { 1.0, 2.0, 4.0, 8.0 };
	af_poly p = { 0, { 7.0, 0.0, 0.0, 0.0 } };

	ck_assert_int_eq(af_poly_fit(tiny, y, 4, 3, &p, NULL, NULL), AF_ERANGE);
	ck_assert_int_eq(p.order, 0);
	ck_assert_double_eq(p.c[0], 7.0);
	ck_assert_int_eq(af_poly_fit(x, y, 4, 3, &p, NULL, NULL), AF_OK);
	for (int i = 0; i < 4; i++)
		ck_assert_double_eq_tol(af_poly_eval(&p, x[i]), y[i], 1e-12);
}
END_TEST

/* A peak fit over positions whose mean overflows: AF_ERANGE from the
 * solver, the peak not written.  The same scores 1 um apart peak at the
 * middle. */
START_TEST(peak_fit_positions_overflow)
{
	const double huge[3] = { 1.0e308, 1.5e308, 1.7e308 }, z[3] = { -1.0, 0.0, 1.0 };
	const double sc[3] = { 1.0, 2.0, 1.0 };
	double zp = 7.0, sp = 7.0;
	int edge = -1;

	ck_assert_int_eq(af_peak_fit(huge, sc, 3, AF_PEAK_PARABOLA, 3, &zp, &sp, &edge), AF_ERANGE);
	ck_assert_double_eq(zp, 7.0);
	ck_assert_double_eq(sp, 7.0);
	ck_assert_int_eq(af_peak_fit(z, sc, 3, AF_PEAK_PARABOLA, 3, &zp, &sp, &edge), AF_OK);
	ck_assert_double_eq_tol(zp, 0.0, 1e-12);
	ck_assert_double_eq_tol(sp, 2.0, 1e-12);
	ck_assert_int_eq(edge, 0);
}
END_TEST

static void line_cal(af_calibration *c, double temp_c, double shift_um)
{
	memset(c, 0, sizeof *c);
	c->n = 3;
	c->temp_c = temp_c;
	for (size_t i = 0; i < 3; i++) {
		c->pts[i].site_um = -1.0 + (double)i;
		c->pts[i].za_um = c->pts[i].site_um + shift_um;
		c->pts[i].zb_um = c->pts[i].site_um + 4.0 + 1.1 * shift_um;
	}
}

/*
 * Temperature coefficients that overflow: one calibration's lens-A
 * positions near DBL_MAX (finite, so accepted as points) make its mean
 * offset infinite and the regression NaN: AF_ERANGE, the thermal part left
 * invalid; so do sites too far out for the reference's site curves.  Three
 * sound calibrations 1 C apart give 1.0 and 1.1 um/C.
 */
START_TEST(thermal_fit_overflows)
{
	af_calibration cals[3];
	af_mapping m;

	line_cal(&cals[0], 20.0, 0.0);
	cals[0].pts[0].za_um = cals[0].pts[1].za_um = 1.7e308;
	line_cal(&cals[1], 21.0, 1.0);
	line_cal(&cals[2], 22.0, 2.0);
	ck_assert_int_eq(af_mapping_fit(&cals[2], AF_MAP_LINEAR, &m), AF_OK);
	ck_assert_int_eq(af_mapping_fit_thermal(cals, 3, &m), AF_ERANGE);
	ck_assert(!m.thermal_valid);
	ck_assert(m.valid);
	/* the newest calibration's sites so far out that their mean
	 * overflows: no site curve of any order, AF_ERANGE */
	line_cal(&cals[0], 20.0, 0.0);
	for (size_t i = 0; i < 3; i++)
		cals[2].pts[i].site_um = 1.5e308 + 1e307 * (double)i;
	ck_assert_int_eq(af_mapping_fit_thermal(cals, 3, &m), AF_ERANGE);
	ck_assert(!m.thermal_valid);
	line_cal(&cals[2], 22.0, 2.0);
	/* sound: from a mapping of any order, or none (the site curves'
	 * order then falls to what three sites allow) */
	m.valid = false;
	ck_assert_int_eq(af_mapping_fit_thermal(cals, 3, &m), AF_OK);
	ck_assert_double_eq_tol(m.tc_b_um_per_c, 1.1, 1e-9);
	ck_assert_int_eq(af_mapping_fit(&cals[2], AF_MAP_LINEAR, &m), AF_OK);
	ck_assert_int_eq(af_mapping_fit_thermal(cals, 3, &m), AF_OK);
	ck_assert(m.thermal_valid);
	ck_assert_double_eq_tol(m.tc_a_um_per_c, 1.0, 1e-9);
	ck_assert_double_eq_tol(m.tc_b_um_per_c, 1.1, 1e-9);
	ck_assert_double_eq_tol(m.thermal_span_c, 2.0, 1e-12);
}
END_TEST

/*
 * Points that make a valley, not a peak: no z0 in the bracket gives a
 * positive amplitude and width, with the asymmetry held or fitted
 * (AF_ENOFOCUS, af_peak.h).  The same z on the curve 1 / (1 + z^2) fit
 * it.
 */
START_TEST(lorentz_fit_of_a_valley)
{
	const double z[4] = { -1.5, -0.5, 0.5, 1.5 };
	const double valley[4] = { 1.0, 0.5, 0.5, 1.0 }, peak[4] = { 1.0 / 3.25, 0.8, 0.8, 1.0 / 3.25 };
	af_lorentz m;
	double rms = -1.0;

	ck_assert_int_eq(af_lorentz_fit(z, valley, 4, 0.0, NAN, -0.5, 0.5, &m, &rms), AF_ENOFOCUS);
	ck_assert_double_eq(rms, -1.0);
	ck_assert_int_eq(af_lorentz_fit(z, valley, 4, NAN, NAN, -0.5, 0.5, &m, NULL), AF_ENOFOCUS);
	ck_assert_int_eq(af_lorentz_fit(z, peak, 4, 0.0, NAN, -0.5, 0.5, &m, &rms), AF_OK);
	ck_assert_double_eq_tol(m.z0_um, 0.0, 1e-3);
	ck_assert_double_eq_tol(m.w_um, 1.0, 1e-3);
	ck_assert_double_eq_tol(rms, 0.0, 1e-6);
	ck_assert_int_eq(af_lorentz_fit(z, peak, 4, NAN, NAN, -0.5, 0.5, &m, NULL), AF_OK);
	ck_assert_double_eq_tol(m.z0_um, 0.0, 1e-3);
	ck_assert_double_eq_tol(m.asym, 0.0, 1e-3);
}
END_TEST

/*
 * Distributions and summaries that cannot get their scratch: a count
 * whose size in bytes wraps (checked before multiplying, the values never
 * read), and a failed allocation.  Then the same calls work.
 */
START_TEST(statistics_out_of_memory)
{
	const double v[3] = { 3.0, 1.0, 2.0 };
	af_stats_sample ring[4], x;
	af_stats_summary sum;
	af_stats s;
	af_dist d;
	int rc;

	ck_assert_int_eq(af_dist_of(v, SIZE_MAX / 4, NULL, &d), AF_ENOMEM);
	test_alloc_fail_at(1);
	rc = af_dist_of(v, 3, NULL, &d);
	ck_assert(test_alloc_failed());
	test_alloc_fail_at(0);
	ck_assert_int_eq(rc, AF_ENOMEM);
	ck_assert_int_eq(af_dist_of(v, 3, NULL, &d), AF_OK);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_double_eq(d.min, 1.0);
	ck_assert_double_eq(d.p50, 2.0);
	ck_assert_double_eq(d.max, 3.0);

	/* a window that claims more samples than memory can sort (the
	 * fields are af_stats.h's; recording cannot get there, a damaged
	 * or foreign struct can) */
	af_stats_init(&s, ring, 4);
	memset(&x, 0, sizeof x);
	x.success = true;
	x.mapping_error_um = 0.25;
	af_stats_record(&s, &x);
	s.len = SIZE_MAX / 4;
	ck_assert_int_eq(af_stats_summarize(&s, &sum), AF_ENOMEM);
	ck_assert_uint_eq(sum.handoffs, 1);
	s.len = 1;
	ck_assert_int_eq(af_stats_summarize(&s, &sum), AF_OK);
	ck_assert_uint_eq(sum.mapping_error.n, 1);
	ck_assert_double_eq(sum.mapping_error.p95, 0.25);
	ck_assert_uint_eq(sum.error_bins[1], 1);
}
END_TEST

/* A sink that never allocates (a failed allocation must be the
 * recorder's own): counts the bytes. */
static int count_sink(void *user, const void *buf, size_t n)
{
	(void)buf;
	*(size_t *)user += n;
	return 0;
}

/*
 * The recorder with its n-th allocation failing, n = 1, 2, ... until it
 * makes fewer: the recorder itself, the record buffer, the pixel ring and
 * its index (keep_last_n_ops).  Each is NULL with "out of memory", frees
 * what it had (LeakSanitizer under make asan) and writes nothing; then a
 * recorder is made and writes its header.
 */
START_TEST(recorder_out_of_memory)
{
	static fake_hal fk;
	af_rec_options ro;
	size_t bytes = 0;
	af_rec_sink sink = { count_sink, &bytes };
	const char *err;
	af_rec *rec = NULL;
	af_hal hal;
	uint32_t n, failures = 0;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 2;
	ro.ring_bytes = (size_t)1 << 20;
	for (n = 1; n < 100; n++) {
		bool failed;

		err = NULL;
		test_alloc_fail_at(n);
		rec = af_rec_new(&hal, &ro, &sink, &err);
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed)
			break;
		ck_assert_msg(rec == NULL, "allocation %u failed, yet a recorder", n);
		ck_assert_str_eq(err, "out of memory");
		ck_assert_uint_eq(bytes, 0);
		failures++;
	}
	ck_assert_uint_eq(failures, 4);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_null(err);
	ck_assert_uint_gt(bytes, 0);
	ck_assert_int_eq(af_rec_close(rec), 0);
	af_rec_free(rec);
}
END_TEST

/*
 * Every refusal of af_engine_config_check, one field at a time from the
 * defaults, and af_engine_new refusing the same configuration with the
 * same message (no engine, nothing to free); then the defaults make an
 * engine.
 */
typedef struct bad_config {
	void (*spoil)(af_engine_config *c);
	const char *why;
} bad_config;

static void bad_measure(af_engine_config *c) { c->search[AF_LENS_A][AF_LEVEL_FAST].measure = AF_MEASURE_COUNT; }
static void bad_stride(af_engine_config *c) { c->wide[AF_LENS_B].stride = 0; }
static void even_points(af_engine_config *c) { c->wide[AF_LENS_B].points = 4; }
static void no_step(af_engine_config *c) { c->search[AF_LENS_B][AF_LEVEL_STANDARD].step_um = 0.0; }
static void short_refine(af_engine_config *c) { c->search[AF_LENS_A][AF_LEVEL_STANDARD].refine_points = 2; }
static void no_range(af_engine_config *c) { c->search[AF_LENS_B][AF_LEVEL_STANDARD].range_um = 0.0; }
static void small_budget(af_engine_config *c) { c->wide[AF_LENS_A].max_frames = 20; }
static void full_contrast(af_engine_config *c) { c->search[AF_LENS_A][AF_LEVEL_ULTRA_FAST].min_contrast = 1.0; }
static void far_extrapolation(af_engine_config *c) { c->search[AF_LENS_B][AF_LEVEL_FAST].extrapolate_um = 0.8; }
static void bad_mode(af_engine_config *c) { c->search[AF_LENS_B][AF_LEVEL_FAST].mode = (af_search_mode)2; }
static void negative_tol(af_engine_config *c) { c->search[AF_LENS_B][AF_LEVEL_FAST].land_tol_um = -0.1; }
static void bad_fit(af_engine_config *c) { c->wide[AF_LENS_A].fit = AF_PEAK_METHOD_COUNT; }
static void bad_level(af_engine_config *c) { c->level = AF_LEVEL_COUNT; }
static void no_width(af_engine_config *c) { c->curve_width_um[AF_LENS_B] = 0.0; }
static void bad_model(af_engine_config *c) { c->mapping_model = (af_mapping_model)9; }
static void no_limit(af_engine_config *c) { c->mapping_limit_um = 0.0; }
static void no_settle(af_engine_config *c) { c->settle_timeout_ms = 0; }
static void soft_limits(af_engine_config *c) { c->z_min_um = c->z_max_um; }
static void bad_prior(af_engine_config *c) { c->prior_tc_b_um_per_c = NAN; }
static void bad_glitch(af_engine_config *c) { c->thermal.glitch_band_c = -1.0; }
static void bad_weight(af_engine_config *c) { c->thermal.fast_weight = 1.5; }
static void bad_tau(af_engine_config *c) { c->thermal.tau_slow_s = -1.0; }

static const bad_config bad_configs[] = {
	{ bad_measure, "search measure or stride is invalid" },
	{ bad_stride, "search measure or stride is invalid" },
	{ even_points, "search needs an odd number >= 3 of points and a positive step" },
	{ no_step, "search needs an odd number >= 3 of points and a positive step" },
	{ short_refine, "refine pass needs >= 3 points and a positive step" },
	{ no_range, "search range, frame budget or fit window is invalid" },
	{ small_budget, "search range, frame budget or fit window is invalid" },
	{ full_contrast, "search min_contrast must be in [0, 1)" },
	{ far_extrapolation, "search extrapolate_um must be in [0, step_um]" },
	{ bad_mode, "search mode or land_tol_um is invalid" },
	{ negative_tol, "search mode or land_tol_um is invalid" },
	{ bad_fit, "search fit is invalid" },
	{ bad_level, "optimization level is invalid" },
	{ no_width, "focus curve widths must be positive" },
	{ bad_model, "mapping model is invalid" },
	{ no_limit, "engine limits are invalid" },
	{ no_settle, "engine limits are invalid" },
	{ soft_limits, "engine limits are invalid" },
	{ bad_prior, "thermal priors must be finite" },
	{ bad_glitch, "thermal glitch limits are invalid" },
	{ bad_weight, "thermal model is invalid" },
	{ bad_tau, "thermal model is invalid" },
};

START_TEST(engine_refuses_a_bad_configuration)
{
	static fake_hal fk;
	af_engine_config cfg;
	const char *err;
	af_engine *e;
	af_hal hal;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
		af_engine_config_default(&cfg);
		bad_configs[i].spoil(&cfg);
		ck_assert_msg(af_engine_config_check(&cfg) &&
			      strcmp(af_engine_config_check(&cfg), bad_configs[i].why) == 0,
			      "case %zu: '%s'", i, af_engine_config_check(&cfg));
		err = NULL;
		ck_assert_ptr_null(af_engine_new(&hal, &cfg, &err));
		ck_assert_str_eq(err, bad_configs[i].why);
	}
	err = NULL;
	ck_assert_ptr_null(af_engine_new(NULL, &cfg, &err));
	ck_assert_str_eq(err, "no hal or configuration");
	ck_assert_ptr_null(af_engine_new(&hal, NULL, NULL));
	af_engine_config_default(&cfg);
	ck_assert_ptr_null(af_engine_config_check(&cfg));
	e = af_engine_new(&hal, &cfg, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(af_engine_errmsg(e), "no error");
	af_engine_free(e);
}
END_TEST

/* Each required op missing in turn: af_hal_bind names it and binds
 * nothing; the whole table binds. */
START_TEST(hal_bind_names_every_missing_op)
{
	static const char *const names[] = { "select_lens", "get_lens", "move_z", "get_z",
		"wait_settled", "grab_frame", "read_temperature", "now_us", "sleep_us", "errmsg" };
	af_hal hal = { NULL, NULL };
	char err[128], want[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		af_hal_ops ops = *fake_hal_ops();

		switch (i) {
		case 0: ops.select_lens = NULL; break;
		case 1: ops.get_lens = NULL; break;
		case 2: ops.move_z = NULL; break;
		case 3: ops.get_z = NULL; break;
		case 4: ops.wait_settled = NULL; break;
		case 5: ops.grab_frame = NULL; break;
		case 6: ops.read_temperature = NULL; break;
		case 7: ops.now_us = NULL; break;
		case 8: ops.sleep_us = NULL; break;
		default: ops.errmsg = NULL; break;
		}
		ck_assert_int_eq(af_hal_bind(&hal, &ops, NULL, err, sizeof err), AF_EINVAL);
		snprintf(want, sizeof want, "cannot bind hal 'fake': required op '%s' is missing",
			 names[i]);
		ck_assert_str_eq(err, want);
		ck_assert_ptr_null(hal.ops);
	}
	ck_assert_int_eq(af_hal_bind(&hal, NULL, NULL, err, sizeof err), AF_EINVAL);
	ck_assert_str_eq(err, "cannot bind hal '?': required op 'ops table' is missing");
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), NULL, err, sizeof err), AF_OK);
	ck_assert_ptr_eq(hal.ops, fake_hal_ops());
}
END_TEST

/*
 * A recorder's engine: no recorder or no configuration, a second engine on
 * the same recorder, a configuration the engine refuses (recorded as a
 * failed creation, and the recorder keeps recording).
 */
START_TEST(recorder_engine_refusals)
{
	static fake_hal fk;
	af_engine_config cfg;
	size_t bytes = 0, after;
	af_rec_sink sink = { count_sink, &bytes };
	const char *err = NULL;
	af_engine *e;
	af_rec *rec;
	af_hal hal;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	rec = af_rec_new(&hal, NULL, &sink, &err);
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_null(af_rec_engine_new(NULL, &cfg, &err));
	ck_assert_str_eq(err, "no recorder or configuration");
	ck_assert_ptr_null(af_rec_engine_new(rec, NULL, &err));
	ck_assert_str_eq(err, "no recorder or configuration");
	e = af_rec_engine_new(rec, &cfg, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(err);
	after = bytes;
	ck_assert_ptr_null(af_rec_engine_new(rec, &cfg, &err));
	ck_assert_str_eq(err, "the recorder already has an engine");
	ck_assert_uint_eq(bytes, after);   /* nothing recorded for it */
	af_engine_free(e);
	ck_assert_int_eq(af_rec_close(rec), 0);
	ck_assert_ptr_null(af_rec_error(rec));
	af_rec_free(rec);

	/* a refused configuration: recorded, and the recorder goes on */
	bytes = 0;
	rec = af_rec_new(&hal, NULL, &sink, &err);
	ck_assert_ptr_nonnull(rec);
	after = bytes;
	cfg.level = AF_LEVEL_COUNT;
	ck_assert_ptr_null(af_rec_engine_new(rec, &cfg, &err));
	ck_assert_str_eq(err, "optimization level is invalid");
	ck_assert_uint_gt(bytes, after);
	ck_assert_int_eq(af_rec_close(rec), 0);
	af_rec_free(rec);
}
END_TEST

/*
 * The field log's codec: a writer that runs out of room marks the buffer
 * and every record in it fails to close (also a record longer than the
 * format allows); a reader marks a damaged buffer bad (a bool that is not
 * 0 or 1, bytes past the end, a configuration of another field count, a
 * result whose phase or coefficient count differs) and a string cut to its
 * destination; names of unknown operations and calls are NULL.
 */
START_TEST(wire_codec_refuses_damage_and_overflow)
{
	static uint8_t buf[4096];
	static char longs[AF_LOG_STR_MAX + 40];
	af_log_wbuf w = { buf, 0, 12, false };
	af_log_rbuf r;
	af_handoff_result h, hh;
	af_calib_report c, cc;
	af_engine_config cfg, got;
	char small[4];
	const char *str;
	size_t at, n;
	uint8_t *big;

	/* a writer out of room */
	at = af_log_rec_open(&w, 3);
	af_log_put_u32(&w, 1);
	ck_assert(!w.overflow);
	af_log_put_u32(&w, 2);
	ck_assert(w.overflow);
	ck_assert_uint_eq(w.len, 12);
	ck_assert(!af_log_rec_close(&w, at));
	w.len = 8;
	w.overflow = false;
	af_log_put_bytes(&w, "12345", 5);
	ck_assert(w.overflow);
	ck_assert(!af_log_rec_close(&w, 0));
	/* a record over AF_LOG_PAYLOAD_MAX */
	big = malloc((size_t)AF_LOG_PAYLOAD_MAX + 64);
	ck_assert_ptr_nonnull(big);
	w = (af_log_wbuf){ big, 0, (size_t)AF_LOG_PAYLOAD_MAX + 64, false };
	at = af_log_rec_open(&w, 3);
	w.len += (size_t)AF_LOG_PAYLOAD_MAX + 1;
	ck_assert(!af_log_rec_close(&w, at));
	ck_assert(w.overflow);
	w = (af_log_wbuf){ big, 0, (size_t)AF_LOG_PAYLOAD_MAX + 64, false };
	at = af_log_rec_open(&w, 3);
	w.len += AF_LOG_PAYLOAD_MAX;
	ck_assert(af_log_rec_close(&w, at));
	free(big);

	/* a string longer than the format's limit is cut; a short
	 * destination cuts too */
	memset(longs, 'x', sizeof longs - 1);
	w = (af_log_wbuf){ buf, 0, sizeof buf, false };
	af_log_put_str(&w, longs);
	ck_assert_uint_eq(w.len, 2 + AF_LOG_STR_MAX);
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_str(&r, &str, &n);
	ck_assert_uint_eq(n, AF_LOG_STR_MAX);
	r.pos = 0;
	af_log_get_strbuf(&r, small, sizeof small);
	ck_assert_str_eq(small, "xxx"); /* longs is all x: three of them and the NUL */
	ck_assert(!r.bad);

	/* a bool of 2; bytes past the end */
	buf[0] = 2;
	r = (af_log_rbuf){ buf, 1, 0, false };
	(void)af_log_get_bool(&r);
	ck_assert(r.bad);
	r = (af_log_rbuf){ buf, 4, 0, false };
	ck_assert_ptr_null(af_log_get_bytes(&r, 5));
	ck_assert(r.bad);

	/* a configuration with one field fewer than this build's */
	af_engine_config_default(&cfg);
	w = (af_log_wbuf){ buf, 0, sizeof buf, false };
	af_log_put_config(&w, &cfg);
	ck_assert(!w.overflow);
	(void)af_log_config_fields(&n);
	buf[0] = (uint8_t)(n - 1);
	buf[1] = (uint8_t)((n - 1) >> 8);
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_config(&r, &got);
	ck_assert(r.bad);
	ck_assert_uint_eq(r.pos, 2);
	buf[0] = (uint8_t)n;
	buf[1] = (uint8_t)(n >> 8);
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_config(&r, &got);
	ck_assert(!r.bad);
	ck_assert_int_eq(memcmp(&got, &cfg, sizeof cfg), 0);
	ck_assert_uint_eq(af_log_ftype_size((af_log_ftype)9), 0);

	/* a handoff result with 4 phases (the count byte follows a bool,
	 * three i32 and four f64: offset 45); a calibration whose mapping
	 * has 3 coefficients (a bool, an i32, then the mapping's bool and
	 * three i32: offset 18) */
	memset(&h, 0, sizeof h);
	h.src_um = 1.5;
	snprintf(h.message, sizeof h.message, "kept");
	w = (af_log_wbuf){ buf, 0, sizeof buf, false };
	af_log_put_handoff(&w, &h);
	ck_assert_uint_eq(buf[45], AF_PHASE_COUNT);
	buf[45] = AF_PHASE_COUNT - 1;
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_handoff(&r, &hh);
	ck_assert(r.bad);
	memset(&c, 0, sizeof c);
	c.points = 5;
	w = (af_log_wbuf){ buf, 0, sizeof buf, false };
	af_log_put_calib(&w, &c);
	ck_assert_uint_eq(buf[18], AF_POLY_MAX_ORDER + 1);
	buf[18] = AF_POLY_MAX_ORDER;
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_calib(&r, &cc);
	ck_assert(r.bad);
	buf[18] = AF_POLY_MAX_ORDER + 1;
	r = (af_log_rbuf){ buf, w.len, 0, false };
	af_log_get_calib(&r, &cc);
	ck_assert(!r.bad);
	ck_assert_uint_eq(cc.points, 5);

	ck_assert_ptr_null(af_log_op_name(0));
	ck_assert_ptr_null(af_log_call_name(0));
	ck_assert_str_eq(af_log_op_name(AF_LOG_OP_HANDOFF), "handoff");
	ck_assert_str_eq(af_log_call_name(AF_LOG_CALL_SELECT_LENS), "select_lens");
}
END_TEST

static int no_site(void *user, uint32_t i, double z)
{
	(void)user;
	(void)z;
	return i == 1 ? AF_EHW : 0;
}

/* Counts the records whose payload holds `needle` (a sink that keeps
 * nothing else). */
typedef struct grep_sink {
	const char *needle;
	uint32_t hits;
	size_t bytes;
} grep_sink;

static int grep_write(void *user, const void *buf, size_t n)
{
	grep_sink *g = user;
	size_t k = strlen(g->needle);

	g->bytes += n;
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp((const char *)buf + i, g->needle, k) == 0) {
			g->hits++;
			break;
		}
	return 0;
}

/*
 * A calibration site that cannot be reached, under the recorder: the
 * site call is recorded with the code's message (the callback has none of
 * its own), the calibration fails as without a recorder; a second close
 * of the log writes nothing more.
 */
START_TEST(recorded_site_failure)
{
	static fake_hal fk;
	af_calib_plan plan = { 3, -2.0, 2.0, 1, false };
	af_engine_config cfg;
	grep_sink g = { "hardware fault", 0, 0 };
	af_rec_sink sink = { grep_write, &g };
	af_calib_report cr;
	const char *err = NULL;
	af_engine *e;
	af_rec *rec;
	af_hal hal;
	size_t closed;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	rec = af_rec_new(&hal, NULL, &sink, &err);
	ck_assert_ptr_nonnull(rec);
	e = af_rec_engine_new(rec, &cfg, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(af_calibrate(e, &plan, no_site, NULL, &cr), AF_EHW);
	ck_assert_str_eq(cr.message, "calibration site 1 at 0.000 um could not be reached");
	ck_assert_uint_eq(g.hits, 1);
	af_engine_free(e);
	ck_assert_int_eq(af_rec_close(rec), 0);
	closed = g.bytes;
	ck_assert_int_eq(af_rec_close(rec), 0);
	ck_assert_uint_eq(g.bytes, closed);
	af_rec_free(rec);
}
END_TEST

static int no_z(void *ctx, double *z)
{
	(void)ctx;
	(void)z;
	return AF_EIO;
}

/* The lowest position commanded (a Check test runs in its own process). */
static double lowest_um;

static int watched_move(void *ctx, double z_um)
{
	lowest_um = z_um < lowest_um ? z_um : lowest_um;
	return fake_hal_ops()->move_z(ctx, z_um);
}

/* A drive whose encoder does not answer when the engine is made: the
 * engine starts with the play unknown, so its first move comes from just
 * below its target (the backlash and 1 um), never from 0. */
START_TEST(engine_made_without_an_encoder)
{
	static fake_hal fk;
	af_hal_ops ops = *fake_hal_ops();
	af_engine_config cfg;
	af_engine *e;
	af_hal hal;

	fake_hal_init(&fk, 1);
	fk.z_um = 40.0;
	ops.get_z = no_z;
	ops.move_z = watched_move;
	ck_assert_int_eq(af_hal_bind(&hal, &ops, &fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	e = af_engine_new(&hal, &cfg, NULL);
	ck_assert_ptr_nonnull(e);
	lowest_um = INFINITY;
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 30.0), AF_OK);
	ck_assert_double_eq(fk.z_um, 30.0);
	ck_assert_double_eq(lowest_um, 30.0 - cfg.backlash_um - 1.0);
	af_engine_free(e);
}
END_TEST

Suite *engine_errors2_suite(void)
{
	Suite *s = suite_create("engine_errors2");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, poly_fit_solution_overflows);
	tcase_add_test(tc, poly_natural_coefficients_overflow);
	tcase_add_test(tc, peak_fit_positions_overflow);
	tcase_add_test(tc, thermal_fit_overflows);
	tcase_add_test(tc, lorentz_fit_of_a_valley);
	tcase_add_test(tc, statistics_out_of_memory);
	tcase_add_test(tc, recorder_out_of_memory);
	tcase_add_test(tc, engine_refuses_a_bad_configuration);
	tcase_add_test(tc, hal_bind_names_every_missing_op);
	tcase_add_test(tc, recorder_engine_refusals);
	tcase_add_test(tc, wire_codec_refuses_damage_and_overflow);
	tcase_add_test(tc, recorded_site_failure);
	tcase_add_test(tc, engine_made_without_an_encoder);
	suite_add_tcase(s, tc);
	return s;
}
