/*
 * merge_plan.c - the plan of `afsim db merge` (merge_impl.h): which tables
 * of the output belong to runs, their columns by name (PRAGMA table_info)
 * and the statements that select, insert, delete and update a run's rows.
 */
#include "db/merge_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growable string -------------------------------------------------------- */

void db_sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (b->cap ? 2 * b->cap : 256) + (size_t)n;
			char *np = realloc(b->p, ncap);

			if (!np) {
				b->oom = true;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

/* An SQL identifier, quoted. */
void db_sb_ident(sbuf *b, const char *name)
{
	db_sb_add(b, "\"");
	for (const char *c = name; *c; c++)
		db_sb_add(b, *c == '"' ? "\"\"" : "%c", *c);
	db_sb_add(b, "\"");
}

/* --- what is copied: the tables and their columns ------------------------------ */

void db_merge_table_release(table_plan *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->cols);
	free(t->name);
	free(t->select_sql);
	sqlite3_finalize(t->ins);
	sqlite3_finalize(t->del);
	sqlite3_finalize(t->upd);
	memset(t, 0, sizeof *t);
}

void db_merge_plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		db_merge_table_release(&p->t[i]);
	free(p->t);
	for (size_t i = 0; i < p->nother; i++)
		free(p->other[i]);
	free(p->other);
	memset(p, 0, sizeof *p);
}

char *db_dup_text(const unsigned char *s)
{
	return strdup(s ? (const char *)s : "");
}

/* The columns of table t (in order) but skip (NULL: none); link (NULL:
 * none) is the column naming the row a row belongs to.  1, 0 when the
 * table has no column link, -1 with d's message set. */
static int table_cols(db *d, table_plan *t, const char *skip, const char *link)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->h, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1,
				    &st, NULL);
	size_t cap = 0;
	bool have_link = false;

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		const char *c = (const char *)sqlite3_column_text(st, 0);

		if (skip && c && strcmp(c, skip) == 0)
			continue;
		if (t->ncols == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			char **nc = realloc(t->cols, ncap * sizeof *nc);

			if (!nc) {
				rc = SQLITE_NOMEM;
				break;
			}
			t->cols = nc;
			cap = ncap;
		}
		if (!(t->cols[t->ncols] = db_dup_text((const unsigned char *)c))) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (link && strcmp(t->cols[t->ncols], link) == 0) {
			t->run_col = t->ncols;
			have_link = true;
		}
		t->ncols++;
	}
	if (rc == SQLITE_NOMEM)
		db_fail(d, "out of memory");
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the schema");
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return !link || have_link ? 1 : 0;
}

/* The SQL of a table's statements: a parent (no link column) is selected
 * and updated by id, a child selected and deleted by its link column. */
