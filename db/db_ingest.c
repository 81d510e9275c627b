/*
 * db_ingest.c - writing a run: its row, then its ops, samples, events,
 * expectations and trace chunks in batches, then its end (status, hash).
 *
 * Rows are copied into the batch (their strings, and a chunk's bytes, into
 * an arena, by offset, so the arena may grow) and written in one BEGIN
 * IMMEDIATE transaction when the batch holds DB_BATCH rows or
 * DB_BATCH_BYTES, on db_flush, and together with the run's end in
 * db_run_finish.  A process killed half-way has therefore committed a
 * whole number of batches.  Event and sample seq numbers are assigned
 * here, in the order the rows arrive, per run.  NaN reals are stored as
 * NULL.
 *
 * A sample arrives before its op (the runner records an op when it ends):
 * it is held aside until the op is added, then both join the batch, in
 * that order, so that they commit in one transaction.
 *
 * A row that fails (a constraint, a bind refused past the length limit)
 * fails alone: SQLite undoes that statement only, the batch's other rows
 * commit, and the failure is counted against the row's run, whose end is
 * then recorded as an error ("incomplete record").  A batch whose
 * transaction fails as a whole (BEGIN refused after the busy timeout, the
 * disk full) is lost and reported the same way.
 */
#include "db/db_impl.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_hex(const char *s, size_t len)
{
	size_t i = 0;

	for (; s[i] && i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == len && s[i] == '\0';
}

static int active_reserve(db *d)
{
	size_t ncap;
	db_active *na;

	if (d->nactive < d->active_cap)
		return 0;
	ncap = d->active_cap ? 2 * d->active_cap : 4;
	na = realloc(d->active, ncap * sizeof *na);
	if (!na)
		return db_fail(d, "out of memory");
	d->active = na;
	d->active_cap = ncap;
	return 0;
}

int db_run_begin(db *d, const db_run_info *info, int64_t *id)
{
	sqlite3_stmt *tmp = NULL, *st;
	char now[32], uid[DB_UID_LEN + 1];
	int b = SQLITE_OK;

	if (db_writable(d, "begin a run") != 0)
		return -1;
	if (!info->scenario || !*info->scenario || !info->scenario_path || !info->afsim_version ||
	    !info->rig || !info->mode)
		return db_fail(d, "cannot begin a run: scenario, path, version, rig and mode are required");
	if (strcmp(info->mode, "sim") != 0 && strcmp(info->mode, "hil") != 0)
		return db_fail(d, "cannot begin a run: mode '%s' is not sim or hil", info->mode);
	if (!info->scenario_sha256 || !is_hex(info->scenario_sha256, 64))
		return db_fail(d, "cannot begin a run: the scenario sha256 is not 64 lowercase hex digits");
	if (active_reserve(d) != 0)
		return -1;
	db_iso_now(now);
	if (db_tx_begin(d) != 0)
		return -1;
	st = db_stmt_use(d, DB_ST_INSERT_RUN, &tmp);
	if (!st)
		goto fail;
	db_bind_text(st, 1, info->scenario, &b);
	db_bind_text(st, 2, info->scenario_path, &b);
	db_bind_text(st, 3, info->scenario_sha256, &b);
	/* a seed past INT64_MAX is stored as its two's-complement int64 and
	 * read back bit for bit (db_run_row.seed) */
	db_bind_int64(st, 4, (int64_t)info->seed, &b);
	db_bind_text(st, 5, info->mode, &b);
	db_bind_text(st, 6, now, &b);
	db_bind_text(st, 7, info->afsim_version, &b);
	db_bind_text(st, 8, d->host, &b);
	db_bind_int64(st, 9, d->pid, &b);
	db_bind_text(st, 10, info->rig, &b);
	db_bind_real(st, 11, isnan(info->tol_time_frac) ? 0.05 : info->tol_time_frac, &b);
	db_bind_real(st, 12, isnan(info->tol_accuracy_um) ? 0.05 : info->tol_accuracy_um, &b);
	db_bind_text(st, 13, info->invocation, &b);
	db_uid_new(uid);
	db_bind_text(st, 14, uid, &b);
	if (db_bind_check(d, b, "the run") != 0) {
		(void)db_stmt_done(st, tmp);
		goto fail;
	}
	if (db_step_done(d, st, tmp, "cannot insert the run") != 0)
		goto fail;
	*id = sqlite3_last_insert_rowid(d->h);
	if (db_tx_commit(d) != 0)
		goto fail;
	d->active[d->nactive++] = (db_active){ .id = *id };
	return 0;
fail:
	db_tx_rollback(d);
	return -1;
}

/* The row's first text column as a string ("" for NULL). */
static const char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* The next number of run's events (k 0) or samples (k 1) in the database. */
static int max_seq(db *d, int64_t run, int k, uint32_t *out)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, k ? DB_ST_MAX_SAMPLE_SEQ : DB_ST_MAX_EVENT_SEQ, &tmp);
	int b = SQLITE_OK, rc;

	if (!st)
		return -1;
	db_bind_int64(st, 1, run, &b);
	if (db_bind_check(d, b, "the run id") != 0) {
		(void)db_stmt_done(st, tmp);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint32_t)sqlite3_column_int64(st, 0);
	else
		db_sqlfail(d, "cannot read the run");
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == SQLITE_ROW)
		rc = db_sqlfail(d, "cannot read the run");
	return rc == SQLITE_ROW ? 0 : -1;
}

