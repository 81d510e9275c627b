/*
 * test_regress.c - comparing runs with their baseline: the same trace hash
 * is identical (exit 0); focus_move 20 % slower regresses with focus_move
 * named first and the total +6 % behind it (exit 1); +3 % everywhere is
 * within the 5 % tolerance; one failed handoff more is a success-rate
 * regression; the accuracy tolerance is the candidate run's; no baseline
 * is exit 3; the first divergent trace record (index, kind, time) of two
 * indexes, equal ones and a prefix; the HIL path is inconclusive on 5
 * values a side and finds a 20 % shift on 30; the history finds the step of
 * a 12-run series (halves +30 %, change point at the 7th run); and the
 * JSON and text outputs.  Temporary databases in a checked fixture.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/regress.h"
#include "kernel/trace.h"
#include "tests/report_fix.h"

Suite *regress_suite(void);  /* for the runner; defined at the end */

#define TOL 1e-9
#define NOPS 30

/* NOPS handoffs: totals 100..390 ms in 10 ms steps, lens 20 %, move 30 %,
 * search 40 %, validation 10 %; time_scale stretches every phase,
 * move_scale the focus move alone (the total follows). */
static void make_ops(fix_op *ops, double time_scale, double move_scale)
{
	for (int i = 0; i < NOPS; i++) {
		ops[i] = fix_scaled(time_scale * (100.0 + 10.0 * i), 0.2, 0.3, 0.4, 0.1);
		ops[i].total_ms += ops[i].focus_move_ms * (move_scale - 1);
		ops[i].focus_move_ms *= move_scale;
	}
}

static int64_t run_of(const char *scenario, const fix_op *ops, size_t n, uint64_t hash)
{
	return fix_add_run(&(fix_run){ .scenario = scenario, .ops = ops, .nops = n,
				       .trace_hash = hash });
}

static void regress(int64_t cand, db_regress_result *res)
{
	char err[256];

	ck_assert_msg(db_regress_run(fix_db, "main", cand, res, err, sizeof err) == 0, "%s", err);
}

static const db_regress_metric *metric(const db_regress_result *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	ck_abort_msg("no metric %s", name);
	return NULL;
}

static char *render(const db_regress_result *r, size_t n, db_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(db_regress_print("main", r, n, fmt, DB_RG_PRINT_VERBOSE, f), 0);
	fclose(f);
	return buf;
}

START_TEST(identical_hash)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;

	make_ops(ops, 1, 1);
	b = run_of("s", ops, NOPS, 0x1234abcdULL);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	c = run_of("s", ops, NOPS, 0x1234abcdULL);
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_IDENTICAL);
	ck_assert_int_eq(res.baseline, b);
	ck_assert_str_eq(res.hash_c, "000000001234abcd");
	ck_assert_int_eq(db_regress_exit_code(&res, 1), 0);
}
END_TEST

