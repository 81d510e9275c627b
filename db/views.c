/*
 * views.c - read-only views of the results store (views.h): run selection,
 * ops and samples row by row, metric histories.
 *
 * Statements are prepared per call (these run a few times per command, not
 * per row) and finalized on every path; failures set the store's message
 * (db_sqlfail).  Times are the store's ISO 8601 UTC strings, which compare
 * as text; ages are computed with timegm.
 */
#include "db/db_impl.h"
#include "db/views.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double col_d(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void col_s(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", s ? (const char *)s : "");
}

static sqlite3_stmt *prepare(db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot read the database");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Step st to its end, calling fn(user, id of column 0) per row. */
static int each_id(db *d, sqlite3_stmt *st, int (*fn)(void *user, int64_t id), void *user)
{
	int rc, stop = 0;

	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn(user, sqlite3_column_int64(st, 0));
	if (!stop && rc != SQLITE_DONE) {
		db_sqlfail(d, "cannot read the runs");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}

/* --- runs ---------------------------------------------------------------------- */

bool db_status_finished(const char *status)
{
	return strcmp(status, "passed") == 0 || strcmp(status, "failed") == 0;
}

int db_run_scenario_file(db *d, int64_t id, char *path, size_t pathlen, char sha256[65])
{
	sqlite3_stmt *st = prepare(d, "SELECT scenario_path, scenario_sha256 FROM runs WHERE id = ?1");
	int rc;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, id, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_s(st, 0, path, pathlen);
		col_s(st, 1, sha256, 65);
	} else if (rc == SQLITE_DONE) {
		db_fail(d, "no run %" PRId64 " in the database", id);
	} else {
		db_sqlfail(d, "cannot read the run");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_invocation_last(db *d, char *out, size_t outlen)
{
	sqlite3_stmt *st = prepare(d, "SELECT invocation FROM runs WHERE invocation IS NOT NULL "
				      "AND invocation <> '' ORDER BY id DESC LIMIT 1");
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_s(st, 0, out, outlen);
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the runs");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int db_runs_of_invocation(db *d, const char *inv, int (*fn)(void *user, int64_t id), void *user)
{
	sqlite3_stmt *st = prepare(d, "SELECT id FROM runs WHERE invocation = ?1 ORDER BY id");
	int rc = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_text(st, 1, inv, &rc);
	if (db_bind_done(d, st, rc, "the invocation"))
		return -1;
	return each_id(d, st, fn, user);
}

int db_runs_since(db *d, const char *since, int (*fn)(void *user, int64_t id), void *user)
{
	sqlite3_stmt *st = prepare(d, "SELECT id FROM runs WHERE started_at >= ?1 ORDER BY id");
	int rc = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_text(st, 1, since, &rc);
	if (db_bind_done(d, st, rc, "the time"))
		return -1;
	return each_id(d, st, fn, user);
}

int db_newest_finished(db *d, const char *scenario, int64_t *id, size_t *newer)
{
	sqlite3_stmt *st = prepare(d, "SELECT id, status FROM runs WHERE scenario = ?1 ORDER BY id DESC");
	int rc;

	if (!st)
		return -1;
	*newer = 0;
	rc = SQLITE_OK;
	db_bind_text(st, 1, scenario, &rc);
	if (db_bind_done(d, st, rc, "the scenario"))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 1);

		if (status && db_status_finished(status)) {
			*id = sqlite3_column_int64(st, 0);
			break;
		}
		(*newer)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the runs");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int db_run_step(db *d, int64_t id, int dir, const char *scenario, int64_t *out)
{
	sqlite3_stmt *st = prepare(d, dir < 0
		? "SELECT id FROM runs WHERE id < ?1 AND (?2 IS NULL OR scenario = ?2) ORDER BY id DESC LIMIT 1"
		: "SELECT id FROM runs WHERE id > ?1 AND (?2 IS NULL OR scenario = ?2) ORDER BY id ASC LIMIT 1");
	int rc;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, id, &rc);
	if (scenario)
		db_bind_text(st, 2, scenario, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the runs");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* --- times ------------------------------------------------------------------------ */

/* "YYYY-MM-DD[THH:MM[:SS]][Z]" into *t (UTC): 0 or -1. */
static int iso_parse(const char *s, time_t *t)
{
	int y, mo, da, h = 0, mi = 0, se = 0, n = 0, k;
	struct tm tm;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &da, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		k = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
			return -1;
		s += 1 + k;
		if (*s == ':') {
			k = 0;
			if (sscanf(s + 1, "%2d%n", &se, &k) != 1 || k != 2)
				return -1;
			s += 1 + k;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60 ||
	    h < 0 || mi < 0 || se < 0 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

static void iso_format(time_t t, char iso[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(iso, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int db_age_s(const char *iso, double *age_s)
{
	time_t t;

	if (!iso || iso_parse(iso, &t) != 0)
		return -1;
	*age_s = difftime(time(NULL), t);
	return 0;
}

const char *db_age_str(double age_s, char *buf, size_t size)
{
	double a = age_s < 0 ? 0 : age_s;

	if (a < 60)
		snprintf(buf, size, "%.0f s", a);
	else if (a < 3600)
		snprintf(buf, size, "%.0f min", floor(a / 60));
	else if (a < 86400)
		snprintf(buf, size, "%.0f h %.0f min", floor(a / 3600), floor(fmod(a, 3600) / 60));
	else
		snprintf(buf, size, "%.0f d %.0f h", floor(a / 86400), floor(fmod(a, 86400) / 3600));
	return buf;
}

int db_when_parse(const char *when, char iso[32])
{
	time_t t;
	char *end;
	unsigned long long v;

	if (!when || !*when)
		return -1;
	if (iso_parse(when, &t) == 0) {
		iso_format(t, iso);
		return 0;
	}
	if (!isdigit((unsigned char)when[0]))
		return -1;
	v = strtoull(when, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || v == 0 || v > 100ull * 365 * 86400)
		return -1;
	switch (end[0]) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	iso_format(time(NULL) - (time_t)v, iso);
	return 0;
}

/* --- operations and frames -------------------------------------------------------- */

#define OP_COLS                                                                               \
	"seq, kind, t_ms, coalesce(from_lens, ''), coalesce(to_lens, ''), z_request_um, "     \
	"z_predicted_um, z_found_um, mapping_error_um, focus_error_um, lens_switch_ms, "      \
	"focus_move_ms, focus_search_ms, validation_ms, total_ms, frames, cache_hit, "        \
	"temperature_c, success, error"

static void op_row(sqlite3_stmt *st, db_op_row *o)
{
	memset(o, 0, sizeof *o);
	o->seq = (uint32_t)sqlite3_column_int64(st, 0);
	col_s(st, 1, o->kind, sizeof o->kind);
	o->t_ms = col_d(st, 2);
	col_s(st, 3, o->from_lens, sizeof o->from_lens);
	col_s(st, 4, o->to_lens, sizeof o->to_lens);
	o->z_request_um = col_d(st, 5);
	o->z_predicted_um = col_d(st, 6);
	o->z_found_um = col_d(st, 7);
	o->mapping_error_um = col_d(st, 8);
	o->focus_error_um = col_d(st, 9);
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		o->phase_ms[p] = col_d(st, 10 + p);
	o->frames = col_d(st, 15);
	o->cache_hit = sqlite3_column_type(st, 16) == SQLITE_NULL ? 2 : sqlite3_column_int(st, 16) != 0;
	o->temperature_c = col_d(st, 17);
	o->success = sqlite3_column_int(st, 18) != 0;
	col_s(st, 19, o->error, sizeof o->error);
}

int db_ops_count(db *d, int64_t run, const char *kind, size_t *n)
{
	sqlite3_stmt *st = prepare(d, "SELECT count(*) FROM ops WHERE run_id = ?1 "
				      "AND (?2 IS NULL OR kind = ?2)");
	int rc;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, run, &rc);
	if (kind)
		db_bind_text(st, 2, kind, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(st, 0);
	else
		db_sqlfail(d, "cannot read the ops");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_ops_each(db *d, int64_t run, const char *kind, uint32_t from_seq,
		int (*fn)(void *user, const db_op_row *op), void *user)
{
	sqlite3_stmt *st = prepare(d, "SELECT " OP_COLS " FROM ops WHERE run_id = ?1 AND seq >= ?3 "
				      "AND (?2 IS NULL OR kind = ?2) ORDER BY seq");
	db_op_row o;
	int rc, stop = 0;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, run, &rc);
	if (kind)
		db_bind_text(st, 2, kind, &rc);
	db_bind_int64(st, 3, from_seq, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		op_row(st, &o);
		stop = fn(user, &o);
	}
	if (!stop && rc != SQLITE_DONE) {
		db_sqlfail(d, "cannot read the ops");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}

/* Step st once: its row into *out (0), none (1), or -1; finalizes st. */
static int op_one(db *d, sqlite3_stmt *st, db_op_row *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		op_row(st, out);
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the ops");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int db_op_get(db *d, int64_t run, uint32_t seq, db_op_row *out)
{
	static const char sql[] = "SELECT " OP_COLS " FROM ops WHERE run_id = ?1 AND seq = ?2";
	sqlite3_stmt *st = prepare(d, sql);
	int rc = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_int64(st, 1, run, &rc);
	db_bind_int64(st, 2, seq, &rc);
	if (db_bind_done(d, st, rc, "the op"))
		return -1;
	return op_one(d, st, out);
}

int db_op_at(db *d, int64_t run, double t_ms, db_op_row *out)
{
	static const char sql[] = "SELECT " OP_COLS " FROM ops WHERE run_id = ?1 AND t_ms <= ?2 "
				  "ORDER BY t_ms DESC, seq DESC LIMIT 1";
	sqlite3_stmt *st = prepare(d, sql);
	int rc = SQLITE_OK;

	if (!st)
		return -1;
	db_bind_int64(st, 1, run, &rc);
	db_bind_real(st, 2, t_ms, &rc);
	if (db_bind_done(d, st, rc, "the time"))
		return -1;
	return op_one(d, st, out);
}

int db_samples_count(db *d, int64_t run, size_t *n)
{
	sqlite3_stmt *st = prepare(d, "SELECT count(*) FROM samples WHERE run_id = ?1");
	int rc;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, run, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(st, 0);
	else
		db_sqlfail(d, "cannot read the samples");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_samples_each(db *d, int64_t run, uint32_t op_seq,
		    int (*fn)(void *user, const db_sample_row *s), void *user)
{
	/* time order is what the pictures need; seq breaks ties as recorded */
	sqlite3_stmt *st = prepare(d, "SELECT op_seq, seq, t_ms, lens, z_um, focus_score, "
				      "true_focus_um, temperature_c FROM samples WHERE run_id = ?1 "
				      "AND (?2 = 0 OR op_seq = ?2) ORDER BY t_ms, seq");
	db_sample_row r;
	int rc, stop = 0;

	if (!st)
		return -1;
	rc = SQLITE_OK;
	db_bind_int64(st, 1, run, &rc);
	db_bind_int64(st, 2, op_seq, &rc);
	if (db_bind_done(d, st, rc, "the run id"))
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.op_seq = (uint32_t)sqlite3_column_int64(st, 0);
		r.seq = (uint32_t)sqlite3_column_int64(st, 1);
		r.t_ms = col_d(st, 2);
		col_s(st, 3, r.lens, sizeof r.lens);
		r.z_um = col_d(st, 4);
		r.focus_score = col_d(st, 5);
		r.true_focus_um = col_d(st, 6);
		r.temperature_c = col_d(st, 7);
		stop = fn(user, &r);
	}
	if (!stop && rc != SQLITE_DONE) {
		db_sqlfail(d, "cannot read the samples");
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop;
}

/* --- metric history ------------------------------------------------------------------ */

typedef struct id_list {
	int64_t *v;
	size_t n, cap;
} id_list;

static int id_push(id_list *l, int64_t id)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 64;
		int64_t *p;

		if (ncap > SIZE_MAX / sizeof *p)
			return -1;
		p = realloc(l->v, ncap * sizeof *p);
		if (!p)
			return -1;
		l->v = p;
		l->cap = ncap;
	}
	l->v[l->n++] = id;
	return 0;
}

/* The finished runs of scenario, oldest first, and how many did not finish. */
static int finished_runs(db *d, const char *scenario, id_list *ids, size_t *unfinished,
			 char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(d, "SELECT id, status FROM runs WHERE scenario = ?1 ORDER BY id");
	int rc;

	if (!st) {
		snprintf(err, errlen, "%s", db_errmsg(d));
		return -1;
	}
	rc = SQLITE_OK;
	db_bind_text(st, 1, scenario, &rc);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot bind the scenario: %s", sqlite3_errstr(rc));
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 1);

		if (!status || !db_status_finished(status)) {
			(*unfinished)++;
		} else if (id_push(ids, sqlite3_column_int64(st, 0)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "cannot read the runs: %s",
			 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db_handle(d)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_metric_history(db *d, const char *scenario, const db_metric *m,
		      int (*fn)(void *user, int64_t run, double value), void *user,
		      size_t *unfinished, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	id_list ids = { 0 };
	db_opset s;
	size_t k = 0, left_out = 0;
	int rc, ret = -1, stop = 0;

	memset(&s, 0, sizeof s);
	if (finished_runs(d, scenario, &ids, &left_out, err, errlen) != 0)
		goto out;
	if (unfinished)
		*unfinished = left_out;
	/* every op of the scenario's runs in (run, seq) order; the finished runs'
	 * list is walked alongside, so a run without ops still gets its NaN */
	if (sqlite3_prepare_v2(db_handle(d),
			       "SELECT o.run_id, " DB_OPSET_COLS " FROM ops o JOIN runs r ON r.id = o.run_id "
			       "WHERE r.scenario = ?1 ORDER BY r.id, o.seq", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the ops: %s", sqlite3_errmsg(db_handle(d)));
		goto out;
	}
	rc = SQLITE_OK;
	db_bind_text(st, 1, scenario, &rc);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot bind the scenario: %s", sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_step(st);
	while (!stop && k < ids.n) {
		int64_t run = ids.v[k];
		double v;

		db_opset_clear(&s);
		/* skip ops of runs before this one (unfinished runs) */
		while (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) < run)
			rc = sqlite3_step(st);
		while (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == run) {
			if (db_opset_add_columns(&s, st, 1) != 0) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			rc = sqlite3_step(st);
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			snprintf(err, errlen, "cannot read the ops: %s", sqlite3_errmsg(db_handle(d)));
			goto out;
		}
		if (db_opset_metric(&s, m, &v) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		/* a count of nothing is no value either */
		if (m->has_stat && m->stat == DB_STAT_COUNT && v == 0)
			v = NAN;
		stop = fn(user, run, v);
		k++;
	}
	if (stop < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	db_opset_release(&s);
	free(ids.v);
	return ret;
}

int db_metric_of_run(db *d, int64_t run, const db_metric *m, double *value, char *err,
		     size_t errlen)
{
	db_opset s;
	int rc;

	*value = NAN;
	if (db_opset_load(d, &run, 1, &s, err, errlen) != 0)
		return -1;
	rc = db_opset_metric(&s, m, value);
	db_opset_release(&s);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (m->has_stat && m->stat == DB_STAT_COUNT && *value == 0) {
		*value = NAN;
		rc = 1;
	}
	return rc;
}
