/*
 * export.c - a run as Chrome trace-event JSON (export.h; the format:
 * "Trace Event Format", the JSON object form, as Perfetto and
 * chrome://tracing read it).
 *
 * Phases: the store keeps each phase's duration, not its start; they are
 * laid end to end from the operation's start (switch, move, search,
 * validation), which is how the engine adds them up into total_ms (with
 * overlap the move's time is what remained after the switch).  A phase
 * the operation did not reach (NULL, or 0 ms) has no event.
 *
 * Numbers: times in microseconds with three decimals (the run clock's
 * nanoseconds); values with %.9g; NaN and NULL as JSON null - never a
 * bare nan, which no JSON reader takes.
 */
#include "db/export.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "db/db_impl.h"

typedef struct emitter {
	db *d;
	FILE *f;
	bool first;        /* no event written yet (no comma before the next) */
	bool failed;       /* a write failed: errno kept in err */
	int err;
} emitter;

__attribute__((format(printf, 2, 3)))
static void out(emitter *e, const char *fmt, ...)
{
	va_list ap;

	if (e->failed)
		return;
	va_start(ap, fmt);
	if (vfprintf(e->f, fmt, ap) < 0) {
		e->failed = true;
		e->err = errno;
	}
	va_end(ap);
}

/* s as a JSON string (quotes, backslashes, control characters escaped;
 * other bytes as they are: the store holds UTF-8). */
static void json_str(emitter *e, const char *s)
{
	out(e, "\"");
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c == '"' || *c == '\\')
			out(e, "\\%c", *c);
		else if (*c == '\n')
			out(e, "\\n");
		else if (*c == '\t')
			out(e, "\\t");
		else if (*c < 0x20)
			out(e, "\\u%04x", *c);
		else
			out(e, "%c", *c);
	}
	out(e, "\"");
}