START_TEST(slower_focus_move_regresses_first)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;
	const db_regress_metric *m;
	char *out;

	make_ops(ops, 1, 1);
	b = run_of("s", ops, NOPS, 1);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	make_ops(ops, 1, 1.2);
	c = run_of("s", ops, NOPS, 2);
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_REGRESSED);
	ck_assert_int_eq(db_regress_exit_code(&res, 1), 1);
	ck_assert_uint_eq(res.nmetrics, 16);
	ck_assert_msg(strncmp(res.metrics[0].name, "focus_move_ms.", 14) == 0, "first: %s",
		      res.metrics[0].name);
	ck_assert_int_eq(res.metrics[0].verdict, DB_REGRESSED);
	ck_assert_double_eq_tol(res.metrics[0].change.rel, 0.2, TOL);
	ck_assert_double_eq_tol(res.metrics[0].tol, 0.05, TOL);
	/* baseline move mean: 0.3 x mean(100..390) = 0.3 x 245 = 73.5 */
	m = metric(&res, "focus_move_ms.mean");
	ck_assert_double_eq_tol(m->baseline, 73.5, TOL);
	ck_assert_double_eq_tol(m->candidate, 88.2, TOL);
	/* the total grows by 0.2 x 0.3 = 6 % > 5 % */
	m = metric(&res, "total_ms.mean");
	ck_assert_int_eq(m->verdict, DB_REGRESSED);
	ck_assert_double_eq_tol(m->change.rel, 0.06, TOL);
	ck_assert_int_eq(metric(&res, "focus_search_ms.mean")->verdict, DB_SAME);
	ck_assert_int_eq(metric(&res, "success_rate")->verdict, DB_SAME);
	ck_assert_uint_eq(res.nregressed, 4);   /* move mean, move p95, total mean, total p95 */
	/* the third and fourth are the total's 6 % */
	ck_assert_msg(strncmp(res.metrics[2].name, "total_ms.", 9) == 0, "third: %s", res.metrics[2].name);
	out = render(&res, 1, DB_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(out, "first regression: focus_move_ms.mean +20.0 %"));
	ck_assert_ptr_nonnull(strstr(out, "REGRESSED, 4 of 16 metrics regressed"));
	free(out);
	out = render(&res, 1, DB_FMT_JSON);
	ck_assert_msg(json_valid(out), "invalid JSON:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"first_regression\": \"focus_move_ms.mean\""));
	ck_assert_ptr_nonnull(strstr(out, "\"exit\": 1"));
	free(out);
	out = render(&res, 1, DB_FMT_MARKDOWN);
	ck_assert_ptr_nonnull(strstr(out, "| focus_move_ms.mean | 73.5 ms | 88.2 ms | +20.0 % | +5 % (>=1 ms) | **regressed** |"));
	free(out);
}
END_TEST

START_TEST(within_tolerance)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;

	make_ops(ops, 1, 1);
	b = run_of("s", ops, NOPS, 1);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	make_ops(ops, 1.03, 1);
	c = run_of("s", ops, NOPS, 2);
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_OK);
	ck_assert_uint_eq(res.nregressed, 0);
	ck_assert_int_eq(db_regress_exit_code(&res, 1), 0);
	ck_assert_double_eq_tol(metric(&res, "total_ms.mean")->change.rel, 0.03, TOL);
	/* worst first still: a +3 % time metric leads */
	ck_assert_int_eq(res.metrics[0].kind, DB_KIND_TIME);
	ck_assert_double_eq_tol(res.metrics[0].change.rel, 0.03, 1e-9);
	/* faster by 10 %: improved, not regressed */
	make_ops(ops, 0.9, 1);
	c = run_of("s", ops, NOPS, 3);
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_OK);
	ck_assert_int_eq(metric(&res, "total_ms.mean")->verdict, DB_IMPROVED);
}
END_TEST

START_TEST(success_rate_drop)
{
	fix_op ops[NOPS + 1];
	int64_t b, c;
	db_regress_result res;
	const db_regress_metric *m;

	make_ops(ops, 1, 1);
	b = run_of("s", ops, NOPS, 1);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	ops[NOPS] = ops[0];
	ops[NOPS].success = false;
	ops[NOPS].error = "ENOFOCUS: no peak";
	c = run_of("s", ops, NOPS + 1, 2);
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_REGRESSED);
	ck_assert_uint_eq(res.nregressed, 1);
	ck_assert_str_eq(res.metrics[0].name, "success_rate");
	m = &res.metrics[0];
	ck_assert_double_eq(m->baseline, 1.0);
	ck_assert_double_eq_tol(m->candidate, 30.0 / 31.0, TOL);
	ck_assert_double_eq(m->tol, 0.0);
	ck_assert_int_eq(db_regress_exit_code(&res, 1), 1);
}
END_TEST

