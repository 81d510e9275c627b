/*
 * merge.c - `afsim db merge`: copy the runs (by uid) and baselines of
 * several afsim databases into one (merge.h has the rules); their
 * validations of rigs come along (merge_valid.c).
 *
 * How: every input is opened read-only and its runs listed (uid,
 * invocation, start, path, seed, status).  Runs are matched by uid against
 * each other and against the output; the new ones are sorted into the
 * order of the work list and copied in one BEGIN IMMEDIATE transaction,
 * each run's row first and then, table by table, every row that names it
 * in a run_id column - whatever tables the schema has, so a table another
 * version adds is copied without a change here.  Columns are taken from
 * the output's schema by name (PRAGMA table_info); inputs have the same
 * schema version, so the same columns.
 *
 * Nothing is held per row: a run's rows stream from its input's statement
 * into the output's, bound value by value (sqlite3_bind_value).
 */
#include "db/merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db_impl.h"
#include "db/merge_impl.h"

#define MERGE_PATH_MAX 4200

/* --- inputs ------------------------------------------------------------------- */

typedef struct source {
	db_merge_input *in;
	db *d;
	char tmp[MERGE_PATH_MAX];   /* the migrated copy ("" when none) */
	sqlite3_stmt **sel;         /* per table of the plan (NULL: the input lacks it) */
} source;

static void source_close(source *s, size_t ntables)
{
	if (s->sel)
		for (size_t i = 0; i < ntables; i++)
			sqlite3_finalize(s->sel[i]);
	free(s->sel);
	s->sel = NULL;
	db_close(s->d);
	s->d = NULL;
	if (s->tmp[0]) {
		char side[MERGE_PATH_MAX + 8];

		unlink(s->tmp);
		snprintf(side, sizeof side, "%s-wal", s->tmp);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", s->tmp);
		unlink(side);
		s->tmp[0] = '\0';
	}
}

/* An input of an older schema: copied (SQLite's backup) to a temporary
 * file, which is migrated by opening it for writing and read from then. */
