/*
 * test_regress_gate.c - the regression gate as CI meets it (issue 9):
 * where two traces part, the op each side was in, the fields of that op
 * that differ and its first differing frame (item 20); the summary comes
 * first, one line per run with its headline metric and unit, and only the
 * runs that regressed or changed are printed in full unless verbose (16);
 * +0.28 ms on a 0 ms phase is within the tolerance's floor (16); a
 * candidate that did not finish is flagged (4); runs are selected by
 * invocation and by age, and the newest finished run of a scenario skips
 * an aborted one (4, 5); counts are singular when they are one (21).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/regress.h"
#include "db/views.h"
#include "tests/report_fix.h"

Suite *regress_gate_suite(void);

#define NOPS 30

static void make_ops(fix_op *ops, double move_scale)
{
	for (int i = 0; i < NOPS; i++) {
		ops[i] = fix_scaled(100.0 + 10.0 * i, 0.2, 0.3, 0.4, 0.1);
		ops[i].total_ms += ops[i].focus_move_ms * (move_scale - 1);
		ops[i].focus_move_ms *= move_scale;
	}
}

static void regress(int64_t cand, db_regress_result *res)
{
	char err[256];

	ck_assert_msg(db_regress_run(fix_db, "main", cand, res, err, sizeof err) == 0, "%s", err);
}

static char *render(const db_regress_result *r, size_t n, db_format fmt, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(db_regress_print("main", r, n, fmt, flags, f), 0);
	fclose(f);
	return buf;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define ASSERT_HAS(out, s) ck_assert_msg(strstr((out), (s)) != NULL, "no '%s' in:\n%s", (s), (out))
#define ASSERT_HASNT(out, s) ck_assert_msg(strstr((out), (s)) == NULL, "'%s' in:\n%s", (s), (out))

/* A trace of n records of kind 34 whose running hash parts from `part_at`
 * on, where the record is of kind kind_at; record i at i ms. */
static void trace_of(db_trace_rec *t, size_t n, size_t part_at, unsigned kind_at)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		t[i].kind = (uint16_t)(i == part_at ? kind_at : 34);
		t[i].t_ns = (int64_t)i * 1000000;
		h = (h ^ (i == part_at ? kind_at : 34)) * 0x100000001b3ULL;
		if (i >= part_at)
			h ^= 0x5555;
		t[i].hash = h;
	}
}

START_TEST(divergence_names_what_differs)
{
	db_trace_rec a[6], b[6];
	fix_op ops[NOPS];
	/* op 1 (t 0 ms) took three frames; the candidate's second differs */
	db_sample sb[3] = {
		{ 1, 1.0, "B", 1.0, 0.30, 0.0, 22.0 }, { 1, 2.0, "B", 1.5, 0.50, 0.0, 22.0 },
		{ 1, 3.0, "B", 2.0, 0.40, 0.0, 22.0 },
	};
	db_sample sc[3] = {
		{ 1, 1.0, "B", 1.0, 0.30, 0.0, 22.0 }, { 1, 2.0, "B", 1.25, 0.45, 0.0, 22.0 },
		{ 1, 3.0, "B", 2.0, 0.40, 0.0, 22.0 },
	};
	int64_t rb, rc;
	db_regress_result res;
	const db_divergence *v = &res.div;
	char *out;

	trace_of(a, 6, 99, 0);
	trace_of(b, 6, 3, 6);
	make_ops(ops, 1);
	rb = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = NOPS, .trace_hash = a[5].hash,
				     .trace = a, .ntrace = 6, .samples = sb, .nsamples = 3 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", rb, "first"), 0);
	make_ops(ops, 1.01);   /* focus_move 1 % slower: 6 ms -> 6.06 ms in op 1 */
	rc = fix_add_run(&(fix_run){ .scenario = "s", .ops = ops, .nops = NOPS, .trace_hash = b[5].hash,
				     .trace = b, .ntrace = 6, .samples = sc, .nsamples = 3 });
	regress(rc, &res);
	ck_assert(v->diverged);
	ck_assert_uint_eq(v->index, 3);
	/* at 3 ms both runs were in op 1, a handoff (ops start every second) */
	ck_assert(v->has_op_b && v->has_op_c);
	ck_assert_uint_eq(v->op_seq_b, 1);
	ck_assert_uint_eq(v->op_seq_c, 1);
	ck_assert_str_eq(v->op_kind_b, "handoff");
	ck_assert_uint_eq(v->op_seq, 1);
	ck_assert_uint_eq(v->ndiff, 2);
	ck_assert_str_eq(v->diff[0].field, "focus_move_ms");
	ck_assert_double_eq_tol(v->diff[0].b, 30.0, 1e-12);
	ck_assert_double_eq_tol(v->diff[0].c, 30.3, 1e-12);
	ck_assert_str_eq(v->diff[1].field, "total_ms");
	ck_assert_double_eq_tol(v->diff[1].c, 100.3, 1e-12);
	ck_assert_uint_eq(v->sample_index, 2);
	ck_assert_double_eq(v->z_b, 1.5);
	ck_assert_double_eq(v->z_c, 1.25);
	ck_assert_double_eq(v->score_b, 0.5);
	ck_assert_double_eq(v->score_c, 0.45);
	out = render(&res, 1, DB_FMT_TEXT, 0);
	ASSERT_HAS(out, "  first divergent event: record 3 (of 6 baseline / 6 candidate): baseline "
			"sim.advance at 0.003000 s, candidate hal.grab_frame at 0.003000 s\n"
			"    in op 1 (handoff) on both sides\n"
			"    op 1 differs (baseline -> candidate): focus_move_ms 30 -> 30.3, total_ms 100 -> 100.3\n"
			"    first differing frame of op 1: frame 2 at 2.000 / 2.000 ms: z 1.5000 -> 1.2500 um, "
			"score 0.5 -> 0.45\n");
	free(out);
	out = render(&res, 1, DB_FMT_JSON, 0);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"op_baseline\": {\"seq\": 1, \"kind\": \"handoff\"}");
	ASSERT_HAS(out, "\"differences\": [{\"field\": \"focus_move_ms\", \"baseline\": 30, \"candidate\": 30.3}");
	ASSERT_HAS(out, "\"frame\": {\"index\": 2, \"z_um_baseline\": 1.5, \"z_um_candidate\": 1.25");
	free(out);
}
END_TEST

