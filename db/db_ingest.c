/*
 * db_ingest.c - writing a run: its row, then its ops, samples, events and
 * expectations in batches, then its end (status, hash, trace index).
 *
 * Rows are copied into a buffer of DB_BATCH slots (their strings into an
 * arena, by offset, so the arena may grow) and written in one BEGIN
 * IMMEDIATE transaction when the buffer fills, on db_flush, and together
 * with the run's end in db_run_finish.  A process killed half-way has
 * therefore committed a whole number of batches.  Event and sample seq
 * numbers are assigned here, in the order the rows arrive, per run.
 * NaN reals are stored as NULL.
 */
#include "db/db_impl.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- ingest ---------------------------------------------------------------- */

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static bool is_hex(const char *s, size_t len)
{
	size_t i = 0;

	for (; s[i] && i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == len && s[i] == '\0';
}

int db_run_begin(db *d, const db_run_info *info, int64_t *id)
{
	sqlite3_stmt *tmp = NULL, *st;
	char now[32];
	int rc;

	if (!info->scenario || !*info->scenario || !info->scenario_path || !info->afsim_version ||
	    !info->rig || !info->mode)
		return db_fail(d, "cannot begin a run: scenario, path, version, rig and mode are required");
	if (strcmp(info->mode, "sim") != 0 && strcmp(info->mode, "hil") != 0)
		return db_fail(d, "cannot begin a run: mode '%s' is not sim or hil", info->mode);
	if (!info->scenario_sha256 || !is_hex(info->scenario_sha256, 64))
		return db_fail(d, "cannot begin a run: the scenario sha256 is not 64 lowercase hex digits");
	if (d->nactive == d->active_cap) {
		size_t ncap = d->active_cap ? 2 * d->active_cap : 4;
		db_active *na = realloc(d->active, ncap * sizeof *na);

		if (!na)
			return db_fail(d, "out of memory");
		d->active = na;
		d->active_cap = ncap;
	}
	db_iso_now(now);
	if (db_tx_begin(d) != 0)
		return -1;
	st = db_stmt_use(d, DB_ST_INSERT_RUN, &tmp);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, info->scenario, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, info->scenario_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, info->scenario_sha256, -1, SQLITE_STATIC);
	/* a seed past INT64_MAX is stored as its two's-complement int64 and
	 * read back bit for bit (db_run_row.seed) */
	sqlite3_bind_int64(st, 4, (sqlite3_int64)info->seed);
	sqlite3_bind_text(st, 5, info->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, info->afsim_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, d->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, d->pid);
	sqlite3_bind_text(st, 10, info->rig, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 11, isnan(info->tol_time_frac) ? 0.05 : info->tol_time_frac);
	sqlite3_bind_double(st, 12, isnan(info->tol_accuracy_um) ? 0.05 : info->tol_accuracy_um);
	if (info->invocation)
		sqlite3_bind_text(st, 13, info->invocation, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 13);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		db_sqlfail(d, "cannot insert the run");
		db_stmt_done(st, tmp);
		goto fail;
	}
	db_stmt_done(st, tmp);
	*id = sqlite3_last_insert_rowid(d->h);
	if (db_tx_commit(d) != 0)
		goto fail;
	d->active[d->nactive++] = (db_active){ .id = *id };
	return 0;
fail:
	db_tx_rollback(d);
	return -1;
}

/* The run's counters; a run this handle did not begin must be `running`
 * in the database and continues its event and sample numbering. */
static db_active *active_get(db *d, int64_t run)
{
	sqlite3_stmt *tmp, *st;
	db_active a = { .id = run };
	int rc;
	bool running = false;

	for (size_t i = 0; i < d->nactive; i++)
		if (d->active[i].id == run)
			return &d->active[i];
	st = db_stmt_use(d, DB_ST_RUN_STATUS, &tmp);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		running = strcmp((const char *)sqlite3_column_text(st, 0), "running") == 0;
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the run");
	db_stmt_done(st, tmp);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return NULL;
	if (!running) {
		db_fail(d, "run %" PRId64 " is %s", run, rc == SQLITE_ROW ? "not running" : "unknown");
		return NULL;
	}
	for (int k = 0; k < 2; k++) {
		st = db_stmt_use(d, k ? DB_ST_MAX_SAMPLE_SEQ : DB_ST_MAX_EVENT_SEQ, &tmp);
		if (!st)
			return NULL;
		sqlite3_bind_int64(st, 1, run);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*(k ? &a.samples : &a.events) = (uint32_t)sqlite3_column_int64(st, 0);
		else
			db_sqlfail(d, "cannot read the run");
		db_stmt_done(st, tmp);
		if (rc != SQLITE_ROW)
			return NULL;
	}
	if (d->nactive == d->active_cap) {
		size_t ncap = d->active_cap ? 2 * d->active_cap : 4;
		db_active *na = realloc(d->active, ncap * sizeof *na);

		if (!na) {
			db_fail(d, "out of memory");
			return NULL;
		}
		d->active = na;
		d->active_cap = ncap;
	}
	d->active[d->nactive] = a;
	return &d->active[d->nactive++];
}