static int migrated_copy(db *out, source *s)
{
	const char *dir = getenv("TMPDIR");
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	char err[DB_ERR_MAX];
	db *w;
	int fd, rc;

	snprintf(s->tmp, sizeof s->tmp, "%s/afsim-merge-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(s->tmp)) < 0) {
		s->tmp[0] = '\0';
		return db_fail(out, "cannot merge '%s': cannot make a copy to migrate: %s",
			       s->in->path, strerror(errno));
	}
	close(fd);
	rc = sqlite3_open_v2(s->tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", s->d->h, "main") : NULL;
	if (b) {
		rc = sqlite3_backup_step(b, -1);
		rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	} else {
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK)
		snprintf(err, sizeof err, "%s", dst ? sqlite3_errmsg(dst) : "out of memory");
	sqlite3_close(dst);
	if (rc != SQLITE_OK)
		return db_fail(out, "cannot merge '%s': cannot copy it to migrate: %s", s->in->path, err);
	db_close(s->d);
	s->d = NULL;
	if (!(w = db_open(s->tmp, err, sizeof err)))
		return db_fail(out, "cannot merge '%s': cannot migrate a copy: %s", s->in->path, err);
	db_close(w);
	if (!(s->d = db_open_ro(s->tmp, err, sizeof err)))
		return db_fail(out, "cannot merge '%s': %s", s->in->path, err);
	s->in->migrated = true;
	return 0;
}

/* Open input s (read-only), refusing the output itself and foreign or
 * newer files; an older one through a migrated copy. */
static int source_open(db *out, source *s, const struct stat *out_st)
{
	char err[DB_ERR_MAX];
	struct stat st;

	if (stat(s->in->path, &st) == 0 && out_st && st.st_dev == out_st->st_dev &&
	    st.st_ino == out_st->st_ino)
		return db_fail(out, "cannot merge '%s': it is the output database", s->in->path);
	if (!(s->d = db_open_ro(s->in->path, err, sizeof err)))
		return db_fail(out, "cannot merge: %s", err);
	s->in->version = s->d->version;
	if (s->d->version < DB_SCHEMA_VERSION && migrated_copy(out, s) != 0)
		return -1;
	return 0;
}

/* The input's statement of table t (its rows of one run), prepared on
 * first use; NULL (no error) when the input has no such table. */
static sqlite3_stmt *source_select(db *out, source *s, const plan *p, size_t t, int *failed)
{
	if (!s->sel && !(s->sel = calloc(p->n, sizeof *s->sel))) {
		*failed = db_fail(out, "out of memory");
		return NULL;
	}
	if (!s->sel[t] &&
	    sqlite3_prepare_v2(s->d->h, p->t[t].select_sql, -1, &s->sel[t], NULL) != SQLITE_OK) {
		if (!p->t[t].is_runs && strstr(sqlite3_errmsg(s->d->h), "no such table"))
			return NULL;
		*failed = db_fail(out, "cannot merge '%s': %s", s->in->path, sqlite3_errmsg(s->d->h));
		return NULL;
	}
	return s->sel[t];
}

/* --- the runs ----------------------------------------------------------------- */

enum cand_state { CAND_NEW, CAND_PRESENT, CAND_REFRESH, CAND_DUP };

/* A run of an input. */
typedef struct cand {
	size_t src;
	int64_t id, pid, seed, out_id;
	char uid[DB_UID_LEN + 1];
	char *inv;                /* NULL: none */
	char *path;
	char started[32], group_start[32], status[16];
	char host[256];
	bool gone;                /* running on this host, its writer gone: copied aborted */
	enum cand_state state;
} cand;

typedef struct cands {
	cand *v;
	size_t n, cap;
} cands;

static void cands_free(cands *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].inv);
		free(c->v[i].path);
	}
	free(c->v);
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", s ? (const char *)s : "");
}

/* List the runs of input k. */
static int list_runs(db *out, source *s, size_t k, cands *c)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->d->h, "SELECT id, uid, invocation, started_at, scenario_path, "
					     "seed, status, host, pid FROM runs ORDER BY id", -1, &st,
				    NULL);

	for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		cand *x;

		if (c->n == c->cap) {
			size_t ncap = c->cap ? 2 * c->cap : 64;
			cand *nv = realloc(c->v, ncap * sizeof *nv);

			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			c->v = nv;
			c->cap = ncap;
		}
		x = &c->v[c->n];
		memset(x, 0, sizeof *x);
		x->src = k;
		x->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, x->uid, sizeof x->uid);
		x->inv = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL
								   : db_dup_text(sqlite3_column_text(st, 2));
		copy_col(st, 3, x->started, sizeof x->started);
		x->path = db_dup_text(sqlite3_column_text(st, 4));
		x->seed = sqlite3_column_int64(st, 5);
		copy_col(st, 6, x->status, sizeof x->status);
		copy_col(st, 7, x->host, sizeof x->host);
		x->pid = sqlite3_column_int64(st, 8);
		c->n++;
		if (!x->path || (sqlite3_column_type(st, 2) != SQLITE_NULL && !x->inv)) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (strlen(x->uid) != DB_UID_LEN) {
			db_fail(out, "cannot merge '%s': run %" PRId64 " has no uid", s->in->path, x->id);
			sqlite3_finalize(st);
			return -1;
		}
		x->gone = strcmp(x->status, "running") == 0 && strcmp(x->host, out->host) == 0 &&
			  db_pid_gone(x->pid);
		s->in->runs++;
	}
	if (rc == SQLITE_NOMEM)
		db_fail(out, "out of memory");
	else if (rc != SQLITE_DONE)
		db_fail(out, "cannot merge '%s': cannot read its runs: %s", s->in->path,
			sqlite3_errmsg(s->d->h));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static bool finished(const cand *x)
{
	return strcmp(x->status, "running") != 0 || x->gone;
}

