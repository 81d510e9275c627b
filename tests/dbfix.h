/*
 * dbfix.h - a test fixture for the results store: a temp folder of its own
 * per test (checked fixture: setup/teardown), a second plain SQLite
 * connection to read back what the store wrote, and small builders of
 * runs and ops.  Header-only (static functions) so each test file that
 * needs it includes it.
 */
#ifndef TESTS_DBFIX_H
#define TESTS_DBFIX_H

#include <check.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "tests/tmpdir.h"

static char tmpdir[256];
static char dbpath[300];

static inline void setup(void)
{
	tmpdir_make(tmpdir, sizeof tmpdir, "test-db");
	snprintf(dbpath, sizeof dbpath, "%s/t.db", tmpdir);
}

static inline void teardown(void)
{
	tmpdir_remove(tmpdir);
}

/* --- helpers: a second, plain connection --------------------------------- */

static inline sqlite3 *raw_open(void)
{
	sqlite3 *h = NULL;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	return h;
}

static inline int64_t q_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(h));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* First column of the first row as text ("NULL" for SQL NULL). */
static inline void q_text(sqlite3 *h, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *s;

	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(h));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	s = sqlite3_column_text(st, 0);
	snprintf(out, n, "%s", s ? (const char *)s : "NULL");
	sqlite3_finalize(st);
}

static inline db *open_db(void)
{
	char err[512];
	db *d = db_open(dbpath, err, sizeof err);

	ck_assert_msg(d != NULL, "db_open: %s", err);
	return d;
}

/* A path in the test's folder; the last four stay valid. */
static inline const char *path_of(const char *name)
{
	static char buf[4][300];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* The store at path_of(name), opened to write (made if new). */
static inline db *open_rw(const char *name)
{
	char err[512];
	db *d = db_open(path_of(name), err, sizeof err);

	ck_assert_msg(d != NULL, "db_open: %s", err);
	return d;
}

#define SHA_X "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static inline int64_t begin(db *d, const char *scenario, uint64_t seed)
{
	db_run_info info = { .scenario = scenario, .scenario_path = "scenarios/x.yaml",
			     .scenario_sha256 = SHA_X, .seed = seed, .mode = "sim",
			     .afsim_version = "v-test", .rig = "sim:default",
			     .tol_time_frac = 0.07, .tol_accuracy_um = 0.02 };
	int64_t id = 0;

	ck_assert_msg(db_run_begin(d, &info, &id) == 0, "run_begin: %s", db_errmsg(d));
	ck_assert_int_gt(id, 0);
	return id;
}

static inline db_op mk_op(uint32_t seq)
{
	db_op o = { .seq = seq, .kind = "handoff", .t_ms = 10.0 * seq, .from_lens = "A",
		    .to_lens = "B", .z_request_um = 1.5, .z_predicted_um = 1.25, .z_found_um = 1.0,
		    .mapping_error_um = 0.25, .focus_error_um = 0.125, .lens_switch_ms = 80,
		    .focus_move_ms = 20, .focus_search_ms = 60, .validation_ms = 15,
		    .total_ms = 175, .frames = 9, .cache_hit = true, .temperature_c = 22.5,
		    .success = true, .error = "" };
	return o;
}

static inline void add_ops(db *d, int64_t run, uint32_t from, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		db_op o = mk_op(from + i);

		ck_assert_msg(db_op_add(d, run, &o) == 0, "op_add: %s", db_errmsg(d));
	}
}

static inline void finish(db *d, int64_t run, const char *status)
{
	ck_assert_msg(db_run_finish(d, run, status, 0x1234abcdULL, "", 12.5, 0.25, NULL, 0) == 0,
		      "finish: %s", db_errmsg(d));
}

#endif /* TESTS_DBFIX_H */
