/*
 * db.c - the results store: opening (WAL, busy_timeout, migrations under
 * PRAGMA user_version), abort detection, the statement cache and the
 * transaction helpers.  Run ingest is db_ingest.c, queries db_query.c.
 *
 * Invariants:
 * - every write is one BEGIN IMMEDIATE transaction: a writer takes the
 *   write lock up front, so two writers never deadlock on a read-to-write
 *   upgrade and busy_timeout (10 s) is the only wait;
 * - a run's row exists (status `running`) before any of its ops, samples,
 *   events or expectations; rows are buffered and committed in batches of
 *   up to DB_BATCH rows, so a process killed half-way leaves a prefix of
 *   whole batches and never a torn one (WAL commits are atomic);
 * - the next db_open on the same host marks `aborted` every `running` run
 *   whose writer pid is gone (kill(pid, 0) fails with ESRCH);
 * - synchronous=NORMAL: in WAL mode a commit survives the death of the
 *   process (the case that matters here); only a power cut may lose the
 *   last transactions, never consistency.
 */
#include "db/db_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define DB_BUSY_MS 10000

/* The schema of docs/database.md, version 1, verbatim. */
static const char schema_v1[] =
	"CREATE TABLE runs (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  scenario        TEXT NOT NULL,\n"
	"  scenario_path   TEXT NOT NULL,\n"
	"  scenario_sha256 TEXT NOT NULL,      -- of the scenario file's bytes\n"
	"  seed            INTEGER NOT NULL,\n"
	"  mode            TEXT NOT NULL CHECK (mode IN ('sim', 'hil')),\n"
	"  started_at      TEXT NOT NULL,      -- ISO 8601 UTC, 2026-11-22T02:52:17Z\n"
	"  finished_at     TEXT,               -- NULL while running\n"
	"  status          TEXT NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'error', 'aborted')),\n"
	"  trace_hash      TEXT,               -- 16 hex digits (sim)\n"
	"  afsim_version   TEXT NOT NULL,      -- git describe\n"
	"  host            TEXT NOT NULL,\n"
	"  pid             INTEGER NOT NULL,   -- of the writing process, for abort detection\n"
	"  rig             TEXT NOT NULL,      -- 'sim:default' or the rig file\n"
	"  message         TEXT NOT NULL DEFAULT '',\n"
	"  virtual_s       REAL,               -- simulated seconds\n"
	"  wall_s          REAL,\n"
	"  tol_time_frac   REAL NOT NULL DEFAULT 0.05,   -- the scenario's regression tolerances\n"
	"  tol_accuracy_um REAL NOT NULL DEFAULT 0.05\n"
	");\n"
	"CREATE INDEX runs_scenario ON runs (scenario, id);\n"
	"\n"
	"CREATE TABLE ops (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  seq INTEGER NOT NULL,               -- 1-based within the run\n"
	"  kind TEXT NOT NULL,                 -- handoff | autofocus | calibrate\n"
	"  t_ms REAL NOT NULL,                 -- run clock at the start\n"
	"  from_lens TEXT, to_lens TEXT,\n"
	"  z_request_um REAL, z_predicted_um REAL, z_found_um REAL,\n"
	"  mapping_error_um REAL,\n"
	"  focus_error_um REAL,                -- sim only, else NULL\n"
	"  lens_switch_ms REAL, focus_move_ms REAL, focus_search_ms REAL, validation_ms REAL,\n"
	"  total_ms REAL,\n"
	"  frames INTEGER, cache_hit INTEGER, temperature_c REAL,\n"
	"  success INTEGER NOT NULL,\n"
	"  error TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (run_id, seq)\n"
	");\n"
	"\n"
	"CREATE TABLE events (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  seq INTEGER NOT NULL,               -- order within the run\n"
	"  t_ms REAL NOT NULL,\n"
	"  kind TEXT NOT NULL,                 -- fault | hal_error | retry | warning\n"
	"  detail TEXT NOT NULL,\n"
	"  PRIMARY KEY (run_id, seq)\n"
	");\n"
	"\n"
	"CREATE TABLE samples (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  op_seq INTEGER NOT NULL,\n"
	"  seq INTEGER NOT NULL,               -- order within the run\n"
	"  t_ms REAL NOT NULL,\n"
	"  lens TEXT NOT NULL,\n"
	"  z_um REAL NOT NULL,                 -- stage position the engine set\n"
	"  focus_score REAL NOT NULL,\n"
	"  true_focus_um REAL,                 -- sim only\n"
	"  temperature_c REAL,\n"
	"  PRIMARY KEY (run_id, seq)\n"
	");\n"
	"\n"
	"CREATE TABLE expectations (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  metric TEXT NOT NULL,\n"
	"  value REAL,                         -- NULL when the run had no data\n"
	"  op TEXT NOT NULL CHECK (op IN ('min', 'max')),\n"
	"  bound REAL NOT NULL,\n"
	"  passed INTEGER NOT NULL\n"
	");\n"
	"\n"
	"CREATE TABLE traces (                 -- per record of the event trace, for divergence\n"
	"  run_id INTEGER PRIMARY KEY REFERENCES runs (id),\n"
	"  records INTEGER NOT NULL,\n"
	"  index_blob BLOB NOT NULL            -- records x 24 bytes, little-endian:\n"
	"                                      -- u16 kind, u16 0, u32 0, i64 t_ns, u64 running hash\n"
	");\n"
	"\n"
	"CREATE TABLE baselines (\n"
	"  name TEXT NOT NULL,\n"
	"  scenario TEXT NOT NULL,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  created_at TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  PRIMARY KEY (name, scenario)\n"
	");\n";