START_TEST(op_diff_is_exact)
{
	db_op_row b, c;
	db_divergence v;

	memset(&b, 0, sizeof b);
	b.seq = 4;
	snprintf(b.kind, sizeof b.kind, "handoff");
	b.mapping_error_um = NAN;
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		b.phase_ms[p] = 10.0 * p;
	c = b;
	memset(&v, 0, sizeof v);
	db_op_diff(&b, &c, &v);
	ck_assert_uint_eq(v.ndiff, 0);             /* NaN equals NaN: NULL on both sides */
	c.z_found_um = 1e-12;
	c.success = true;
	snprintf(c.error, sizeof c.error, "EHW: stall");
	db_op_diff(&b, &c, &v);
	ck_assert_uint_eq(v.ndiff, 3);
	ck_assert_str_eq(v.diff[0].field, "z_found_um");
	ck_assert_str_eq(v.diff[1].field, "success");
	ck_assert_str_eq(v.diff[2].field, "error");
	ck_assert(v.diff[2].text);
	ck_assert_str_eq(v.diff[2].sc, "EHW: stall");
}
END_TEST

START_TEST(summary_first_and_only_changes_in_full)
{
	fix_op ops[NOPS];
	int64_t b1, b2, c1, c2;
	db_regress_result res[2];
	char *out;

	make_ops(ops, 1);
	b1 = fix_add_run(&(fix_run){ .scenario = "same", .ops = ops, .nops = NOPS, .trace_hash = 0xabc });
	b2 = fix_add_run(&(fix_run){ .scenario = "slow", .ops = ops, .nops = NOPS, .trace_hash = 0xdef });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b1, "x"), 0);
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b2, "x"), 0);
	c1 = fix_add_run(&(fix_run){ .scenario = "same", .ops = ops, .nops = NOPS, .trace_hash = 0xabc });
	make_ops(ops, 1.2);
	c2 = fix_add_run(&(fix_run){ .scenario = "slow", .ops = ops, .nops = NOPS, .trace_hash = 0x123 });
	regress(c1, &res[0]);
	regress(c2, &res[1]);
	ck_assert_int_eq(res[0].status, DB_RG_IDENTICAL);
	ck_assert_int_eq(res[1].status, DB_RG_REGRESSED);
	ck_assert_str_eq(db_regress_headline(&res[1])->name, "focus_move_ms.mean");
	out = render(res, 2, DB_FMT_TEXT, 0);
	/* the summary on line 2, one line per run with the headline and its unit */
	ck_assert_msg(strncmp(out, "regress against baseline 'main': 2 runs\n"
				   "summary: 1 regressed, 0 changed within tolerance, 1 identical, "
				   "0 with nothing to compare\n", 129) == 0, "%s", out);
	ASSERT_HAS(out, "  identical   same                             run 3              vs 1      "
			"trace 0000000000000abc\n");
	ASSERT_HAS(out, "  REGRESSED   slow                             run 4              vs 2      "
			"focus_move_ms.mean +20.0 % (73.5 ms -> 88.2 ms)\n");
	/* the identical run is not printed in full, the regressed one is */
	ASSERT_HASNT(out, "run 3 (same, sim) vs baseline run 1");
	ASSERT_HAS(out, "run 4 (slow, sim) vs baseline run 2: REGRESSED, 4 of 16 metrics regressed");
	ck_assert_uint_eq(lines(out), 4 + 1 + 3 + 16 + 1 + 6);
	free(out);
	out = render(res, 2, DB_FMT_TEXT, DB_RG_PRINT_VERBOSE);
	ASSERT_HAS(out, "run 3 (same, sim) vs baseline run 1: identical (trace 0000000000000abc)\n");
	free(out);
	out = render(res, 2, DB_FMT_MARKDOWN, 0);
	ASSERT_HAS(out, "2 runs: 1 regressed, 0 changed within tolerance, 1 identical, 0 with nothing to compare");
	ASSERT_HAS(out, "| run 4 | slow | 2 | **REGRESSED** | focus_move_ms.mean +20.0 % (73.5 ms -> 88.2 ms) |");
	ASSERT_HASNT(out, "### run 3");
	free(out);
}
END_TEST