db_active *db_active_get(db *d, int64_t run)
{
	sqlite3_stmt *tmp, *st;
	db_active a = { .id = run };
	int rc, b = SQLITE_OK;
	bool running = false;

	for (size_t i = 0; i < d->nactive; i++)
		if (d->active[i].id == run)
			return &d->active[i];
	if (db_writable(d, "add to a run") != 0)
		return NULL;
	st = db_stmt_use(d, DB_ST_RUN_STATUS, &tmp);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, run, &b);
	if (db_bind_check(d, b, "the run id") != 0) {
		(void)db_stmt_done(st, tmp);
		return NULL;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		running = strcmp(col_str(st, 0), "running") == 0;
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the run");
	if (db_stmt_done(st, tmp) != SQLITE_OK && (rc == SQLITE_ROW || rc == SQLITE_DONE))
		rc = db_sqlfail(d, "cannot read the run");
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return NULL;
	if (!running) {
		db_fail(d, "run %" PRId64 " is %s", run, rc == SQLITE_ROW ? "not running" : "unknown");
		return NULL;
	}
	if (max_seq(d, run, 0, &a.events) != 0 || max_seq(d, run, 1, &a.samples) != 0 ||
	    active_reserve(d) != 0)
		return NULL;
	d->active[d->nactive] = a;
	return &d->active[d->nactive++];
}

void db_active_drop(db *d, int64_t run)
{
	for (size_t i = 0; i < d->nactive; i++)
		if (d->active[i].id == run) {
			db_tenc_free(d->active[i].enc);
			d->active[i] = d->active[--d->nactive];
			return;
		}
}

int db_arena_put(db *d, db_arena *a, const void *p, size_t n, size_t *off)
{
	if (n > SIZE_MAX / 4 - a->len)
		return db_fail(d, "out of memory");
	if (a->len + n > a->cap) {
		size_t ncap = a->cap ? a->cap : 16384;
		char *np;

		while (ncap < a->len + n)
			ncap *= 2;
		np = realloc(a->p, ncap);
		if (!np)
			return db_fail(d, "out of memory");
		a->p = np;
		a->cap = ncap;
	}
	if (n)
		memcpy(a->p + a->len, p, n);
	*off = a->len;
	a->len += n;
	return 0;
}

/* A string into a: its offset, or DB_NO_STR for NULL. */
static int str_put(db *d, db_arena *a, const char *s, size_t *off)
{
	if (!s) {
		*off = DB_NO_STR;
		return 0;
	}
	return db_arena_put(d, a, s, strlen(s) + 1, off);
}

static const char *arena_str(const db_arena *a, size_t off)
{
	return off == DB_NO_STR ? NULL : a->p + off;
}

static const char *const row_names[] = { "op", "sample", "event", "expectation", "trace chunk" };

void db_row_lost(db *d, int64_t run, uint64_t n, const char *why)
{
	for (size_t i = 0; i < d->nactive; i++)
		if (d->active[i].id == run) {
			if (d->active[i].lost == 0)
				snprintf(d->active[i].lost_why, sizeof d->active[i].lost_why, "%s", why);
			d->active[i].lost += n;
			return;
		}
}