/* Version 2: the invocation of `afsim run` that recorded a run, so a CI
 * gate can compare exactly the runs of one invocation. */
static const char schema_v2[] =
	"ALTER TABLE runs ADD COLUMN invocation TEXT;  -- NULL for runs recorded before version 2\n"
	"CREATE INDEX runs_invocation ON runs (invocation, id);\n";

/* migrations[v] takes a database from user_version v to v + 1. */
static const char *const migrations[DB_SCHEMA_VERSION] = { schema_v1, schema_v2 };

static const char *const stmt_sql[DB_ST_COUNT] = {
#define DB_STMT_SQL_(name, sql) sql,
	DB_STMT_MAP(DB_STMT_SQL_)
#undef DB_STMT_SQL_
};

/* --- helpers shared with db_query.c ---------------------------------------- */

int db_fail(db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	return -1;
}

int db_sqlfail(db *d, const char *what)
{
	return db_fail(d, "%s: %s", what, sqlite3_errmsg(d->h));
}

sqlite3_stmt *db_stmt_use(db *d, enum db_stmt_slot slot, sqlite3_stmt **tmp)
{
	sqlite3_stmt **st = &d->st[slot];

	*tmp = NULL;
	if (*st && sqlite3_stmt_busy(*st))
		st = tmp;
	if (!*st && sqlite3_prepare_v3(d->h, stmt_sql[slot], -1,
				       st == tmp ? 0 : SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot prepare a statement");
		*st = NULL;
		return NULL;
	}
	return *st;
}

void db_stmt_done(sqlite3_stmt *st, sqlite3_stmt *tmp)
{
	if (tmp) {
		sqlite3_finalize(tmp);
	} else if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Run a statement that returns no rows needed: 0 or -1 with the message. */
static int step_done(db *d, enum db_stmt_slot slot, const char *what)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, slot, &tmp);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		db_sqlfail(d, what);
	db_stmt_done(st, tmp);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int db_tx_begin(db *d)
{
	return step_done(d, DB_ST_BEGIN, "cannot begin a write transaction");
}

int db_tx_commit(db *d)
{
	return step_done(d, DB_ST_COMMIT, "cannot commit");
}

void db_tx_rollback(db *d)
{
	char keep[DB_ERR_MAX];

	if (sqlite3_get_autocommit(d->h))
		return;   /* the failure already ended the transaction */
	memcpy(keep, d->err, sizeof keep);
	step_done(d, DB_ST_ROLLBACK, "cannot roll back");
	memcpy(d->err, keep, sizeof keep);
}

void db_iso_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

const char *db_errmsg(const db *d)
{
	return d ? d->err : "no database";
}

struct sqlite3 *db_handle(db *d)
{
	return d->h;
}

const char *db_default_path(void)
{
	const char *p = getenv("AFSIM_DB");

	return p && *p ? p : "./afsim.db";
}

/* --- open, migrate, abort detection ---------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Switch to WAL.  Switching needs the database to itself for a moment: when
 * several processes create one file at once the switch may report BUSY
 * without waiting, so it is retried for up to the busy timeout.
 */
static int set_wal(db *d)
{
	for (long waited = 0;; waited += 10) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(d->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		char mode[16] = "";

		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
				snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
		}
		if (rc == SQLITE_NOTADB)
			db_fail(d, "%s", sqlite3_errmsg(d->h));
		else if (rc != SQLITE_ROW && rc != SQLITE_DONE && rc != SQLITE_BUSY &&
			 rc != SQLITE_LOCKED)
			db_sqlfail(d, "cannot set the WAL journal");
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW && strcmp(mode, "wal") == 0)
			return 0;
		if (rc == SQLITE_ROW)
			return db_fail(d, "cannot set the WAL journal: the journal mode stays '%s'", mode);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= DB_BUSY_MS)
			return rc == SQLITE_BUSY || rc == SQLITE_LOCKED
				       ? db_fail(d, "cannot set the WAL journal: the database is locked")
				       : -1;
		sleep_ms(10);
	}
}

