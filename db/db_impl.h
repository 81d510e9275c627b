/*
 * db_impl.h - the inside of a db handle, shared by db.c (open, schema,
 * ingest) and db_query.c (queries, baselines).  Not part of the public
 * surface: only the files of db/ include it.
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
	"host, message, seed, virtual_s, wall_s, tol_time_frac, tol_accuracy_um, invocation"

/* Statement slots: name and SQL.  db_query.c's reads are here too so that
 * one table owns every prepared statement. */
#define DB_STMT_MAP(X)                                                                      \
	X(BEGIN, "BEGIN IMMEDIATE")                                                         \
	X(COMMIT, "COMMIT")                                                                 \
	X(ROLLBACK, "ROLLBACK")                                                             \
	X(INSERT_RUN, "INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, mode, " \
		      "started_at, status, afsim_version, host, pid, rig, tol_time_frac, "   \
		      "tol_accuracy_um, invocation) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)") \
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
	X(INSERT_TRACE, "INSERT OR REPLACE INTO traces (run_id, records, index_blob) "      \
			"VALUES (?, ?, ?)")                                                 \
	X(RUN_STATUS, "SELECT status, scenario FROM runs WHERE id = ?")                     \
	X(MAX_EVENT_SEQ, "SELECT coalesce(max(seq), 0) FROM events WHERE run_id = ?")       \
	X(MAX_SAMPLE_SEQ, "SELECT coalesce(max(seq), 0) FROM samples WHERE run_id = ?")     \
	X(RUNNING_HERE, "SELECT id, pid FROM runs WHERE status = 'running' AND host = ? "   \
			"ORDER BY id")                                                      \
	X(MARK_ABORTED, "UPDATE runs SET status = 'aborted', finished_at = ?2, message = ?3 " \
			"WHERE id = ?1 AND status = 'running'")                             \
	X(RUN_GET, "SELECT " DB_RUN_COLS " FROM runs WHERE id = ?")                         \
	X(LAST_RUN, "SELECT max(id) FROM runs")                                             \
	X(RUNS_ALL, "SELECT " DB_RUN_COLS " FROM runs ORDER BY id DESC LIMIT ?")            \
	X(RUNS_SCENARIO, "SELECT " DB_RUN_COLS " FROM runs WHERE scenario = ? "             \
			 "ORDER BY id DESC LIMIT ?")                                        \
	X(TRACE_LOAD, "SELECT records, index_blob FROM traces WHERE run_id = ?")            \
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

/* A row waiting for its batch.  Strings live in d->arena (offsets, so that
 * the arena may grow); DB_NO_STR stands for NULL. */
#define DB_NO_STR ((size_t)-1)
enum db_row_kind { DB_ROW_OP, DB_ROW_SAMPLE, DB_ROW_EVENT, DB_ROW_EXPECT };

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
	} u;                     /* string pointers here are NULL: see str */
} db_pending;

/* A run this handle is writing: the next event and sample numbers. */
typedef struct db_active {
	int64_t id;
	uint32_t events, samples;
} db_active;

#define DB_BATCH 512
#define DB_ERR_MAX 512

struct db {
	struct sqlite3 *h;
	sqlite3_stmt *st[DB_ST_COUNT];
	char host[256];
	long pid;
	db_pending *rows;        /* DB_BATCH slots */
	size_t nrows;
	char *arena;
	size_t arena_len, arena_cap;
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
/* Done with a statement from db_stmt_use: reset (or finalize a fresh one). */
void db_stmt_done(sqlite3_stmt *st, sqlite3_stmt *tmp);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: 0 or -1 with the message set
 * (ROLLBACK keeps the message of the failure that called for it). */
int db_tx_begin(db *d);
int db_tx_commit(db *d);
void db_tx_rollback(db *d);
/* Now as ISO 8601 UTC with 'Z': 2026-11-22T02:52:17Z. */
void db_iso_now(char buf[32]);

#endif /* DB_DB_IMPL_H */
