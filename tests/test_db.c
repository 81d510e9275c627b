/*
 * test_db.c - the results store (db/db.h, db/sha256.h) in one process.
 * Every test works in a temp folder of its own (tests/dbfix.h) and reads
 * back what the store wrote with plain SQL on a second connection, as a
 * user with the sqlite3 shell would: the schema and user_version, every
 * column of a run's rows, NaN as NULL, batching (a second connection sees
 * whole batches only), queries and baselines, the trace index, and the
 * ways opening can fail.  Several processes: test_db_proc.c.
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
#include "db/sha256.h"
#include "tests/dbfix.h"

Suite *db_suite(void);

/* --- SHA-256 ------------------------------------------------------------------ */

START_TEST(sha256_vectors)
{
	static const struct { const char *msg, *hex; } v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[DB_SHA256_HEX];
	db_sha256 c;
	uint8_t dg[DB_SHA256_LEN], chunk[997];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		db_sha256_hex(v[i].msg, strlen(v[i].msg), hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	/* one million 'a' in odd-sized pieces: block boundaries fall anywhere */
	memset(chunk, 'a', sizeof chunk);
	db_sha256_init(&c);
	for (size_t left = 1000000; left;) {
		size_t k = left < sizeof chunk ? left : sizeof chunk;

		db_sha256_update(&c, chunk, k);
		left -= k;
	}
	db_sha256_final(&c, dg);
	db_sha256_to_hex(dg, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 55, 56 and 64 bytes: the padding edge cases agree with byte-by-byte */
	for (size_t n = 55; n <= 64; n++) {
		char one[DB_SHA256_HEX];

		db_sha256_hex(chunk, n, hex);
		db_sha256_init(&c);
		for (size_t i = 0; i < n; i++)
			db_sha256_update(&c, chunk + i, 1);
		db_sha256_final(&c, dg);
		db_sha256_to_hex(dg, one);
		ck_assert_str_eq(hex, one);
	}
}
END_TEST

/* --- schema ------------------------------------------------------------------- */

START_TEST(fresh_schema)
{
	static const char *const cols[] = {
		"id", "scenario", "scenario_path", "scenario_sha256", "seed", "mode", "started_at",
		"finished_at", "status", "trace_hash", "afsim_version", "host", "pid", "rig",
		"message", "virtual_s", "wall_s", "tol_time_frac", "tol_accuracy_um", "invocation",
		"uid",
	};
	db *d = open_db();
	sqlite3 *h = raw_open();
	sqlite3_stmt *st;
	char s[128];
	size_t i = 0;

	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(h, "PRAGMA application_id"), 0x4146534d);
	q_text(h, "PRAGMA journal_mode", s, sizeof s);
	ck_assert_str_eq(s, "wal");
	q_text(h, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
		  "WHERE type = 'table' ORDER BY name)", s, sizeof s);
	ck_assert_str_eq(s, "baselines,events,expectations,ops,runs,samples,trace_chunks,traces,"
			    "validation_items,validations");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
				  "AND name = 'runs_scenario' AND tbl_name = 'runs'"), 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
				  "AND name = 'runs_uid' AND tbl_name = 'runs' AND sql LIKE '%UNIQUE%'"), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT name FROM pragma_table_info('runs') ORDER BY cid",
					    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ck_assert_uint_lt(i, sizeof cols / sizeof cols[0]);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), cols[i]);
		i++;
	}
	sqlite3_finalize(st);
	ck_assert_uint_eq(i, sizeof cols / sizeof cols[0]);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('ops')"), 21);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('samples')"), 9);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('events')"), 5);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('expectations')"), 6);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('traces')"), 3);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('trace_chunks')"), 5);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('baselines')"), 5);
	/* the CHECK constraints hold for the shell too */
	ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO runs (scenario, scenario_path, scenario_sha256, "
				     "seed, mode, started_at, status, afsim_version, host, pid, rig) "
				     "VALUES ('x', 'x', 'x', 1, 'sim', 't', 'bogus', 'v', 'h', 1, 'r')",
				     NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* A version-1 database (no invocation column) is migrated in place: its
 * runs are kept, with no invocation, and new runs record theirs. */
START_TEST(migrate_from_v1)
{
	db *d = open_db();
	sqlite3 *h;
	db_run_row row;
	db_run_info info = { .scenario = "new", .scenario_path = "n.yaml", .scenario_sha256 = SHA_X,
			     .seed = 2, .mode = "sim", .afsim_version = "v", .rig = "sim:default",
			     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05, .invocation = "inv-42" };
	int64_t old = begin(d, "old", 1), id = 0;

	finish(d, old, "passed");
	db_close(d);
	h = raw_open();
	/* a version-1 file, as afsim wrote it then: no application id either */
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE validation_items; DROP TABLE validations; "
				     "DROP INDEX runs_uid; ALTER TABLE runs DROP COLUMN uid; "
				     "DROP TABLE trace_chunks; DROP INDEX runs_invocation; "
				     "ALTER TABLE runs DROP COLUMN invocation; "
				     "PRAGMA user_version = 1; PRAGMA application_id = 0",
				     NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM pragma_table_info('runs') "
				  "WHERE name = 'invocation'"), 0);
	d = open_db();
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(h, "PRAGMA application_id"), DB_APPLICATION_ID);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE invocation IS NULL "
				  "AND scenario = 'old' AND status = 'passed'"), 1);
	ck_assert_int_eq(db_run_begin(d, &info, &id), 0);
	ck_assert_int_eq(db_run_get(d, id, &row), 0);
	ck_assert_str_eq(row.invocation, "inv-42");
	ck_assert_int_eq(db_run_get(d, old, &row), 0);
	ck_assert_str_eq(row.invocation, "");
	sqlite3_close(h);
	db_close(d);
}
END_TEST

