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

#define DB_SCHEMA_VERSION 7
/* PRAGMA application_id of an afsim database: "AFSM" (0x4146534d). */
#define DB_APPLICATION_ID 0x4146534d

/*
 * Open the database at path for writing: create it (a missing file),
 * refuse a file that is not an afsim database (its application id, or
 * for schemas 1 and 2 its tables) or that fails PRAGMA quick_check, switch
 * it to WAL, migrate it to DB_SCHEMA_VERSION, mark as `aborted` every
 * `running` run whose writer process (same host) is gone, and take and
 * release a write transaction, so that a database we cannot write is
 * refused here, before anything runs.  NULL on failure with
 * "cannot open database 'PATH': why" in err (errlen bytes).
 */
db *db_open(const char *path, char *err, size_t errlen);
/*
 * Open the database at path for reading only: never creates, migrates or
 * writes anything (no WAL switch, no abort marking), and reads a database
 * in a folder it may not write.  A missing file is "no such database
 * 'PATH'"; a file that is not an afsim database, is empty, or has a
 * schema older than 2 or newer than this afsim's is refused.  Every
 * function that writes fails on the handle ("... open read-only").  A
 * `running` run of this host whose writer is gone is read as `aborted`
 * (db_run_get, db_runs_each), as db_open would mark it.
 */
db *db_open_ro(const char *path, char *err, size_t errlen);

enum db_open_flag {
	DB_OPEN_READONLY = 1u << 0,   /* db_open_ro */
	DB_OPEN_NO_CHECK = 1u << 1,   /* skip quick_check: this process just checked the file */
};
/* db_open or db_open_ro by flags (DB_OPEN_*). */
db *db_open_with(const char *path, unsigned flags, char *err, size_t errlen);
/* Flush buffered rows of unfinished runs (they stay `running`) and close;
 * NULL is a no-op. */
void db_close(db *d);
const char *db_errmsg(const db *d);
/* Whether d was opened read-only. */
bool db_is_readonly(const db *d);
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

/* Insert the run (status running, started now, a new uid: DB_UID_LEN
 * random hex digits) and return its id in *id. */
int db_run_begin(db *d, const db_run_info *info, int64_t *id);

/* A run's globally unique id (runs.uid, schema 5): 32 lowercase hex
 * digits, 128 random bits drawn when the run begins, so that runs recorded
 * in different databases never share one and `afsim db merge` can tell a
 * run it already has. */
#define DB_UID_LEN 32
/* The uid of run: 0 and out (DB_UID_LEN + 1 bytes), -1 when there is no
 * such run.  A database older than schema 5 (read-only) answers the uid
 * its migration will give the run (db_uid_legacy). */
int db_run_uid(db *d, int64_t run, char out[DB_UID_LEN + 1]);
/* 128 fresh random bits as DB_UID_LEN hex digits (the kernel's random
 * source; if it fails, a digest of the time, the pid and a counter). */
void db_uid_new(char out[DB_UID_LEN + 1]);
/*
 * The uid schema 5 gives a run recorded before it: the first DB_UID_LEN
 * hex digits of the SHA-256 of its host, pid, started_at, id, scenario
 * and seed.  Derived, not drawn, so that two copies of one old database
 * migrated apart give their runs the same uids (and a merge of the two
 * keeps one of each).
 */
void db_uid_legacy(const char *host, int64_t pid, const char *started_at, int64_t id,
		   const char *scenario, int64_t seed, char out[DB_UID_LEN + 1]);

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
	/* not applicable on the run's rig (a metric that needs ground truth,
	 * on a physical rig): stored with passed NULL, neither passed nor
	 * failed (schema 4) */
	bool na;
} db_expect;

/*
 * Buffered: rows are written in batches (one BEGIN IMMEDIATE transaction
 * per batch of up to 512 rows or 1 MiB) and at db_run_finish.  A sample
 * whose op (op_seq) has not been added yet is held until it is, and then
 * written in the op's transaction: a run killed half-way never leaves a
 * sample without its op (samples of an op that never comes are not
 * written).  A row that cannot be written (a constraint, a value past
 * the database's limits) is skipped, its batch's other rows committed,
 * and the failure reported (-1) by the call that wrote the batch; the run
 * is then incomplete and its writer should finish it as "error".  A batch
 * lost whole (the disk full, the lock not granted) is reported the same.
 */
