/*
 * test_report_sections.c - what the profiling report says beyond the phase
 * table, each against a database built through the db_* API (issue 9):
 * a failed calibration is counted as failed with its reason and never
 * assessed "met" (item 3); a run that did not finish is named in every
 * format's header (4); a run given twice is counted once (8); the
 * recommendations follow the runs' configuration - no faster level for a
 * run at ultra_fast, no adaptive model for a run using it - and say when it
 * is not known (17); autofocus operations have their own section, injected
 * faults, HAL errors and failed operations are named apart (18); counts
 * take the singular where they are one (21); the runs' expectations are
 * counted passed, failed and not applicable (a rig run's ground-truth
 * metrics).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/report.h"
#include "tests/report_fix.h"

Suite *report_sections_suite(void);

#define TOL 1e-9

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

static const db_report_rec *rec_of(const db_report *r, db_rec_id id)
{
	for (size_t i = 0; i < r->nrecs; i++)
		if (r->recs[i].id == id)
			return &r->recs[i];
	return NULL;
}

/* The text of recommendation id, which must be there. */
static const char *rec_text(const db_report *r, db_rec_id id)
{
	const db_report_rec *rec = rec_of(r, id);

	ck_assert_msg(rec != NULL, "no recommendation %s", db_rec_name(id));
	return rec ? rec->text : "";
}

#define ASSERT_HAS(out, s) ck_assert_msg(strstr((out), (s)) != NULL, "no '%s' in:\n%s", (s), (out))
#define ASSERT_HASNT(out, s) ck_assert_msg(strstr((out), (s)) == NULL, "'%s' in:\n%s", (s), (out))

/* n handoffs: 250 ms, the search 60 % of it (a major bottleneck over its
 * 100 ms target), mapping error alternating 0.1 and 0.9 um (half at or
 * above 0.5 um: the mapping recommendation), 22 C. */
static void slow_search(fix_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ops[i] = fix_scaled(250, 0.15, 0.2, 0.6, 0.05);
		ops[i].mapping_error_um = i % 2 ? 0.9 : 0.1;
	}
}

