/*
 * test_gap.c - the gap between a simulated run and a rig run (db/gap.h):
 * runs that agree, a rig whose success rate or accuracy differs (worse or
 * better: both disagree), phase gaps judged slower / same, too few
 * handoffs (inconclusive, not a disagreement), and the pairs that cannot
 * be compared (two sim runs, two scenarios, a missing run, no handoffs).
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db/gap.h"
#include "tests/dbfix.h"

Suite *gap_suite(void);

/* A finished run of scenario with mode, and its n handoffs: ok of them
 * successful, phase times base_ms + i (focus_move scaled by move), mapping
 * error map_um + i / 1000. */
static int64_t run_of(db *d, const char *scenario, const char *mode, uint32_t n, uint32_t ok,
		      double move, double map_um)
{
	db_run_info info = { .scenario = scenario, .scenario_path = "x.yaml", .scenario_sha256 = SHA_X,
			     .seed = 1, .mode = mode, .afsim_version = "v-test",
			     .rig = strcmp(mode, "hil") == 0 ? "bench-2 (fw 1.0)" : "sim:default" };
	int64_t id = 0;

	ck_assert_int_eq(db_run_begin(d, &info, &id), 0);
	for (uint32_t i = 0; i < n; i++) {
		db_op o = mk_op(i + 1);

		o.lens_switch_ms = 45.0 + 0.1 * i;
		o.focus_move_ms = move * (40.0 + 0.5 * i);
		o.focus_search_ms = 130.0 + i;
		o.validation_ms = 2.0 + 0.01 * i;
		o.total_ms = o.lens_switch_ms + o.focus_move_ms + o.focus_search_ms + o.validation_ms;
		o.mapping_error_um = map_um + i / 1000.0;
		o.success = i < ok;
		o.error = o.success ? "" : "ENOFOCUS: no focus peak";
		ck_assert_msg(db_op_add(d, id, &o) == 0, "%s", db_errmsg(d));
	}
	ck_assert_int_eq(db_run_finish(d, id, "passed", strcmp(mode, "sim") == 0 ? 0x1234 : 0, "",
				       1.0, 1.0, NULL, 0), 0);
	return id;
}

START_TEST(runs_that_agree)
{
	db *d = open_db();
	int64_t s = run_of(d, "h", "sim", 12, 12, 1.0, 0.1);
	int64_t h = run_of(d, "h", "hil", 12, 12, 1.3, 0.1);
	db_gap g;
	char err[256];

	/* either order: the sim run is the simulation */
	ck_assert_int_eq(db_gap_compare(d, h, s, &g, err, sizeof err), 0);
	ck_assert_int_eq(g.sim.id, s);
	ck_assert_int_eq(g.rig.id, h);
	ck_assert_str_eq(g.rig.rig, "bench-2 (fw 1.0)");
	ck_assert(g.agree && g.success_agree && g.mapping_agree);
	ck_assert_uint_eq(g.ok_sim, 12);
	ck_assert_uint_eq(g.n_rig, 12);
	/* the move is 30 % slower on the rig: judged slower; the switch the same */
	ck_assert_int_eq(g.phase[DB_PHASE_FOCUS_MOVE].j.verdict, DB_REGRESSED);
	ck_assert_double_eq_tol(g.phase[DB_PHASE_FOCUS_MOVE].j.change, 0.3, 1e-12);
	ck_assert_double_eq_tol(g.phase[DB_PHASE_FOCUS_MOVE].j.median_b, 42.75, 1e-12);
	ck_assert_int_eq(g.phase[DB_PHASE_LENS_SWITCH].j.verdict, DB_SAME);
	ck_assert_double_eq_tol(g.phase[DB_PHASE_LENS_SWITCH].p, 1.0, 1e-12);
	ck_assert_int_eq(g.mapping.j.verdict, DB_SAME);
	db_close(d);
}
END_TEST