/* Copy s into the arena: its offset, or DB_NO_STR for NULL; -1 when out of memory. */
static int arena_put(db *d, const char *s, size_t *off)
{
	size_t n;

	if (!s) {
		*off = DB_NO_STR;
		return 0;
	}
	n = strlen(s) + 1;
	if (n > SIZE_MAX / 2 - d->arena_len)
		return db_fail(d, "out of memory");
	if (d->arena_len + n > d->arena_cap) {
		size_t ncap = d->arena_cap ? d->arena_cap : 16384;
		char *na;

		while (ncap < d->arena_len + n)
			ncap *= 2;
		na = realloc(d->arena, ncap);
		if (!na)
			return db_fail(d, "out of memory");
		d->arena = na;
		d->arena_cap = ncap;
	}
	memcpy(d->arena + d->arena_len, s, n);
	*off = d->arena_len;
	d->arena_len += n;
	return 0;
}

static const char *arena_str(const db *d, size_t off)
{
	return off == DB_NO_STR ? NULL : d->arena + off;
}

/* Insert one buffered row (inside the batch's transaction). */
static int write_row(db *d, const db_pending *p)
{
	static const enum db_stmt_slot slot[] = { DB_ST_INSERT_OP, DB_ST_INSERT_SAMPLE,
						  DB_ST_INSERT_EVENT, DB_ST_INSERT_EXPECT };
	sqlite3_stmt *tmp, *st = db_stmt_use(d, slot[p->kind], &tmp);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, p->run);
	switch (p->kind) {
	case DB_ROW_OP: {
		const db_op *o = &p->u.op;

		sqlite3_bind_int64(st, 2, o->seq);
		bind_text(st, 3, arena_str(d, p->str[0]));
		sqlite3_bind_double(st, 4, o->t_ms);
		bind_text(st, 5, arena_str(d, p->str[1]));
		bind_text(st, 6, arena_str(d, p->str[2]));
		bind_real(st, 7, o->z_request_um);
		bind_real(st, 8, o->z_predicted_um);
		bind_real(st, 9, o->z_found_um);
		bind_real(st, 10, o->mapping_error_um);
		bind_real(st, 11, o->focus_error_um);
		bind_real(st, 12, o->lens_switch_ms);
		bind_real(st, 13, o->focus_move_ms);
		bind_real(st, 14, o->focus_search_ms);
		bind_real(st, 15, o->validation_ms);
		bind_real(st, 16, o->total_ms);
		sqlite3_bind_int64(st, 17, o->frames);
		sqlite3_bind_int(st, 18, o->cache_hit);
		bind_real(st, 19, o->temperature_c);
		sqlite3_bind_int(st, 20, o->success);
		bind_text(st, 21, p->str[3] == DB_NO_STR ? "" : arena_str(d, p->str[3]));
		break;
	}
	case DB_ROW_SAMPLE: {
		const db_sample *s = &p->u.s;

		sqlite3_bind_int64(st, 2, s->op_seq);
		sqlite3_bind_int64(st, 3, p->seq);
		sqlite3_bind_double(st, 4, s->t_ms);
		bind_text(st, 5, arena_str(d, p->str[0]));
		sqlite3_bind_double(st, 6, s->z_um);
		sqlite3_bind_double(st, 7, s->focus_score);
		bind_real(st, 8, s->true_focus_um);
		bind_real(st, 9, s->temperature_c);
		break;
	}
	case DB_ROW_EVENT:
		sqlite3_bind_int64(st, 2, p->seq);
		sqlite3_bind_double(st, 3, p->u.e.t_ms);
		bind_text(st, 4, arena_str(d, p->str[0]));
		bind_text(st, 5, arena_str(d, p->str[1]));
		break;
	case DB_ROW_EXPECT:
		bind_text(st, 2, arena_str(d, p->str[0]));
		bind_real(st, 3, p->u.x.value);
		bind_text(st, 4, arena_str(d, p->str[1]));
		sqlite3_bind_double(st, 5, p->u.x.bound);
		sqlite3_bind_int(st, 6, p->u.x.passed);
		break;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot insert a row");
	db_stmt_done(st, tmp);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Write the buffered rows inside the caller's transaction.  The buffer is
 * emptied whatever happens: a batch that cannot be written (the caller
 * rolls back) is reported once, not retried on every later row. */
static int write_rows(db *d)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->nrows; i++)
		rc = write_row(d, &d->rows[i]);
	if (rc != 0) {
		char why[DB_ERR_MAX];

		memcpy(why, d->err, sizeof why);
		db_fail(d, "%zu buffered rows lost: %s", d->nrows, why);
	}
	d->nrows = 0;
	d->arena_len = 0;
	return rc;
}

