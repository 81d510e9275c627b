/*
 * validation.c - validations of a rig in the store (validation.h).
 *
 * Statements here are prepared per call, not cached in the handle's slots:
 * a validation is written once per command, and keeping them apart keeps
 * the ingest path's table of statements as it is.  A database older than
 * schema 4 (read-only opening does not migrate) has no validations: the
 * reads say none.
 */
#include "db/db_impl.h"
#include "db/validation.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static double real_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Whether the database has the validations table (schema 4 on). */
static int has_table(db *d, bool *yes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				     "AND name = 'validations'", -1, &st, NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot look for validations");
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_sqlfail(d, "cannot look for validations");
}

static int insert_items(db *d, int64_t id, const db_validation_item *items, size_t n)
{
	sqlite3_stmt *st = NULL;
	int b = SQLITE_OK;

	if (sqlite3_prepare_v2(d->h,
			       "INSERT INTO validation_items (validation_id, seq, name, value, unit, "
			       "limit_lo, limit_hi, margin_pct, outcome, n, sd, duration_ms, detail) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot prepare the validation items");
	for (size_t i = 0; i < n; i++) {
		const db_validation_item *it = &items[i];

		b = SQLITE_OK;
		db_bind_int64(st, 1, id, &b);
		db_bind_int64(st, 2, it->seq, &b);
		db_bind_text(st, 3, it->name, &b);
		db_bind_real(st, 4, it->value, &b);
		db_bind_text(st, 5, it->unit, &b);
		db_bind_real(st, 6, it->limit_lo, &b);
		db_bind_real(st, 7, it->limit_hi, &b);
		db_bind_real(st, 8, it->margin_pct, &b);
		db_bind_text(st, 9, it->outcome, &b);
		db_bind_int64(st, 10, it->n, &b);
		db_bind_real(st, 11, it->sd, &b);
		db_bind_real(st, 12, it->duration_ms, &b);
		db_bind_text(st, 13, it->detail ? it->detail : "", &b);
		if (db_bind_check(d, b, "a validation item") != 0 ||
		    sqlite3_step(st) != SQLITE_DONE) {
			if (b == SQLITE_OK)
				db_sqlfail(d, "cannot record a validation item");
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

int db_validation_add(db *d, const db_validation *v, const db_validation_item *items, size_t n,
		      int64_t *id)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int b = SQLITE_OK;

	if (db_writable(d, "record a validation") != 0 || db_tx_begin(d) != 0)
		return -1;
	db_iso_now(now);
	if (sqlite3_prepare_v2(d->h,
			       "INSERT INTO validations (rig, rig_file, identity, camera, started_at, "
			       "finished_at, status, reps, afsim_version, host, message, wall_s) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot prepare the validation");
		goto fail;
	}
	db_bind_text(st, 1, v->rig, &b);
	db_bind_text(st, 2, v->rig_file, &b);
	db_bind_text(st, 3, v->identity ? v->identity : "", &b);
	db_bind_text(st, 4, v->camera, &b);
	db_bind_text(st, 5, v->started_at, &b);
	db_bind_text(st, 6, now, &b);
	db_bind_text(st, 7, v->status, &b);
	db_bind_int64(st, 8, v->reps, &b);
	db_bind_text(st, 9, v->afsim_version, &b);
	db_bind_text(st, 10, d->host, &b);
	db_bind_text(st, 11, v->message ? v->message : "", &b);
	db_bind_real(st, 12, v->wall_s, &b);
	if (db_bind_check(d, b, "the validation") != 0)
		goto fail;
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_sqlfail(d, "cannot record the validation");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	*id = sqlite3_last_insert_rowid(d->h);
	if (insert_items(d, *id, items, n) != 0 || db_tx_commit(d) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(st);
	db_tx_rollback(d);
	return -1;
}

int db_validation_last(db *d, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;
	int rc;

	if (has_table(d, &yes) != 0)
		return -1;
	if (!yes)
		return 1;
	if (sqlite3_prepare_v2(d->h, "SELECT max(id) FROM validations", -1, &st, NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot read the validations");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_sqlfail(d, "cannot read the validations");
		sqlite3_finalize(st);
		return -1;
	}
	rc = sqlite3_column_type(st, 0) == SQLITE_NULL ? 1 : 0;
	if (rc == 0)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int db_validation_get(db *d, int64_t id, db_validation_row *out)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;
	int rc;

	if (has_table(d, &yes) != 0)
		return -1;
	if (!yes)
		return 1;
	if (sqlite3_prepare_v2(d->h,
			       "SELECT id, rig, rig_file, identity, camera, status, started_at, "
			       "coalesce(finished_at, ''), afsim_version, host, message, reps, wall_s "
			       "FROM validations WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot read the validation");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out->rig, sizeof out->rig);
		copy_col(st, 2, out->rig_file, sizeof out->rig_file);
		copy_col(st, 3, out->identity, sizeof out->identity);
		copy_col(st, 4, out->camera, sizeof out->camera);
		copy_col(st, 5, out->status, sizeof out->status);
		copy_col(st, 6, out->started_at, sizeof out->started_at);
		copy_col(st, 7, out->finished_at, sizeof out->finished_at);
		copy_col(st, 8, out->afsim_version, sizeof out->afsim_version);
		copy_col(st, 9, out->host, sizeof out->host);
		copy_col(st, 10, out->message, sizeof out->message);
		out->reps = (uint32_t)sqlite3_column_int64(st, 11);
		out->wall_s = real_col(st, 12);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 1;
	return rc == SQLITE_ROW ? 0 : db_sqlfail(d, "cannot read the validation");
}

int db_validation_items(db *d, int64_t id,
			int (*fn)(void *user, const db_validation_item_row *it), void *user)
{
	sqlite3_stmt *st = NULL;
	db_validation_item_row r;
	int rc;

	if (sqlite3_prepare_v2(d->h,
			       "SELECT seq, name, value, unit, limit_lo, limit_hi, margin_pct, outcome, "
			       "n, sd, duration_ms, detail FROM validation_items "
			       "WHERE validation_id = ? ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return db_sqlfail(d, "cannot read the validation items");
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		r.seq = (uint32_t)sqlite3_column_int64(st, 0);
		copy_col(st, 1, r.name, sizeof r.name);
		r.value = real_col(st, 2);
		copy_col(st, 3, r.unit, sizeof r.unit);
		r.limit_lo = real_col(st, 4);
		r.limit_hi = real_col(st, 5);
		r.margin_pct = real_col(st, 6);
		copy_col(st, 7, r.outcome, sizeof r.outcome);
		r.n = (uint32_t)sqlite3_column_int64(st, 8);
		r.sd = real_col(st, 9);
		r.duration_ms = real_col(st, 10);
		copy_col(st, 11, r.detail, sizeof r.detail);
		if (fn(user, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_sqlfail(d, "cannot read the validation items");
}