START_TEST(accuracy_tolerance_is_the_candidates)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;

	make_ops(ops, 1, 1);
	b = run_of("s", ops, NOPS, 1);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	for (int i = 0; i < NOPS; i++)
		ops[i].mapping_error_um += 0.04;
	c = run_of("s", ops, NOPS, 2);
	regress(c, &res);
	ck_assert_int_eq(metric(&res, "mapping_error_um.mean")->verdict, DB_SAME);
	ck_assert_double_eq_tol(metric(&res, "mapping_error_um.mean")->change.abs, 0.04, TOL);
	for (int i = 0; i < NOPS; i++)
		ops[i].mapping_error_um += 0.02;   /* +0.06 in all */
	c = run_of("s", ops, NOPS, 3);
	regress(c, &res);
	ck_assert_int_eq(metric(&res, "mapping_error_um.mean")->verdict, DB_REGRESSED);
	ck_assert_int_eq(metric(&res, "mapping_error_um.max")->verdict, DB_REGRESSED);
	ck_assert_int_eq(res.status, DB_RG_REGRESSED);
	/* the same run under a scenario tolerance of 0.1 um */
	c = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = NOPS, .trace_hash = 4,
				    .tol_accuracy_um = 0.1 });
	regress(c, &res);
	ck_assert_double_eq(res.tol_accuracy_um, 0.1);
	ck_assert_int_eq(metric(&res, "mapping_error_um.mean")->verdict, DB_SAME);
	ck_assert_int_eq(res.status, DB_RG_OK);
}
END_TEST

START_TEST(no_baseline)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res[2];
	char *out;

	make_ops(ops, 1, 1);
	c = run_of("lonely", ops, NOPS, 1);
	regress(c, &res[0]);
	ck_assert_int_eq(res[0].status, DB_RG_NO_BASELINE);
	ck_assert_int_eq(res[0].baseline, 0);
	ck_assert_int_eq(db_regress_exit_code(res, 1), 3);
	ck_assert_int_eq(db_regress_exit_code(res, 0), 3);
	/* with a second, comparable run the command judges that one */
	b = run_of("s", ops, NOPS, 9);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	regress(b, &res[1]);
	ck_assert_int_eq(res[1].status, DB_RG_IDENTICAL);
	ck_assert_int_eq(db_regress_exit_code(res, 2), 0);
	out = render(res, 2, DB_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(out, "nothing to compare"));
	ck_assert_ptr_nonnull(strstr(out, "identical"));
	free(out);
	out = render(res, 2, DB_FMT_JSON);
	ck_assert(json_valid(out));
	ck_assert_ptr_nonnull(strstr(out, "\"baseline\": null"));
	free(out);
	/* another name has no baseline for s */
	{
		char err[256];

		ck_assert_int_eq(db_regress_run(fix_db, "nightly", b, &res[0], err, sizeof err), 0);
		ck_assert_int_eq(res[0].status, DB_RG_NO_BASELINE);
		ck_assert_int_eq(db_regress_run(fix_db, "main", 4242, &res[0], err, sizeof err), -1);
		ck_assert_ptr_nonnull(strstr(err, "no run 4242"));
	}
}
END_TEST

static void trace_of(db_trace_rec *t, size_t n, size_t part_at, unsigned kind_at)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		t[i].kind = (uint16_t)(i == part_at ? kind_at : 34);
		t[i].t_ns = (int64_t)i * 1000000;
		h = (h ^ (i == part_at ? kind_at : 34)) * 0x100000001b3ULL;
		if (i >= part_at)
			h ^= 0x5555;   /* from the part on, the running hash differs */
		t[i].hash = h;
	}
}

