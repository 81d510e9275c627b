/*
 * test_metrics.c - one definition per metric (issue 9, item 7): the
 * store's db_opset_metric and the run's sim_metrics give the same number
 * for the same operations - phase times over successful handoffs, mapping
 * error over every handoff that measured it (the failed handoff's 4.0 um
 * too, where the run line once said 0.996), calibration RMS over successful
 * calibrations only, the sample standard deviation (n - 1) and numpy's
 * linear percentiles - and a statistic's name maps to one estimator.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "db/opset.h"
#include "db/stats.h"
#include "sim/metrics.h"

Suite *metrics_suite(void);

#define TOL 1e-12

/* Four handoffs: totals 100, 200, 300 (successful) and a failed one whose
 * validation stopped on a 4.0 um mapping error after 350 ms. */
static const struct {
	double total_ms, mapping_error_um;
} hand[4] = { { 100, 0.2 }, { 200, 0.996 }, { 300, 0.5 }, { 350, 4.0 } };

static void fill_opset(db_opset *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < 4; i++) {
		db_opset_handoff h = {
			.phase_ms = { 0.2 * hand[i].total_ms, 0.3 * hand[i].total_ms, 0.4 * hand[i].total_ms,
				      0.1 * hand[i].total_ms, hand[i].total_ms },
			.mapping_error_um = hand[i].mapping_error_um, .focus_error_um = i < 3 ? 0.05 : NAN,
			.temperature_c = 22, .frames = 3 + i, .success = i < 3, .cache_hit = i % 2,
		};

		ck_assert_int_eq(db_opset_add_handoff(s, &h), 0);
	}
	ck_assert_int_eq(db_opset_add_calibration(s, 0.03, true), 0);
	ck_assert_int_eq(db_opset_add_calibration(s, 0.0, false), 0);   /* failed: stored 0 */
}

static void fill_sim(sim_metrics *m)
{
	for (int i = 0; i < 4; i++) {
		sim_metrics_handoff h = {
			.success = i < 3, .cache_hit = i % 2,
			.total_ms = hand[i].total_ms, .lens_switch_ms = 0.2 * hand[i].total_ms,
			.focus_move_ms = 0.3 * hand[i].total_ms, .focus_search_ms = 0.4 * hand[i].total_ms,
			.validation_ms = 0.1 * hand[i].total_ms, .mapping_error_um = hand[i].mapping_error_um,
			.focus_error_um = i < 3 ? 0.05 : NAN, .frames = 3 + i, .retries = 0,
		};

		ck_assert_int_eq(sim_metrics_add_handoff(m, &h), 0);
	}
	ck_assert_int_eq(sim_metrics_add(m, "calibration", "rms_um", 0.03), 0);
}

static double store_metric(const db_opset *s, const char *name)
{
	db_metric m;
	double v;

	ck_assert_msg(db_metric_parse(name, &m) == 0, "cannot parse %s", name);
	ck_assert_int_ge(db_opset_metric(s, &m, &v), 0);
	return v;
}

static double run_metric(const sim_metrics *m, const char *name)
{
	double v;

	ck_assert_msg(sim_metrics_eval(m, name, &v) >= 0, "cannot evaluate %s", name);
	return v;
}

START_TEST(populations_by_definition)
{
	db_opset s;

	fill_opset(&s);
	/* phase times: the three successful handoffs */
	ck_assert_double_eq(store_metric(&s, "handoff.total_ms.count"), 3);
	ck_assert_double_eq_tol(store_metric(&s, "handoff.total_ms.mean"), 200, TOL);
	ck_assert_double_eq_tol(store_metric(&s, "handoff.total_ms.std"), 100, TOL);   /* n - 1 */
	ck_assert_double_eq_tol(store_metric(&s, "handoff.total_ms.p95"), 290, TOL);   /* numpy */
	ck_assert_double_eq_tol(store_metric(&s, "handoff.frames.max"), 5, TOL);
	/* mapping error: every handoff that measured it, the failed one too */
	ck_assert_double_eq(store_metric(&s, "handoff.mapping_error_um.count"), 4);
	ck_assert_double_eq(store_metric(&s, "handoff.mapping_error_um.max"), 4.0);
	ck_assert_double_eq(store_metric(&s, "handoff.focus_error_um.count"), 3);
	/* rates */
	ck_assert_double_eq_tol(store_metric(&s, "handoff.success_rate"), 0.75, TOL);
	ck_assert_double_eq_tol(store_metric(&s, "cache.hit_rate"), 0.5, TOL);
	/* calibration RMS: the failed calibration has none */
	ck_assert_double_eq(store_metric(&s, "calibration.rms_um.count"), 1);
	ck_assert_double_eq(store_metric(&s, "calibration.rms_um.min"), 0.03);
	ck_assert_double_eq(store_metric(&s, "calibration.rms_um"), 0.03);
	db_opset_release(&s);
}
END_TEST

