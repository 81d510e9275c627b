/*
 * db_impl.h - the inside of a db handle, shared by db.c (statements,
 * helpers), db_open.c (open, schema), db_ingest.c (ingest), db_trace.c (the
 * trace index) and db_query.c (queries, baselines).  Not part of the
 * public surface: only the files of db/ include it.
 *
 * Every statement the store runs more than once is prepared once, on first
 * use, into a slot of d->st, and then bound, stepped and reset; all are
 * finalized at db_close.  A query that is re-entered while its slot is
 * still stepping (a callback calling back into the store) gets a statement
 * of its own for that call (db_stmt_use/db_stmt_done).
 */
#ifndef DB_DB_IMPL_H
#define DB_DB_IMPL_H

#include <sqlite3.h>
#include <stdarg.h>

#include "db/db.h"

#define DB_RUN_COLS                                                                        \
	"id, scenario, status, mode, started_at, finished_at, trace_hash, afsim_version, " \
	"host, message, seed, virtual_s, wall_s, tol_time_frac, tol_accuracy_um, invocation, " \
	"pid, rig"

/* Statement slots: name and SQL.  db_query.c's reads are here too so that
 * one table owns every prepared statement. */
#define DB_STMT_MAP(X)                                                                      \
	X(BEGIN, "BEGIN IMMEDIATE")                                                         \
	X(COMMIT, "COMMIT")                                                                 \
	X(ROLLBACK, "ROLLBACK")                                                             \
	X(INSERT_RUN, "INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, mode, " \
		      "started_at, status, afsim_version, host, pid, rig, tol_time_frac, "   \
		      "tol_accuracy_um, invocation, uid) "                                  \
		      "VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)")       \
	X(INSERT_OP, "INSERT INTO ops (run_id, seq, kind, t_ms, from_lens, to_lens, "       \
		     "z_request_um, z_predicted_um, z_found_um, mapping_error_um, "          \
		     "focus_error_um, lens_switch_ms, focus_move_ms, focus_search_ms, "      \
		     "validation_ms, total_ms, frames, cache_hit, temperature_c, success, "  \
		     "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") \
	X(INSERT_SAMPLE, "INSERT INTO samples (run_id, op_seq, seq, t_ms, lens, z_um, "     \
			 "focus_score, true_focus_um, temperature_c) "                      \
			 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")                              \
	X(INSERT_EVENT, "INSERT INTO events (run_id, seq, t_ms, kind, detail) "             \
			"VALUES (?, ?, ?, ?, ?)")                                           \
	X(INSERT_EXPECT, "INSERT INTO expectations (run_id, metric, value, op, bound, passed) " \
			 "VALUES (?, ?, ?, ?, ?, ?)")                                       \
	X(FINISH_RUN, "UPDATE runs SET status = ?2, finished_at = ?3, trace_hash = ?4, "    \
		      "message = ?5, virtual_s = ?6, wall_s = ?7 "                          \
		      "WHERE id = ?1 AND status = 'running'")                               \
	X(INSERT_CHUNK, "INSERT INTO trace_chunks (run_id, seq, records, end_hash, data) "  \
			"VALUES (?, ?, ?, ?, ?)")                                           \
	X(RUN_STATUS, "SELECT status, scenario FROM runs WHERE id = ?")                     \
	X(MAX_EVENT_SEQ, "SELECT coalesce(max(seq), 0) FROM events WHERE run_id = ?")       \
	X(MAX_SAMPLE_SEQ, "SELECT coalesce(max(seq), 0) FROM samples WHERE run_id = ?")     \
	X(RUNNING_HERE, "SELECT id, pid FROM runs WHERE status = 'running' AND host = ? "   \
			"ORDER BY id")                                                      \
	X(MARK_ABORTED, "UPDATE runs SET status = 'aborted', finished_at = ?2, message = ?3 " \
			"WHERE id = ?1 AND status = 'running'")                             \
	X(RUN_GET, "SELECT " DB_RUN_COLS " FROM runs WHERE id = ?")                         \
	X(LAST_RUN, "SELECT max(id) FROM runs")                                             \
	X(RUN_UID, "SELECT uid FROM runs WHERE id = ?")                                     \
	X(RUN_WALLS, "SELECT wall_s FROM runs WHERE scenario = ?1 AND status IN "           \
		     "('passed', 'failed') AND wall_s IS NOT NULL AND (?3 IS NULL OR "          \
		     "invocation IS NULL OR invocation <> ?3) ORDER BY id DESC LIMIT ?2")        \
	X(RUN_LEGACY, "SELECT host, pid, started_at, id, scenario, seed FROM runs WHERE id = ?") \
	X(RUNS_ALL, "SELECT " DB_RUN_COLS " FROM runs ORDER BY id DESC LIMIT ?")            \
	X(RUNS_SCENARIO, "SELECT " DB_RUN_COLS " FROM runs WHERE scenario = ? "             \
			 "ORDER BY id DESC LIMIT ?")                                        \
	X(TRACE_LOAD, "SELECT records, index_blob FROM traces WHERE run_id = ?")            \
	X(CHUNKS_OF, "SELECT seq, records, end_hash FROM trace_chunks WHERE run_id = ? "    \
		     "ORDER BY seq")                                                        \
	/* the same, for the other run of a comparison (both step at once) */              \
	X(CHUNKS_OF_C, "SELECT seq, records, end_hash FROM trace_chunks WHERE run_id = ? "  \
		       "ORDER BY seq")                                                      \
	X(CHUNK_DATA, "SELECT records, end_hash, data FROM trace_chunks "                   \
		      "WHERE run_id = ? AND seq = ?")                                       \
	X(CHUNKS_ALL, "SELECT seq, records, end_hash, data FROM trace_chunks "              \
		      "WHERE run_id = ? ORDER BY seq")                                       \
	X(CHUNK_COUNT, "SELECT count(*), coalesce(sum(records), 0) FROM trace_chunks "      \
		       "WHERE run_id = ?")                                                  \
	X(BASELINE_SET, "INSERT OR REPLACE INTO baselines (name, scenario, run_id, "        \
			"created_at, reason) VALUES (?, ?, ?, ?, ?)")                       \
	X(BASELINE_GET, "SELECT run_id FROM baselines WHERE name = ? AND scenario = ?")     \
	X(BASELINES_ALL, "SELECT name, scenario, created_at, reason, run_id FROM baselines " \
			 "ORDER BY name, scenario")                                         \
	X(BASELINES_NAME, "SELECT name, scenario, created_at, reason, run_id FROM baselines " \
			  "WHERE name = ? ORDER BY name, scenario")

enum db_stmt_slot {
#define DB_STMT_ENUM_(name, sql) DB_ST_##name,
	DB_STMT_MAP(DB_STMT_ENUM_)
#undef DB_STMT_ENUM_
	DB_ST_COUNT
};

/* A growable byte buffer; rows keep offsets into it, so it may move. */
typedef struct db_arena {
	char *p;
	size_t len, cap;
} db_arena;

/* A row waiting for its batch.  Strings (and a trace chunk's bytes) live
 * in an arena, by offset; DB_NO_STR stands for NULL. */
#define DB_NO_STR ((size_t)-1)
enum db_row_kind { DB_ROW_OP, DB_ROW_SAMPLE, DB_ROW_EVENT, DB_ROW_EXPECT, DB_ROW_CHUNK };

typedef struct db_chunk_row {
	uint64_t seq;            /* 0-based chunk number within the run */
	uint32_t records;
	uint64_t end_hash;
	size_t len;              /* bytes of data at str[0] */
} db_chunk_row;

typedef struct db_pending {
	enum db_row_kind kind;
	int64_t run;
	uint32_t seq;            /* events and samples: assigned at add */
	size_t str[4];           /* the row's strings, in field order */
	union {
		db_op op;
		db_sample s;
		db_event e;
		db_expect x;
		db_chunk_row c;
	} u;                     /* string pointers here are NULL: see str */
} db_pending;

/* Records per trace chunk: chunk k of every run holds records
 * k*DB_TRACE_CHUNK .. (k+1)*DB_TRACE_CHUNK - 1, so that two runs' chunks
 * can be compared by their end hashes without decoding them. */
#define DB_TRACE_CHUNK 4096

typedef struct db_tenc db_tenc;   /* a run's trace chunk being encoded (db_trace.c) */

/* A run this handle is writing: the next event and sample numbers, the
 * highest op seq added (samples of a later op are held until it is), and
 * its trace index encoder. */
typedef struct db_active {
	int64_t id;
	uint32_t events, samples;
	uint32_t ops_seen;
	db_tenc *enc;
	uint64_t lost;           /* rows that could not be written */
	char lost_why[256];      /* the first one's reason */
} db_active;

#define DB_BATCH 512
/* A batch is written once it holds DB_BATCH rows or DB_BATCH_BYTES of
 * strings and chunk data, whichever comes first. */
#define DB_BATCH_BYTES (1024 * 1024)
/* Samples held for an op not yet added, at most; past it they are written
 * without waiting (a broken writer, not the runner, gets there). */
#define DB_HELD_MAX 65536
#define DB_ERR_MAX 512

struct db {
	struct sqlite3 *h;
	sqlite3_stmt *st[DB_ST_COUNT];
	char host[256];
	long pid;
	bool readonly;           /* opened by db_open_ro: every write is refused */
	int version;             /* the file's schema version (readonly: may be older) */
	db_pending *rows;        /* the batch: nrows of rows_cap slots */
	size_t nrows, rows_cap;
	db_arena arena;
	db_pending *held;        /* samples waiting for their op (strings in harena) */
	size_t nheld, held_cap;
	db_arena harena;
	db_active *active;
	size_t nactive, active_cap;
	char err[DB_ERR_MAX];
};

/* Set the message (printf-style) and return -1. */
int db_fail(db *d, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* "what: <sqlite3_errmsg>", copied at once; returns -1. */
int db_sqlfail(db *d, const char *what);
/* The statement of slot (prepared on first use), or a fresh one in *tmp
 * when the slot is busy; NULL with the message set on failure. */
sqlite3_stmt *db_stmt_use(db *d, enum db_stmt_slot slot, sqlite3_stmt **tmp);
/* Done with a statement from db_stmt_use: reset (or finalize a fresh one);
 * the SQLite result of that (it repeats the last step's error, if any). */
int db_stmt_done(sqlite3_stmt *st, sqlite3_stmt *tmp);
/* Step st once, expecting no row (an INSERT, an UPDATE), and be done with
 * it: 0, or -1 with "<what>: <errmsg>". */
int db_step_done(db *d, sqlite3_stmt *st, sqlite3_stmt *tmp, const char *what);
/* Run the statement of slot once, expecting no row: 0 or -1 with
 * "<what>: <errmsg>". */
int db_step_slot(db *d, enum db_stmt_slot slot, const char *what);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: 0 or -1 with the message set
 * (ROLLBACK keeps the message of the failure that called for it). */
/* The first column of sql's first row as an integer: 0, or -1 with
 * "<what>: <errmsg>" (db_schema.c). */
int db_query_int(db *d, const char *sql, int64_t *v, const char *what);
/* PRAGMA user_version into *v: 0, or -1. */
int db_user_version(db *d, int *v);
/* Bring the schema to DB_SCHEMA_VERSION in one transaction; 0 or -1.  A
 * database already there costs one read and no lock. */
int db_migrate(db *d);
int db_tx_begin(db *d);
int db_tx_commit(db *d);
void db_tx_rollback(db *d);
/* Whether the process pid (of this host) is gone: its runs are aborted. */
bool db_pid_gone(int64_t pid);
/* The message an aborted run gets: why it did not finish. */
void db_aborted_message(const db *d, int64_t pid, char *buf, size_t n);
/* Now as ISO 8601 UTC with 'Z': 2026-11-22T02:52:17Z. */
void db_iso_now(char buf[32]);
/* -1 with "cannot <what>: database 'path' is open read-only" when d is. */
int db_writable(db *d, const char *what);

/*
 * Binding: each helper binds one parameter and keeps the first failure in
 * *rc (which starts as SQLITE_OK), so a statement is bound in a row of
 * calls and checked once (db_bind_check).  Text and blobs are bound
 * SQLITE_STATIC: they must outlive the step.
 */
void db_bind_int64(sqlite3_stmt *st, int i, int64_t v, int *rc);
void db_bind_real(sqlite3_stmt *st, int i, double v, int *rc);    /* NaN -> NULL */
void db_bind_text(sqlite3_stmt *st, int i, const char *s, int *rc); /* NULL -> NULL */
void db_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n, int *rc);
/* 0 when rc is SQLITE_OK, else -1 with "cannot bind <what>: <errmsg>". */
int db_bind_check(db *d, int rc, const char *what);
/* db_bind_check for a statement about to be stepped once: on a failure st is
 * also finalized (the caller returns -1 without touching it). */
int db_bind_done(db *d, sqlite3_stmt *st, int rc, const char *what);

/* --- db_ingest.c / db_trace.c -------------------------------------------- */

/* The counters of run, a run this handle writes (or one `running` in the
 * database, whose numbering it continues); NULL with the message set. */
db_active *db_active_get(db *d, int64_t run);
/* Forget run (finished): frees its encoder. */
void db_active_drop(db *d, int64_t run);
/* Copy n bytes into a (n == 0 with p NULL stores nothing): the offset in
 * *off; -1 when out of memory. */
int db_arena_put(db *d, db_arena *a, const void *p, size_t n, size_t *off);
/* Reserve the next batch slot for run; NULL with the message set. */
db_pending *db_row_new(db *d, int64_t run, enum db_row_kind kind);
/* Commit the slot reserved by db_row_new (its ns strings copied), and
 * write the batch when it is full. */
int db_row_put(db *d, db_pending *p, const char *const *s, int ns);
/* The same for a row whose bytes (a trace chunk's data) are p[0..n). */
int db_row_put_bytes(db *d, db_pending *p, const void *b, size_t n);
/* Count n rows of run that could not be written (why: the first reason). */
void db_row_lost(db *d, int64_t run, uint64_t n, const char *why);
/* Write the rows in the batch inside the caller's transaction (see
 * db_ingest.c for what a failing row does). */
int db_write_rows(db *d);

/* Queue the chunk a's encoder holds (if any) as a batch row and start the
 * next; -1 with the message set. */
int db_trace_chunk_out(db *d, db_active *a);
/* Records given to the encoder so far (all chunks). */
uint64_t db_tenc_records(const db_tenc *e);
void db_tenc_free(db_tenc *e);

#endif /* DB_DB_IMPL_H */
