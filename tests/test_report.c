/*
 * test_report.c - the profiling report against numbers computed by hand:
 * phase statistics of totals {100, 200, 300, 400} (mean 250, sample std
 * sqrt(50000 / 3) = 129.0994..., numpy p95 385, p99 397, "n too small"
 * below 20 values), shares and the bottleneck classes (45 % major, 30 %
 * minor, 20 % and 5 % none), accuracy bins, the drift slope, fault counts,
 * each recommendation present under its condition and absent on a healthy
 * run, aggregation over runs, and the JSON (a small validator parses it
 * back) and markdown (table rows) outputs.  Databases are temporary files
 * built through the db_* API in a checked fixture.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/report.h"
#include "tests/report_fix.h"

Suite *report_suite(void);  /* for the runner; defined at the end */

#define TOL 1e-9

/* --- helpers ------------------------------------------------------------- */

static char *render(const db_report *r, db_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(db_report_print(r, fmt, f), 0);
	fclose(f);
	return buf;
}

static const db_report_assess *assess_of(const db_report *r, const char *metric)
{
	for (size_t i = 0; i < r->nassess; i++)
		if (strcmp(r->assess[i].metric, metric) == 0)
			return &r->assess[i];
	ck_abort_msg("no assessment of %s", metric);
	return NULL;
}

/* The 4-op run: totals 100..400, lens 20 %, move 30 %, search 45 %,
 * validation 5 %. */
static int64_t four_op_run(const char *scenario)
{
	fix_op ops[4];

	for (int i = 0; i < 4; i++)
		ops[i] = fix_scaled(100.0 * (i + 1), 0.20, 0.30, 0.45, 0.05);
	return fix_add_run(&(fix_run){ .scenario = scenario, .ops = ops, .nops = 4 });
}

/* --- tests ------------------------------------------------------------------ */

START_TEST(phase_statistics_by_hand)
{
	int64_t id = four_op_run("s1");
	db_report r;
	char err[256];
	const db_summary *t;

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.handoffs, 4);
	ck_assert_uint_eq(r.succeeded, 4);
	ck_assert_double_eq(r.success_rate, 1.0);
	t = &r.phase[DB_PHASE_TOTAL].d;
	ck_assert_uint_eq(t->n, 4);
	ck_assert_double_eq_tol(t->mean, 250.0, TOL);
	ck_assert_double_eq_tol(t->std, sqrt(50000.0 / 3.0), TOL);     /* 129.0994... */
	ck_assert_double_eq_tol(t->std, 129.09944487358056, TOL);
	ck_assert_double_eq(t->min, 100.0);
	ck_assert_double_eq(t->max, 400.0);
	ck_assert_double_eq_tol(t->p50, 250.0, TOL);
	ck_assert_double_eq_tol(t->p95, 385.0, TOL);   /* h = 2.85: 300 + 0.85 x 100 */
	ck_assert_double_eq_tol(t->p99, 397.0, TOL);   /* h = 2.97 */
	ck_assert_double_eq_tol(t->cv, 129.09944487358056 / 250.0, TOL);
	ck_assert(t->p50_ok);
	ck_assert(!t->p95_ok);    /* 4 < 20 */
	ck_assert(!t->p99_ok);    /* 4 < 100 */
	/* phases: focus_move {30, 60, 90, 120} */
	ck_assert_double_eq_tol(r.phase[DB_PHASE_FOCUS_MOVE].d.mean, 75.0, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_FOCUS_MOVE].d.std, 0.3 * sqrt(50000.0 / 3.0), TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_FOCUS_MOVE].d.p95, 115.5, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_LENS_SWITCH].d.mean, 50.0, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_VALIDATION].d.max, 20.0, TOL);
	/* frames and the report's scope */
	ck_assert_double_eq(r.frames.mean, 7.0);
	ck_assert_str_eq(r.scenarios, "s1");
	ck_assert_str_eq(r.modes, "sim");
	ck_assert_uint_eq(r.nruns, 1);
	db_report_release(&r);
}
END_TEST