/* Bind one buffered row's values; the first failure's code. */
static int bind_row(const db *d, sqlite3_stmt *st, const db_pending *p)
{
	const db_arena *a = &d->arena;
	int b = SQLITE_OK;

	db_bind_int64(st, 1, p->run, &b);
	switch (p->kind) {
	case DB_ROW_OP: {
		const db_op *o = &p->u.op;

		db_bind_int64(st, 2, o->seq, &b);
		db_bind_text(st, 3, arena_str(a, p->str[0]), &b);
		db_bind_real(st, 4, o->t_ms, &b);
		db_bind_text(st, 5, arena_str(a, p->str[1]), &b);
		db_bind_text(st, 6, arena_str(a, p->str[2]), &b);
		db_bind_real(st, 7, o->z_request_um, &b);
		db_bind_real(st, 8, o->z_predicted_um, &b);
		db_bind_real(st, 9, o->z_found_um, &b);
		db_bind_real(st, 10, o->mapping_error_um, &b);
		db_bind_real(st, 11, o->focus_error_um, &b);
		db_bind_real(st, 12, o->lens_switch_ms, &b);
		db_bind_real(st, 13, o->focus_move_ms, &b);
		db_bind_real(st, 14, o->focus_search_ms, &b);
		db_bind_real(st, 15, o->validation_ms, &b);
		db_bind_real(st, 16, o->total_ms, &b);
		db_bind_int64(st, 17, o->frames, &b);
		db_bind_int64(st, 18, o->cache_hit, &b);
		db_bind_real(st, 19, o->temperature_c, &b);
		db_bind_int64(st, 20, o->success, &b);
		db_bind_text(st, 21, p->str[3] == DB_NO_STR ? "" : arena_str(a, p->str[3]), &b);
		break;
	}
	case DB_ROW_SAMPLE: {
		const db_sample *s = &p->u.s;

		db_bind_int64(st, 2, s->op_seq, &b);
		db_bind_int64(st, 3, p->seq, &b);
		db_bind_real(st, 4, s->t_ms, &b);
		db_bind_text(st, 5, arena_str(a, p->str[0]), &b);
		db_bind_real(st, 6, s->z_um, &b);
		db_bind_real(st, 7, s->focus_score, &b);
		db_bind_real(st, 8, s->true_focus_um, &b);
		db_bind_real(st, 9, s->temperature_c, &b);
		break;
	}
	case DB_ROW_EVENT:
		db_bind_int64(st, 2, p->seq, &b);
		db_bind_real(st, 3, p->u.e.t_ms, &b);
		db_bind_text(st, 4, arena_str(a, p->str[0]), &b);
		db_bind_text(st, 5, arena_str(a, p->str[1]), &b);
		break;
	case DB_ROW_EXPECT:
		db_bind_text(st, 2, arena_str(a, p->str[0]), &b);
		db_bind_real(st, 3, p->u.x.value, &b);
		db_bind_text(st, 4, arena_str(a, p->str[1]), &b);
		db_bind_real(st, 5, p->u.x.bound, &b);
		if (p->u.x.na)   /* not applicable: neither passed nor failed */
			db_bind_text(st, 6, NULL, &b);   /* binds NULL */
		else
			db_bind_int64(st, 6, p->u.x.passed, &b);
		break;
	case DB_ROW_CHUNK:
		db_bind_int64(st, 2, (int64_t)p->u.c.seq, &b);
		db_bind_int64(st, 3, p->u.c.records, &b);
		db_bind_int64(st, 4, (int64_t)p->u.c.end_hash, &b);
		db_bind_blob(st, 5, a->p + p->str[0], p->u.c.len, &b);
		break;
	}
	return b;
}

/* Insert one buffered row (inside the batch's transaction); -1 with the
 * message "cannot store <row> of run N: why". */
static int write_row(db *d, const db_pending *p)
{
	static const enum db_stmt_slot slot[] = { DB_ST_INSERT_OP, DB_ST_INSERT_SAMPLE,
						  DB_ST_INSERT_EVENT, DB_ST_INSERT_EXPECT,
						  DB_ST_INSERT_CHUNK };
	sqlite3_stmt *tmp, *st = db_stmt_use(d, slot[p->kind], &tmp);
	char what[96];
	uint64_t num = p->kind == DB_ROW_OP ? p->u.op.seq : p->kind == DB_ROW_CHUNK ? p->u.c.seq : p->seq;
	int b;

	if (p->kind == DB_ROW_EXPECT)
		snprintf(what, sizeof what, "cannot store an expectation of run %" PRId64, p->run);
	else
		snprintf(what, sizeof what, "cannot store %s %" PRIu64 " of run %" PRId64,
			 row_names[p->kind], num, p->run);
	if (!st)
		return -1;
	b = bind_row(d, st, p);
	if (b != SQLITE_OK) {
		(void)db_stmt_done(st, tmp);
		return db_fail(d, "%s: cannot bind its values: %s", what, sqlite3_errstr(b));
	}
	return db_step_done(d, st, tmp, what);
}