/* A column as a JSON number, null for NULL or a value that is not finite. */
static void json_num(emitter *e, sqlite3_stmt *st, int i)
{
	double v = sqlite3_column_double(st, i);

	if (sqlite3_column_type(st, i) == SQLITE_NULL || !isfinite(v))
		out(e, "null");
	else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		out(e, "%lld", (long long)sqlite3_column_int64(st, i));
	else
		out(e, "%.9g", v);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* The start of an event: {"name": NAME, "cat": CAT, "ph": PH, "ts": TS,
 * "pid": 1, "tid": TID - the caller adds the rest and the closing brace. */
static void ev_head(emitter *e, const char *name, const char *cat, const char *ph, double ts_us,
		    int tid)
{
	out(e, "%s\n{\"name\": ", e->first ? "" : ",");
	e->first = false;
	json_str(e, name);
	out(e, ", \"cat\": \"%s\", \"ph\": \"%s\", \"ts\": %.3f, \"pid\": 1, \"tid\": %d", cat, ph,
	    ts_us, tid);
}

static void meta(emitter *e, const char *what, int tid, const char *key, const char *name,
		 int sort)
{
	out(e, "%s\n{\"name\": \"%s\", \"ph\": \"M\", \"pid\": 1, \"tid\": %d, \"args\": {\"%s\": ",
	    e->first ? "" : ",", what, tid, key);
	e->first = false;
	if (name)
		json_str(e, name);
	else
		out(e, "%d", sort);
	out(e, "}}");
}

static sqlite3_stmt *prepare(emitter *e, const char *sql, int64_t run)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->d->h, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, run) != SQLITE_OK) {
		db_sqlfail(e->d, "cannot read the run");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Finish a statement stepped to its end: 0, or -1 with the message. */
static int finish(emitter *e, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE)
		db_sqlfail(e->d, "cannot read the run");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *const phase_names[] = { "lens_switch", "focus_move", "focus_search",
					   "validation" };

/* Every operation on the ops track, its phases on theirs, a failed one
 * also as a marked error event. */
static int ops(emitter *e, int64_t run)
{
	sqlite3_stmt *st = prepare(e, "SELECT seq, kind, t_ms, total_ms, lens_switch_ms, "
				      "focus_move_ms, focus_search_ms, validation_ms, from_lens, "
				      "to_lens, z_request_um, z_predicted_um, z_found_um, "
				      "mapping_error_um, focus_error_um, frames, cache_hit, "
				      "temperature_c, success, error FROM ops WHERE run_id = ?1 "
				      "ORDER BY seq", run);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		static const char *const args[] = { "from_lens", "to_lens", "z_request_um",
						    "z_predicted_um", "z_found_um", "mapping_error_um",
						    "focus_error_um", "frames", "cache_hit",
						    "temperature_c" };
		int64_t seq = sqlite3_column_int64(st, 0);
		double t_us = sqlite3_column_double(st, 2) * 1e3, at = t_us;
		double total = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, 3);
		char name[64];

		snprintf(name, sizeof name, "%s %" PRId64, col(st, 1), seq);
		ev_head(e, name, "op", "X", t_us, DB_EXPORT_TRACK_OPS);
		out(e, ", \"dur\": %.3f, \"args\": {\"seq\": %" PRId64, total > 0 ? total * 1e3 : 0.0, seq);
		for (int i = 0; i < 10; i++) {
			out(e, ", \"%s\": ", args[i]);
			if (i >= 2)
				json_num(e, st, 8 + i);
			else if (sqlite3_column_type(st, 8 + i) == SQLITE_NULL)
				out(e, "null");
			else
				json_str(e, col(st, 8 + i));
		}
		out(e, ", \"success\": %s, \"error\": ", sqlite3_column_int(st, 18) ? "true" : "false");
		json_str(e, col(st, 19));
		out(e, "}}");
		for (int p = 0; p < 4; p++) {
			double ms = sqlite3_column_double(st, 4 + p);

			if (sqlite3_column_type(st, 4 + p) == SQLITE_NULL || !(ms > 0))
				continue;
			ev_head(e, phase_names[p], "phase", "X", at, DB_EXPORT_TRACK_LENS_SWITCH + p);
			out(e, ", \"dur\": %.3f, \"args\": {\"op\": %" PRId64 ", \"ms\": %.9g}}", ms * 1e3,
			    seq, ms);
			at += ms * 1e3;
		}
		if (!sqlite3_column_int(st, 18)) {
			snprintf(name, sizeof name, "failed %s %" PRId64, col(st, 1), seq);
			ev_head(e, name, "error", "i", t_us + (total > 0 ? total * 1e3 : 0.0),
				DB_EXPORT_TRACK_EVENTS);
			out(e, ", \"s\": \"g\", \"args\": {\"op\": %" PRId64 ", \"error\": ", seq);
			json_str(e, col(st, 19));
			out(e, "}}");
		}
	}
	return finish(e, st, rc);
}

/* Every frame: an instant on the frames track, and the counters. */
static int frames(emitter *e, int64_t run)
{
	sqlite3_stmt *st = prepare(e, "SELECT op_seq, t_ms, lens, z_um, focus_score, true_focus_um, "
				      "temperature_c FROM samples WHERE run_id = ?1 ORDER BY seq", run);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double t_us = sqlite3_column_double(st, 1) * 1e3;

		ev_head(e, "frame", "frame", "i", t_us, DB_EXPORT_TRACK_FRAMES);
		out(e, ", \"s\": \"t\", \"args\": {\"op\": %lld, \"lens\": ",
		    (long long)sqlite3_column_int64(st, 0));
		json_str(e, col(st, 2));
		out(e, ", \"z_um\": ");
		json_num(e, st, 3);
		out(e, ", \"focus_score\": ");
		json_num(e, st, 4);
		out(e, ", \"true_focus_um\": ");
		json_num(e, st, 5);
		out(e, "}}");
		ev_head(e, "stage z (um)", "counter", "C", t_us, 0);
		out(e, ", \"args\": {\"z_um\": ");
		json_num(e, st, 3);
		out(e, "}}");
		if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
			ev_head(e, "temperature (C)", "counter", "C", t_us, 0);
			out(e, ", \"args\": {\"temperature_c\": ");
			json_num(e, st, 6);
			out(e, "}}");
		}
	}
	return finish(e, st, rc);
}

