/*
 * merge_valid.c - `afsim db merge` carries the validations of rigs
 * (validation.h: a `validations` row per `afsim hil validate`, its
 * measurements in `validation_items`), with the guarantees it gives runs
 * (merge.h has the rules).
 *
 * Identity: a validation has no uid, but it is written once, whole, in
 * one transaction, and never changed, so it is known by its content: a
 * SHA-256 over every column of its row but id and every column of its
 * items but validation_id (in their order), each value with its type, a
 * real by its 8 bytes.  Its start (to the second), end, host and wall
 * seconds (a measured double) alone tell two validations apart; the same
 * content in two databases is one validation that a copy of a database
 * carried over.  The fingerprints are compared within this process only,
 * never stored: host byte order does no harm.
 *
 * Counting: the output ends with as many validations of one content as
 * it had or as the input holding the most of them has, whichever is more
 * (copies taken from the first such input, in its id order).  Merging an
 * input again, or inputs that started as copies of one database, adds
 * nothing; two identical records within one input (never seen, but not
 * impossible for two instant errors) both stay.
 *
 * Columns are taken by name from the output's schema (db_merge_table_make),
 * as for runs: an input of an older schema is read through its migrated
 * copy and so has the same columns.  Everything happens inside the
 * merge's transaction.
 */
#include "db/merge.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_impl.h"
#include "db/merge_impl.h"
#include "db/sha256.h"

#define OUTPUT ((size_t)-1)

/* A validation of an input (or of the output: src OUTPUT). */
typedef struct vcand {
	size_t src;
	int64_t id;
	uint8_t fp[DB_SHA256_LEN];
	char started[32], finished[32], host[128];
	bool add;
} vcand;

typedef struct vcands {
	vcand *v;
	size_t n, cap;
} vcands;

/* The statements on one database: its validations listed, one's row and
 * its items by id. */
typedef struct vsource {
	db *d;
	const char *path;            /* NULL: the output */
	sqlite3_stmt *list, *row, *items;
} vsource;

static void vsource_release(vsource *s)
{
	sqlite3_finalize(s->list);
	sqlite3_finalize(s->row);
	sqlite3_finalize(s->items);
	s->list = s->row = s->items = NULL;
}

/* A read of s failed: the message names the input (or the output). */
static int read_fail(db *out, const vsource *s, const char *what)
{
	if (s->path)
		return db_fail(out, "cannot merge '%s': cannot read its %s: %s", s->path, what,
			       sqlite3_errmsg(s->d->h));
	return db_fail(out, "cannot read the output's %s: %s", what, sqlite3_errmsg(s->d->h));
}

/* Prepare s's statements: 1 done, 0 when s has no validations table (a
 * database older than schema 6 read as it is), -1 with out's message. */