START_TEST(first_divergent_event)
{
	db_trace_rec a[6], b[6];
	db_divergence v;
	fix_op ops[NOPS];
	int64_t rb, rc;
	db_regress_result res;
	char *out;

	trace_of(a, 6, 99, 0);
	trace_of(b, 6, 3, 6);
	db_trace_diverge(a, 6, b, 6, &v);
	ck_assert(v.available);
	ck_assert(v.diverged);
	ck_assert_uint_eq(v.index, 3);
	ck_assert_str_eq(db_trace_kind_name(v.kind_b), "sim.advance");
	ck_assert_str_eq(db_trace_kind_name(v.kind_c), "hal.grab_frame");
	ck_assert_int_eq(v.t_ns_c, 3000000);
	/* equal indexes */
	db_trace_diverge(a, 6, a, 6, &v);
	ck_assert(!v.diverged);
	/* one a prefix of the other: they part where the shorter ends */
	db_trace_diverge(a, 4, a, 6, &v);
	ck_assert(v.diverged);
	ck_assert_uint_eq(v.index, 4);
	ck_assert(!v.has_b);
	ck_assert(v.has_c);
	/* no index on one side */
	db_trace_diverge(a, 0, a, 6, &v);
	ck_assert(!v.available);
	ck_assert_str_eq(db_trace_kind_name(32), "fault");
	ck_assert_str_eq(db_trace_kind_name(65), "note");
	ck_assert_str_eq(db_trace_kind_name(13), "hal.wait_settled_z");
	ck_assert_str_eq(db_trace_kind_name(14), "?");
	/* the store's names are the kernel's, code for code */
	for (unsigned k = 0; k < 256; k++)
		ck_assert_str_eq(db_trace_kind_name(k), sim_event_name(k));
	/* through the database: stored indexes */
	make_ops(ops, 1, 1);
	rb = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = NOPS, .trace_hash = a[5].hash,
				     .trace = a, .ntrace = 6 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", rb, "first"), 0);
	make_ops(ops, 1, 1.01);
	rc = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = NOPS, .trace_hash = b[5].hash,
				     .trace = b, .ntrace = 6 });
	regress(rc, &res);
	ck_assert(res.div.available);
	ck_assert_uint_eq(res.div.index, 3);
	ck_assert_uint_eq(res.div.kind_c, 6);
	out = render(&res, 1, DB_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(out, "first divergent event: record 3 (of 6 baseline / 6 candidate): "
					  "baseline sim.advance at 0.003000 s, candidate hal.grab_frame at 0.003000 s"));
	free(out);
}
END_TEST

/* Deterministic noise in [-1, 1]. */
static double wobble(int i)
{
	return sin(1.7 * i + 0.3);
}