int db_write_rows(db *d)
{
	size_t n = d->nrows, failed = 0;
	char first[DB_ERR_MAX] = "";

	for (size_t i = 0; i < n; i++) {
		if (write_row(d, &d->rows[i]) == 0)
			continue;
		if (!failed++)
			memcpy(first, d->err, sizeof first);
		if (sqlite3_get_autocommit(d->h)) {
			/* the failure ended the transaction: the batch is gone */
			for (size_t k = 0; k < n; k++)
				db_row_lost(d, d->rows[k].run, 1, first);
			db_fail(d, "%zu buffered rows lost: %s", n, first);
			failed = n;
			break;
		}
		db_row_lost(d, d->rows[i].run, 1, d->err);
	}
	d->nrows = 0;
	d->arena.len = 0;
	if (failed && failed < n)
		db_fail(d, "%s%s", first, failed > 1 ? " (and more rows)" : "");
	return failed ? -1 : 0;
}

/* The batch could not be written at all: count and report its rows. */
static int batch_lost(db *d, size_t n)
{
	char why[DB_ERR_MAX];

	memcpy(why, d->err, sizeof why);
	for (size_t k = 0; k < d->nrows; k++)
		db_row_lost(d, d->rows[k].run, 1, why);
	d->nrows = 0;
	d->arena.len = 0;
	return db_fail(d, "%zu buffered rows lost: %s", n, why);
}

int db_flush(db *d)
{
	size_t n = d->nrows;
	int rc;

	if (n == 0)
		return 0;
	if (db_tx_begin(d) != 0)
		return batch_lost(d, n);
	rc = db_write_rows(d);
	if (sqlite3_get_autocommit(d->h))
		return -1;   /* db_write_rows said what was lost */
	if (db_tx_commit(d) != 0) {
		char why[DB_ERR_MAX];

		memcpy(why, d->err, sizeof why);
		db_tx_rollback(d);
		return db_fail(d, "%zu buffered rows lost: %s", n, why);
	}
	return rc;
}

static bool batch_full(const db *d)
{
	return d->nrows >= DB_BATCH || d->arena.len >= DB_BATCH_BYTES;
}

db_pending *db_row_new(db *d, int64_t run, enum db_row_kind kind)
{
	db_pending *p;

	if (d->nrows == d->rows_cap) {
		size_t ncap = d->rows_cap ? 2 * d->rows_cap : DB_BATCH;
		db_pending *nr = realloc(d->rows, ncap * sizeof *nr);

		if (!nr) {
			db_fail(d, "out of memory");
			return NULL;
		}
		d->rows = nr;
		d->rows_cap = ncap;
	}
	p = &d->rows[d->nrows];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->run = run;
	for (int i = 0; i < 4; i++)
		p->str[i] = DB_NO_STR;
	return p;
}

/* Copy the row's ns strings into arena a (all or none). */
static int strs_put(db *d, db_arena *a, db_pending *p, const char *const *s, int ns)
{
	size_t mark = a->len;

	for (int i = 0; i < ns; i++)
		if (str_put(d, a, s[i], &p->str[i]) != 0) {
			a->len = mark;
			return -1;
		}
	return 0;
}

int db_row_put(db *d, db_pending *p, const char *const *s, int ns)
{
	if (strs_put(d, &d->arena, p, s, ns) != 0)
		return -1;
	d->nrows++;
	return batch_full(d) ? db_flush(d) : 0;
}

int db_row_put_bytes(db *d, db_pending *p, const void *b, size_t n)
{
	if (db_arena_put(d, &d->arena, b, n, &p->str[0]) != 0) {
		db_row_lost(d, p->run, 1, d->err);
		return -1;
	}
	d->nrows++;
	return batch_full(d) ? db_flush(d) : 0;
}