static int vsource_prepare(db *out, vsource *s, const table_plan *v, const table_plan *it)
{
	sqlite3_stmt *st = NULL;
	int has = 0;

	if (sqlite3_prepare_v2(s->d->h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
					"AND name = 'validations'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		has = sqlite3_column_int(st, 0) > 0 ? 1 : 0;
	else
		has = -1;
	sqlite3_finalize(st);
	if (has <= 0)
		return has < 0 ? read_fail(out, s, "schema") : 0;
	if (sqlite3_prepare_v2(s->d->h, "SELECT id, started_at, finished_at, host FROM validations "
					"ORDER BY id", -1, &s->list, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->d->h, v->select_sql, -1, &s->row, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->d->h, it->select_sql, -1, &s->items, NULL) != SQLITE_OK)
		return read_fail(out, s, "validations");
	return 1;
}

static void hash_value(db_sha256 *c, sqlite3_value *x)
{
	uint8_t type = (uint8_t)sqlite3_value_type(x);
	int64_t i;
	double r;
	uint64_t n;

	db_sha256_update(c, &type, 1);
	switch (type) {
	case SQLITE_INTEGER:
		i = sqlite3_value_int64(x);
		db_sha256_update(c, &i, sizeof i);
		break;
	case SQLITE_FLOAT:
		r = sqlite3_value_double(x);
		db_sha256_update(c, &r, sizeof r);
		break;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		n = (uint64_t)sqlite3_value_bytes(x);
		db_sha256_update(c, &n, sizeof n);
		db_sha256_update(c, type == SQLITE_TEXT ? (const void *)sqlite3_value_text(x)
							 : sqlite3_value_blob(x), (size_t)n);
		break;
	default:
		break;
	}
}

/* The fingerprint of validation id of s. */
static int fingerprint(db *out, vsource *s, const table_plan *it, int64_t id,
		       uint8_t fp[DB_SHA256_LEN])
{
	db_sha256 c;
	int rc;

	db_sha256_init(&c);
	if (sqlite3_bind_int64(s->row, 1, id) != SQLITE_OK ||
	    (rc = sqlite3_step(s->row)) != SQLITE_ROW) {
		sqlite3_reset(s->row);
		return read_fail(out, s, "validations");
	}
	for (int k = 0; k < sqlite3_column_count(s->row); k++)
		hash_value(&c, sqlite3_column_value(s->row, k));
	sqlite3_reset(s->row);
	if (sqlite3_bind_int64(s->items, 1, id) != SQLITE_OK)
		return read_fail(out, s, "validation items");
	while ((rc = sqlite3_step(s->items)) == SQLITE_ROW) {
		db_sha256_update(&c, "|", 1);
		for (size_t k = 0; k < it->ncols; k++)
			if (k != it->run_col)
				hash_value(&c, sqlite3_column_value(s->items, (int)k));
	}
	sqlite3_reset(s->items);
	if (rc != SQLITE_DONE)
		return read_fail(out, s, "validation items");
	db_sha256_final(&c, fp);
	return 0;
}

static void copy_text(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* List the validations of s (input src, or OUTPUT) into c. */
static int list_validations(db *out, vsource *s, const table_plan *it, size_t src, vcands *c,
			    uint64_t *held)
{
	int rc;

	while ((rc = sqlite3_step(s->list)) == SQLITE_ROW) {
		vcand *x;

		if (c->n == c->cap) {
			size_t ncap = c->cap ? 2 * c->cap : 32;
			vcand *nv = realloc(c->v, ncap * sizeof *nv);

			if (!nv) {
				sqlite3_reset(s->list);
				return db_fail(out, "out of memory");
			}
			c->v = nv;
			c->cap = ncap;
		}
		x = &c->v[c->n];
		memset(x, 0, sizeof *x);
		x->src = src;
		x->id = sqlite3_column_int64(s->list, 0);
		copy_text(s->list, 1, x->started, sizeof x->started);
		copy_text(s->list, 2, x->finished, sizeof x->finished);
		copy_text(s->list, 3, x->host, sizeof x->host);
		if (fingerprint(out, s, it, x->id, x->fp) != 0) {
			sqlite3_reset(s->list);
			return -1;
		}
		c->n++;
		if (held)
			(*held)++;
	}
	sqlite3_reset(s->list);
	return rc == SQLITE_DONE ? 0 : read_fail(out, s, "validations");
}

/* By content, then the output's first, then by input and id. */
static int by_fp(const void *pa, const void *pb)
{
	const vcand *a = pa, *b = pb;
	int c = memcmp(a->fp, b->fp, sizeof a->fp);

	if (c)
		return c;
	if (a->src != b->src)
		return a->src == OUTPUT ? -1 : b->src == OUTPUT ? 1 : (a->src > b->src) - (a->src < b->src);
	return (a->id > b->id) - (a->id < b->id);
}

/* The order the added ones get their ids in: by start, end, host, content. */
static int by_start(const void *pa, const void *pb)
{
	const vcand *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->started, b->started)) != 0 || (c = strcmp(a->finished, b->finished)) != 0 ||
	    (c = strcmp(a->host, b->host)) != 0 || (c = memcmp(a->fp, b->fp, sizeof a->fp)) != 0)
		return c;
	return by_fp(pa, pb);
}

/* Mark the validations to add (c sorted by content): per content, as many
 * more than the output has as the input holding the most has, from it. */