START_TEST(reopen_is_noop)
{
	db *d = open_db();
	sqlite3 *h;
	char before[8192], after[8192];
	int64_t run = begin(d, "s", 1);
	int64_t dv;

	finish(d, run, "passed");
	db_close(d);
	h = raw_open();
	q_text(h, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)",
	       before, sizeof before);
	dv = q_int(h, "PRAGMA schema_version");
	d = open_db();
	db_close(d);
	d = open_db();
	q_text(h, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)",
	       after, sizeof after);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(q_int(h, "PRAGMA schema_version"), dv);   /* no DDL ran */
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE status = 'passed'"), 1);
	db_close(d);
	/* a newer schema is refused, not downgraded */
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	{
		char err[512], want[96];

		snprintf(want, sizeof want, "schema version 99, newer than this afsim's %d",
			 DB_SCHEMA_VERSION);
		ck_assert_ptr_null(db_open(dbpath, err, sizeof err));
		ck_assert_msg(strstr(err, want) != NULL, "%s", err);
		ck_assert_msg(strstr(err, dbpath) != NULL, "%s", err);
	}
}
END_TEST

/* --- ingest ------------------------------------------------------------------- */

START_TEST(ingest_round_trip)
{
	db *d = open_db();
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t run = begin(d, "ingest", UINT64_C(0xfedcba9876543210));
	db_op o2 = mk_op(2);
	db_sample s = { .op_seq = 1, .t_ms = 12.5, .lens = "B", .z_um = 0.75, .focus_score = 431.5,
			.true_focus_um = 0.8, .temperature_c = 22.25 };
	db_sample s2 = s;
	db_event e = { .t_ms = 40, .kind = "fault", .detail = "camera frame dropped" };
	db_expect x1 = { .metric = "handoff.total_ms.p95", .value = 180.5, .op = "max", .bound = 260,
			 .passed = true };
	db_expect x2 = { .metric = "autofocus.count", .value = NAN, .op = "min", .bound = 1,
			 .passed = false };
	char t[128], host[256] = "";
	db_run_row r;

	add_ops(d, run, 1, 1);
	o2.from_lens = o2.to_lens = NULL;
	o2.focus_error_um = NAN;
	o2.mapping_error_um = NAN;
	o2.success = false;
	o2.cache_hit = false;
	o2.error = "ETIMEDOUT: stage did not settle";
	ck_assert_int_eq(db_op_add(d, run, &o2), 0);
	ck_assert_int_eq(db_sample_add(d, run, &s), 0);
	s2.true_focus_um = NAN;
	s2.t_ms = 13.5;
	ck_assert_int_eq(db_sample_add(d, run, &s2), 0);
	ck_assert_int_eq(db_event_add(d, run, &e), 0);
	e.kind = "warning";
	e.detail = "slow settle";
	e.t_ms = 41;
	ck_assert_int_eq(db_event_add(d, run, &e), 0);
	ck_assert_int_eq(db_expect_add(d, run, &x1), 0);
	ck_assert_int_eq(db_expect_add(d, run, &x2), 0);

	/* nothing is visible before the batch is written */
	h = raw_open();
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 0);
	q_text(h, "SELECT status FROM runs", t, sizeof t);
	ck_assert_str_eq(t, "running");
	ck_assert_int_eq(db_run_finish(d, run, "failed", UINT64_C(0x00000000deadbeef),
				       "1 of 2 expectations failed", 3.5, NAN, NULL, 0), 0);

	/* the run row */
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT scenario, scenario_path, scenario_sha256, seed, "
					    "mode, status, trace_hash, afsim_version, host, pid, rig, "
					    "message, virtual_s, wall_s, tol_time_frac, tol_accuracy_um, "
					    "length(started_at), substr(started_at, 11, 1), "
					    "substr(finished_at, 20, 1) FROM runs WHERE id = ?",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, run);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	gethostname(host, sizeof host - 1);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ingest");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "scenarios/x.yaml");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), SHA_X);
	ck_assert_uint_eq((uint64_t)sqlite3_column_int64(st, 3), UINT64_C(0xfedcba9876543210));
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "sim");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 5), "failed");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 6), "00000000deadbeef");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 7), "v-test");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 8), host);
	ck_assert_int_eq(sqlite3_column_int64(st, 9), getpid());
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 10), "sim:default");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 11), "1 of 2 expectations failed");
	ck_assert_double_eq(sqlite3_column_double(st, 12), 3.5);
	ck_assert_int_eq(sqlite3_column_type(st, 13), SQLITE_NULL);   /* NaN wall_s */
	ck_assert_double_eq(sqlite3_column_double(st, 14), 0.07);
	ck_assert_double_eq(sqlite3_column_double(st, 15), 0.02);
	ck_assert_int_eq(sqlite3_column_int(st, 16), 20);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 17), "T");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 18), "Z");
	sqlite3_finalize(st);

	/* op 1, every column */
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT seq, kind, t_ms, from_lens, to_lens, z_request_um, "
					    "z_predicted_um, z_found_um, mapping_error_um, focus_error_um, "
					    "lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, "
					    "total_ms, frames, cache_hit, temperature_c, success, error "
					    "FROM ops WHERE run_id = ? ORDER BY seq", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, run);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "handoff");
	ck_assert_double_eq(sqlite3_column_double(st, 2), 10.0);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "A");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "B");
	ck_assert_double_eq(sqlite3_column_double(st, 5), 1.5);
	ck_assert_double_eq(sqlite3_column_double(st, 6), 1.25);
	ck_assert_double_eq(sqlite3_column_double(st, 7), 1.0);
	ck_assert_double_eq(sqlite3_column_double(st, 8), 0.25);
	ck_assert_double_eq(sqlite3_column_double(st, 9), 0.125);
	ck_assert_double_eq(sqlite3_column_double(st, 10), 80);
	ck_assert_double_eq(sqlite3_column_double(st, 11), 20);
	ck_assert_double_eq(sqlite3_column_double(st, 12), 60);
	ck_assert_double_eq(sqlite3_column_double(st, 13), 15);
	ck_assert_double_eq(sqlite3_column_double(st, 14), 175);
	ck_assert_int_eq(sqlite3_column_int(st, 15), 9);
	ck_assert_int_eq(sqlite3_column_int(st, 16), 1);
	ck_assert_double_eq(sqlite3_column_double(st, 17), 22.5);
	ck_assert_int_eq(sqlite3_column_int(st, 18), 1);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 19), "");
	/* op 2: NULL lenses, NaN -> NULL, failure text */
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 2);
	ck_assert_int_eq(sqlite3_column_type(st, 3), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_column_type(st, 4), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_column_type(st, 8), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_column_type(st, 9), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_column_int(st, 16), 0);
	ck_assert_int_eq(sqlite3_column_int(st, 18), 0);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 19), "ETIMEDOUT: stage did not settle");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	/* samples, events, expectations */
	q_text(h, "SELECT group_concat(seq || ':' || op_seq || ':' || t_ms || ':' || lens || ':' || z_um "
		  "|| ':' || focus_score || ':' || coalesce(true_focus_um, 'NULL') || ':' || "
		  "temperature_c, ' ') FROM (SELECT * FROM samples ORDER BY seq)", t, sizeof t);
	ck_assert_str_eq(t, "1:1:12.5:B:0.75:431.5:0.8:22.25 2:1:13.5:B:0.75:431.5:NULL:22.25");
	q_text(h, "SELECT group_concat(seq || ':' || t_ms || ':' || kind || ':' || detail, '|') "
		  "FROM (SELECT * FROM events ORDER BY seq)", t, sizeof t);
	ck_assert_str_eq(t, "1:40.0:fault:camera frame dropped|2:41.0:warning:slow settle");
	q_text(h, "SELECT group_concat(metric || ':' || coalesce(value, 'NULL') || ':' || op || ':' || "
		  "bound || ':' || passed, '|') FROM (SELECT * FROM expectations ORDER BY rowid)",
	       t, sizeof t);
	ck_assert_str_eq(t, "handoff.total_ms.p95:180.5:max:260.0:1|autofocus.count:NULL:min:1.0:0");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM traces"), 0);   /* no index given */

	/* and through the API */
	ck_assert_int_eq(db_run_get(d, run, &r), 0);
	ck_assert_str_eq(r.status, "failed");
	ck_assert_uint_eq(r.seed, UINT64_C(0xfedcba9876543210));
	ck_assert(isnan(r.wall_s));
	ck_assert_double_eq(r.virtual_s, 3.5);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* Rows are committed in whole batches of 512: a second connection sees
 * multiples of 512 until the run ends, then everything. */