/* Faults, HAL errors, retries, warnings: marked across every track. */
static int events(emitter *e, int64_t run)
{
	sqlite3_stmt *st = prepare(e, "SELECT t_ms, kind, detail FROM events WHERE run_id = ?1 "
				      "ORDER BY seq", run);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = col(st, 1);
		char name[96];

		snprintf(name, sizeof name, "%s: %.80s", kind, col(st, 2));
		ev_head(e, name, strcmp(kind, "fault") == 0 ? "fault" : "error", "i",
			sqlite3_column_double(st, 0) * 1e3, DB_EXPORT_TRACK_EVENTS);
		out(e, ", \"s\": \"g\", \"args\": {\"kind\": ");
		json_str(e, kind);
		out(e, ", \"detail\": ");
		json_str(e, col(st, 2));
		out(e, "}}");
	}
	return finish(e, st, rc);
}

/* otherData: the run, and its expectations. */
static int other(emitter *e, int64_t run, const db_run_row *r)
{
	char uid[DB_UID_LEN + 1];
	sqlite3_stmt *st;
	int rc;
	bool first = true;

	if (db_run_uid(e->d, run, uid) != 0)
		return -1;
	out(e, "\n],\n\"displayTimeUnit\": \"ms\",\n\"otherData\": {\"format\": \"%s\", \"run\": %" PRId64
	       ", \"uid\": \"%s\", \"scenario\": ", DB_EXPORT_TRACE_FORMAT, run, uid);
	json_str(e, r->scenario);
	out(e, ", \"seed\": %" PRIu64 ", \"mode\": ", r->seed);
	json_str(e, r->mode);
	out(e, ", \"status\": ");
	json_str(e, r->status);
	out(e, ", \"trace_hash\": ");
	json_str(e, r->trace_hash);
	out(e, ", \"started_at\": ");
	json_str(e, r->started_at);
	out(e, ", \"afsim_version\": ");
	json_str(e, r->afsim_version);
	out(e, ", \"virtual_s\": ");
	if (isfinite(r->virtual_s))
		out(e, "%.9g", r->virtual_s);
	else
		out(e, "null");
	out(e, ", \"message\": ");
	json_str(e, r->message);
	out(e, ", \"expectations\": [");
	if (!(st = prepare(e, "SELECT metric, value, op, bound, passed FROM expectations "
			      "WHERE run_id = ?1 ORDER BY rowid", run)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out(e, "%s\n  {\"metric\": ", first ? "" : ",");
		first = false;
		json_str(e, col(st, 0));
		out(e, ", \"value\": ");
		json_num(e, st, 1);
		out(e, ", \"op\": ");
		json_str(e, col(st, 2));
		out(e, ", \"bound\": ");
		json_num(e, st, 3);
		out(e, ", \"passed\": %s}", sqlite3_column_int(st, 4) ? "true" : "false");
	}
	if (finish(e, st, rc) != 0)
		return -1;
	out(e, "]}\n}\n");
	return 0;
}

int db_export_trace(db *d, int64_t run, FILE *f)
{
	static const char *const tracks[] = { "operations", "lens_switch", "focus_move",
					       "focus_search", "validation", "frames",
					       "faults and errors" };
	emitter e = { d, f, true, false, 0 };
	db_run_row r;
	char title[256];

	if (db_run_get(d, run, &r) != 0)
		return db_fail(d, "no run %" PRId64 " in the database", run);
	out(&e, "{\"traceEvents\": [");
	snprintf(title, sizeof title, "afsim run %" PRId64 ": %s, seed %" PRIu64 " (%s, %s)", run,
		 r.scenario, r.seed, r.mode, r.status);
	meta(&e, "process_name", 0, "name", title, 0);
	for (int t = 0; t < 7; t++) {
		meta(&e, "thread_name", t + 1, "name", tracks[t], 0);
		meta(&e, "thread_sort_index", t + 1, "sort_index", NULL, t + 1);
	}
	if (ops(&e, run) != 0 || frames(&e, run) != 0 || events(&e, run) != 0 ||
	    other(&e, run, &r) != 0)
		return -1;
	if (!e.failed && fflush(f) != 0) {
		e.failed = true;
		e.err = errno;
	}
	if (e.failed)
		return db_fail(d, "cannot write the trace: %s", strerror(e.err));
	return 0;
}