int db_op_add(db *d, int64_t run, const db_op *op);
int db_sample_add(db *d, int64_t run, const db_sample *s);
int db_event_add(db *d, int64_t run, const db_event *e);
int db_expect_add(db *d, int64_t run, const db_expect *x);
/* Write the buffered rows now, in one transaction (held samples stay). */
int db_flush(db *d);

/* One record of a run's trace index (kernel/trace.h): its kind, its time,
 * and the trace's running hash after it.  Records read back from the
 * store carry the high 32 bits of that hash, the low 32 bits zero (the
 * store keeps 32 bits a record, see docs/database.md). */
typedef struct db_trace_rec {
	uint16_t kind;
	int64_t t_ns;
	uint64_t hash;
} db_trace_rec;

/* The high 32 bits of a running hash, as records read back carry it. */
#define DB_TRACE_HASH_KEPT(h) ((uint64_t)(h) & UINT64_C(0xffffffff00000000))

/*
 * Append n records to run's trace index, in order, as the run goes.
 * Encoded into chunks of 4096 records that are written with the row
 * batches (the last one at db_run_finish): memory stays bounded whatever
 * the run's length.
 */
int db_trace_add(db *d, int64_t run, const db_trace_rec *recs, size_t n);

/*
 * Finish the run: flush, store status ("passed"|"failed"|"error"), trace
 * hash (0 and no trace: NULL), message, virtual and wall seconds, and the
 * rest of its trace index: what db_trace_add was given, then the n
 * records of trace (may be 0; a caller that streams gives NULL, 0).
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
	char rig[320];                 /* "sim:default", a rig's "NAME (IDENTITY)" */
	uint64_t seed;
	double virtual_s, wall_s, tol_time_frac, tol_accuracy_um;
} db_run_row;

int db_run_get(db *d, int64_t id, db_run_row *out);      /* -1 when there is no such run */
int db_last_run(db *d, int64_t *id);                     /* -1 when the database is empty */
/* Runs, newest first, at most limit (0: all), of scenario (NULL: all):
 * calls fn for each; stops early when fn returns non-zero. */
int db_runs_each(db *d, const char *scenario, size_t limit,
		 int (*fn)(void *user, const db_run_row *r), void *user);

/*
 * What a run of scenario is expected to cost, for balancing shards
 * (sim/shard.h): the median wall_s of its newest finished runs (passed or
 * failed, at most DB_EXPECT_RUNS), leaving out the runs of invocation
 * `except` (NULL: none) - the shards of one invocation that share a
 * database must not see each other's runs, or they would split the suite
 * differently.  0 and *wall_s; 1 when the database has none; -1 on a read
 * error.
 */
#define DB_EXPECT_RUNS 5
int db_expected_wall_s(db *d, const char *scenario, const char *except, double *wall_s);

/* Load run's trace index: *recs (malloc'd, caller frees) and *n (0 and
 * NULL for a run without one).  Memory grows with the run: a long run's
 * index is compared with db_trace_diverge_runs instead. */
int db_trace_load(db *d, int64_t run, db_trace_rec **recs, size_t *n);
/* The number of records of run's trace index (0 without one). */
int db_trace_count(db *d, int64_t run, uint64_t *n);

/* Where two runs' traces part. */
typedef struct db_trace_div {
	bool available;        /* both runs have a trace index */
	bool diverged;         /* they differ (else identical) */
	uint64_t index;        /* the first record that differs (0-based) */
	uint64_t nb, nc;       /* records of b and of c */
	bool has_b, has_c;     /* record `index` exists on that side (a prefix has none) */
	db_trace_rec b, c;     /* that record on each side */
} db_trace_div;

/*
 * The first record where the traces of runs b and c differ, reading chunk
 * by chunk: chunks whose end hashes agree are skipped undecoded, so the
 * memory used is two chunks whatever the runs' length.  The record named
 * is the first whose running hash differs, exactly up to its chunk (64-bit
 * end hashes) and within it up to the 32 bits kept per record.
 */
int db_trace_diverge_runs(db *d, int64_t b, int64_t c, db_trace_div *out);

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