START_TEST(success_or_accuracy_that_differ)
{
	db *d = open_db();
	int64_t s = run_of(d, "h", "sim", 12, 12, 1.0, 0.1);
	int64_t worse = run_of(d, "h", "hil", 12, 3, 1.0, 0.1);
	int64_t off = run_of(d, "h", "hil", 12, 12, 1.0, 0.5);
	int64_t sharp = run_of(d, "h", "hil", 12, 12, 1.0, 0.02);
	db_gap g;
	char err[256];

	ck_assert_int_eq(db_gap_compare(d, s, worse, &g, err, sizeof err), 0);
	ck_assert(!g.agree && !g.success_agree && g.mapping_agree);
	ck_assert_int_eq(g.success.verdict, DB_REGRESSED);
	ck_assert_uint_eq(g.ok_rig, 3);
	ck_assert_int_eq(db_gap_compare(d, s, off, &g, err, sizeof err), 0);
	ck_assert(!g.agree && g.success_agree && !g.mapping_agree);
	ck_assert_int_eq(g.mapping.j.verdict, DB_REGRESSED);
	/* better than the simulation disagrees as much */
	ck_assert_int_eq(db_gap_compare(d, s, sharp, &g, err, sizeof err), 0);
	ck_assert(!g.agree && !g.mapping_agree);
	ck_assert_int_eq(g.mapping.j.verdict, DB_IMPROVED);
	db_close(d);
}
END_TEST

/* Below 8 handoffs a side: inconclusive, which is no disagreement. */
START_TEST(too_few_handoffs_are_inconclusive)
{
	db *d = open_db();
	int64_t s = run_of(d, "h", "sim", 5, 5, 1.0, 0.1);
	int64_t h = run_of(d, "h", "hil", 5, 5, 1.0, 0.9);
	db_gap g;
	char err[256];
	FILE *f = tmpfile();
	char line[256];
	bool seen = false;

	ck_assert_int_eq(db_gap_compare(d, s, h, &g, err, sizeof err), 0);
	ck_assert_int_eq(g.mapping.j.verdict, DB_INCONCLUSIVE);
	ck_assert(g.agree);
	ck_assert_int_eq(db_gap_print(&g, false, f), 0);
	rewind(f);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "mapping_error ", 14) == 0)
			seen = strstr(line, "inconclusive (n < 8)\n") != NULL;
	fclose(f);
	ck_assert(seen);
	db_close(d);
}
END_TEST

START_TEST(pairs_that_cannot_be_compared)
{
	db *d = open_db();
	int64_t s = run_of(d, "h", "sim", 10, 10, 1.0, 0.1);
	int64_t s2 = run_of(d, "h", "sim", 10, 10, 1.0, 0.1);
	int64_t other = run_of(d, "k", "hil", 10, 10, 1.0, 0.1);
	int64_t empty = run_of(d, "h", "hil", 0, 0, 1.0, 0.1);
	db_gap g;
	char err[256], want[256];

	ck_assert_int_eq(db_gap_compare(d, s, s2, &g, err, sizeof err), 1);
	snprintf(want, sizeof want, "runs %" PRId64 " and %" PRId64 " are sim and sim: the gap needs "
		 "one simulated run (sim) and one on a rig (hil)", s, s2);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(db_gap_compare(d, s, other, &g, err, sizeof err), 1);
	snprintf(want, sizeof want, "run %" PRId64 " is of scenario 'h', run %" PRId64 " of 'k': the "
		 "gap compares one scenario", s, other);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(db_gap_compare(d, s, 99, &g, err, sizeof err), 1);
	ck_assert_str_eq(err, "no run 99 in the database");
	ck_assert_int_eq(db_gap_compare(d, s, empty, &g, err, sizeof err), 1);
	snprintf(want, sizeof want, "run %" PRId64 " has no handoffs: nothing to compare", empty);
	ck_assert_str_eq(err, want);
	db_close(d);
}
END_TEST

Suite *gap_suite(void)
{
	Suite *s = suite_create("gap");
	TCase *tc = tcase_create("gap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, runs_that_agree);
	tcase_add_test(tc, success_or_accuracy_that_differ);
	tcase_add_test(tc, too_few_handoffs_are_inconclusive);
	tcase_add_test(tc, pairs_that_cannot_be_compared);
	suite_add_tcase(s, tc);
	return s;
}
