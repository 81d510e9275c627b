/*
 * test_merge.c - `afsim db merge`: shards folded together give the
 * database one machine would have written (ids, rows, baselines); merging
 * again changes nothing; foreign, newer and older files; baselines that
 * disagree; a run still running when merged.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/merge.h"
#include "db/sha256.h"
#include "tests/dbfix.h"

/* A whole run: ops, a sample per op, an event, an expectation, a trace
 * index of 5000 records (two chunks), seeded by what it is. */
static int64_t record(db *d, const char *path, uint64_t seed, const char *inv, const char *status)
{
	db_run_info info = { .scenario = path + 10, .scenario_path = path, .scenario_sha256 = SHA_X,
			     .seed = seed, .mode = "sim", .afsim_version = "v-test",
			     .rig = "sim:default", .tol_time_frac = 0.05, .tol_accuracy_um = 0.05,
			     .invocation = inv };
	db_trace_rec *t = malloc(5000 * sizeof *t);
	int64_t id = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert_msg(db_run_begin(d, &info, &id) == 0, "%s", db_errmsg(d));
	for (uint32_t i = 1; i <= 3; i++) {
		db_op o = { .seq = i, .kind = "handoff", .t_ms = 10.0 * i + (double)seed,
			    .from_lens = "A", .to_lens = "B", .z_request_um = 1, .z_predicted_um = 1,
			    .z_found_um = 1, .mapping_error_um = 0.1 * (double)seed,
			    .focus_error_um = NAN, .lens_switch_ms = 40, .focus_move_ms = 50,
			    .focus_search_ms = 100 + (double)seed, .validation_ms = 1,
			    .total_ms = 191 + (double)seed, .frames = 4, .cache_hit = i == 2,
			    .temperature_c = 22, .success = true, .error = "" };
		db_sample sm = { .op_seq = i, .t_ms = o.t_ms, .lens = "B", .z_um = 1.5,
				 .focus_score = 100.0 * (double)i, .true_focus_um = 1.25,
				 .temperature_c = 22 };

		ck_assert_int_eq(db_sample_add(d, id, &sm), 0);
		ck_assert_int_eq(db_op_add(d, id, &o), 0);
	}
	{
		db_event e = { 12.5, "fault", "stage_stall 40 ms" };
		db_expect x = { "handoff.total_ms.p95", 195 + (double)seed, "max", 300, true, false };

		ck_assert_int_eq(db_event_add(d, id, &e), 0);
		ck_assert_int_eq(db_expect_add(d, id, &x), 0);
	}
	for (size_t i = 0; i < 5000; i++)
		t[i] = (db_trace_rec){ (uint16_t)(i % 7), (int64_t)i * 1000,
				       (i + seed) * 0x9e3779b97f4a7c15ULL };
	ck_assert_int_eq(db_trace_add(d, id, t, 5000), 0);
	free(t);
	if (strcmp(status, "running") == 0) {
		ck_assert_int_eq(db_flush(d), 0);
		return id;
	}
	ck_assert_msg(db_run_finish(d, id, status, 0xabc0 + seed, "", 3.5, 0.01 * (double)seed, NULL,
				    0) == 0, "%s", db_errmsg(d));
	return id;
}

static sqlite3 *raw(const char *name)
{
	sqlite3 *h = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path_of(name), &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	return h;
}

/*
 * A digest of what readers see: every row of every table, in order, but
 * the fields that differ between machines by nature (uid, times, host,
 * pid, wall seconds) - when `portable`; everything otherwise.
 */