START_TEST(ingest_batches)
{
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run = begin(d, "batches", 1);

	for (uint32_t i = 1; i <= 1300; i++) {
		db_op o = mk_op(i);
		db_sample s = { .op_seq = i, .t_ms = i, .lens = "A", .z_um = 0.001 * i,
				.focus_score = i, .true_focus_um = NAN, .temperature_c = NAN };

		ck_assert_int_eq(db_op_add(d, run, &o), 0);
		ck_assert_int_eq(db_sample_add(d, run, &s), 0);
	}
	/* 2600 rows added: 5 batches (2560 rows) committed, 40 waiting */
	ck_assert_int_eq(q_int(h, "SELECT (SELECT count(*) FROM ops) + (SELECT count(*) FROM samples)"),
			 2560);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 1280);
	finish(d, run, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 1300);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 1300);
	ck_assert_int_eq(q_int(h, "SELECT max(seq) - min(seq) + 1 FROM samples"), 1300);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples WHERE true_focus_um IS NULL "
				  "AND temperature_c IS NULL"), 1300);
	ck_assert_int_eq(q_int(h, "SELECT sum(seq) FROM ops"), 1300 * 1301 / 2);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

START_TEST(ingest_rejects)
{
	db *d = open_db();
	db_run_info info = { .scenario = "x", .scenario_path = "x.yaml", .scenario_sha256 = "abc",
			     .mode = "sim", .afsim_version = "v", .rig = "sim:default" };
	int64_t run, id;
	db_op o = mk_op(1);

	ck_assert_int_eq(db_run_begin(d, &info, &id), -1);
	ck_assert_msg(strstr(db_errmsg(d), "sha256") != NULL, "%s", db_errmsg(d));
	info.scenario_sha256 = SHA_X;
	info.mode = "real";
	ck_assert_int_eq(db_run_begin(d, &info, &id), -1);
	ck_assert_msg(strstr(db_errmsg(d), "mode 'real'") != NULL, "%s", db_errmsg(d));
	ck_assert_int_eq(db_op_add(d, 999, &o), -1);
	ck_assert_msg(strstr(db_errmsg(d), "run 999 is unknown") != NULL, "%s", db_errmsg(d));
	run = begin(d, "x", 1);
	o.seq = 0;
	ck_assert_int_eq(db_op_add(d, run, &o), -1);
	ck_assert_int_eq(db_run_finish(d, run, "running", 0, "", 0, 0, NULL, 0), -1);
	ck_assert_msg(strstr(db_errmsg(d), "status 'running'") != NULL, "%s", db_errmsg(d));
	finish(d, run, "passed");
	ck_assert_int_eq(db_run_finish(d, run, "passed", 0, "", 0, 0, NULL, 0), -1);
	ck_assert_msg(strstr(db_errmsg(d), "not running") != NULL, "%s", db_errmsg(d));
	o.seq = 1;
	ck_assert_int_eq(db_op_add(d, run, &o), -1);
	ck_assert_msg(strstr(db_errmsg(d), "is not running") != NULL, "%s", db_errmsg(d));
	db_close(d);
}
END_TEST