START_TEST(failed_calibration_is_counted_as_failed)
{
	static const double rms[2] = { 0.04, 0.0 };   /* the failed one stored 0, as today */
	static const bool failed[2] = { false, true };
	fix_op ops[20];
	int64_t id;
	db_report r;
	char err[256], *out;

	for (int i = 0; i < 20; i++)
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
	id = fix_add_run(&(fix_run){ .scenario = "cal", .ops = ops, .nops = 20, .calib_rms = rms,
				     .ncalib = 2, .calib_failed = failed,
				     .calib_error = "ENOPEAK: no focus peak: the focus curve is not concave "
						    "around 43.510 um" });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.calibrations, 2);
	ck_assert_uint_eq(r.calib_ok, 1);
	/* the failed calibration's stored 0 is not an RMS */
	ck_assert_uint_eq(r.calib_rms.n, 1);
	ck_assert_double_eq(r.calib_rms.min, 0.04);
	ck_assert_double_eq(r.calib_rms.max, 0.04);
	ck_assert_uint_eq(r.ncalib_errors, 1);
	ck_assert_int_eq(r.calib_errors[0].n, 1);
	ck_assert_str_eq(r.calib_errors[0].text,
			 "ENOPEAK: no focus peak: the focus curve is not concave around 43.510 um");
	ck_assert_int_eq(assess_of(&r, "calibration RMS")->verdict, DB_TV_NOT_MET);
	ck_assert_str_eq(assess_of(&r, "calibration RMS")->note, "1 of 2 calibrations failed");
	ck_assert_ptr_nonnull(rec_of(&r, DB_REC_CALIBRATION_FAILED));
	ck_assert_ptr_null(rec_of(&r, DB_REC_CALIBRATION));   /* 0.04 um is within 0.1 */
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "calibrations: 2, 1 successful, 1 failed\n");
	ASSERT_HAS(out, "  RMS of the successful: worst 0.040 um, mean 0.040 um\n");
	ASSERT_HAS(out, "  failed: ENOPEAK: no focus peak: the focus curve is not concave around 43.510 um\n");
	ASSERT_HAS(out, "  calibration RMS  <= 0.1 um                        worst     0.040 um       "
			"not met    1 of 2 calibrations failed\n");
	ASSERT_HASNT(out, "0.000 um       met");
	free(out);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"calibrations\": {\"count\": 2, \"succeeded\": 1, \"failed\": 1, \"errors\": "
			"[{\"error\": \"ENOPEAK: no focus peak: the focus curve is not concave around "
			"43.510 um\", \"count\": 1}]}");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(only_calibration_failed)
{
	static const double rms[1] = { 0.0 };
	static const bool failed[1] = { true };
	int64_t id;
	db_report r;
	char err[256], *out;

	id = fix_add_run(&(fix_run){ .scenario = "cal", .calib_rms = rms, .ncalib = 1,
				     .calib_failed = failed, .calib_error = "" });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.calib_rms.n, 0);
	ck_assert(isnan(assess_of(&r, "calibration RMS")->value));
	ck_assert_int_eq(assess_of(&r, "calibration RMS")->verdict, DB_TV_NOT_MET);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "calibrations: 1, 0 successful, 1 failed\n  failed: no reason recorded\n");
	ASSERT_HAS(out, "worst     - um           not met    1 of 1 calibration failed");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(unfinished_run_is_named)
{
	fix_op ops[3];
	int64_t id;
	db_report r;
	char err[256], *out;

	for (int i = 0; i < 3; i++)
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
	id = fix_add_run(&(fix_run){ .scenario = "cut", .ops = ops, .nops = 3, .status = "aborted",
				     .message = "the writing process (pid 7 on h) is gone" });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.nunfinished, 1);
	ck_assert_str_eq(r.unfinished[0].status, "aborted");
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "profiling report: 1 run (1), scenario cut, mode sim\nrun 1 ABORTED: it did not "
			"finish; the numbers cover only what it recorded (the writing process (pid 7 on "
			"h) is gone)\nhandoffs 3, successful 3 (100.0 %)\n");
	free(out);
	out = render(&r, DB_FMT_MARKDOWN);
	ASSERT_HAS(out, "> **warning**: run 1 ABORTED: it did not finish");
	free(out);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"unfinished\": {\"count\": 1, \"runs\": [{\"id\": 1, \"status\": \"aborted\"");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(a_run_twice_counts_once)
{
	fix_op ops[4];
	int64_t id, ids[3];
	db_report r;
	char err[256], *out;

	for (int i = 0; i < 4; i++)
		ops[i] = fix_scaled(100.0 * (i + 1), 0.2, 0.3, 0.45, 0.05);
	id = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = 4 });
	ids[0] = ids[1] = ids[2] = id;
	ck_assert_int_eq(db_report_build(fix_db, ids, 3, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.nruns, 1);
	ck_assert_uint_eq(r.handoffs, 4);
	ck_assert_double_eq_tol(r.phase[DB_PHASE_TOTAL].d.mean, 250.0, TOL);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "profiling report: 1 run (1), scenario s");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(recommendations_follow_the_configuration)
{
	fix_op ops[40];
	int64_t id;
	db_report r;
	char err[256];
	const db_report_rec *rec;
	db_report_config ultra = { .known = true, .optimization = "ultra_fast",
				   .mapping_model = "adaptive", .thermal_compensation = true,
				   .cache_size = 64 };
	db_report_config standard = { .known = true, .optimization = "standard",
				      .mapping_model = "linear", .thermal_compensation = false,
				      .cache_size = 16 };

	slow_search(ops, 40);
	id = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = 40 });

	/* a run already at ultra_fast with the adaptive model */
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, &ultra, &r, err, sizeof err), 0);
	rec = rec_of(&r, DB_REC_SEARCH_SHARE);
	ck_assert_ptr_nonnull(rec);
	ASSERT_HASNT(rec->text, "use engine.optimization");
	ASSERT_HASNT(rec->text, "faster optimization level");
	ASSERT_HAS(rec->text, "the run is at ultra_fast, the fastest level already");
	rec = rec_of(&r, DB_REC_MAPPING);
	ck_assert_ptr_nonnull(rec);
	ASSERT_HASNT(rec->text, "or use the adaptive mapping model");
	ASSERT_HAS(rec->text, "(the run uses the adaptive mapping model already)");
	db_report_release(&r);

	/* the same numbers from a run at standard with a linear mapping */
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, &standard, &r, err, sizeof err), 0);
	rec = rec_of(&r, DB_REC_SEARCH_SHARE);
	ck_assert_ptr_nonnull(rec);
	ASSERT_HAS(rec->text, "use a faster optimization level (engine.optimization fast or "
			      "ultra_fast; the run is at standard)");
	rec = rec_of(&r, DB_REC_MAPPING);
	ck_assert_ptr_nonnull(rec);
	ASSERT_HAS(rec->text, "recalibrate with more points or use the adaptive mapping model");
	db_report_release(&r);

	/* not known: no setting is named as if it were */
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	rec = rec_of(&r, DB_REC_SEARCH_SHARE);
	ck_assert_ptr_nonnull(rec);
	ASSERT_HAS(rec->text, "use a faster optimization level than the run's (its configuration is "
			      "not known: not given)");
	db_report_release(&r);
}
END_TEST