static int table_sql(db *d, table_plan *t, const char *link)
{
	sbuf sel = { 0 }, ins = { 0 }, del = { 0 }, upd = { 0 };
	int rc = -1;

	db_sb_add(&sel, "SELECT ");
	db_sb_add(&ins, "INSERT INTO ");
	db_sb_ident(&ins, t->name);
	db_sb_add(&ins, " (");
	for (size_t c = 0; c < t->ncols; c++) {
		db_sb_add(&sel, c ? ", " : "");
		db_sb_ident(&sel, t->cols[c]);
		db_sb_add(&ins, c ? ", " : "");
		db_sb_ident(&ins, t->cols[c]);
	}
	db_sb_add(&sel, " FROM ");
	db_sb_ident(&sel, t->name);
	if (link) {
		db_sb_add(&sel, " WHERE ");
		db_sb_ident(&sel, link);
		db_sb_add(&sel, " = ?1 ORDER BY rowid");
	} else {
		db_sb_add(&sel, " WHERE id = ?1");
	}
	db_sb_add(&ins, ") VALUES (");
	for (size_t c = 0; c < t->ncols; c++)
		db_sb_add(&ins, c ? ", ?%zu" : "?%zu", c + 1);
	db_sb_add(&ins, ")");
	if (!link) {
		db_sb_add(&upd, "UPDATE ");
		db_sb_ident(&upd, t->name);
		db_sb_add(&upd, " SET ");
		for (size_t c = 0; c < t->ncols; c++) {
			db_sb_add(&upd, c ? ", " : "");
			db_sb_ident(&upd, t->cols[c]);
			db_sb_add(&upd, " = ?%zu", c + 1);
		}
		db_sb_add(&upd, " WHERE id = ?%zu", t->ncols + 1);
	} else {
		db_sb_add(&del, "DELETE FROM ");
		db_sb_ident(&del, t->name);
		db_sb_add(&del, " WHERE ");
		db_sb_ident(&del, link);
		db_sb_add(&del, " = ?1");
	}
	if (sel.oom || ins.oom || del.oom || upd.oom) {
		db_fail(d, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(d->h, ins.p, -1, &t->ins, NULL) != SQLITE_OK ||
	    (del.p && sqlite3_prepare_v2(d->h, del.p, -1, &t->del, NULL) != SQLITE_OK) ||
	    (upd.p && sqlite3_prepare_v2(d->h, upd.p, -1, &t->upd, NULL) != SQLITE_OK)) {
		db_sqlfail(d, "cannot prepare the merge");
		goto out;
	}
	t->select_sql = sel.p;
	sel.p = NULL;
	rc = 0;
out:
	free(sel.p);
	free(ins.p);
	free(del.p);
	free(upd.p);
	return rc;
}

int db_merge_table_make(db *d, table_plan *t, const char *skip, const char *link)
{
	int k = table_cols(d, t, skip, link);

	if (k == 1 && table_sql(d, t, link) != 0)
		return -1;
	return k;
}

/* The tables of the output: runs first, then every table with a run_id
 * column (name order); the others are listed as unknown (baselines and
 * validations are merged on their own). */
int db_merge_plan_make(db *d, plan *p)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 1;
	int rc;

	memset(p, 0, sizeof *p);
	if (!(p->t = calloc(1, sizeof *p->t)) || !(p->t[0].name = strdup("runs")))
		return db_fail(d, "out of memory");
	p->n = 1;
	p->t[0].is_runs = true;
	if (db_merge_table_make(d, &p->t[0], "id", NULL) < 0)
		return -1;
	rc = sqlite3_prepare_v2(d->h, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
				      "name NOT LIKE 'sqlite_%' AND name NOT IN ('runs', 'baselines', "
				      "'validations', 'validation_items') "
				      "ORDER BY name", -1, &st, NULL);
	for (rc = rc == SQLITE_OK ? sqlite3_step(st) : rc; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		table_plan t = { 0 };
		int k;

		if (!(t.name = db_dup_text(sqlite3_column_text(st, 0)))) {
			rc = SQLITE_NOMEM;
			break;
		}
		k = table_cols(d, &t, NULL, "run_id");
		if (k == 1 && p->n == cap) {
			table_plan *nt = realloc(p->t, 2 * cap * sizeof *nt);

			if (nt) {
				p->t = nt;
				cap *= 2;
			}
		}
		if (k == 1 && p->n < cap) {
			p->t[p->n++] = t;
			if (table_sql(d, &p->t[p->n - 1], "run_id") != 0)
				k = -1;
		} else {
			char **no = k == 0 ? realloc(p->other, (p->nother + 1) * sizeof *no) : NULL;

			if (no) {
				p->other = no;
				p->other[p->nother++] = t.name;
				t.name = NULL;
			}
			for (size_t c = 0; c < t.ncols; c++)
				free(t.cols[c]);
			free(t.cols);
			free(t.name);
			if (k == 1 || (k == 0 && !no)) {
				db_fail(d, "out of memory");
				k = -1;
			}
		}
		if (k < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc == SQLITE_NOMEM)
		db_fail(d, "out of memory");
	else if (rc != SQLITE_DONE)
		db_sqlfail(d, "cannot read the schema");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- copying a parent's rows ----------------------------------------------------- */

int db_merge_step_reset(db *out, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		db_fail(out, "%s: %s", what, sqlite3_errmsg(out->h));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int db_merge_copy_rows(db *out, db *in, const char *path, sqlite3_stmt *from,
		       const table_plan *t, const char *owner, int64_t from_id, int64_t to_id,
		       uint64_t *rows)
{
	char what[64];
	int rc;

	snprintf(what, sizeof what, "cannot copy a %s's rows", owner);
	if (sqlite3_bind_int64(from, 1, from_id) != SQLITE_OK)
		return db_fail(out, "%s: %s", what, sqlite3_errmsg(in->h));
	while ((rc = sqlite3_step(from)) == SQLITE_ROW) {
		int b = SQLITE_OK;

		for (size_t c = 0; c < t->ncols && b == SQLITE_OK; c++)
			b = c == t->run_col ? sqlite3_bind_int64(t->ins, (int)c + 1, to_id)
					    : sqlite3_bind_value(t->ins, (int)c + 1,
								 sqlite3_column_value(from, (int)c));
		if (b != SQLITE_OK || db_merge_step_reset(out, t->ins, what) != 0) {
			sqlite3_reset(from);
			return b != SQLITE_OK ? db_sqlfail(out, what) : -1;
		}
		(*rows)++;
	}
	if (rc != SQLITE_DONE)
		db_fail(out, "cannot merge '%s': cannot read the %s of %s %" PRId64 ": %s", path,
			t->name, owner, from_id, sqlite3_errmsg(in->h));
	sqlite3_reset(from);
	return rc == SQLITE_DONE ? 0 : -1;
}
