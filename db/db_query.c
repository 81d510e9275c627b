/*
 * db_query.c - reading the results store: runs, the newest run, and
 * baselines (which are written here too: blessing a run
 * is one small transaction).
 *
 * Every query that feeds output has an ORDER BY (docs/database.md).  Rows
 * are handed to callbacks while the statement steps; a callback may call
 * back into the store (a busy slot gets a statement of its own).  Text
 * longer than a row's field is truncated, NULL reads as "" and a NULL real
 * as NaN.
 */
#include "db/db_impl.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

static double col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/*
 * A row of DB_RUN_COLS into *r.  A handle that may not write does not mark
 * aborted runs (db_open does), but reads them as such: a `running` run of
 * this host whose writer is gone is shown `aborted`, with the message the
 * next writer will record.
 */
static void run_row(const db *d, sqlite3_stmt *st, db_run_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, r->scenario, sizeof r->scenario);
	col_text(st, 2, r->status, sizeof r->status);
	col_text(st, 3, r->mode, sizeof r->mode);
	col_text(st, 4, r->started_at, sizeof r->started_at);
	col_text(st, 5, r->finished_at, sizeof r->finished_at);
	col_text(st, 6, r->trace_hash, sizeof r->trace_hash);
	col_text(st, 7, r->afsim_version, sizeof r->afsim_version);
	col_text(st, 8, r->host, sizeof r->host);
	col_text(st, 9, r->message, sizeof r->message);
	r->seed = (uint64_t)sqlite3_column_int64(st, 10);
	r->virtual_s = col_real(st, 11);
	r->wall_s = col_real(st, 12);
	r->tol_time_frac = col_real(st, 13);
	r->tol_accuracy_um = col_real(st, 14);
	col_text(st, 15, r->invocation, sizeof r->invocation);
	col_text(st, 17, r->rig, sizeof r->rig);
	if (d->readonly && strcmp(r->status, "running") == 0 && strcmp(r->host, d->host) == 0 &&
	    db_pid_gone(sqlite3_column_int64(st, 16))) {
		snprintf(r->status, sizeof r->status, "aborted");
		db_aborted_message(d, sqlite3_column_int64(st, 16), r->message, sizeof r->message);
	}
}

/* Be done with st after its steps: ok (the steps went well) stays so
 * unless the reset says otherwise; 0 or -1 with "<what>: <errmsg>". */
static int done(db *d, sqlite3_stmt *st, sqlite3_stmt *tmp, bool ok, const char *what)
{
	int rc = db_stmt_done(st, tmp);

	if (ok && rc != SQLITE_OK)
		return db_sqlfail(d, what);
	return ok ? 0 : -1;
}

/* Bail out of a statement whose binding failed. */
static int bind_failed(db *d, sqlite3_stmt *st, sqlite3_stmt *tmp, int b, const char *what)
{
	(void)db_stmt_done(st, tmp);
	return db_bind_check(d, b, what);
}

int db_run_get(db *d, int64_t id, db_run_row *out)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_RUN_GET, &tmp);
	int rc, b = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_int64(st, 1, id, &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the run id");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		run_row(d, st, out);
	else if (rc == SQLITE_DONE)
		db_fail(d, "no run %" PRId64 " in the database", id);
	else
		db_sqlfail(d, "cannot read the run");
	return done(d, st, tmp, rc == SQLITE_ROW, "cannot read the run");
}

int db_last_run(db *d, int64_t *id)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_LAST_RUN, &tmp);
	int rc;
	bool none = true;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*id = sqlite3_column_int64(st, 0);
		none = false;
	} else if (rc != SQLITE_ROW) {
		db_sqlfail(d, "cannot read the runs");
	}
	if (done(d, st, tmp, rc == SQLITE_ROW, "cannot read the runs") != 0)
		return -1;
	return none ? db_fail(d, "the database has no runs") : 0;
}