static int by_uid(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;
	int c = strcmp(a->uid, b->uid);

	if (c)
		return c;
	/* of two copies of a run, the finished one first, then the input order */
	if (finished(a) != finished(b))
		return finished(a) ? -1 : 1;
	return (a->src > b->src) - (a->src < b->src);
}

/* Paths compared component by component: '/' sorts before every other
 * character, as the folders of `afsim run DIR` are walked (a/b/x before
 * a/b-c/y). */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = *a == '/' ? 1u : (unsigned char)*a;
		unsigned cb = *b == '/' ? 1u : (unsigned char)*b;

		if (ca != cb || !ca)
			return (ca > cb) - (ca < cb);
	}
}

/* The order new runs get their ids in (merge.h). */
static int by_work_list(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->group_start, b->group_start)) != 0)
		return c;
	if ((a->inv != NULL) != (b->inv != NULL))
		return a->inv ? -1 : 1;
	if (a->inv && (c = strcmp(a->inv, b->inv)) != 0)
		return c;
	if (!a->inv && (c = strcmp(a->uid, b->uid)) != 0)
		return c;
	if ((c = path_cmp(a->path, b->path)) != 0)
		return c;
	if (a->seed != b->seed)
		return (uint64_t)a->seed < (uint64_t)b->seed ? -1 : 1;
	if ((c = strcmp(a->started, b->started)) != 0)
		return c;
	return strcmp(a->uid, b->uid);
}

static int by_invocation(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;

	if (!a->inv || !b->inv)
		return (a->inv != NULL) - (b->inv != NULL);
	return strcmp(a->inv, b->inv);
}

/* Decide what becomes of every run: present in the output (by uid), a
 * copy of another input's, a refresh of a `running` one, or new.  Then
 * sort: the new ones in work-list order (group starts computed here). */
static int classify(db *out, source *src, cands *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!c->n)
		return 0;   /* inputs without runs (a rig's validations): qsort takes no NULL */
	qsort(c->v, c->n, sizeof *c->v, by_uid);
	rc = sqlite3_prepare_v2(out->h, "SELECT id, status FROM runs WHERE uid = ?1", -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < c->n; i++) {
		cand *x = &c->v[i];

		if (i > 0 && strcmp(x->uid, c->v[i - 1].uid) == 0) {
			x->state = CAND_DUP;
			src[x->src].in->present++;
			continue;
		}
		x->state = CAND_NEW;
		if ((rc = sqlite3_bind_text(st, 1, x->uid, -1, SQLITE_STATIC)) != SQLITE_OK)
			break;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			bool running = strcmp((const char *)sqlite3_column_text(st, 1), "running") == 0;

			x->out_id = sqlite3_column_int64(st, 0);
			x->state = running && finished(x) ? CAND_REFRESH : CAND_PRESENT;
			rc = SQLITE_DONE;
		}
		if (rc != SQLITE_DONE)
			break;
		rc = sqlite3_reset(st);
		if (x->state == CAND_PRESENT)
			src[x->src].in->present++;
	}
	if (rc != SQLITE_OK)
		db_sqlfail(out, "cannot look the runs up in the output");
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return -1;
	/* each invocation's first start, over all its runs of every input */
	qsort(c->v, c->n, sizeof *c->v, by_invocation);
	for (size_t i = 0, j; i < c->n; i = j) {
		const char *first = c->v[i].started;

		for (j = i + 1; j < c->n && c->v[i].inv && c->v[j].inv &&
				strcmp(c->v[i].inv, c->v[j].inv) == 0; j++)
			if (strcmp(c->v[j].started, first) < 0)
				first = c->v[j].started;
		for (size_t k = i; k < j; k++)
			memcpy(c->v[k].group_start, first, sizeof c->v[k].group_start);
	}
	qsort(c->v, c->n, sizeof *c->v, by_work_list);
	return 0;
}

