/*
 * db_schema.c - the schema of docs/database.md and its migrations under
 * PRAGMA user_version: migrations[v] takes a database from version v to
 * v + 1 (its SQL, then its step in C), all of them in one transaction.
 */
#include "db/db_impl.h"

#include <stdio.h>
#include <string.h>

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

/* Version 3: the trace index in chunks, written as the run goes (a run's
 * memory no longer grows with its length, and no blob limit can drop a
 * run's rows), and the application id that marks the file as afsim's.
 * Runs recorded before keep their index in `traces`. */
static const char schema_v3[] =
	"CREATE TABLE trace_chunks (           -- the trace index, DB_TRACE_CHUNK records a chunk\n"
	"  run_id   INTEGER NOT NULL REFERENCES runs (id),\n"
	"  seq      INTEGER NOT NULL,           -- 0-based: records seq*4096 .. seq*4096 + records - 1\n"
	"  records  INTEGER NOT NULL,           -- 4096, fewer in the run's last chunk\n"
	"  end_hash INTEGER NOT NULL,           -- running hash after its last record (64 bits, signed)\n"
	"  data     BLOB NOT NULL,              -- the records, encoded (docs/database.md)\n"
	"  PRIMARY KEY (run_id, seq)\n"
	");\n";

/* Version 4: an expectation may be not applicable (a metric that needs the
 * simulator's ground truth, on a physical rig): passed is NULL then,
 * neither passed nor failed.  SQLite cannot drop a NOT NULL, so the table
 * is rebuilt, its rows copied in their order. */
static const char schema_v4[] =
	"CREATE TABLE expectations_v4 (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  metric TEXT NOT NULL,\n"
	"  value REAL,                         -- NULL when the run had no data\n"
	"  op TEXT NOT NULL CHECK (op IN ('min', 'max')),\n"
	"  bound REAL NOT NULL,\n"
	"  passed INTEGER CHECK (passed IN (0, 1))   -- NULL: not applicable on the run's rig\n"
	");\n"
	"INSERT INTO expectations_v4 (run_id, metric, value, op, bound, passed)\n"
	"  SELECT run_id, metric, value, op, bound, passed FROM expectations ORDER BY rowid;\n"
	"DROP TABLE expectations;\n"
	"ALTER TABLE expectations_v4 RENAME TO expectations;\n";

/* Version 5: a globally unique id per run, so that `afsim db merge` folds
 * databases recorded on several machines together idempotently.  Runs
 * recorded before get a uid derived from what identifies them; new runs
 * draw theirs (db_run_begin).  All of it in fill_legacy_uids, which adds
 * the column only where it is missing: the step stays right whatever
 * number it ends up with among the migrations. */
static const char schema_v5[] = "";

static int fill_legacy_uids(db *d);

/* Version 6: validations of a rig (`afsim hil validate`), one row each,
 * and their measurements.  IF NOT EXISTS: the step stays right whatever
 * number it ends up with among the migrations. */
