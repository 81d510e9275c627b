/*
 * test_merge_valid.c - `afsim db merge` carries the validations of rigs
 * (validations, validation_items) as it carries runs: from several rigs'
 * databases into one, every figure and verdict as recorded, ids by start
 * whatever the input order; merging again, or an input that started as a
 * copy of the output, adds nothing; copies of one content counted; a
 * validation that cannot be read merges nothing at all; an input older
 * than validations is read through its migrated copy.
 */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/merge.h"
#include "db/validation.h"
#include "tests/dbfix.h"

static sqlite3 *raw(const char *name)
{
	sqlite3 *h = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path_of(name), &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	return h;
}

static void exec(const char *name, const char *sql)
{
	sqlite3 *h = raw(name);

	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(h));
	sqlite3_close(h);
}

static void q_text_of(const char *name, const char *sql, char *out, size_t n)
{
	sqlite3 *h = raw(name);

	q_text(h, sql, out, n);
	sqlite3_close(h);
}

/* The notes a merge made, one after the other. */
static char notes[2048];

static void keep_note(void *user, const char *line)
{
	(void)user;
	snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s\n", line);
}

static int merge(const char *out, const char *const *in, size_t n, db_merge_input *inp,
		 db_merge_result *res, char *err, size_t errlen)
{
	db *d = open_rw(out);
	int rc;

	for (size_t i = 0; i < n; i++) {
		memset(&inp[i], 0, sizeof inp[i]);
		inp[i].path = path_of(in[i]);
	}
	notes[0] = '\0';
	rc = db_merge(d, inp, n, keep_note, NULL, res);
	if (rc != 0)
		snprintf(err, errlen, "%s", db_errmsg(d));
	db_close(d);
	return rc;
}

/*
 * A validation of rig `rig` started at `started`: three measurements, k
 * in their figures - a PASS, an ERROR without value or sd, a MARGINAL with
 * both limits; a lower limit left open on the first.
 */
static int64_t validate(db *d, const char *rig, const char *started, int k)
{
	static const char *const status[] = { "passed", "marginal", "failed", "error" };
	char file[64], detail[64];
	db_validation v = { .rig = rig, .rig_file = file, .identity = "bench-fw 2.1",
			    .camera = k % 2 ? "genicam:127.0.0.1" : "rig",
			    .status = status[k % 4], .message = k % 4 == 3 ? "a measurement failed" : "",
			    .started_at = started, .afsim_version = "v-test", .reps = 10u + (uint32_t)k,
			    .wall_s = 11.5 + 0.25 * k };
	db_validation_item it[3] = {
		{ 1, "lens switch", 39.25 + k, "ms", NAN, 50, 10, "PASS", 10, 2.5 + k, 400.5,
		  detail },
		{ 2, "focus move", NAN, "ms", NAN, 80, 10, "ERROR", 0, NAN, 12.0,
		  "rig 'x': MOVE_Z: no reply within 300 ms" },
		{ 3, "temperature", 21.5 + k, "C", 10, 40, 10, "MARGINAL", 20, 0.125, 5.0 + k, "" },
	};
	int64_t id = 0;

	snprintf(file, sizeof file, "rigs/%s.yaml", rig);
	snprintf(detail, sizeof detail, "mean of 10 switches A <-> B (%d)", k);
	ck_assert_msg(db_validation_add(d, &v, it, 3, &id) == 0, "%s", db_errmsg(d));
	return id;
}

/* A finished run, so that runs and validations are merged together. */
static void run_of(db *d, const char *scenario)
{
	int64_t id = begin(d, scenario, 1);

	add_ops(d, id, 1, 2);
	finish(d, id, "passed");
}

/* Every column of every validation and item, in id order: what readers see. */
static void dump(const char *name, char *out, size_t n)
{
	q_text_of(name, "SELECT group_concat(x, '|') FROM (SELECT quote(id) || quote(rig) || "
			"quote(rig_file) || quote(identity) || quote(camera) || quote(started_at) || "
			"quote(finished_at) || quote(status) || quote(reps) || quote(afsim_version) || "
			"quote(host) || quote(message) || quote(wall_s) AS x FROM validations "
			"UNION ALL SELECT quote(validation_id) || quote(seq) || quote(name) || "
			"quote(value) || quote(unit) || quote(limit_lo) || quote(limit_hi) || "
			"quote(margin_pct) || quote(outcome) || quote(n) || quote(sd) || "
			"quote(duration_ms) || quote(detail) FROM validation_items ORDER BY 1)", out, n);
}