/* Move run's held samples of ops up to seq into the batch, in order. */
static int release_held(db *d, int64_t run, uint32_t seq)
{
	db_arena keep = { 0 };
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; i < d->nheld; i++) {
		db_pending *h = &d->held[i];
		const char *lens = arena_str(&d->harena, h->str[0]);

		if (h->run == run && h->u.s.op_seq <= seq) {
			db_pending *p = rc == 0 ? db_row_new(d, run, DB_ROW_SAMPLE) : NULL;

			if (!p || strs_put(d, &d->arena, h, &lens, 1) != 0) {
				rc = -1;   /* out of memory: the sample is lost */
				db_row_lost(d, run, 1, d->err);
				continue;
			}
			*p = *h;
			d->nrows++;
		} else if (str_put(d, &keep, lens, &h->str[0]) == 0) {
			d->held[k++] = *h;
		} else {
			rc = -1;
			db_row_lost(d, h->run, 1, d->err);
		}
	}
	d->nheld = k;
	free(d->harena.p);
	d->harena = keep;
	return rc;
}

/* Forget run's held samples: their op never came, so they are not
 * written (a sample must name a recorded op). */
static void drop_held(db *d, int64_t run)
{
	size_t k = 0;

	for (size_t i = 0; i < d->nheld; i++)
		if (d->held[i].run != run)
			d->held[k++] = d->held[i];
	d->nheld = k;
	(void)release_held(d, run, 0);   /* moves nothing; compacts the others' strings */
}

int db_op_add(db *d, int64_t run, const db_op *op)
{
	db_active *a;
	db_pending *p;
	const char *s[4];
	int rc;

	if (!op->kind)
		return db_fail(d, "cannot add an op: no kind");
	if (op->seq == 0)
		return db_fail(d, "cannot add an op: seq is 1-based");
	if (!(a = db_active_get(d, run)) || !(p = db_row_new(d, run, DB_ROW_OP)))
		return -1;
	p->u.op = *op;
	s[0] = op->kind;
	s[1] = op->from_lens;
	s[2] = op->to_lens;
	s[3] = op->error;
	p->u.op.kind = p->u.op.from_lens = p->u.op.to_lens = p->u.op.error = NULL;
	if (strs_put(d, &d->arena, p, s, 4) != 0)
		return -1;
	d->nrows++;
	if (op->seq > a->ops_seen)
		a->ops_seen = op->seq;
	/* the op and its samples join the batch together, then it may go */
	rc = d->nheld ? release_held(d, run, op->seq) : 0;
	if (batch_full(d) && db_flush(d) != 0)
		rc = -1;
	return rc;
}

int db_sample_add(db *d, int64_t run, const db_sample *smp)
{
	db_active *a;
	db_pending *p, h;
	const char *s[1] = { smp->lens };

	if (!smp->lens)
		return db_fail(d, "cannot add a sample: no lens");
	if (!(a = db_active_get(d, run)))
		return -1;
	if (smp->op_seq > a->ops_seen && d->nheld < DB_HELD_MAX) {
		/* its op is still running: hold it until the op is added */
		if (d->nheld == d->held_cap) {
			size_t ncap = d->held_cap ? 2 * d->held_cap : 64;
			db_pending *nh = realloc(d->held, ncap * sizeof *nh);

			if (!nh)
				return db_fail(d, "out of memory");
			d->held = nh;
			d->held_cap = ncap;
		}
		memset(&h, 0, sizeof h);
		h.kind = DB_ROW_SAMPLE;
		h.run = run;
		h.u.s = *smp;
		h.u.s.lens = NULL;
		h.seq = a->samples + 1;
		for (int i = 0; i < 4; i++)
			h.str[i] = DB_NO_STR;
		if (strs_put(d, &d->harena, &h, s, 1) != 0)
			return -1;
		d->held[d->nheld++] = h;
		a->samples++;
		return 0;
	}
	if (!(p = db_row_new(d, run, DB_ROW_SAMPLE)))
		return -1;
	p->u.s = *smp;
	p->u.s.lens = NULL;
	p->seq = ++a->samples;
	return db_row_put(d, p, s, 1);
}

int db_event_add(db *d, int64_t run, const db_event *e)
{
	db_active *a;
	db_pending *p;
	const char *s[2] = { e->kind, e->detail };

	if (!e->kind || !e->detail)
		return db_fail(d, "cannot add an event: kind and detail are required");
	if (!(a = db_active_get(d, run)) || !(p = db_row_new(d, run, DB_ROW_EVENT)))
		return -1;
	p->u.e = *e;
	p->u.e.kind = p->u.e.detail = NULL;
	p->seq = ++a->events;
	return db_row_put(d, p, s, 2);
}