/* Copy run x of input s into the output: its row (a new id, or the id of
 * the `running` copy it refreshes), then its rows of every other table. */
static int copy_run(db *out, source *s, const plan *p, cand *x, uint64_t *rows)
{
	int failed = 0;
	sqlite3_stmt *sel = source_select(out, s, p, 0, &failed);
	const table_plan *r = &p->t[0];
	sqlite3_stmt *put = x->state == CAND_REFRESH ? r->upd : r->ins;
	int rc;

	if (!sel)
		return -1;
	if ((rc = sqlite3_bind_int64(sel, 1, x->id)) == SQLITE_OK)
		rc = sqlite3_step(sel);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(sel);
		return db_fail(out, "cannot merge '%s': cannot read run %" PRId64, s->in->path, x->id);
	}
	for (size_t c = 0; c < r->ncols; c++)
		if (sqlite3_bind_value(put, (int)c + 1, sqlite3_column_value(sel, (int)c)) != SQLITE_OK)
			rc = SQLITE_ERROR;
	if (x->state == CAND_REFRESH && sqlite3_bind_int64(put, (int)r->ncols + 1, x->out_id) != SQLITE_OK)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_ERROR || db_merge_step_reset(out, put, "cannot copy a run") != 0) {
		sqlite3_reset(sel);
		sqlite3_clear_bindings(put);
		return rc == SQLITE_ERROR ? db_sqlfail(out, "cannot copy a run") : -1;
	}
	sqlite3_reset(sel);
	sqlite3_clear_bindings(put);
	if (x->state == CAND_NEW)
		x->out_id = sqlite3_last_insert_rowid(out->h);
	for (size_t t = 1; t < p->n; t++) {
		const table_plan *tp = &p->t[t];
		sqlite3_stmt *from = source_select(out, s, p, t, &failed);

		if (failed)
			return -1;
		if (!from)
			continue;
		if (x->state == CAND_REFRESH &&
		    (sqlite3_bind_int64(tp->del, 1, x->out_id) != SQLITE_OK ||
		     db_merge_step_reset(out, tp->del, "cannot replace a running run's rows") != 0))
			return -1;
		if (db_merge_copy_rows(out, s->d, s->in->path, from, tp, "run", x->id, x->out_id,
				       rows) != 0)
			return -1;
	}
	if (x->gone) {
		/* as the next writer of its database would have marked it */
		char now[32], msg[400];
		sqlite3_stmt *st = NULL;

		db_iso_now(now);
		db_aborted_message(out, x->pid, msg, sizeof msg);
		rc = sqlite3_prepare_v2(out->h, "UPDATE runs SET status = 'aborted', finished_at = ?2, "
						"message = ?3 WHERE id = ?1", -1, &st, NULL);
		if (rc == SQLITE_OK && (sqlite3_bind_int64(st, 1, x->out_id) != SQLITE_OK ||
					sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC) != SQLITE_OK ||
					sqlite3_bind_text(st, 3, msg, -1, SQLITE_STATIC) != SQLITE_OK))
			rc = SQLITE_ERROR;
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		if (rc != SQLITE_OK)
			db_sqlfail(out, "cannot mark an aborted run");
		sqlite3_finalize(st);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* --- baselines ----------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void note(db_merge_note_fn fn, void *user, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fn(user, line);
}