static void digest(const char *name, bool portable, char hex[DB_SHA256_HEX])
{
	static const char *const q_portable[] = {
		"SELECT id, scenario, scenario_path, seed, mode, status, trace_hash, message, "
		"virtual_s, invocation FROM runs ORDER BY id",
		"SELECT * FROM ops ORDER BY run_id, seq",
		"SELECT * FROM samples ORDER BY run_id, seq",
		"SELECT * FROM events ORDER BY run_id, seq",
		"SELECT * FROM expectations ORDER BY run_id, rowid",
		"SELECT * FROM trace_chunks ORDER BY run_id, seq",
		"SELECT name, scenario, run_id, reason FROM baselines ORDER BY name, scenario",
	};
	static const char *const q_all[] = {
		"SELECT * FROM runs ORDER BY id", "SELECT * FROM ops ORDER BY run_id, seq",
		"SELECT * FROM samples ORDER BY run_id, seq", "SELECT * FROM events ORDER BY run_id, seq",
		"SELECT * FROM expectations ORDER BY rowid", "SELECT * FROM trace_chunks ORDER BY rowid",
		"SELECT * FROM baselines ORDER BY name, scenario",
	};
	const char *const *q = portable ? q_portable : q_all;
	sqlite3 *h = raw(name);
	uint8_t dg[DB_SHA256_LEN];
	db_sha256 c;

	db_sha256_init(&c);
	for (size_t k = 0; k < 7; k++) {
		sqlite3_stmt *st = NULL;

		ck_assert_msg(sqlite3_prepare_v2(h, q[k], -1, &st, NULL) == SQLITE_OK, "%s", q[k]);
		while (sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const void *b = sqlite3_column_blob(st, i);
				int n = sqlite3_column_bytes(st, i);
				int type = sqlite3_column_type(st, i);

				db_sha256_update(&c, &type, sizeof type);
				db_sha256_update(&c, &n, sizeof n);
				db_sha256_update(&c, b, (size_t)n);
			}
		sqlite3_finalize(st);
		db_sha256_update(&c, "|", 1);
	}
	db_sha256_final(&c, dg);
	db_sha256_to_hex(dg, hex);
	sqlite3_close(h);
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
	rc = db_merge(d, inp, n, NULL, NULL, res);
	if (rc != 0)
		snprintf(err, errlen, "%s", db_errmsg(d));
	db_close(d);
	return rc;
}

/* The work list a.yaml, b.yaml, c/x.yaml (two seeds each), one machine
 * against two shards that ran parts of it, in whatever order. */
static const char *const work[] = { "scenarios/a.yaml", "scenarios/b-c.yaml", "scenarios/b/x.yaml" };

