/*
 * db.h - the SQLite results store: schema and migrations, run ingest,
 * baselines, queries (docs/database.md is the schema contract).
 *
 * db/ includes only sqlite3 and libc.  A db handle is used by one thread;
 * several processes may open one file at once (WAL, busy_timeout 10 s,
 * BEGIN IMMEDIATE for every write).  Functions return 0 or -1; the message
 * of the last failure is db_errmsg().
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db;
struct sqlite3;

#define DB_SCHEMA_VERSION 2

/*
 * Open (creating and migrating) the database at path.  Marks as `aborted`
 * every `running` run whose writer process (same host) is gone.  NULL on
 * failure with the reason in err (errlen bytes).
 */
db *db_open(const char *path, char *err, size_t errlen);
/* Flush buffered rows of unfinished runs (they stay `running`) and close;
 * NULL is a no-op. */
void db_close(db *d);
const char *db_errmsg(const db *d);
/* The raw handle, for the report and regression queries in db/. */
struct sqlite3 *db_handle(db *d);
/* The path the default database has: $AFSIM_DB, else ./afsim.db. */
const char *db_default_path(void);

/* --- ingest ---------------------------------------------------------------- */

typedef struct db_run_info {
	const char *scenario, *scenario_path;
	const char *scenario_sha256;   /* 64 hex digits */
	uint64_t seed;
	const char *mode;              /* "sim" | "hil" */
	const char *afsim_version, *rig;
	double tol_time_frac, tol_accuracy_um;
	const char *invocation;        /* the `afsim run` invocation's id, or NULL */
} db_run_info;

/* Insert the run (status running, started now) and return its id in *id. */
int db_run_begin(db *d, const db_run_info *info, int64_t *id);

typedef struct db_op {
	uint32_t seq;
	const char *kind;
	double t_ms;
	const char *from_lens, *to_lens;   /* NULL -> SQL NULL */
	double z_request_um, z_predicted_um, z_found_um, mapping_error_um, focus_error_um;
	double lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms;
	int64_t frames;
	bool cache_hit;
	double temperature_c;
	bool success;
	const char *error;
} db_op;                                   /* NaN doubles are stored as NULL */

typedef struct db_sample {
	uint32_t op_seq;
	double t_ms;
	const char *lens;
	double z_um, focus_score, true_focus_um, temperature_c;
} db_sample;

typedef struct db_event {
	double t_ms;
	const char *kind, *detail;
} db_event;

typedef struct db_expect {
	const char *metric;
	double value;
	const char *op;
	double bound;
	bool passed;
} db_expect;

/* Buffered: rows are written in batches (one BEGIN IMMEDIATE transaction
 * per batch of up to 512 rows) and at db_run_finish. */
int db_op_add(db *d, int64_t run, const db_op *op);
int db_sample_add(db *d, int64_t run, const db_sample *s);
int db_event_add(db *d, int64_t run, const db_event *e);
int db_expect_add(db *d, int64_t run, const db_expect *x);
/* Write the buffered rows now, in one transaction.  A batch that cannot be
 * written (an add or flush returned -1) is dropped and reported once: the
 * run is then incomplete and its writer should finish it as "error". */
int db_flush(db *d);

typedef struct db_trace_rec {
	uint16_t kind;
	int64_t t_ns;
	uint64_t hash;
} db_trace_rec;

/*
 * Finish the run: flush, store status ("passed"|"failed"|"error"), trace
 * hash (0 and no trace: NULL), message, virtual and wall seconds, and the
 * trace index (n records, may be 0).
 */
int db_run_finish(db *d, int64_t run, const char *status, uint64_t trace_hash,
		  const char *message, double virtual_s, double wall_s,
		  const db_trace_rec *trace, size_t n);

/* --- queries ------------------------------------------------------------------ */

typedef struct db_run_row {
	int64_t id;
	char scenario[128], status[16], mode[8], started_at[32], finished_at[32];
	char trace_hash[24], afsim_version[64], host[128], message[512];
	char invocation[40];           /* "" when the run has none */
	uint64_t seed;
	double virtual_s, wall_s, tol_time_frac, tol_accuracy_um;
} db_run_row;

int db_run_get(db *d, int64_t id, db_run_row *out);      /* -1 when there is no such run */
int db_last_run(db *d, int64_t *id);                     /* -1 when the database is empty */
/* Runs, newest first, at most limit (0: all), of scenario (NULL: all):
 * calls fn for each; stops early when fn returns non-zero. */
int db_runs_each(db *d, const char *scenario, size_t limit,
		 int (*fn)(void *user, const db_run_row *r), void *user);

/* Load run's trace index: *recs (malloc'd, caller frees) and *n. */
int db_trace_load(db *d, int64_t run, db_trace_rec **recs, size_t *n);

/* --- baselines ----------------------------------------------------------------- */

/* Bless run as the baseline `name` of its scenario (replacing any). */
int db_baseline_set(db *d, const char *name, int64_t run, const char *reason);
/* The baseline run of scenario under name: 0 and *run, or 1 when none. */
int db_baseline_get(db *d, const char *name, const char *scenario, int64_t *run);

typedef struct db_baseline_row {
	char name[64], scenario[128], created_at[32], reason[512];
	int64_t run_id;
} db_baseline_row;

/* Baselines ordered by name, scenario; name NULL: all. */
int db_baselines_each(db *d, const char *name,
		      int (*fn)(void *user, const db_baseline_row *b), void *user);

#endif /* DB_DB_H */