START_TEST(drift_and_cache_advice_follow_the_configuration)
{
	fix_op ops[100];
	int64_t id;
	db_report r;
	char err[256];
	db_report_config off = { .known = true, .optimization = "fast", .mapping_model = "adaptive",
				 .thermal_compensation = false, .cache_size = 16 };
	db_report_config on = off;

	on.thermal_compensation = true;
	for (int i = 0; i < 100; i++) {
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
		ops[i].temperature_c = 20.0 + 0.05 * i;
		ops[i].mapping_error_um = 0.05 + 0.1 * (0.05 * i);
		ops[i].cache_hit = i % 5 == 0;
	}
	id = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = 100 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, &off, &r, err, sizeof err), 0);
	ASSERT_HAS(rec_text(&r, DB_REC_DRIFT), "turn on engine.thermal_compensation (the run has it off)");
	ASSERT_HAS(rec_text(&r, DB_REC_CACHE), "widen the cache (engine.cache.size, 16 now)");
	db_report_release(&r);
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, &on, &r, err, sizeof err), 0);
	ASSERT_HAS(rec_text(&r, DB_REC_DRIFT), "the run compensates already");
	ASSERT_HASNT(rec_text(&r, DB_REC_DRIFT), "turn on");
	db_report_release(&r);
}
END_TEST

START_TEST(autofocus_has_its_own_section)
{
	fix_op af[5];
	int64_t id;
	db_report r;
	char err[256], *out;

	for (int i = 0; i < 5; i++) {
		af[i] = (fix_op){ .total_ms = 200.0 + 10 * i, .focus_error_um = 0.01 * (i + 1),
				  .frames = 10 + i, .success = i != 4 };
		if (i == 4)
			af[i].error = "ENOFOCUS: no focus found";
	}
	id = fix_add_run(&(fix_run){ .scenario = "af", .autofocus = af, .nautofocus = 5 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.handoffs, 0);
	ck_assert_uint_eq(r.autofocus.n, 5);
	ck_assert_uint_eq(r.autofocus.ok, 4);
	ck_assert_double_eq_tol(r.autofocus.success_rate, 0.8, TOL);
	/* successful ones: 200, 210, 220, 230 ms */
	ck_assert_uint_eq(r.autofocus.ms.n, 4);
	ck_assert_double_eq_tol(r.autofocus.ms.mean, 215.0, TOL);
	ck_assert_double_eq_tol(r.autofocus.ms.std, sqrt(500.0 / 3.0), TOL);
	ck_assert_double_eq_tol(r.autofocus.focus_error_um.max, 0.04, TOL);
	ck_assert_double_eq_tol(r.autofocus.frames.mean, 11.5, TOL);
	ck_assert_uint_eq(r.naf_errors, 1);
	ck_assert_str_eq(r.af_errors[0].name, "ENOFOCUS");
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "\nautofocus: 5 operations, 4 successful (80.0 %)\n"
			"  time (ms): n 4, mean 215.0, std 12.9, min 200.0, max 230.0, p50 215.0, "
			"p95 n too small\n");
	ASSERT_HAS(out, "  focus error (against the simulator's truth): n 4, mean 0.025, max 0.040 um\n");
	ASSERT_HAS(out, "  failed autofocus operations: 1 (ENOFOCUS 1)\n");
	free(out);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"autofocus\": {\"count\": 5, \"succeeded\": 4, \"success_rate\": 0.8, \"ms\": {\"n\": 4, \"mean\": 215,");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(faults_are_named_as_what_they_are)
{
	static const char *const kinds[5] = { "fault", "hal_error", "fault", "retry", "hal_error" };
	static const char *const details[5] = {
		"stage_stall (duration_ms=200 count=0)", "z stage stalled: move to 2.865 um rejected",
		"camera_drop (count=1)", "grab_frame retried", "z stage stalled: move to -0.646 um rejected",
	};
	fix_op ops[10];
	int64_t id;
	db_report r;
	char err[256], *out;

	for (int i = 0; i < 10; i++) {
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
		if (i < 2) {
			ops[i].success = false;
			ops[i].error = "EHW: move_z: z stage stalled";
		}
	}
	id = fix_add_run(&(fix_run){ .scenario = "f", .ops = ops, .nops = 10, .event_kinds = kinds,
				     .event_details = details, .nevents = 5 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.ninjected, 2);
	ck_assert_str_eq(r.injected[0].name, "camera_drop");
	ck_assert_str_eq(r.injected[1].name, "stage_stall");
	ck_assert_uint_eq(r.nhal_errors, 1);
	ck_assert_str_eq(r.hal_errors[0].name, "z stage stalled");
	ck_assert_int_eq(r.hal_errors[0].n, 2);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "faults and errors\n"
			"  injected faults (events 'fault'): 2 (camera_drop 1, stage_stall 1)\n"
			"  HAL errors the engine saw (events 'hal_error'): 2 (z stage stalled 2)\n"
			"  other events: retry 1\n"
			"  failed handoffs: 2 (EHW 2)\n");
	free(out);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"injected_faults\": {\"camera_drop\": 1, \"stage_stall\": 1}, "
			"\"hal_errors\": {\"z stage stalled\": 2}");
	free(out);
	db_report_release(&r);
}
END_TEST