int db_run_uid(db *d, int64_t run, char out[DB_UID_LEN + 1])
{
	bool legacy = d->version < 5;   /* runs.uid came with schema 5 */
	sqlite3_stmt *tmp, *st = db_stmt_use(d, legacy ? DB_ST_RUN_LEGACY : DB_ST_RUN_UID, &tmp);
	int rc, b = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_int64(st, 1, run, &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the run id");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && legacy)
		db_uid_legacy((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
			      (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
			      (const char *)sqlite3_column_text(st, 4), sqlite3_column_int64(st, 5), out);
	else if (rc == SQLITE_ROW)
		snprintf(out, DB_UID_LEN + 1, "%s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the run");
	if (done(d, st, tmp, rc == SQLITE_ROW || rc == SQLITE_DONE, "cannot read the run") != 0)
		return -1;
	return rc == SQLITE_ROW ? 0 : db_fail(d, "no run %" PRId64, run);
}

static int cmp_wall(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int db_expected_wall_s(db *d, const char *scenario, const char *except, double *wall_s)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_RUN_WALLS, &tmp);
	double w[DB_EXPECT_RUNS];
	size_t n = 0;
	int rc, b = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_text(st, 1, scenario, &b);
	db_bind_int64(st, 2, DB_EXPECT_RUNS, &b);
	db_bind_text(st, 3, except, &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the scenario");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < DB_EXPECT_RUNS)
		w[n++] = sqlite3_column_double(st, 0);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		db_sqlfail(d, "cannot read the runs' durations");
	if (done(d, st, tmp, rc == SQLITE_DONE || rc == SQLITE_ROW,
		 "cannot read the runs' durations") != 0)
		return -1;
	if (n == 0)
		return 1;
	qsort(w, n, sizeof *w, cmp_wall);
	*wall_s = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2.0;
	return 0;
}

int db_runs_each(db *d, const char *scenario, size_t limit,
		 int (*fn)(void *user, const db_run_row *r), void *user)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, scenario ? DB_ST_RUNS_SCENARIO : DB_ST_RUNS_ALL, &tmp);
	db_run_row row;
	int rc, i = 1, b = SQLITE_OK;

	if (!st)
		return -1;
	if (scenario)
		db_bind_text(st, i++, scenario, &b);
	/* LIMIT -1: no limit; a limit beyond int64 is no limit either */
	db_bind_int64(st, i, limit == 0 || (uint64_t)limit > (uint64_t)INT64_MAX ? -1 : (int64_t)limit, &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the run query");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		run_row(d, st, &row);
		if (fn(user, &row) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the runs");
	return done(d, st, tmp, rc == SQLITE_DONE, "cannot read the runs");
}

/* --- baselines ------------------------------------------------------------- */

int db_baseline_set(db *d, const char *name, int64_t run, const char *reason)
{
	sqlite3_stmt *tmp, *st;
	db_run_row row;
	char now[32];
	int b = SQLITE_OK, rc = -1;

	if (db_writable(d, "set a baseline") != 0)
		return -1;
	if (!name || !*name)
		return db_fail(d, "cannot set a baseline: no name");
	if (!reason)
		return db_fail(d, "cannot set a baseline: no reason");
	if (db_tx_begin(d) != 0)
		return -1;
	if (db_run_get(d, run, &row) != 0)
		goto out;
	/* a baseline is a finished run: passed, failed or error */
	if (strcmp(row.status, "running") == 0 || strcmp(row.status, "aborted") == 0) {
		db_fail(d, "cannot bless run %" PRId64 " as baseline '%s': it is %s", run, name,
			row.status);
		goto out;
	}
	st = db_stmt_use(d, DB_ST_BASELINE_SET, &tmp);
	if (!st)
		goto out;
	db_iso_now(now);
	db_bind_text(st, 1, name, &b);
	db_bind_text(st, 2, row.scenario, &b);
	db_bind_int64(st, 3, run, &b);
	db_bind_text(st, 4, now, &b);
	db_bind_text(st, 5, reason, &b);
	if (b != SQLITE_OK) {
		(void)bind_failed(d, st, tmp, b, "the baseline");
		goto out;
	}
	if (db_step_done(d, st, tmp, "cannot store the baseline") == 0)
		rc = db_tx_commit(d);
out:
	if (rc != 0)
		db_tx_rollback(d);
	return rc;
}

int db_baseline_get(db *d, const char *name, const char *scenario, int64_t *run)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_BASELINE_GET, &tmp);
	int s, b = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_text(st, 1, name ? name : "", &b);
	db_bind_text(st, 2, scenario ? scenario : "", &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the baseline name");
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*run = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		db_sqlfail(d, "cannot read the baseline");
	if (done(d, st, tmp, s == SQLITE_ROW || s == SQLITE_DONE, "cannot read the baseline") != 0)
		return -1;
	return s == SQLITE_ROW ? 0 : 1;
}

int db_baselines_each(db *d, const char *name,
		      int (*fn)(void *user, const db_baseline_row *b), void *user)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, name ? DB_ST_BASELINES_NAME : DB_ST_BASELINES_ALL, &tmp);
	db_baseline_row row;
	int s, b = SQLITE_OK;

	if (!st)
		return -1;
	if (name)
		db_bind_text(st, 1, name, &b);
	if (b != SQLITE_OK)
		return bind_failed(d, st, tmp, b, "the baseline name");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof row);
		col_text(st, 0, row.name, sizeof row.name);
		col_text(st, 1, row.scenario, sizeof row.scenario);
		col_text(st, 2, row.created_at, sizeof row.created_at);
		col_text(st, 3, row.reason, sizeof row.reason);
		row.run_id = sqlite3_column_int64(st, 4);
		if (fn(user, &row) != 0) {
			s = SQLITE_DONE;
			break;
		}
	}
	if (s != SQLITE_DONE)
		db_sqlfail(d, "cannot read the baselines");
	return done(d, st, tmp, s == SQLITE_DONE, "cannot read the baselines");
}