static const char schema_v6[] =
	"CREATE TABLE IF NOT EXISTS validations (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  rig           TEXT NOT NULL,       -- the rig file's name\n"
	"  rig_file      TEXT NOT NULL,       -- its path\n"
	"  identity      TEXT NOT NULL,       -- the rig's greeting ('' when never reached)\n"
	"  camera        TEXT NOT NULL,       -- 'rig' or 'genicam:ID'\n"
	"  started_at    TEXT NOT NULL,       -- ISO 8601 UTC\n"
	"  finished_at   TEXT NOT NULL,\n"
	"  status        TEXT NOT NULL CHECK (status IN ('passed', 'marginal', 'failed', 'error')),\n"
	"  reps          INTEGER NOT NULL,    -- --reps\n"
	"  afsim_version TEXT NOT NULL,\n"
	"  host          TEXT NOT NULL,\n"
	"  message       TEXT NOT NULL DEFAULT '',\n"
	"  wall_s        REAL\n"
	");\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS validation_items (\n"
	"  validation_id INTEGER NOT NULL REFERENCES validations (id),\n"
	"  seq           INTEGER NOT NULL,    -- 1-based, the order they ran in\n"
	"  name          TEXT NOT NULL,       -- 'lens switch', 'focus move', ...\n"
	"  value         REAL,                -- NULL when ERROR\n"
	"  unit          TEXT NOT NULL,\n"
	"  limit_lo      REAL,                -- NULL: no lower limit\n"
	"  limit_hi      REAL,                -- NULL: no upper limit\n"
	"  margin_pct    REAL NOT NULL,       -- MARGINAL within this of a limit\n"
	"  outcome       TEXT NOT NULL CHECK (outcome IN ('PASS', 'MARGINAL', 'FAIL', 'ERROR')),\n"
	"  n             INTEGER NOT NULL,    -- repetitions behind the value\n"
	"  sd            REAL,                -- their standard deviation\n"
	"  duration_ms   REAL,\n"
	"  detail        TEXT NOT NULL DEFAULT '',  -- how it was measured, or the error\n"
	"  PRIMARY KEY (validation_id, seq)\n"
	");\n";

/* Version 7: a validation item may be SKIPPED (`afsim hil validate` on a
 * rig without what the measurement checks, e.g. the settled z of a rig
 * that does not announce settled_z).  SQLite cannot change a CHECK in
 * place: the table is built again under its own name and the rows copied
 * over in order; nothing refers to it.  Rebuilding is harmless where it
 * already has the new CHECK: the step stays right whatever number it
 * ends up with among the migrations. */
static const char schema_v7[] =
	"ALTER TABLE validation_items RENAME TO validation_items_v6;\n"
	"CREATE TABLE validation_items (\n"
	"  validation_id INTEGER NOT NULL REFERENCES validations (id),\n"
	"  seq           INTEGER NOT NULL,    -- 1-based, the order they ran in\n"
	"  name          TEXT NOT NULL,       -- 'lens switch', 'focus move', ...\n"
	"  value         REAL,                -- NULL when ERROR or SKIPPED\n"
	"  unit          TEXT NOT NULL,\n"
	"  limit_lo      REAL,                -- NULL: no lower limit\n"
	"  limit_hi      REAL,                -- NULL: no upper limit\n"
	"  margin_pct    REAL NOT NULL,       -- MARGINAL within this of a limit\n"
	"  outcome       TEXT NOT NULL CHECK (outcome IN ('PASS', 'MARGINAL', 'FAIL', 'ERROR', 'SKIPPED')),\n"
	"  n             INTEGER NOT NULL,    -- repetitions behind the value\n"
	"  sd            REAL,                -- their standard deviation\n"
	"  duration_ms   REAL,\n"
	"  detail        TEXT NOT NULL DEFAULT '',  -- how it was measured, the error, or why skipped\n"
	"  PRIMARY KEY (validation_id, seq)\n"
	");\n"
	"INSERT INTO validation_items SELECT validation_id, seq, name, value, unit, limit_lo, "
	"limit_hi, margin_pct, outcome, n, sd, duration_ms, detail FROM validation_items_v6 "
	"ORDER BY validation_id, seq;\n"
	"DROP TABLE validation_items_v6;\n";

/* migrations[v] takes a database from user_version v to v + 1: its SQL,
 * then its step in C (or NULL). */
typedef struct migration {
	const char *sql;
	int (*post)(db *d);
} migration;

static const migration migrations[DB_SCHEMA_VERSION] = {
	{ schema_v1, NULL },
	{ schema_v2, NULL },
	{ schema_v3, NULL },
	{ schema_v4, NULL },
	{ schema_v5, fill_legacy_uids },
	{ schema_v6, NULL },
	{ schema_v7, NULL },
};