/* --- queries and baselines ----------------------------------------------------- */

typedef struct collect {
	int64_t ids[16];
	size_t n, stop_after;
} collect;

static int collect_run(void *user, const db_run_row *r)
{
	collect *c = user;

	if (c->n < 16)
		c->ids[c->n] = r->id;
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

START_TEST(queries)
{
	db *d = open_db();
	int64_t ids[5], last = 0;
	collect c = { 0 };
	db_run_row r;

	ck_assert_int_eq(db_last_run(d, &last), -1);
	ck_assert_str_eq(db_errmsg(d), "the database has no runs");
	ck_assert_int_eq(db_runs_each(d, NULL, 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	for (int i = 0; i < 5; i++) {
		ids[i] = begin(d, i % 2 ? "odd" : "even", (uint64_t)i);
		if (i != 4)
			finish(d, ids[i], i == 3 ? "error" : "passed");
	}
	ck_assert_int_eq(db_last_run(d, &last), 0);
	ck_assert_int_eq(last, ids[4]);
	ck_assert_int_eq(db_run_get(d, ids[1], &r), 0);
	ck_assert_int_eq(r.id, ids[1]);
	ck_assert_str_eq(r.scenario, "odd");
	ck_assert_str_eq(r.status, "passed");
	ck_assert_str_eq(r.mode, "sim");
	ck_assert_str_eq(r.trace_hash, "000000001234abcd");
	ck_assert_str_eq(r.afsim_version, "v-test");
	ck_assert_uint_eq(r.seed, 1);
	ck_assert_double_eq(r.virtual_s, 12.5);
	ck_assert_double_eq(r.wall_s, 0.25);
	ck_assert_double_eq(r.tol_time_frac, 0.07);
	ck_assert_uint_eq(strlen(r.finished_at), 20);
	ck_assert_int_eq(db_run_get(d, ids[4], &r), 0);
	ck_assert_str_eq(r.status, "running");
	ck_assert_str_eq(r.finished_at, "");
	ck_assert_str_eq(r.trace_hash, "");
	ck_assert(isnan(r.virtual_s));
	ck_assert_int_eq(db_run_get(d, 4242, &r), -1);
	ck_assert_str_eq(db_errmsg(d), "no run 4242 in the database");
	/* newest first, all */
	ck_assert_int_eq(db_runs_each(d, NULL, 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(c.ids[i], ids[4 - i]);
	/* one scenario, newest first */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(db_runs_each(d, "even", 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.ids[0], ids[4]);
	ck_assert_int_eq(c.ids[1], ids[2]);
	ck_assert_int_eq(c.ids[2], ids[0]);
	/* limit, early stop */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(db_runs_each(d, NULL, 2, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_int_eq(c.ids[1], ids[3]);
	memset(&c, 0, sizeof c);
	c.stop_after = 3;
	ck_assert_int_eq(db_runs_each(d, NULL, 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 3);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(db_runs_each(d, "none", 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	db_close(d);
}
END_TEST

/* A callback that reads the store again (the same query, re-entered). */
static int nested(void *user, const db_run_row *r)
{
	db *d = user;
	collect c = { 0 };
	db_run_row again;

	ck_assert_int_eq(db_runs_each(d, r->scenario, 0, collect_run, &c), 0);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(db_run_get(d, r->id, &again), 0);
	ck_assert_str_eq(again.scenario, r->scenario);
	return 0;
}

START_TEST(queries_reentrant)
{
	db *d = open_db();

	finish(d, begin(d, "a", 1), "passed");
	finish(d, begin(d, "b", 1), "passed");
	ck_assert_int_eq(db_runs_each(d, NULL, 0, nested, d), 0);
	db_close(d);
}
END_TEST

typedef struct blist {
	char rows[8][800];
	size_t n;
} blist;

static int collect_baseline(void *user, const db_baseline_row *b)
{
	blist *l = user;

	if (l->n < 8)
		snprintf(l->rows[l->n], sizeof l->rows[0], "%s/%s=%" PRId64 ":%s", b->name, b->scenario,
			 b->run_id, b->reason);
	l->n++;
	return 0;
}

START_TEST(baselines)
{
	db *d = open_db();
	int64_t a1 = begin(d, "alpha", 1), a2, b1 = begin(d, "beta", 1), live, got = 0;
	blist l = { 0 };

	finish(d, a1, "passed");
	finish(d, b1, "failed");
	a2 = begin(d, "alpha", 2);
	finish(d, a2, "passed");
	live = begin(d, "alpha", 3);
	ck_assert_int_eq(db_baseline_get(d, "main", "alpha", &got), 1);
	ck_assert_int_eq(db_baseline_set(d, "main", a1, "first"), 0);
	ck_assert_int_eq(db_baseline_set(d, "main", b1, "beta too"), 0);
	ck_assert_int_eq(db_baseline_set(d, "nightly", a1, "n"), 0);
	ck_assert_int_eq(db_baseline_get(d, "main", "alpha", &got), 0);
	ck_assert_int_eq(got, a1);
	/* replace */
	ck_assert_int_eq(db_baseline_set(d, "main", a2, "faster search"), 0);
	ck_assert_int_eq(db_baseline_get(d, "main", "alpha", &got), 0);
	ck_assert_int_eq(got, a2);
	ck_assert_int_eq(db_baseline_get(d, "main", "gamma", &got), 1);
	/* refusals */
	ck_assert_int_eq(db_baseline_set(d, "main", live, "x"), -1);
	ck_assert_msg(strstr(db_errmsg(d), "it is running") != NULL, "%s", db_errmsg(d));
	ck_assert_int_eq(db_baseline_set(d, "main", 777, "x"), -1);
	ck_assert_msg(strstr(db_errmsg(d), "no run 777") != NULL, "%s", db_errmsg(d));
	ck_assert_int_eq(db_baseline_set(d, "", a1, "x"), -1);
	/* lists, ordered by name then scenario */
	ck_assert_int_eq(db_baselines_each(d, NULL, collect_baseline, &l), 0);
	ck_assert_uint_eq(l.n, 3);
	{
		char want[3][800];

		snprintf(want[0], sizeof want[0], "main/alpha=%" PRId64 ":faster search", a2);
		snprintf(want[1], sizeof want[1], "main/beta=%" PRId64 ":beta too", b1);
		snprintf(want[2], sizeof want[2], "nightly/alpha=%" PRId64 ":n", a1);
		for (int i = 0; i < 3; i++)
			ck_assert_str_eq(l.rows[i], want[i]);
	}
	memset(&l, 0, sizeof l);
	ck_assert_int_eq(db_baselines_each(d, "nightly", collect_baseline, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	finish(d, live, "passed");
	db_close(d);
}
END_TEST

/* --- the trace index ------------------------------------------------------------ */

START_TEST(trace_round_trip)
{
	db *d = open_db();
	sqlite3 *h;
	int64_t run = begin(d, "trace", 1), bare = begin(d, "bare", 1);
	size_t n = 10000, got_n = 99;
	db_trace_rec *t = malloc(n * sizeof *t), *got = NULL;
	uint64_t count = 7;
	char hex[64];

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i++) {
		t[i].kind = (uint16_t)(i % 3 ? 6 : 0x1234);
		t[i].t_ns = (int64_t)i * 1000003 - 5;   /* the first one negative */
		t[i].hash = UINT64_C(0x9e3779b97f4a7c15) * (i + 1);
	}
	/* given at the finish, as a caller that does not stream does */
	ck_assert_int_eq(db_run_finish(d, run, "passed", t[n - 1].hash, "", 1, 1, t, n), 0);
	finish(d, bare, "passed");
	ck_assert_int_eq(db_trace_load(d, run, &got, &got_n), 0);
	ck_assert_uint_eq(got_n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(got[i].kind, t[i].kind);
		ck_assert_int_eq(got[i].t_ns, t[i].t_ns);
		ck_assert_uint_eq(got[i].hash, DB_TRACE_HASH_KEPT(t[i].hash));
	}
	free(got);
	ck_assert_int_eq(db_trace_count(d, run, &count), 0);
	ck_assert_uint_eq(count, n);
	/* chunks of 4096 records, each ending in its full running hash, in
	 * the documented encoding */
	h = raw_open();
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM trace_chunks"), 3);
	q_text(h, "SELECT group_concat(records) FROM (SELECT records FROM trace_chunks ORDER BY seq)",
	       hex, sizeof hex);
	ck_assert_str_eq(hex, "4096,4096,1808");
	ck_assert_int_eq(q_int(h, "SELECT end_hash FROM trace_chunks WHERE seq = 2"),
			 (int64_t)t[n - 1].hash);
	/* record 0: a new kind (code 31) 0x1234, a step of -5 ns (mode 7),
	 * the hash's top 32 bits little-endian */
	q_text(h, "SELECT hex(substr(data, 1, 8)) FROM trace_chunks WHERE seq = 0", hex, sizeof hex);
	ck_assert_str_eq(hex, "FF" "B424" "05" "B979379E");
	/* 5 to 7 bytes a record here, against 24 in one blob before */
	ck_assert_int_le(q_int(h, "SELECT sum(length(data)) FROM trace_chunks"), 7 * 10000);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM traces"), 0);
	sqlite3_close(h);
	/* no index: none stored, an empty load */
	ck_assert_int_eq(db_trace_load(d, bare, &got, &got_n), 0);
	ck_assert_uint_eq(got_n, 0);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(db_trace_load(d, 4242, &got, &got_n), -1);
	free(t);
	db_close(d);
}
END_TEST

/* --- opening failures ------------------------------------------------------------- */

START_TEST(open_failures)
{
	char err[512], p[400];
	FILE *f;

	ck_assert_ptr_null(db_open(tmpdir, err, sizeof err));
	snprintf(p, sizeof p, "cannot open database '%s': is a directory", tmpdir);
	ck_assert_str_eq(err, p);
	snprintf(p, sizeof p, "%s/no/such/dir/x.db", tmpdir);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "cannot open database '") == err && strstr(err, p) &&
		      strstr(err, "unable to open database file"), "%s", err);
	snprintf(p, sizeof p, "%s/text.db", tmpdir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not a database, it is a text file that is long enough to have a header\n", f);
	fclose(f);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "file is not a database") != NULL, "%s", err);
	ck_assert_ptr_null(db_open("", err, sizeof err));
	ck_assert_ptr_null(db_open(tmpdir, NULL, 0));   /* no room for a message: still fails */
	db_close(NULL);
}
END_TEST

START_TEST(default_path)
{
	setenv("AFSIM_DB", "/x/y.db", 1);
	ck_assert_str_eq(db_default_path(), "/x/y.db");
	setenv("AFSIM_DB", "", 1);
	ck_assert_str_eq(db_default_path(), "./afsim.db");
	unsetenv("AFSIM_DB");
	ck_assert_str_eq(db_default_path(), "./afsim.db");
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, fresh_schema);
	tcase_add_test(tc, reopen_is_noop);
	tcase_add_test(tc, migrate_from_v1);
	tcase_add_test(tc, ingest_round_trip);
	tcase_add_test(tc, ingest_batches);
	tcase_add_test(tc, ingest_rejects);
	tcase_add_test(tc, queries);
	tcase_add_test(tc, queries_reentrant);
	tcase_add_test(tc, baselines);
	tcase_add_test(tc, trace_round_trip);
	tcase_add_test(tc, open_failures);
	tcase_add_test(tc, default_path);
	suite_add_tcase(s, tc);
	return s;
}