START_TEST(shares_and_bottlenecks)
{
	int64_t id = four_op_run("s1");
	db_report r;
	char err[256];

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_FOCUS_SEARCH].share, 0.45, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_FOCUS_MOVE].share, 0.30, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_LENS_SWITCH].share, 0.20, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_VALIDATION].share, 0.05, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_TOTAL].share, 1.0, TOL);
	ck_assert_int_eq(r.phase[DB_PHASE_FOCUS_SEARCH].bottleneck, DB_BN_MAJOR);   /* 45 % */
	ck_assert_int_eq(r.phase[DB_PHASE_FOCUS_MOVE].bottleneck, DB_BN_MINOR);     /* 30 % */
	ck_assert_int_eq(r.phase[DB_PHASE_LENS_SWITCH].bottleneck, DB_BN_NONE);     /* 20 % */
	ck_assert_int_eq(r.phase[DB_PHASE_VALIDATION].bottleneck, DB_BN_NONE);
	ck_assert_int_eq(r.rank[0], DB_PHASE_FOCUS_SEARCH);
	ck_assert_int_eq(r.rank[1], DB_PHASE_FOCUS_MOVE);
	ck_assert_int_eq(r.rank[2], DB_PHASE_LENS_SWITCH);
	ck_assert_int_eq(r.rank[3], DB_PHASE_VALIDATION);
	/* the search bottleneck and the move bottleneck are recommended on;
	 * CV 52 % of every phase is high variance */
	ck_assert(db_report_has_rec(&r, DB_REC_SEARCH_SHARE));
	ck_assert(db_report_has_rec(&r, DB_REC_MOVE_SHARE));
	ck_assert(db_report_has_rec(&r, DB_REC_HIGH_CV));
	ck_assert(!db_report_has_rec(&r, DB_REC_SUCCESS));
	ck_assert(!db_report_has_rec(&r, DB_REC_DRIFT));
	ck_assert(!db_report_has_rec(&r, DB_REC_CACHE));
	/* total judged on its max (400 > 300: 4 values are too few for a p95);
	 * the lens switch mean 50 is not under 50 */
	ck_assert_str_eq(assess_of(&r, "handoff total")->basis, "max");
	ck_assert_double_eq(assess_of(&r, "handoff total")->value, 400.0);
	ck_assert_int_eq(assess_of(&r, "handoff total")->verdict, DB_TV_NOT_MET);
	ck_assert_int_eq(assess_of(&r, "lens switch")->verdict, DB_TV_NOT_MET);
	ck_assert_int_eq(assess_of(&r, "focus move")->verdict, DB_TV_MET);        /* 75 < 80 */
	ck_assert_int_eq(assess_of(&r, "focus search")->verdict, DB_TV_NOT_MET);  /* 112.5 */
	ck_assert_int_eq(assess_of(&r, "validation")->verdict, DB_TV_MET);        /* 12.5 */
	ck_assert_int_eq(assess_of(&r, "success rate")->verdict, DB_TV_EXCELLENT);
	ck_assert_int_eq(assess_of(&r, "calibration RMS")->verdict, DB_TV_NA);
	ck_assert_int_eq(assess_of(&r, "thermal drift")->verdict, DB_TV_NA);
	db_report_release(&r);
}
END_TEST