/* One baseline of an input: add it, keep the output's, or replace it. */
static int merge_baseline(db *out, source *s, sqlite3_stmt *b, db_merge_note_fn fn, void *user,
			  db_merge_result *res)
{
	const char *name = (const char *)sqlite3_column_text(b, 0);
	const char *scen = (const char *)sqlite3_column_text(b, 1);
	const char *created = (const char *)sqlite3_column_text(b, 3);
	const char *reason = (const char *)sqlite3_column_text(b, 4);
	int64_t src_run = sqlite3_column_int64(b, 2), run = 0, had_run = 0;
	char uid[DB_UID_LEN + 1], had_created[32] = "", had_uid[DB_UID_LEN + 1] = "";
	sqlite3_stmt *st = NULL;
	bool had = false;
	int rc;

	if (!name || !scen || !created || !reason)
		return db_fail(out, "cannot merge '%s': a baseline has an empty field", s->in->path);
	if (db_run_uid(s->d, src_run, uid) != 0)
		return db_fail(out, "cannot merge '%s': baseline %s of %s names run %" PRId64
				    ", which it does not have", s->in->path, name, scen, src_run);
	rc = sqlite3_prepare_v2(out->h, "SELECT (SELECT id FROM runs WHERE uid = ?3), b.run_id, "
					"b.created_at, r.uid FROM (SELECT 1) LEFT JOIN baselines b "
					"ON b.name = ?1 AND b.scenario = ?2 LEFT JOIN runs r "
					"ON r.id = b.run_id", -1, &st, NULL);
	if (rc == SQLITE_OK && (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
				sqlite3_bind_text(st, 2, scen, -1, SQLITE_STATIC) != SQLITE_OK ||
				sqlite3_bind_text(st, 3, uid, -1, SQLITE_STATIC) != SQLITE_OK))
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		run = sqlite3_column_int64(st, 0);
		had = sqlite3_column_type(st, 1) != SQLITE_NULL;
		had_run = sqlite3_column_int64(st, 1);
		copy_col(st, 2, had_created, sizeof had_created);
		copy_col(st, 3, had_uid, sizeof had_uid);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		db_sqlfail(out, "cannot look a baseline up");
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return -1;
	if (!run)
		return db_fail(out, "cannot merge '%s': the run of baseline %s of %s did not arrive",
			       s->in->path, name, scen);
	if (had && strcmp(had_uid, uid) == 0) {
		res->baselines_same++;
		return 0;
	}
	if (had && strcmp(created, had_created) <= 0) {
		res->baselines_kept++;
		note(fn, user, "baseline %s of %s: kept run %" PRId64 " (blessed %s); '%s' has run %"
			       PRId64 " there (blessed %s, not later)", name, scen, had_run, had_created,
		     s->in->path, run, created);
		return 0;
	}
	rc = sqlite3_prepare_v2(out->h, "INSERT OR REPLACE INTO baselines (name, scenario, run_id, "
					"created_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
	if (rc == SQLITE_OK && (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
				sqlite3_bind_text(st, 2, scen, -1, SQLITE_STATIC) != SQLITE_OK ||
				sqlite3_bind_int64(st, 3, run) != SQLITE_OK ||
				sqlite3_bind_text(st, 4, created, -1, SQLITE_STATIC) != SQLITE_OK ||
				sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC) != SQLITE_OK))
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	if (rc != SQLITE_OK)
		db_sqlfail(out, "cannot copy a baseline");
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return -1;
	if (had) {
		res->baselines_replaced++;
		note(fn, user, "baseline %s of %s: run %" PRId64 " from '%s' (blessed %s) replaces run %"
			       PRId64 " (blessed %s)", name, scen, run, s->in->path, created, had_run,
		     had_created);
	} else {
		res->baselines_added++;
	}
	return 0;
}