START_TEST(floor_under_a_zero_baseline)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;
	char *out;

	make_ops(ops, 1);
	for (int i = 0; i < NOPS; i++)
		ops[i].validation_ms = 0.0;
	b = fix_add_run(&(fix_run){ .scenario = "v", .ops = ops, .nops = NOPS, .trace_hash = 1 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "x"), 0);
	for (int i = 0; i < NOPS; i++)
		ops[i].validation_ms = 0.28;   /* +0.28 ms on 0 ms */
	c = fix_add_run(&(fix_run){ .scenario = "v", .ops = ops, .nops = NOPS, .trace_hash = 2 });
	regress(c, &res);
	ck_assert_int_eq(res.status, DB_RG_OK);
	for (size_t i = 0; i < res.nmetrics; i++)
		if (strncmp(res.metrics[i].name, "validation_ms.", 14) == 0)
			ck_assert_int_eq(res.metrics[i].verdict, DB_SAME);
	out = render(&res, 1, DB_FMT_TEXT, 0);
	ASSERT_HAS(out, "  changed     v                                run 2              vs 1      "
			"total_ms.p95 +0.0 % (375.5 ms -> 375.5 ms)\n");
	ASSERT_HAS(out, "  validation_ms.mean               0 ms      0.28 ms   +0.28 ms   +5 % (>=1 ms)  same\n");
	free(out);
}
END_TEST

START_TEST(unfinished_candidate_is_flagged)
{
	fix_op ops[NOPS];
	int64_t b, c;
	db_regress_result res;
	char *out;

	make_ops(ops, 1);
	b = fix_add_run(&(fix_run){ .scenario = "k", .ops = ops, .nops = NOPS, .trace_hash = 1 });
	ck_assert_int_eq(db_baseline_set(fix_db, "main", b, "x"), 0);
	c = fix_add_run(&(fix_run){ .scenario = "k", .ops = ops, .nops = 10, .trace_hash = 0,
				    .status = "aborted", .message = "writer gone" });
	regress(c, &res);
	ck_assert(res.unfinished);
	ck_assert_str_eq(res.status_c, "aborted");
	out = render(&res, 1, DB_FMT_TEXT, 0);
	ASSERT_HAS(out, "warning: 1 candidate run did not finish (compared as asked, partial data)\n");
	ASSERT_HAS(out, "run 2 (ABORTED) (k, sim) [did not finish: writer gone: partial data] vs baseline run 1");
	free(out);
	out = render(&res, 1, DB_FMT_JSON, 0);
	ck_assert(json_valid(out));
	ASSERT_HAS(out, "\"run_status\": \"aborted\", \"finished\": false");
	free(out);
}
END_TEST