int db_flush(db *d)
{
	if (d->nrows == 0)
		return 0;
	if (db_tx_begin(d) != 0) {
		char why[DB_ERR_MAX];

		memcpy(why, d->err, sizeof why);
		db_fail(d, "%zu buffered rows lost: %s", d->nrows, why);
		d->nrows = 0;
		d->arena_len = 0;
		return -1;
	}
	if (write_rows(d) != 0 || db_tx_commit(d) != 0) {
		db_tx_rollback(d);
		return -1;
	}
	return 0;
}

/* Reserve the next buffer slot for run (flushing a full buffer first). */
static db_pending *row_new(db *d, int64_t run, enum db_row_kind kind, db_active **a)
{
	db_pending *p;

	*a = active_get(d, run);
	if (!*a)
		return NULL;
	if (d->nrows == DB_BATCH && db_flush(d) != 0)
		return NULL;
	p = &d->rows[d->nrows];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->run = run;
	return p;
}

/* Commit the row reserved by row_new (its strings copied). */
static int row_put(db *d, db_pending *p, const char *const *s, int ns)
{
	size_t mark = d->arena_len;

	for (int i = 0; i < 4; i++)
		p->str[i] = DB_NO_STR;
	for (int i = 0; i < ns; i++)
		if (arena_put(d, s[i], &p->str[i]) != 0) {
			d->arena_len = mark;
			return -1;
		}
	d->nrows++;
	if (d->nrows == DB_BATCH)
		return db_flush(d);
	return 0;
}

int db_op_add(db *d, int64_t run, const db_op *op)
{
	db_active *a;
	db_pending *p;
	const char *s[4];

	if (!op->kind)
		return db_fail(d, "cannot add an op: no kind");
	if (op->seq == 0)
		return db_fail(d, "cannot add an op: seq is 1-based");
	p = row_new(d, run, DB_ROW_OP, &a);
	if (!p)
		return -1;
	p->u.op = *op;
	s[0] = op->kind;
	s[1] = op->from_lens;
	s[2] = op->to_lens;
	s[3] = op->error;
	p->u.op.kind = p->u.op.from_lens = p->u.op.to_lens = p->u.op.error = NULL;
	return row_put(d, p, s, 4);
}

int db_sample_add(db *d, int64_t run, const db_sample *smp)
{
	db_active *a;
	db_pending *p;
	const char *s[1] = { smp->lens };

	if (!smp->lens)
		return db_fail(d, "cannot add a sample: no lens");
	p = row_new(d, run, DB_ROW_SAMPLE, &a);
	if (!p)
		return -1;
	p->u.s = *smp;
	p->u.s.lens = NULL;
	p->seq = a->samples + 1;
	if (row_put(d, p, s, 1) != 0)
		return -1;
	a->samples++;
	return 0;
}

int db_event_add(db *d, int64_t run, const db_event *e)
{
	db_active *a;
	db_pending *p;
	const char *s[2] = { e->kind, e->detail };

	if (!e->kind || !e->detail)
		return db_fail(d, "cannot add an event: kind and detail are required");
	p = row_new(d, run, DB_ROW_EVENT, &a);
	if (!p)
		return -1;
	p->u.e = *e;
	p->u.e.kind = p->u.e.detail = NULL;
	p->seq = a->events + 1;
	if (row_put(d, p, s, 2) != 0)
		return -1;
	a->events++;
	return 0;
}