/* The first column of sql's first row as an integer: 0, or -1 with
 * "<what>: <errmsg>". */
int db_query_int(db *d, const char *sql, int64_t *v, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW)
		db_sqlfail(d, what);
	if (sqlite3_finalize(st) != SQLITE_OK && rc == SQLITE_ROW) {
		db_sqlfail(d, what);
		rc = SQLITE_ERROR;
	}
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_user_version(db *d, int *v)
{
	int64_t x = 0;

	if (db_query_int(d, "PRAGMA user_version", &x, "cannot read the schema version") != 0)
		return -1;
	*v = (int)x;
	return 0;
}

/*
 * Version 5's step: every run without a uid gets db_uid_legacy's, then
 * the uids are made unique by an index.  Inside the migration's
 * transaction.
 */
static int fill_legacy_uids(db *d)
{
	static const char sel[] = "SELECT id, host, pid, started_at, scenario, seed FROM runs "
				  "WHERE uid IS NULL ORDER BY id";
	sqlite3_stmt *st = NULL, *up = NULL;
	int64_t has = 0;
	int rc;

	if (db_query_int(d, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'uid'", &has,
		      "cannot read the schema") != 0)
		return -1;
	if (!has && sqlite3_exec(d->h, "ALTER TABLE runs ADD COLUMN uid TEXT", NULL, NULL, NULL) !=
			    SQLITE_OK)
		return db_sqlfail(d, "cannot add the run uids");
	rc = sqlite3_prepare_v2(d->h, sel, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(d->h, "UPDATE runs SET uid = ?1 WHERE id = ?2", -1, &up, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char uid[DB_UID_LEN + 1];
		int b = SQLITE_OK;

		db_uid_legacy((const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
			      (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 0),
			      (const char *)sqlite3_column_text(st, 4), sqlite3_column_int64(st, 5), uid);
		db_bind_text(up, 1, uid, &b);
		db_bind_int64(up, 2, sqlite3_column_int64(st, 0), &b);
		rc = b != SQLITE_OK ? b : sqlite3_step(up) == SQLITE_DONE ? sqlite3_reset(up) : SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot give the runs their uids");
	sqlite3_finalize(st);   /* results repeat the steps', handled above */
	sqlite3_finalize(up);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_exec(d->h, "CREATE UNIQUE INDEX IF NOT EXISTS runs_uid ON runs (uid)", NULL, NULL,
			 NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot index the run uids");
	return 0;
}

/* Bring the schema to DB_SCHEMA_VERSION in one transaction.  A database
 * already there costs one read and no lock; otherwise the version is read
 * again under the write lock, since another process may have migrated it
 * in between (several workers creating one file at once). */
int db_migrate(db *d)
{
	int v = 0;
	char *msg = NULL;
	char sql[96];

	if (db_user_version(d, &v) != 0)
		return -1;
	d->version = v;
	if (v == DB_SCHEMA_VERSION)
		return 0;
	if (db_tx_begin(d) != 0 || db_user_version(d, &v) != 0)
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
		if (sqlite3_exec(d->h, migrations[v].sql, NULL, NULL, &msg) != SQLITE_OK) {
			db_fail(d, "cannot migrate the schema to version %d: %s", v + 1,
				msg ? msg : sqlite3_errmsg(d->h));
			sqlite3_free(msg);
			goto fail;
		}
		if (migrations[v].post && migrations[v].post(d) != 0) {
			char why[DB_ERR_MAX];

			memcpy(why, d->err, sizeof why);
			db_fail(d, "cannot migrate the schema to version %d: %.400s", v + 1, why);
			goto fail;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
		 DB_SCHEMA_VERSION, DB_APPLICATION_ID);
	if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot set the schema version");
		goto fail;
	}
	if (db_tx_commit(d) != 0)
		goto fail;
	d->version = DB_SCHEMA_VERSION;
	return 0;
fail:
	db_tx_rollback(d);
	return -1;
}