START_TEST(text_says_n_too_small)
{
	int64_t id = four_op_run("s1");
	db_report r;
	char err[256], *out;

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	out = render(&r, DB_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(out, "n too small"));
	ck_assert_ptr_nonnull(strstr(out, "1. focus_search"));
	ck_assert_ptr_nonnull(strstr(out, "major bottleneck"));
	ck_assert_ptr_nonnull(strstr(out, "minor bottleneck"));
	ck_assert_ptr_nonnull(strstr(out, "250.0"));
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(accuracy_bins)
{
	static const double err_um[7] = { 0.05, 0.09, 0.1, 0.3, 0.49, 0.5, 1.2 };
	fix_op ops[7];
	int64_t id;
	db_report r;
	char err[256];

	for (int i = 0; i < 7; i++) {
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
		ops[i].mapping_error_um = err_um[i];
		ops[i].focus_error_um = NAN;   /* as on a rig: not measured */
	}
	id = fix_add_run(&(fix_run){ .scenario = "acc", .ops = ops, .nops = 7 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.mapping.d.n, 7);
	ck_assert_uint_eq(r.mapping.bins[0], 2);   /* 0.05, 0.09 */
	ck_assert_uint_eq(r.mapping.bins[1], 3);   /* 0.1, 0.3, 0.49 */
	ck_assert_uint_eq(r.mapping.bins[2], 2);   /* 0.5, 1.2 */
	ck_assert_double_eq_tol(r.mapping.d.mean, 2.73 / 7, TOL);
	ck_assert_double_eq_tol(r.mapping.rms, sqrt(2.0407 / 7), TOL);
	ck_assert_double_eq(r.mapping.d.max, 1.2);
	ck_assert_uint_eq(r.focus.d.n, 0);
	/* 1.2 um > 1.0 (the max: 7 values, no p95) */
	ck_assert_int_eq(assess_of(&r, "mapping error")->verdict, DB_TV_NOT_MET);
	ck_assert(db_report_has_rec(&r, DB_REC_MAPPING));
	db_report_release(&r);
}
END_TEST

/* 100 handoffs: phases 20/20/20/10 of a ~100 ms total, small spread,
 * mapping error 0.05 um, 80 % cache hits, calibration 0.03 um, 22 C. */
static int64_t healthy_run(fix_op *ops, size_t n)
{
	static const double rms[1] = { 0.03 };

	for (size_t i = 0; i < n; i++) {
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
		ops[i].total_ms = 100 + (double)(i % 5) - 2;
		ops[i].cache_hit = i % 5 != 0;
	}
	return fix_add_run(&(fix_run){ .scenario = "healthy", .ops = ops, .nops = n,
				       .calib_rms = rms, .ncalib = 1 });
}

START_TEST(healthy_run_has_no_recommendations)
{
	fix_op ops[100];
	int64_t id = healthy_run(ops, 100);
	db_report r;
	char err[256], *out;

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.nrecs, 0);
	for (int p = 0; p < DB_PHASE_TOTAL; p++)
		ck_assert_int_eq(r.phase[p].bottleneck, DB_BN_NONE);
	ck_assert_double_eq_tol(r.cache_hit_rate, 0.8, TOL);
	ck_assert(r.phase[DB_PHASE_TOTAL].d.p95_ok);
	ck_assert(r.phase[DB_PHASE_TOTAL].d.p99_ok);   /* n = 100 */
	ck_assert_str_eq(assess_of(&r, "handoff total")->basis, "p95");
	ck_assert_int_eq(assess_of(&r, "handoff total")->verdict, DB_TV_EXCELLENT);
	ck_assert_int_eq(assess_of(&r, "mapping error")->verdict, DB_TV_EXCELLENT);
	ck_assert_int_eq(assess_of(&r, "cache hit rate")->verdict, DB_TV_EXCELLENT);
	ck_assert_int_eq(assess_of(&r, "calibration RMS")->verdict, DB_TV_MET);
	ck_assert_double_eq(assess_of(&r, "calibration RMS")->value, 0.03);
	ck_assert_uint_eq(r.nevents, 0);
	out = render(&r, DB_FMT_TEXT);
	ck_assert_ptr_null(strstr(out, "n too small"));
	ck_assert_ptr_nonnull(strstr(out, "none: every measured quantity is within its target"));
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(recommendations_follow_conditions)
{
	static const char *const kinds[5] = { "fault", "hal_error", "fault", "fault", "hal_error" };
	static const double rms[2] = { 0.03, 0.2 };
	fix_op ops[100];
	int64_t id;
	db_report r;
	char err[256];
	const db_report_rec *rec = NULL;

	healthy_run(ops, 100);   /* the healthy shape, then spoil it */
	for (int i = 0; i < 100; i++) {
		ops[i].temperature_c = 20.0 + 0.05 * i;                 /* 20 .. 24.95 C */
		ops[i].mapping_error_um = 0.05 + 0.1 * (0.05 * i);      /* 0.1 um/C */
		ops[i].cache_hit = i % 5 == 0;                          /* 20 % */
		if (i % 20 == 3) {                                      /* 5 failures */
			ops[i].success = false;
			ops[i].error = "ETIMEDOUT: camera frame dropped";
		}
	}
	id = fix_add_run(&(fix_run){ .scenario = "sick", .ops = ops, .nops = 100,
				     .calib_rms = rms, .ncalib = 2, .event_kinds = kinds,
				     .nevents = 5 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.succeeded, 95);
	ck_assert_double_eq_tol(r.success_rate, 0.95, TOL);
	ck_assert_double_eq_tol(r.drift_um_per_c, 0.1, 1e-9);
	ck_assert_double_eq_tol(r.temp_min_c, 20.0, TOL);
	ck_assert_double_eq_tol(r.temp_max_c, 24.95, TOL);
	ck_assert_uint_eq(r.nevents, 2);
	ck_assert_str_eq(r.events[0].name, "fault");
	ck_assert_int_eq(r.events[0].n, 3);
	ck_assert_str_eq(r.events[1].name, "hal_error");
	ck_assert_int_eq(r.events[1].n, 2);
	ck_assert_uint_eq(r.nerrors, 1);
	ck_assert_str_eq(r.errors[0].name, "ETIMEDOUT");
	ck_assert_int_eq(r.errors[0].n, 5);
	ck_assert(db_report_has_rec(&r, DB_REC_SUCCESS));
	ck_assert(db_report_has_rec(&r, DB_REC_DRIFT));
	ck_assert(db_report_has_rec(&r, DB_REC_CACHE));
	ck_assert(db_report_has_rec(&r, DB_REC_CALIBRATION));
	ck_assert(!db_report_has_rec(&r, DB_REC_SEARCH_SHARE));
	ck_assert(!db_report_has_rec(&r, DB_REC_HIGH_CV));
	ck_assert_int_eq(assess_of(&r, "success rate")->verdict, DB_TV_NOT_MET);
	ck_assert_int_eq(assess_of(&r, "thermal drift")->verdict, DB_TV_NOT_MET);
	ck_assert_int_eq(assess_of(&r, "calibration RMS")->verdict, DB_TV_NOT_MET);
	ck_assert_double_eq(assess_of(&r, "calibration RMS")->value, 0.2);   /* the worst */
	for (size_t i = 0; i < r.nrecs; i++)
		if (r.recs[i].id == DB_REC_SUCCESS)
			rec = &r.recs[i];
	ck_assert_ptr_nonnull(rec);
	ck_assert_ptr_nonnull(strstr(rec->text, "5 of 100 handoffs failed"));
	ck_assert_ptr_nonnull(strstr(rec->text, "ETIMEDOUT 5"));
	/* the faults named as what they are: the injected ones (events 'fault',
	 * by their detail's first word) and the HAL errors */
	ck_assert_ptr_nonnull(strstr(rec->text, "injected faults: injected 3"));
	ck_assert_ptr_nonnull(strstr(rec->text, "HAL errors: injected 2"));
	db_report_release(&r);
}
END_TEST

START_TEST(runs_aggregate)
{
	fix_op a[2], b[2];
	int64_t ids[2];
	db_report r;
	char err[256];

	a[0] = fix_scaled(100, 0.2, 0.3, 0.45, 0.05);
	a[1] = fix_scaled(200, 0.2, 0.3, 0.45, 0.05);
	b[0] = fix_scaled(300, 0.2, 0.3, 0.45, 0.05);
	b[1] = fix_scaled(400, 0.2, 0.3, 0.45, 0.05);
	ids[0] = fix_add_run(&(fix_run){ .scenario = "s1", .ops = a, .nops = 2 });
	ids[1] = fix_add_run(&(fix_run){ .scenario = "s2", .ops = b, .nops = 2 });
	ck_assert_int_eq(db_report_build(fix_db, ids, 2, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.phase[DB_PHASE_TOTAL].d.n, 4);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_TOTAL].d.mean, 250.0, TOL);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_TOTAL].d.p95, 385.0, TOL);
	ck_assert_str_eq(r.scenarios, "s1, s2");
	db_report_release(&r);
	/* a run that does not exist */
	ids[1] = 999;
	ck_assert_int_eq(db_report_build(fix_db, ids, 2, NULL, &r, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no run 999"));
	db_report_release(&r);
}
END_TEST

START_TEST(json_parses_back)
{
	int64_t id = four_op_run("quote\"back\\slash");
	db_report r;
	char err[256], *out;
	static const char *const keys[] = {
		"\"runs\"", "\"handoffs\"", "\"phases\"", "\"lens_switch\"", "\"focus_move\"",
		"\"focus_search\"", "\"validation\"", "\"total\"", "\"bottlenecks\"",
		"\"accuracy\"", "\"mapping_error_um\"", "\"cache\"", "\"drift\"",
		"\"assessment\"", "\"recommendations\"", "\"p95_ok\": false",
		"\"share\": 0.45", "\"class\": \"major\"", "\"mean\": 250,",
	};

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	out = render(&r, DB_FMT_JSON);
	ck_assert_msg(json_valid(out), "invalid JSON:\n%s", out);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(strstr(out, keys[i]), "no %s in\n%s", keys[i], out);
	ck_assert_ptr_nonnull(strstr(out, "\"quote\\\"back\\\\slash\""));
	/* the drift slope is NaN (one temperature): null, never nan */
	ck_assert_ptr_nonnull(strstr(out, "\"slope_um_per_c\": null"));
	ck_assert_ptr_null(strstr(out, "nan"));
	free(out);
	/* the validator itself rejects what it should */
	ck_assert(!json_valid("{\"a\": nan}"));
	ck_assert(!json_valid("{\"a\": 1,}"));
	ck_assert(!json_valid("{\"a\": \"x\"} x"));
	ck_assert(json_valid("{\"a\": [1, -2.5e3, null, true, \"\\u00e9\"]}"));
	db_report_release(&r);
}
END_TEST

START_TEST(markdown_has_tables)
{
	int64_t id = four_op_run("s1");
	db_report r;
	char err[256], *out;

	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	out = render(&r, DB_FMT_MARKDOWN);
	ck_assert_ptr_nonnull(strstr(out, "| phase | n | mean | std |"));
	ck_assert_ptr_nonnull(strstr(out, "| focus_search | 4 | 112.5 |"));
	ck_assert_ptr_nonnull(strstr(out, "| total | 4 | 250.0 | 129.1 | 100.0 | 400.0 | 250.0 | n too small |"));
	ck_assert_ptr_nonnull(strstr(out, "### Assessment"));
	ck_assert_ptr_nonnull(strstr(out, "| handoff total | <= 300 ms"));
	ck_assert_ptr_nonnull(strstr(out, "**not met**"));
	ck_assert_ptr_nonnull(strstr(out, "| mapping error (um) | 4 |"));
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(no_handoffs)
{
	db_opset s = { 0 };
	db_report r = { 0 };
	char *out;

	ck_assert_int_eq(db_report_compute(&s, &r), 0);
	ck_assert_uint_eq(r.handoffs, 0);
	ck_assert(isnan(r.success_rate));
	ck_assert(isnan(r.phase[DB_PHASE_TOTAL].d.mean));
	ck_assert_int_eq(assess_of(&r, "handoff total")->verdict, DB_TV_NA);
	ck_assert_uint_eq(r.nrecs, 0);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	free(out);
	out = render(&r, DB_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(out, "no handoffs recorded"));
	free(out);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, phase_statistics_by_hand);
	tcase_add_test(tc, shares_and_bottlenecks);
	tcase_add_test(tc, text_says_n_too_small);
	tcase_add_test(tc, accuracy_bins);
	tcase_add_test(tc, healthy_run_has_no_recommendations);
	tcase_add_test(tc, recommendations_follow_conditions);
	tcase_add_test(tc, runs_aggregate);
	tcase_add_test(tc, json_parses_back);
	tcase_add_test(tc, markdown_has_tables);
	tcase_add_test(tc, no_handoffs);
	suite_add_tcase(s, tc);
	return s;
}