START_TEST(the_run_and_the_store_agree)
{
	static const char *const names[] = {
		"handoff.total_ms.mean", "handoff.total_ms.std", "handoff.total_ms.p95",
		"handoff.total_ms.p50", "handoff.focus_move_ms.max", "handoff.validation_ms.min",
		"handoff.mapping_error_um.max", "handoff.mapping_error_um.mean",
		"handoff.focus_error_um.max", "handoff.frames.mean", "handoff.success_rate",
		"cache.hit_rate", "calibration.rms_um", "handoff.total_ms.count",
	};
	sim_metrics *m = sim_metrics_new();
	db_opset s;

	ck_assert_ptr_nonnull(m);
	fill_sim(m);
	fill_opset(&s);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(run_metric(m, names[i]) == store_metric(&s, names[i]),
			      "%s: run %.17g, store %.17g", names[i], run_metric(m, names[i]),
			      store_metric(&s, names[i]));
	/* what the run line prints as "map max": the failed handoff's 4.0 um */
	ck_assert_double_eq(run_metric(m, "handoff.mapping_error_um.max"), 4.0);
	db_opset_release(&s);
	sim_metrics_free(m);
}
END_TEST

START_TEST(field_by_field_still_works)
{
	sim_metrics *m = sim_metrics_new();
	double v;

	ck_assert_ptr_nonnull(m);
	/* the older way: an attempt, then values of the successful ones only */
	sim_metrics_attempt(m, "handoff", true, true);
	ck_assert_int_eq(sim_metrics_add(m, "handoff", "total_ms", 100), 0);
	ck_assert_int_eq(sim_metrics_add(m, "handoff", "mapping_error_um", 0.2), 0);
	ck_assert_int_eq(sim_metrics_add(m, "handoff", "retries", 1), 0);
	sim_metrics_attempt(m, "handoff", false, false);
	sim_metrics_attempt(m, "autofocus", true, false);
	ck_assert_int_eq(sim_metrics_add(m, "autofocus", "ms", 250), 0);
	ck_assert_int_eq(sim_metrics_add(m, "calibration", "order", 3), 0);
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.total_ms.mean", &v), 0);
	ck_assert_double_eq(v, 100);
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.total_ms.std", &v), 1);   /* one value */
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.success_rate", &v), 0);
	ck_assert_double_eq(v, 0.5);
	ck_assert_int_eq(sim_metrics_eval(m, "cache.hit_rate", &v), 0);
	ck_assert_double_eq(v, 0.5);
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.retries.max", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "autofocus.ms.mean", &v), 0);
	ck_assert_double_eq(v, 250);
	ck_assert_int_eq(sim_metrics_eval(m, "autofocus.success_rate", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "calibration.order", &v), 0);
	ck_assert_double_eq(v, 3);
	ck_assert_int_eq(sim_metrics_eval(m, "calibration.rms_um", &v), 1);     /* none */
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.total_ms.p97", &v), -1);
	ck_assert(sim_metric_known("handoff.total_ms.p95"));
	ck_assert(sim_metric_known("calibration.backlash_um.max"));
	ck_assert(!sim_metric_known("handoff.total.p95"));
	ck_assert(!sim_metric_known("handoff.success_rate.mean"));
	ck_assert_int_eq(sim_metrics_add(m, "handoff", "speed", 1), -1);
	sim_metrics_free(m);
}
END_TEST