int db_expect_add(db *d, int64_t run, const db_expect *x)
{
	db_active *a;
	db_pending *p;
	const char *s[2] = { x->metric, x->op };

	if (!x->metric || !x->op || (strcmp(x->op, "min") != 0 && strcmp(x->op, "max") != 0))
		return db_fail(d, "cannot add an expectation: a metric and op min or max are required");
	p = row_new(d, run, DB_ROW_EXPECT, &a);
	if (!p)
		return -1;
	p->u.x = *x;
	p->u.x.metric = p->u.x.op = NULL;
	return row_put(d, p, s, 2);
}

/* The index blob: 24 bytes per record, little-endian (docs/database.md). */
static unsigned char *trace_blob(const db_trace_rec *t, size_t n)
{
	unsigned char *b = malloc(n * 24), *p = b;

	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++, p += 24) {
		uint64_t tn = (uint64_t)t[i].t_ns;

		memset(p, 0, 8);
		p[0] = (unsigned char)t[i].kind;
		p[1] = (unsigned char)(t[i].kind >> 8);
		for (int k = 0; k < 8; k++) {
			p[8 + k] = (unsigned char)(tn >> (8 * k));
			p[16 + k] = (unsigned char)(t[i].hash >> (8 * k));
		}
	}
	return b;
}

int db_run_finish(db *d, int64_t run, const char *status, uint64_t trace_hash,
		  const char *message, double virtual_s, double wall_s,
		  const db_trace_rec *trace, size_t n)
{
	sqlite3_stmt *tmp = NULL, *st;
	unsigned char *blob = NULL;
	char now[32], hash[24];
	int rc = -1, s;

	if (!status || (strcmp(status, "passed") != 0 && strcmp(status, "failed") != 0 &&
			strcmp(status, "error") != 0))
		return db_fail(d, "cannot finish run %" PRId64 ": status '%s' is not passed, failed or error",
			       run, status ? status : "");
	if (n > (size_t)INT_MAX / 24 || (n && !trace))
		return db_fail(d, "cannot finish run %" PRId64 ": trace index of %zu records is too large",
			       run, n);
	if (n && !(blob = trace_blob(trace, n)))
		return db_fail(d, "out of memory");
	db_iso_now(now);
	snprintf(hash, sizeof hash, "%016" PRIx64, trace_hash);
	/* the last rows and the finish commit together */
	if (db_tx_begin(d) != 0)
		goto out;
	if (write_rows(d) != 0)
		goto out;
	st = db_stmt_use(d, DB_ST_FINISH_RUN, &tmp);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	bind_text(st, 4, trace_hash || n ? hash : NULL);
	sqlite3_bind_text(st, 5, message ? message : "", -1, SQLITE_STATIC);
	bind_real(st, 6, virtual_s);
	bind_real(st, 7, wall_s);
	s = sqlite3_step(st);
	if (s != SQLITE_DONE)
		db_sqlfail(d, "cannot finish the run");
	else if (sqlite3_changes(d->h) != 1)
		db_fail(d, "cannot finish run %" PRId64 ": it is not running", run);
	db_stmt_done(st, tmp);
	if (s != SQLITE_DONE || sqlite3_changes(d->h) != 1)
		goto out;
	if (n) {
		st = db_stmt_use(d, DB_ST_INSERT_TRACE, &tmp);
		if (!st)
			goto out;
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
		sqlite3_bind_blob(st, 3, blob, (int)(n * 24), SQLITE_STATIC);
		s = sqlite3_step(st);
		if (s != SQLITE_DONE)
			db_sqlfail(d, "cannot store the trace index");
		db_stmt_done(st, tmp);
		if (s != SQLITE_DONE)
			goto out;
	}
	rc = db_tx_commit(d);
out:
	if (rc != 0)
		db_tx_rollback(d);
	for (size_t i = 0; rc == 0 && i < d->nactive; i++)
		if (d->active[i].id == run) {
			d->active[i] = d->active[--d->nactive];
			break;
		}
	free(blob);
	return rc;
}