/* The runs' expectations: passed, failed and not applicable (passed NULL:
 * a rig run's ground-truth metrics), the latter two by metric. */
START_TEST(expectations_passed_failed_and_not_applicable)
{
	fix_op ops[10];
	int64_t id;
	db_report r;
	char err[256], sql[512], *out;

	for (int i = 0; i < 10; i++)
		ops[i] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
	id = fix_add_run(&(fix_run){ .scenario = "x", .mode = "hil", .ops = ops, .nops = 10 });
	snprintf(sql, sizeof sql,
		 "INSERT INTO expectations (run_id, metric, value, op, bound, passed) VALUES "
		 "(%lld, 'handoff.success_rate', 1, 'min', 1, 1), "
		 "(%lld, 'handoff.total_ms.p95', 400, 'max', 300, 0), "
		 "(%lld, 'handoff.focus_error_um.max', NULL, 'max', 1, NULL), "
		 "(%lld, 'handoff.focus_error_um.mean', NULL, 'max', 1, NULL)",
		 (long long)id, (long long)id, (long long)id, (long long)id);
	ck_assert_int_eq(sqlite3_exec(db_handle(fix_db), sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.exp_passed, 1);
	ck_assert_uint_eq(r.exp_failed, 1);
	ck_assert_uint_eq(r.exp_na, 2);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "expectations: 1 passed, 1 failed (handoff.total_ms.p95 1), 2 not applicable "
			"(handoff.focus_error_um.max 1, handoff.focus_error_um.mean 1): they need the "
			"simulator's ground truth, which a rig run has not\n");
	free(out);
	out = render(&r, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"expectations\": {\"passed\": 1, \"failed\": 1, \"not_applicable\": 2, "
			"\"failed_by\": {\"handoff.total_ms.p95\": 1}, \"not_applicable_by\": "
			"{\"handoff.focus_error_um.max\": 1, \"handoff.focus_error_um.mean\": 1}}");
	free(out);
	db_report_release(&r);
	/* a run without expectations says so */
	id = fix_add_run(&(fix_run){ .scenario = "y", .ops = ops, .nops = 10 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "expectations: none recorded\n");
	free(out);
	db_report_release(&r);
}
END_TEST

START_TEST(singular_counts)
{
	fix_op ops[1];
	int64_t id;
	db_report r;
	char err[256], *out;

	ops[0] = fix_scaled(100, 0.2, 0.2, 0.2, 0.1);
	id = fix_add_run(&(fix_run){ .scenario = "one", .ops = ops, .nops = 1 });
	ck_assert_int_eq(db_report_build(fix_db, &id, 1, NULL, &r, err, sizeof err), 0);
	out = render(&r, DB_FMT_TEXT);
	ASSERT_HAS(out, "cache: 1 hit of 1 handoff (100.0 %)");
	ASSERT_HASNT(out, "1 runs");
	ASSERT_HASNT(out, "1 hits");
	ASSERT_HASNT(out, "1 handoffs");
	free(out);
	out = render(&r, DB_FMT_MARKDOWN);
	ASSERT_HAS(out, "1 run (1), scenario `one`, mode sim: 1 handoff, 1 successful");
	free(out);
	db_report_release(&r);
}
END_TEST

Suite *report_sections_suite(void)
{
	Suite *s = suite_create("report_sections");
	TCase *tc = tcase_create("sections");

	tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, failed_calibration_is_counted_as_failed);
	tcase_add_test(tc, only_calibration_failed);
	tcase_add_test(tc, unfinished_run_is_named);
	tcase_add_test(tc, a_run_twice_counts_once);
	tcase_add_test(tc, recommendations_follow_the_configuration);
	tcase_add_test(tc, drift_and_cache_advice_follow_the_configuration);
	tcase_add_test(tc, autofocus_has_its_own_section);
	tcase_add_test(tc, faults_are_named_as_what_they_are);
	tcase_add_test(tc, singular_counts);
	tcase_add_test(tc, expectations_passed_failed_and_not_applicable);
	suite_add_tcase(s, tc);
	return s;
}