static int push_id(void *user, int64_t id)
{
	int64_t *v = user;

	v[++v[0]] = id;
	return 0;
}

START_TEST(selection_by_invocation_and_age)
{
	fix_op ops[NOPS];
	int64_t got[8] = { 0 }, id = 0;
	size_t newer = 0;
	char inv[64], iso[32], now[32], buf[32];
	double age;
	time_t t = time(NULL);
	struct tm tm;

	make_ops(ops, 1);
	fix_add_run(&(fix_run){ .scenario = "a", .ops = ops, .nops = 2, .invocation = "inv-1" });
	fix_add_run(&(fix_run){ .scenario = "b", .ops = ops, .nops = 2, .invocation = "inv-1" });
	fix_add_run(&(fix_run){ .scenario = "a", .ops = ops, .nops = 2, .invocation = "inv-2" });
	fix_add_run(&(fix_run){ .scenario = "a", .ops = ops, .nops = 2, .invocation = "inv-3",
				.status = "aborted" });
	ck_assert_int_eq(db_invocation_last(fix_db, inv, sizeof inv), 0);
	ck_assert_str_eq(inv, "inv-3");
	ck_assert_int_eq(db_runs_of_invocation(fix_db, "inv-1", push_id, got), 0);
	ck_assert_int_eq(got[0], 2);
	ck_assert_int_eq(got[1], 1);
	ck_assert_int_eq(got[2], 2);
	/* the newest finished run of a: run 3, with the aborted run 4 left out */
	ck_assert_int_eq(db_newest_finished(fix_db, "a", &id, &newer), 0);
	ck_assert_int_eq(id, 3);
	ck_assert_uint_eq(newer, 1);
	ck_assert_int_eq(db_newest_finished(fix_db, "nope", &id, &newer), 1);
	/* WHEN */
	ck_assert_int_eq(db_when_parse("2026-11-22", iso), 0);
	ck_assert_str_eq(iso, "2026-11-22T00:00:00Z");
	ck_assert_int_eq(db_when_parse("2026-11-22T02:52:17Z", iso), 0);
	ck_assert_str_eq(iso, "2026-11-22T02:52:17Z");
	ck_assert_int_eq(db_when_parse("2026-11-22T02:52", iso), 0);
	ck_assert_str_eq(iso, "2026-11-22T02:52:00Z");
	ck_assert_int_eq(db_when_parse("2h", iso), 0);
	ck_assert_int_eq(db_age_s(iso, &age), 0);
	ck_assert(age >= 7199 && age <= 7260);
	ck_assert_int_eq(db_when_parse("yesterday", iso), -1);
	ck_assert_int_eq(db_when_parse("2h30m", iso), -1);
	ck_assert_int_eq(db_when_parse("0m", iso), -1);
	ck_assert_int_eq(db_when_parse("2026-13-01", iso), -1);
	ck_assert_str_eq(db_age_str(42, buf, sizeof buf), "42 s");
	ck_assert_str_eq(db_age_str(3 * 3600 + 125, buf, sizeof buf), "3 h 2 min");
	ck_assert_str_eq(db_age_str(2 * 86400 + 5 * 3600, buf, sizeof buf), "2 d 5 h");
	/* every run was started within the last hour; none in the future */
	memset(got, 0, sizeof got);
	ck_assert_int_eq(db_when_parse("1h", iso), 0);
	ck_assert_int_eq(db_runs_since(fix_db, iso, push_id, got), 0);
	ck_assert_int_eq(got[0], 4);
	gmtime_r(&t, &tm);
	tm.tm_year += 1;
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	memset(got, 0, sizeof got);
	ck_assert_int_eq(db_runs_since(fix_db, now, push_id, got), 0);
	ck_assert_int_eq(got[0], 0);
}
END_TEST

Suite *regress_gate_suite(void)
{
	Suite *s = suite_create("regress_gate");
	TCase *tc = tcase_create("gate");

	tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, divergence_names_what_differs);
	tcase_add_test(tc, op_diff_is_exact);
	tcase_add_test(tc, summary_first_and_only_changes_in_full);
	tcase_add_test(tc, floor_under_a_zero_baseline);
	tcase_add_test(tc, unfinished_candidate_is_flagged);
	tcase_add_test(tc, selection_by_invocation_and_age);
	suite_add_tcase(s, tc);
	return s;
}