START_TEST(shards_merge_to_one_machine)
{
	db *one = open_rw("one.db"), *s1 = open_rw("s1.db"), *s2 = open_rw("s2.db");
	const char *const in[] = { "s2.db", "s1.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char a[DB_SHA256_HEX], b[DB_SHA256_HEX], err[512];

	/* one machine: the sorted list (b/x before b-c: folders walked first) */
	record(one, work[0], 1, "inv", "passed");
	record(one, work[0], 2, "inv", "passed");
	record(one, work[2], 1, "inv", "failed");
	record(one, work[2], 2, "inv", "passed");
	record(one, work[1], 1, "inv", "passed");
	record(one, work[1], 2, "inv", "passed");
	/* the shards, each in its own order */
	record(s1, work[1], 2, "inv", "passed");
	record(s1, work[0], 1, "inv", "passed");
	record(s1, work[2], 2, "inv", "passed");
	record(s2, work[2], 1, "inv", "failed");
	record(s2, work[1], 1, "inv", "passed");
	record(s2, work[0], 2, "inv", "passed");
	db_close(one);
	db_close(s1);
	db_close(s2);
	ck_assert_msg(merge("all.db", in, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 6);
	ck_assert_int_eq(res.first_id, 1);
	ck_assert_int_eq(res.last_id, 6);
	ck_assert_uint_eq(res.present, 0);
	ck_assert_uint_eq(inp[0].runs, 3);
	ck_assert_uint_eq(inp[0].added, 3);
	ck_assert_int_eq(inp[0].version, DB_SCHEMA_VERSION);
	/* 3 ops + 3 samples + 1 event + 1 expectation + 2 chunks a run */
	ck_assert_uint_eq(res.rows, 6 * 10);
	digest("one.db", true, a);
	digest("all.db", true, b);
	ck_assert_str_eq(a, b);
}
END_TEST

/* Merging the same shards again, in another order, one of them twice,
 * changes nothing at all. */
START_TEST(merge_is_idempotent)
{
	db *s1 = open_rw("s1.db"), *s2 = open_rw("s2.db");
	const char *const first[] = { "s1.db", "s2.db" };
	const char *const again[] = { "s2.db", "s1.db", "s2.db" };
	db_merge_input inp[3];
	db_merge_result res;
	char a[DB_SHA256_HEX], b[DB_SHA256_HEX], err[512];
	sqlite3 *h;

	record(s1, work[0], 1, "inv", "passed");
	record(s2, work[1], 1, "inv", "passed");
	ck_assert_int_eq(db_baseline_set(s2, "main", 1, "blessed"), 0);
	db_close(s1);
	db_close(s2);
	ck_assert_msg(merge("all.db", first, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 2);
	ck_assert_uint_eq(res.baselines_added, 1);
	digest("all.db", false, a);
	ck_assert_msg(merge("all.db", again, 3, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 0);
	ck_assert_uint_eq(res.present, 3);
	ck_assert_uint_eq(res.rows, 0);
	ck_assert_uint_eq(res.baselines_same, 2);
	ck_assert_uint_eq(inp[0].present, 1);
	ck_assert_uint_eq(inp[2].present, 1);
	digest("all.db", false, b);
	ck_assert_str_eq(a, b);
	/* the baseline names the merged run of its scenario (id 2 here) */
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT run_id FROM baselines WHERE name = 'main'"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs r JOIN baselines b ON b.run_id = r.id "
				  "WHERE r.scenario_path = 'scenarios/b-c.yaml'"), 1);
	sqlite3_close(h);
}
END_TEST

/* A merge into a database that has runs of its own appends after them;
 * a run the output already has (a shard started from a copy of it) is
 * not copied again. */
START_TEST(merge_into_history)
{
	db *out = open_rw("out.db"), *s;
	const char *const in[] = { "s.db" };
	db_merge_input inp[1];
	db_merge_result res;
	char err[512];
	sqlite3 *h;

	record(out, work[0], 1, "old", "passed");
	db_close(out);
	/* the shard starts from a copy of the output */
	{
		char cmd[800];

		snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path_of("out.db"), path_of("s.db"));
		ck_assert_int_eq(system(cmd), 0);
	}
	s = open_rw("s.db");
	record(s, work[1], 1, "new", "passed");
	db_close(s);
	ck_assert_msg(merge("out.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 1);
	ck_assert_uint_eq(res.present, 1);
	ck_assert_int_eq(res.first_id, 2);
	h = raw("out.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 6);
	sqlite3_close(h);
}
END_TEST

/* Another program's SQLite file, a newer schema, the output itself, a
 * missing file: refused, and nothing of the other inputs is written. */
START_TEST(refuses_foreign_and_newer)
{
	db *s1 = open_rw("s1.db");
	const char *const foreign[] = { "s1.db", "foreign.db" };
	const char *const newer[] = { "s1.db", "newer.db" };
	const char *const self[] = { "all.db" };
	const char *const none[] = { "nosuch.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char err[512], want[700];
	sqlite3 *h;

	record(s1, work[0], 1, "inv", "passed");
	db_close(s1);
	ck_assert_int_eq(sqlite3_open(path_of("foreign.db"), &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "CREATE TABLE accounts (id INTEGER, owner TEXT); "
				      "INSERT INTO accounts VALUES (1, 'x')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(merge("all.db", foreign, 2, inp, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot merge: cannot open database '%s': it is not an afsim "
				    "database (application_id 0, 1 schema objects, user_version 0): "
				    "refusing to use it", path_of("foreign.db"));
	ck_assert_str_eq(err, want);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 0);
	sqlite3_close(h);

	s1 = open_rw("newer.db");
	db_close(s1);
	h = raw("newer.db");
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(merge("all.db", newer, 2, inp, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot merge: cannot open database '%s': the database has "
				    "schema version 99, newer than this afsim's %d",
		 path_of("newer.db"), DB_SCHEMA_VERSION);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(merge("all.db", self, 1, inp, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot merge '%s': it is the output database", path_of("all.db"));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(merge("all.db", none, 1, inp, &res, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot merge: no such database '%s'", path_of("nosuch.db"));
	ck_assert_str_eq(err, want);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 0);
	sqlite3_close(h);
}
END_TEST

/* A database of schema 4 (before uids) is read through a migrated copy
 * and left as it was; two copies of it give their runs the same uids, so
 * they are merged once. */
START_TEST(older_schema_through_a_copy)
{
	db *s = open_rw("v4.db");
	const char *const in[] = { "v4.db", "v4copy.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char err[512], cmd[800], uid[DB_UID_LEN + 1], want[DB_UID_LEN + 1], host[256], started[32];
	sqlite3 *h;
	int64_t pid;

	ck_assert_int_eq(setenv("TMPDIR", tmpdir, 1), 0);
	record(s, work[0], 1, "inv", "passed");
	record(s, work[1], 1, "inv", "passed");
	db_close(s);
	h = raw("v4.db");
	ck_assert_int_eq(sqlite3_exec(h, "DROP INDEX runs_uid; ALTER TABLE runs DROP COLUMN uid; "
				      "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
	{
		sqlite3_stmt *st = NULL;

		ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT host, pid, started_at FROM runs WHERE "
						       "id = 1", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		snprintf(host, sizeof host, "%s", sqlite3_column_text(st, 0));
		pid = sqlite3_column_int64(st, 1);
		snprintf(started, sizeof started, "%s", sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path_of("v4.db"), path_of("v4copy.db"));
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(merge("all.db", in, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(inp[0].version, 4);
	ck_assert(inp[0].migrated);
	ck_assert_uint_eq(res.added, 2);
	ck_assert_uint_eq(inp[1].present, 2);
	/* the input is untouched */
	h = raw("v4.db");
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), 4);
	sqlite3_close(h);
	/* the uid is the derived one */
	db_uid_legacy(host, pid, started, 1, work[0] + 10, 1, want);
	s = open_rw("all.db");
	ck_assert_int_eq(db_run_uid(s, 1, uid), 0);
	ck_assert_str_eq(uid, want);
	ck_assert_int_eq(db_run_uid(s, 3, uid), -1);
	db_close(s);
	/* no temporary copy is left (TMPDIR is the test's folder) */
	snprintf(cmd, sizeof cmd, "ls '%s' | grep -c afsim-merge", tmpdir);
	{
		FILE *p = popen(cmd, "r");
		int left = -1;

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(fscanf(p, "%d", &left), 1);
		pclose(p);
		ck_assert_int_eq(left, 0);
	}
}
END_TEST

/* Two baselines of one name and scenario: the later blessed wins. */
START_TEST(baselines_later_wins)
{
	db *s1 = open_rw("s1.db"), *s2 = open_rw("s2.db");
	const char *const in[] = { "s1.db", "s2.db" };
	db_merge_input inp[2];
	db_merge_result res;
	char err[512];
	sqlite3 *h;

	record(s1, work[0], 1, "inv1", "passed");
	record(s2, work[0], 2, "inv2", "passed");
	ck_assert_int_eq(db_baseline_set(s1, "main", 1, "old"), 0);
	ck_assert_int_eq(db_baseline_set(s2, "main", 1, "new"), 0);
	db_close(s1);
	db_close(s2);
	h = raw("s1.db");
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE baselines SET created_at = '2026-01-01T00:00:00Z'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	h = raw("s2.db");
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE baselines SET created_at = '2026-02-01T00:00:00Z'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_msg(merge("all.db", in, 2, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.baselines_added, 1);
	ck_assert_uint_eq(res.baselines_replaced, 1);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT r.seed FROM baselines b JOIN runs r ON r.id = b.run_id"), 2);
	sqlite3_close(h);
	/* the other way round: the output's later baseline is kept */
	{
		const char *const back[] = { "s1.db" };

		ck_assert_msg(merge("all.db", back, 1, inp, &res, err, sizeof err) == 0, "%s", err);
		ck_assert_uint_eq(res.baselines_kept, 1);
		h = raw("all.db");
		ck_assert_int_eq(q_int(h, "SELECT r.seed FROM baselines b JOIN runs r ON r.id = b.run_id"), 2);
		sqlite3_close(h);
	}
}
END_TEST

/* A run still running on another host is merged as running; once its
 * shard finished it, a second merge replaces it under the same id. */
START_TEST(running_run_is_refreshed)
{
	db *s = open_rw("s.db");
	const char *const in[] = { "s.db" };
	db_merge_input inp[1];
	db_merge_result res;
	char err[512];
	int64_t id;
	sqlite3 *h;

	id = record(s, work[0], 1, "inv", "running");
	h = raw("s.db");
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE runs SET host = 'elsewhere'", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	ck_assert_msg(merge("all.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 1);
	ck_assert_uint_eq(res.running, 1);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
	sqlite3_close(h);
	/* the shard finishes it */
	ck_assert_msg(db_run_finish(s, id, "passed", 0x77, "", 1.0, 0.5, NULL, 0) == 0, "%s",
		      db_errmsg(s));
	db_close(s);
	ck_assert_msg(merge("all.db", in, 1, inp, &res, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(res.added, 0);
	ck_assert_uint_eq(res.refreshed, 1);
	h = raw("all.db");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE id = 1 AND status = 'passed'"), 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops WHERE run_id = 1"), 3);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM trace_chunks WHERE run_id = 1"), 2);
	sqlite3_close(h);
}
END_TEST

/* uids: 32 hex digits, distinct, unique in the schema. */
START_TEST(uids_are_unique)
{
	db *d = open_rw("u.db");
	char a[DB_UID_LEN + 1], b[DB_UID_LEN + 1];
	sqlite3 *h;

	record(d, work[0], 1, NULL, "passed");
	record(d, work[0], 2, NULL, "passed");
	ck_assert_int_eq(db_run_uid(d, 1, a), 0);
	ck_assert_int_eq(db_run_uid(d, 2, b), 0);
	ck_assert_uint_eq(strlen(a), DB_UID_LEN);
	ck_assert_uint_eq(strspn(a, "0123456789abcdef"), DB_UID_LEN);
	ck_assert_str_ne(a, b);
	db_close(d);
	h = raw("u.db");
	ck_assert_int_ne(sqlite3_exec(h, "UPDATE runs SET uid = (SELECT uid FROM runs WHERE id = 1) "
				      "WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}
END_TEST

/* What shards are balanced by: the median wall time of the newest five
 * finished runs of a scenario. */
START_TEST(expected_wall_time)
{
	db *d = open_rw("h.db");
	double w = 0;

	for (uint64_t seed = 1; seed <= 7; seed++)
		record(d, work[0], seed, NULL, seed == 6 ? "failed" : "passed");
	record(d, work[0], 90, NULL, "error");
	record(d, work[0], 80, NULL, "running");
	record(d, work[1], 2, "old", "passed");
	record(d, work[1], 4, "old", "passed");
	record(d, work[1], 9, "now", "passed");   /* this invocation's: left out */
	ck_assert_int_eq(db_expected_wall_s(d, "a.yaml", "now", &w), 0);
	ck_assert_double_eq_tol(w, 0.05, 1e-12);   /* seeds 3..7: 0.03 .. 0.07 */
	ck_assert_int_eq(db_expected_wall_s(d, "b-c.yaml", "now", &w), 0);
	ck_assert_double_eq_tol(w, 0.03, 1e-12);   /* the mean of the middle two */
	ck_assert_int_eq(db_expected_wall_s(d, "b-c.yaml", NULL, &w), 0);
	ck_assert_double_eq_tol(w, 0.04, 1e-12);   /* 0.02, 0.04, 0.09 */
	ck_assert_int_eq(db_expected_wall_s(d, "nosuch", NULL, &w), 1);
	db_close(d);
}
END_TEST

Suite *merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, shards_merge_to_one_machine);
	tcase_add_test(tc, merge_is_idempotent);
	tcase_add_test(tc, merge_into_history);
	tcase_add_test(tc, refuses_foreign_and_newer);
	tcase_add_test(tc, older_schema_through_a_copy);
	tcase_add_test(tc, baselines_later_wins);
	tcase_add_test(tc, running_run_is_refreshed);
	tcase_add_test(tc, uids_are_unique);
	tcase_add_test(tc, expected_wall_time);
	suite_add_tcase(s, tc);
	return s;
}