static void choose(vcands *c, db_merge_input *in, db_merge_result *res)
{
	for (size_t i = 0, j; i < c->n; i = j) {
		size_t have = 0, best = 0, best_at = 0;

		for (j = i; j < c->n && memcmp(c->v[j].fp, c->v[i].fp, DB_SHA256_LEN) == 0; j++)
			;
		for (size_t k = i; k < j; k++) {
			size_t e = k;

			if (c->v[k].src == OUTPUT) {
				have++;
				continue;
			}
			while (e < j && c->v[e].src == c->v[k].src)
				e++;
			if (e - k > best) {
				best = e - k;
				best_at = k;
			}
			k = e - 1;
		}
		for (size_t k = i; k < j; k++) {
			if (c->v[k].src == OUTPUT)
				continue;
			c->v[k].add = k >= best_at && k < best_at + best && k - best_at + have < best;
			if (c->v[k].add) {
				in[c->v[k].src].validations_added++;
				res->validations_added++;
			} else {
				in[c->v[k].src].validations_present++;
				res->validations_present++;
			}
		}
	}
}

/* Copy validation x of input s: its row, then its items. */
static int copy_validation(db *out, vsource *s, const table_plan *v, const table_plan *it,
			   vcand *x, db_merge_result *res)
{
	int64_t id;
	int b = SQLITE_OK;

	if (sqlite3_bind_int64(s->row, 1, x->id) != SQLITE_OK || sqlite3_step(s->row) != SQLITE_ROW) {
		sqlite3_reset(s->row);
		return read_fail(out, s, "validations");
	}
	for (size_t k = 0; k < v->ncols && b == SQLITE_OK; k++)
		b = sqlite3_bind_value(v->ins, (int)k + 1, sqlite3_column_value(s->row, (int)k));
	if (b != SQLITE_OK || db_merge_step_reset(out, v->ins, "cannot copy a validation") != 0) {
		sqlite3_reset(s->row);
		sqlite3_clear_bindings(v->ins);
		return b != SQLITE_OK ? db_sqlfail(out, "cannot copy a validation") : -1;
	}
	sqlite3_reset(s->row);
	sqlite3_clear_bindings(v->ins);
	id = sqlite3_last_insert_rowid(out->h);
	if (!res->validations_first_id)
		res->validations_first_id = id;
	res->validations_last_id = id;
	return db_merge_copy_rows(out, s->d, s->path, s->items, it, "validation", x->id, id,
				  &res->validation_items);
}

int db_merge_validations(db *out, db *const *d, db_merge_input *in, size_t n,
			 db_merge_result *res)
{
	table_plan v = { 0 }, it = { 0 };
	vsource *src = calloc(n + 1, sizeof *src);
	vcands c = { 0 };
	int rc = -1, k;

	if (!src || !(v.name = strdup("validations")) || !(it.name = strdup("validation_items"))) {
		db_fail(out, "out of memory");
		goto out;
	}
	if ((k = db_merge_table_make(out, &v, "id", NULL)) < 0 ||
	    (k = db_merge_table_make(out, &it, NULL, "validation_id")) < 0)
		goto out;
	if (k == 0 || v.ncols == 0) {
		rc = 0;   /* an output without validations (cannot be: db_open migrates) */
		goto out;
	}
	src[n] = (vsource){ .d = out };
	if ((k = vsource_prepare(out, &src[n], &v, &it)) < 0 ||
	    (k > 0 && list_validations(out, &src[n], &it, OUTPUT, &c, NULL) != 0))
		goto out;
	for (size_t i = 0; i < n; i++) {
		src[i] = (vsource){ .d = d[i], .path = in[i].path };
		if ((k = vsource_prepare(out, &src[i], &v, &it)) < 0 ||
		    (k > 0 && list_validations(out, &src[i], &it, i, &c, &in[i].validations) != 0))
			goto out;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_fp);
	choose(&c, in, res);
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_start);
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i].add && copy_validation(out, &src[c.v[i].src], &v, &it, &c.v[i], res) != 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; src && i <= n; i++)
		vsource_release(&src[i]);
	free(src);
	free(c.v);
	db_merge_table_release(&v);
	db_merge_table_release(&it);
	return rc;
}