START_TEST(hil_inconclusive_on_small_n)
{
	fix_op ops[30];
	int64_t b, c;
	db_regress_result res;

	for (int i = 0; i < 5; i++)
		ops[i] = fix_scaled(200 + 10 * wobble(i), 0.2, 0.3, 0.4, 0.1);
	b = fix_add_run(&(fix_run){ .scenario = "rig", .mode = "hil", .ops = ops, .nops = 5 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	for (int i = 0; i < 5; i++)
		ops[i] = fix_scaled(300 + 10 * wobble(i + 7), 0.2, 0.3, 0.4, 0.1);   /* +50 % */
	c = fix_add_run(&(fix_run){ .scenario = "rig", .mode = "hil", .ops = ops, .nops = 5 });
	regress(c, &res);
	ck_assert(res.statistical);
	ck_assert_int_eq(res.status, DB_RG_OK);
	ck_assert_uint_eq(res.nregressed, 0);
	ck_assert_uint_eq(res.ninconclusive, 6);   /* 5 phases and the mapping error (5 < 8) */
	ck_assert_int_eq(metric(&res, "total_ms.median")->verdict, DB_INCONCLUSIVE);
	ck_assert_int_eq(metric(&res, "success_rate")->verdict, DB_SAME);
	ck_assert_int_eq(db_regress_exit_code(&res, 1), 0);

	/* 30 a side, +20 %: p tiny, 20 % > the floor max(3 %, 2 x CV 3.5 %) */
	for (int i = 0; i < 30; i++)
		ops[i] = fix_scaled(200 + 10 * wobble(i), 0.2, 0.3, 0.4, 0.1);
	b = fix_add_run(&(fix_run){ .scenario = "rig2", .mode = "hil", .ops = ops, .nops = 30 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "first"), 0);
	for (int i = 0; i < 30; i++)
		ops[i] = fix_scaled(240 + 12 * wobble(i + 50), 0.2, 0.3, 0.4, 0.1);
	c = fix_add_run(&(fix_run){ .scenario = "rig2", .mode = "hil", .ops = ops, .nops = 30 });
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_REGRESSED);
	ck_assert_int_eq(metric(&res, "total_ms.median")->verdict, DB_REGRESSED);
	ck_assert(metric(&res, "total_ms.median")->p < 0.01);
	ck_assert(metric(&res, "total_ms.median")->tol >= 0.03);
	ck_assert(metric(&res, "total_ms.median")->tol < 0.1);
	ck_assert_double_eq_tol(metric(&res, "total_ms.median")->change.rel, 0.2, 0.03);
	ck_assert_uint_eq(metric(&res, "total_ms.median")->nb, 30);
}
END_TEST

START_TEST(history_finds_the_step)
{
	fix_op ops[10];
	int64_t ids[12];
	db_regress_result res;
	const db_regress_history *h;

	for (int r = 0; r < 12; r++) {
		double base = r < 6 ? 100 : 130;

		for (int i = 0; i < 10; i++)
			ops[i] = fix_scaled(base + wobble(r * 10 + i), 0.2, 0.3, 0.4, 0.1);
		ids[r] = run_of("hist", ops, 10, (uint64_t)r + 1);
	}
	ck_assert_int_eq(db_baseline_set(fix_db, "main", ids[5], "before the step"), 0);
	regress(ids[11], &res);
	ck_assert_uint_eq(res.nhistory, 12);
	h = &res.history[DB_PHASE_TOTAL];
	ck_assert_uint_eq(h->n, 12);
	ck_assert_int_eq(h->halves.verdict, DB_REGRESSED);
	ck_assert_double_eq_tol(h->halves.change, 0.3, 0.01);
	ck_assert(h->cp_ok);
	ck_assert_uint_eq(h->cp.index, 6);
	ck_assert_int_eq(h->cp_run, ids[6]);
	ck_assert_double_eq_tol(h->cp.mean_before, 100, 0.2);
	ck_assert_double_eq_tol(h->cp.mean_after, 130, 0.2);
	ck_assert(h->cp.significant);
	/* the history is advice: the verdict is the baseline comparison's */
	ck_assert_int_eq(res.status, DB_RG_REGRESSED);
	/* up to run 6 the history holds 6 runs: halves judged, no change point */
	regress(ids[5], &res);
	ck_assert_int_eq(res.status, DB_RG_IDENTICAL);
	ck_assert_uint_eq(res.nhistory, 6);
	ck_assert_int_eq(res.history[DB_PHASE_TOTAL].halves.verdict, DB_SAME);
	ck_assert(!res.history[DB_PHASE_TOTAL].cp_ok);
}
END_TEST

Suite *regress_suite(void)
{
	Suite *s = suite_create("regress");
	TCase *tc = tcase_create("regress");

	tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, identical_hash);
	tcase_add_test(tc, slower_focus_move_regresses_first);
	tcase_add_test(tc, within_tolerance);
	tcase_add_test(tc, success_rate_drop);
	tcase_add_test(tc, accuracy_tolerance_is_the_candidates);
	tcase_add_test(tc, no_baseline);
	tcase_add_test(tc, first_divergent_event);
	tcase_add_test(tc, hil_inconclusive_on_small_n);
	tcase_add_test(tc, history_finds_the_step);
	suite_add_tcase(s, tc);
	return s;
}