static int user_version(db *d, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->h, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	else
		db_sqlfail(d, "cannot read the schema version");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Bring the schema to DB_SCHEMA_VERSION in one transaction.  A database
 * already there costs one read and no lock; otherwise the version is read
 * again under the write lock, since another process may have migrated it
 * in between (several workers creating one file at once). */
static int migrate(db *d)
{
	int v = 0;
	char *msg = NULL;
	char sql[64];

	if (user_version(d, &v) != 0)
		return -1;
	if (v == DB_SCHEMA_VERSION)
		return 0;
	if (db_tx_begin(d) != 0 || user_version(d, &v) != 0)
		goto fail;
	if (v > DB_SCHEMA_VERSION) {
		db_fail(d, "the database has schema version %d, newer than this afsim's %d", v,
			DB_SCHEMA_VERSION);
		goto fail;
	}
	if (v < 0) {
		db_fail(d, "the database has an invalid schema version %d", v);
		goto fail;
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		if (sqlite3_exec(d->h, migrations[v], NULL, NULL, &msg) != SQLITE_OK) {
			db_fail(d, "cannot migrate the schema to version %d: %s", v + 1,
				msg ? msg : sqlite3_errmsg(d->h));
			sqlite3_free(msg);
			goto fail;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", DB_SCHEMA_VERSION);
	if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot set the schema version");
		goto fail;
	}
	if (db_tx_commit(d) == 0)
		return 0;
fail:
	db_tx_rollback(d);
	return -1;
}

static bool pid_gone(int64_t pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return true;   /* not a process id: nobody can still be writing */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* A `running` run of this host whose writer is gone. */
typedef struct dead_run {
	int64_t id, pid;
} dead_run;

/* This host's `running` runs whose writer is gone (*out malloc'd). */
static int dead_runs(db *d, dead_run **out, size_t *n)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_RUNNING_HERE, &tmp);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, d->host, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 1);

		if (!pid_gone(pid))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			dead_run *nv = realloc(*out, ncap * sizeof *nv);

			if (!nv) {
				db_fail(d, "out of memory");
				rc = SQLITE_NOMEM;
				break;
			}
			*out = nv;
			cap = ncap;
		}
		(*out)[(*n)++] = (dead_run){ sqlite3_column_int64(st, 0), pid };
	}
	if (rc != SQLITE_DONE && rc != SQLITE_NOMEM)
		db_sqlfail(d, "cannot look for aborted runs");
	db_stmt_done(st, tmp);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/*
 * Mark the runs of dead writers `aborted`.  A read first, so that opening
 * a healthy database takes no write lock; if there is anything to mark,
 * the look-up is repeated and the marks made in one BEGIN IMMEDIATE
 * transaction (a writer may have finished its run in between).
 */
static int mark_aborted(db *d)
{
	dead_run *dead = NULL;
	size_t n = 0;
	char now[32], msg[400];
	int rc = -1;

	if (dead_runs(d, &dead, &n) != 0)
		return -1;
	free(dead);
	dead = NULL;
	if (n == 0)
		return 0;
	if (db_tx_begin(d) != 0)
		return -1;
	if (dead_runs(d, &dead, &n) != 0)
		goto out;
	db_iso_now(now);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_MARK_ABORTED, &tmp);
		int s;

		if (!st)
			goto out;
		snprintf(msg, sizeof msg,
			 "the writing process (pid %" PRId64 " on %s) ended before the run finished",
			 dead[i].pid, d->host);
		sqlite3_bind_int64(st, 1, dead[i].id);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, msg, -1, SQLITE_STATIC);
		s = sqlite3_step(st);
		if (s != SQLITE_DONE)
			db_sqlfail(d, "cannot mark a run aborted");
		db_stmt_done(st, tmp);
		if (s != SQLITE_DONE)
			goto out;
	}
	rc = db_tx_commit(d);
out:
	if (rc != 0)
		db_tx_rollback(d);
	free(dead);
	return rc;
}

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "cannot open database '%s': %s", path, why);
}

db *db_open(const char *path, char *err, size_t errlen)
{
	db *d;
	struct stat st;

	if (!path || !*path) {
		set_err(err, errlen, "", "no path");
		return NULL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		set_err(err, errlen, path, "is a directory");
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		set_err(err, errlen, path, "out of memory");
		return NULL;
	}
	d->rows = calloc(DB_BATCH, sizeof *d->rows);
	if (!d->rows) {
		db_fail(d, "out of memory");
		goto fail;
	}
	if (gethostname(d->host, sizeof d->host - 1) != 0 || !d->host[0])
		snprintf(d->host, sizeof d->host, "unknown");
	d->pid = (long)getpid();
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		/* a handle whose open failed still holds memory: db_free closes it */
		db_fail(d, "%s", d->h ? sqlite3_errmsg(d->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(d->h, DB_BUSY_MS);
	if (set_wal(d) != 0 ||
	    sqlite3_exec(d->h, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto fail_sql;
	if (migrate(d) != 0 || mark_aborted(d) != 0)
		goto fail;
	return d;
fail_sql:
	if (!d->err[0])
		db_sqlfail(d, "cannot configure the database");
fail:
	set_err(err, errlen, path, d->err);
	d->nrows = 0;   /* nothing to flush */
	db_close(d);
	return NULL;
}

void db_close(db *d)
{
	if (!d)
		return;
	if (d->h && d->nrows)
		db_flush(d);
	for (int i = 0; i < DB_ST_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	/* every statement is finalized, so close cannot be refused; a handle
	 * whose open failed is closed the same way */
	sqlite3_close(d->h);
	free(d->rows);
	free(d->arena);
	free(d->active);
	free(d);
}