int db_expect_add(db *d, int64_t run, const db_expect *x)
{
	db_pending *p;
	const char *s[2] = { x->metric, x->op };

	if (!x->metric || !x->op || (strcmp(x->op, "min") != 0 && strcmp(x->op, "max") != 0))
		return db_fail(d, "cannot add an expectation: a metric and op min or max are required");
	if (!db_active_get(d, run) || !(p = db_row_new(d, run, DB_ROW_EXPECT)))
		return -1;
	p->u.x = *x;
	p->u.x.metric = p->u.x.op = NULL;
	return db_row_put(d, p, s, 2);
}

/* The run's end: status, hash, message, times; -1 when it is not running. */
static int finish_row(db *d, int64_t run, const char *status, const char *hash,
		      const char *message, double virtual_s, double wall_s)
{
	sqlite3_stmt *tmp = NULL, *st = db_stmt_use(d, DB_ST_FINISH_RUN, &tmp);
	char now[32];
	int b = SQLITE_OK;

	if (!st)
		return -1;
	db_iso_now(now);
	db_bind_int64(st, 1, run, &b);
	db_bind_text(st, 2, status, &b);
	db_bind_text(st, 3, now, &b);
	db_bind_text(st, 4, hash, &b);
	db_bind_text(st, 5, message, &b);
	db_bind_real(st, 6, virtual_s, &b);
	db_bind_real(st, 7, wall_s, &b);
	if (db_bind_check(d, b, "the run's end") != 0) {
		(void)db_stmt_done(st, tmp);
		return -1;
	}
	if (db_step_done(d, st, tmp, "cannot finish the run") != 0)
		return -1;
	if (sqlite3_changes(d->h) != 1)
		return db_fail(d, "cannot finish run %" PRId64 ": it is not running", run);
	return 0;
}

static db_active *active_find(db *d, int64_t run)
{
	for (size_t i = 0; i < d->nactive; i++)
		if (d->active[i].id == run)
			return &d->active[i];
	return NULL;
}

int db_run_finish(db *d, int64_t run, const char *status, uint64_t trace_hash,
		  const char *message, double virtual_s, double wall_s,
		  const db_trace_rec *trace, size_t n)
{
	db_active *a;
	char hash[24], msg[DB_ERR_MAX + 32], why[sizeof a->lost_why] = "";
	uint64_t lost = 0;
	bool traced;

	if (db_writable(d, "finish a run") != 0)
		return -1;
	if (!status || (strcmp(status, "passed") != 0 && strcmp(status, "failed") != 0 &&
			strcmp(status, "error") != 0))
		return db_fail(d, "cannot finish run %" PRId64 ": status '%s' is not passed, failed or error",
			       run, status ? status : "");
	if (n && !trace)
		return db_fail(d, "cannot finish run %" PRId64 ": no trace index of %zu records", run, n);
	/* the rest of the index, then its last chunk, go with the last rows;
	 * what cannot be queued is counted against the run (below) */
	if (n)
		(void)db_trace_add(d, run, trace, n);
	a = active_find(d, run);
	traced = a && a->enc && db_tenc_records(a->enc) > 0;
	if (a && a->enc)
		(void)db_trace_chunk_out(d, a);
	drop_held(d, run);
	if (db_tx_begin(d) != 0) {
		(void)batch_lost(d, d->nrows);
		return -1;
	}
	(void)db_write_rows(d);   /* each failure is counted against its run */
	if (sqlite3_get_autocommit(d->h))
		return -1;   /* the transaction is gone, and the batch with it */
	if ((a = active_find(d, run)) && a->lost) {
		lost = a->lost;
		memcpy(why, a->lost_why, sizeof why);
	}
	if (lost && strcmp(status, "error") != 0) {
		/* the record misses rows: it must not pass for a complete run */
		snprintf(msg, sizeof msg, "incomplete record: %s", why);
		status = "error";
		message = msg;
	}
	snprintf(hash, sizeof hash, "%016" PRIx64, trace_hash);
	if (finish_row(d, run, status, trace_hash || traced ? hash : NULL, message ? message : "",
		       virtual_s, wall_s) != 0 ||
	    db_tx_commit(d) != 0) {
		db_tx_rollback(d);
		return -1;
	}
	db_active_drop(d, run);
	if (lost)
		return db_fail(d, "run %" PRId64 " was recorded as an error: %" PRIu64
			       " rows could not be written: %s", run, lost, why);
	return 0;
}