static int merge_baselines(db *out, source *s, db_merge_note_fn fn, void *user,
			   db_merge_result *res)
{
	sqlite3_stmt *b = NULL;
	int rc = sqlite3_prepare_v2(s->d->h, "SELECT name, scenario, run_id, created_at, reason "
					     "FROM baselines ORDER BY name, scenario", -1, &b, NULL);

	for (rc = rc == SQLITE_OK ? sqlite3_step(b) : rc; rc == SQLITE_ROW; rc = sqlite3_step(b)) {
		s->in->baselines++;
		if (merge_baseline(out, s, b, fn, user, res) != 0) {
			sqlite3_finalize(b);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		db_fail(out, "cannot merge '%s': cannot read its baselines: %s", s->in->path,
			sqlite3_errmsg(s->d->h));
	sqlite3_finalize(b);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Tables of an input that the merge does not know, with rows: a note
 * each (their rows stay behind). */
static void note_unknown(source *s, const plan *p, db_merge_note_fn fn, void *user)
{
	for (size_t i = 0; i < p->nother; i++) {
		sbuf q = { 0 };
		sqlite3_stmt *st = NULL;

		db_sb_add(&q, "SELECT count(*) FROM ");
		db_sb_ident(&q, p->other[i]);
		if (!q.oom && sqlite3_prepare_v2(s->d->h, q.p, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
			note(fn, user, "table %s of '%s' (%lld rows) is not merged: db merge does not "
				       "know it", p->other[i], s->in->path,
			     (long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		free(q.p);
	}
}

/* --- the merge ------------------------------------------------------------------ */

int db_merge(db *out, db_merge_input *in, size_t n, db_merge_note_fn fn, void *user,
	     db_merge_result *res)
{
	source *src = calloc(n ? n : 1, sizeof *src);
	db **dv = calloc(n ? n : 1, sizeof *dv);
	const char *out_path = sqlite3_db_filename(out->h, "main");
	struct stat out_st;
	bool have_st;
	cands c = { 0 };
	plan p = { 0 };
	int rc = -1;
	bool tx = false;

	memset(res, 0, sizeof *res);
	if (!src || !dv) {
		free(src);
		free(dv);
		return db_fail(out, "out of memory");
	}
	if (db_writable(out, "merge") != 0)
		goto out;
	have_st = out_path && *out_path && stat(out_path, &out_st) == 0;
	for (size_t k = 0; k < n; k++) {
		memset(&in[k].runs, 0, sizeof *in - offsetof(db_merge_input, runs));
		src[k].in = &in[k];
	}
	for (size_t k = 0; k < n; k++)
		if (source_open(out, &src[k], have_st ? &out_st : NULL) != 0 ||
		    list_runs(out, &src[k], k, &c) != 0)
			goto out;
	if (db_merge_plan_make(out, &p) != 0 || classify(out, src, &c) != 0)
		goto out;
	if (db_tx_begin(out) != 0)
		goto out;
	tx = true;
	for (size_t i = 0; i < c.n; i++) {
		cand *x = &c.v[i];

		if (x->state != CAND_NEW && x->state != CAND_REFRESH)
			continue;
		if (copy_run(out, &src[x->src], &p, x, &res->rows) != 0)
			goto out;
		if (x->state == CAND_NEW) {
			src[x->src].in->added++;
			res->added++;
			if (!res->first_id)
				res->first_id = x->out_id;
			res->last_id = x->out_id;
		} else {
			src[x->src].in->refreshed++;
			res->refreshed++;
		}
		if (!finished(x)) {
			res->running++;
			note(fn, user, "run %" PRId64 " (%s, seed %" PRId64 ") from '%s' is still running "
				       "there (host %s): merged as running; merge again once it finished",
			     x->out_id, x->path, x->seed, src[x->src].in->path, x->host);
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (merge_baselines(out, &src[k], fn, user, res) != 0)
			goto out;
		note_unknown(&src[k], &p, fn, user);
		dv[k] = src[k].d;
	}
	if (db_merge_validations(out, dv, in, n, res) != 0)
		goto out;
	if (db_tx_commit(out) != 0)
		goto out;
	tx = false;
	for (size_t k = 0; k < n; k++)
		res->present += in[k].present;
	rc = 0;
out:
	if (tx)
		db_tx_rollback(out);
	for (size_t k = 0; k < n; k++)
		source_close(&src[k], p.n);
	db_merge_plan_free(&p);
	cands_free(&c);
	free(src);
	free(dv);
	return rc;
}