/* Collects the items of a validation as read back. */
typedef struct items {
	db_validation_item_row r[4];
	int n;
} items;

static int keep_item(void *user, const db_validation_item_row *it)
{
	items *x = user;

	ck_assert_int_lt(x->n, 4);
	x->r[x->n++] = *it;
	return 0;
}

START_TEST(validations_of_two_rigs)
{
	db *r1 = open_rw("rig1.db"), *r2 = open_rw("rig2.db"), *all;
	const char *const in[] = { "rig2.db", "rig1.db" };
	const char *const again[] = { "rig1.db", "rig2.db", "rig1.db" };
	db_merge_input inp[3];
	db_merge_result res;
	db_validation_row row;
	char err[512], a[8192], b[8192];
	items it = { .n = 0 };
	int64_t last = 0;

	validate(r1, "bench-1", "2026-03-01T10:00:00Z", 0);
	validate(r1, "bench-1", "2026-03-01T12:00:00Z", 2);
	run_of(r1, "a");
	validate(r2, "bench-2", "2026-03-01T11:00:00Z", 1);
	run_of(r2, "b");
	db_close(r1);
	db_close(r2);
	ck_assert_msg(merge("all.db", in, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 2);
	ck_assert_uint_eq(res.validations_added, 3);
	ck_assert_uint_eq(res.validations_present, 0);
	ck_assert_int_eq(res.validations_first_id, 1);
	ck_assert_int_eq(res.validations_last_id, 3);
	ck_assert_uint_eq(res.validation_items, 9);
	ck_assert_uint_eq(inp[0].validations, 1);
	ck_assert_uint_eq(inp[0].validations_added, 1);
	ck_assert_uint_eq(inp[1].validations, 2);
	ck_assert_uint_eq(inp[1].validations_added, 2);
	ck_assert_str_eq(notes, "");   /* no "table validations ... is not merged" */

	/* by start, not by input: bench-1 at 10:00, bench-2 at 11:00, bench-1 at 12:00 */
	all = open_rw("all.db");
	ck_assert_int_eq(db_validation_last(all, &last), 0);
	ck_assert_int_eq(last, 3);
	ck_assert_int_eq(db_validation_get(all, 2, &row), 0);
	ck_assert_str_eq(row.rig, "bench-2");
	ck_assert_str_eq(row.rig_file, "rigs/bench-2.yaml");
	ck_assert_str_eq(row.identity, "bench-fw 2.1");
	ck_assert_str_eq(row.camera, "genicam:127.0.0.1");
	ck_assert_str_eq(row.status, "marginal");
	ck_assert_str_eq(row.started_at, "2026-03-01T11:00:00Z");
	ck_assert_str_eq(row.afsim_version, "v-test");
	ck_assert_uint_eq(row.reps, 11);
	ck_assert_double_eq(row.wall_s, 11.75);
	ck_assert_int_eq(db_validation_items(all, 2, keep_item, &it), 0);
	ck_assert_int_eq(it.n, 3);
	ck_assert_uint_eq(it.r[0].seq, 1);
	ck_assert_str_eq(it.r[0].name, "lens switch");
	ck_assert_double_eq(it.r[0].value, 40.25);
	ck_assert_str_eq(it.r[0].unit, "ms");
	ck_assert(isnan(it.r[0].limit_lo));
	ck_assert_double_eq(it.r[0].limit_hi, 50);
	ck_assert_double_eq(it.r[0].margin_pct, 10);
	ck_assert_str_eq(it.r[0].outcome, "PASS");
	ck_assert_uint_eq(it.r[0].n, 10);
	ck_assert_double_eq(it.r[0].sd, 3.5);
	ck_assert_double_eq(it.r[0].duration_ms, 400.5);
	ck_assert_str_eq(it.r[0].detail, "mean of 10 switches A <-> B (1)");
	ck_assert_str_eq(it.r[1].outcome, "ERROR");
	ck_assert(isnan(it.r[1].value));
	ck_assert(isnan(it.r[1].sd));
	ck_assert_str_eq(it.r[1].detail, "rig 'x': MOVE_Z: no reply within 300 ms");
	ck_assert_uint_eq(it.r[2].seq, 3);
	ck_assert_str_eq(it.r[2].outcome, "MARGINAL");
	ck_assert_double_eq(it.r[2].value, 22.5);
	ck_assert_double_eq(it.r[2].limit_lo, 10);
	ck_assert_double_eq(it.r[2].limit_hi, 40);
	ck_assert_uint_eq(it.r[2].n, 20);
	ck_assert_int_eq(db_validation_get(all, 1, &row), 0);
	ck_assert_str_eq(row.rig, "bench-1");
	ck_assert_str_eq(row.status, "passed");
	ck_assert_int_eq(db_validation_get(all, 3, &row), 0);
	ck_assert_str_eq(row.status, "failed");
	ck_assert_uint_eq(row.reps, 12);
	db_close(all);

	/* the row and items of each are those of its rig's database */
	{
		char one[4096], merged[4096];

		q_text_of("rig2.db", "SELECT group_concat(quote(value) || ' ' || quote(sd) || ' ' || outcome, ' ') "
				     "FROM validation_items", one, sizeof one);
		q_text_of("all.db", "SELECT group_concat(quote(value) || ' ' || quote(sd) || ' ' || outcome, ' ') "
				    "FROM validation_items WHERE validation_id = 2", merged, sizeof merged);
		ck_assert_str_eq(merged, one);
		ck_assert_str_eq(one, "40.25 3.5 PASS NULL NULL ERROR 22.5 0.125 MARGINAL");
	}

	/* again, in another order, one twice: nothing more */
	dump("all.db", a, sizeof a);
	ck_assert_msg(merge("all.db", again, 3, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.validations_added, 0);
	ck_assert_uint_eq(res.validations_present, 5);
	ck_assert_uint_eq(res.validation_items, 0);
	ck_assert_int_eq(res.validations_first_id, 0);
	ck_assert_uint_eq(inp[2].validations_present, 2);
	dump("all.db", b, sizeof b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* A rig database that started as a copy of the output: what the output
 * has stays single; the new one gets the next id. */
START_TEST(validations_into_history)
{
	db *out = open_rw("out.db"), *s;
	const char *const in[] = { "s.db" };
	db_merge_input inp[1];
	db_merge_result res;
	char err[512], cmd[800];
	sqlite3 *h;

	validate(out, "bench-1", "2026-03-01T10:00:00Z", 0);
	validate(out, "bench-1", "2026-03-02T10:00:00Z", 1);
	db_close(out);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path_of("out.db"), path_of("s.db"));
	ck_assert_int_eq(system(cmd), 0);
	s = open_rw("s.db");
	/* started before the output's own: still after them in id */
	validate(s, "bench-9", "2026-02-01T09:00:00Z", 3);
	db_close(s);
	ck_assert_msg(merge("out.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(inp[0].validations, 3);
	ck_assert_uint_eq(inp[0].validations_added, 1);
	ck_assert_uint_eq(inp[0].validations_present, 2);
	ck_assert_int_eq(res.validations_first_id, 3);
	h = raw("out.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validations"), 3);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validation_items"), 9);
	ck_assert_int_eq(q_int(h, "SELECT id FROM validations WHERE rig = 'bench-9'"), 3);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validation_items WHERE validation_id = 3 "
				  "AND outcome = 'ERROR' AND value IS NULL"), 1);
	sqlite3_close(h);
}
END_TEST

/* Two records of one content in one database (an instant error twice in
 * a second): both arrive, once; a database with one of them adds none. */
START_TEST(copies_of_one_content_are_counted)
{
	db *s = open_rw("s.db");
	const char *const in[] = { "s.db" };
	const char *const one[] = { "one.db" };
	db_merge_input inp[1];
	db_merge_result res;
	char err[512], cmd[800];
	sqlite3 *h;

	validate(s, "bench-1", "2026-03-01T10:00:00Z", 3);
	db_close(s);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path_of("s.db"), path_of("one.db"));
	ck_assert_int_eq(system(cmd), 0);
	exec("s.db", "INSERT INTO validations (rig, rig_file, identity, camera, started_at, "
		     "finished_at, status, reps, afsim_version, host, message, wall_s) "
		     "SELECT rig, rig_file, identity, camera, started_at, finished_at, status, reps, "
		     "afsim_version, host, message, wall_s FROM validations WHERE id = 1; "
		     "INSERT INTO validation_items SELECT 2, seq, name, value, unit, limit_lo, "
		     "limit_hi, margin_pct, outcome, n, sd, duration_ms, detail FROM validation_items "
		     "WHERE validation_id = 1");
	ck_assert_msg(merge("all.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.validations_added, 2);
	ck_assert_msg(merge("all.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.validations_added, 0);
	ck_assert_uint_eq(res.validations_present, 2);
	ck_assert_msg(merge("all.db", one, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.validations_added, 0);
	ck_assert_uint_eq(res.validations_present, 1);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validations"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validation_items"), 6);
	sqlite3_close(h);
	/* a validation that differs in one item's figure is another one */
	exec("one.db", "UPDATE validation_items SET value = 39.5 WHERE seq = 1");
	ck_assert_msg(merge("all.db", one, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.validations_added, 1);
	ck_assert_int_eq(res.validations_first_id, 3);
}
END_TEST

/* An input whose validations cannot be read: the merge stops with its
 * name and why, and the output has nothing of the other input either. */
START_TEST(unreadable_validations_merge_nothing)
{
	db *r1 = open_rw("rig1.db"), *r2 = open_rw("rig2.db");
	const char *const in[] = { "rig1.db", "rig2.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char err[512], want[700];
	sqlite3 *h;

	run_of(r1, "a");
	validate(r1, "bench-1", "2026-03-01T10:00:00Z", 0);
	validate(r2, "bench-2", "2026-03-01T11:00:00Z", 1);
	db_close(r1);
	db_close(r2);
	exec("rig2.db", "DROP TABLE validation_items");
	ck_assert_int_eq(merge("all.db", in, 2, inp, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot merge '%s': cannot read its validations: no such table: "
				    "validation_items", path_of("rig2.db"));
	ck_assert_str_eq(err, want);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 0);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validations"), 0);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validation_items"), 0);
	sqlite3_close(h);
}
END_TEST

/* A database of schema 5 (before validations) next to one of now: read
 * through its migrated copy, it has none; the other's arrive. */
START_TEST(older_input_has_none)
{
	db *old = open_rw("v5.db"), *now = open_rw("now.db");
	const char *const in[] = { "v5.db", "now.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char err[512];

	ck_assert_int_eq(setenv("TMPDIR", tmpdir, 1), 0);
	run_of(old, "a");
	validate(now, "bench-1", "2026-03-01T10:00:00Z", 0);
	db_close(old);
	db_close(now);
	exec("v5.db", "DROP TABLE validation_items; DROP TABLE validations; PRAGMA user_version = 5");
	ck_assert_msg(merge("all.db", in, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(inp[0].version, 5);
	ck_assert(inp[0].migrated);
	ck_assert_uint_eq(inp[0].validations, 0);
	ck_assert_uint_eq(inp[1].validations_added, 1);
	ck_assert_uint_eq(res.added, 1);
	ck_assert_uint_eq(res.validation_items, 3);
	ck_assert_str_eq(notes, "");
}
END_TEST

Suite *merge_valid_suite(void)
{
	Suite *s = suite_create("merge_valid");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, validations_of_two_rigs);
	tcase_add_test(tc, validations_into_history);
	tcase_add_test(tc, copies_of_one_content_are_counted);
	tcase_add_test(tc, unreadable_validations_merge_nothing);
	tcase_add_test(tc, older_input_has_none);
	suite_add_tcase(s, tc);
	return s;
}