START_TEST(statistic_names)
{
	db_summary d;
	const double v[5] = { 5, 1, 4, 2, 3 };
	db_stat st;

	ck_assert_int_eq(db_summary_of(v, 5, NULL, &d), 0);
	ck_assert_int_eq(db_stat_parse("p95", 3, &st), 0);
	ck_assert_int_eq(st, DB_STAT_P95);
	ck_assert_double_eq_tol(db_summary_stat(&d, st), 4.8, TOL);
	ck_assert_int_eq(db_stat_parse("std", 3, &st), 0);
	ck_assert_double_eq_tol(db_summary_stat(&d, st), sqrt(2.5), TOL);
	ck_assert_double_eq(db_summary_stat(&d, DB_STAT_COUNT), 5);
	ck_assert_int_eq(db_stat_parse("median", 6, &st), -1);
	ck_assert_int_eq(db_stat_parse("p9", 2, &st), -1);
	ck_assert_str_eq(db_stat_name(DB_STAT_MEAN), "mean");
	ck_assert_ptr_null(db_stat_name(DB_STAT_N));
}
END_TEST

/* The error metrics: which operations failed and with what code, from the
 * outcomes the runner records (its error text: "CODE: message"). */
START_TEST(error_metrics)
{
	sim_metrics *m = sim_metrics_new();
	double v;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 1, "calibrate", true, ""), 0);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 2, "handoff", false,
						 "EHW: setup: select_lens: objective switcher jammed"), 0);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 3, "handoff", true, ""), 0);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 4, "handoff", false,
						 "ETIMEDOUT: grab_frame: camera frame dropped"), 0);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 5, "autofocus", false, "ENOFOCUS: no focus peak"), 0);
	ck_assert_int_eq(sim_metrics_add_outcome(m, 6, "handoff", false, "a message without a code"), 0);
	/* one operation */
	ck_assert_int_eq(sim_metrics_eval(m, "op.2.errors.EHW", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "op.2.errors.ETIMEDOUT", &v), 0);
	ck_assert_double_eq(v, 0);
	ck_assert_int_eq(sim_metrics_eval(m, "op.3.errors.any", &v), 0);
	ck_assert_double_eq(v, 0);
	ck_assert_int_eq(sim_metrics_eval(m, "op.6.errors.any", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "op.6.errors.EHW", &v), 0);
	ck_assert_double_eq(v, 0);
	ck_assert_int_eq(sim_metrics_eval(m, "op.7.errors.any", &v), 1);   /* no operation 7 */
	ck_assert(isnan(v));
	/* counts per kind */
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.errors.any", &v), 0);
	ck_assert_double_eq(v, 3);
	ck_assert_int_eq(sim_metrics_eval(m, "handoff.errors.ETIMEDOUT", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "autofocus.errors.ENOFOCUS", &v), 0);
	ck_assert_double_eq(v, 1);
	ck_assert_int_eq(sim_metrics_eval(m, "calibration.errors.any", &v), 0);
	ck_assert_double_eq(v, 0);
	/* names */
	ck_assert(sim_metric_known("op.12.errors.EPROTO"));
	ck_assert(sim_metric_known("calibration.errors.EMAPPING"));
	ck_assert(!sim_metric_known("op.0.errors.EHW"));
	ck_assert(!sim_metric_known("op.012.errors.EHW"));
	ck_assert(!sim_metric_known("op.4294967296.errors.EHW"));
	ck_assert(sim_metric_known("op.4294967295.errors.EHW"));
	ck_assert(!sim_metric_known("op.x.errors.EHW"));
	ck_assert(!sim_metric_known("handoff.errors.OK"));
	ck_assert(!sim_metric_known("handoff.errors.EFOO"));
	ck_assert(!sim_metric_known("handoff.errors"));
	ck_assert(!sim_metric_known("calibrate.errors.EHW"));
	sim_metrics_free(m);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("definitions");

	tcase_add_test(tc, populations_by_definition);
	tcase_add_test(tc, the_run_and_the_store_agree);
	tcase_add_test(tc, field_by_field_still_works);
	tcase_add_test(tc, statistic_names);
	tcase_add_test(tc, error_metrics);
	suite_add_tcase(s, tc);
	return s;
}
