/*
 * opset.c - load the ops of a set of runs into flat arrays, and evaluate
 * metrics over them (opset.h).
 *
 * One aggregate statement, bound and reset per run: SQLite hands every row
 * of the run to a C function inside its scan (load_step), which is what
 * makes a million-op report cost about one plain aggregate scan; a run
 * whose rows do not come in seq order is read again row by row with ORDER
 * BY seq.  Rows in seq order, runs in the caller's order, so the arrays are
 * a pure function of the database and the run list.  Arrays grow by doubling
 * (sizes checked before multiplying); a failed growth leaves the set as it
 * was.
 */
#include "db/opset.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[DB_PHASE_COUNT] = {
	"lens_switch", "focus_move", "focus_search", "validation", "total",
};

const char *db_phase_name(int phase)
{
	if (phase < 0 || phase >= DB_PHASE_COUNT)
		return "?";
	return phase_names[phase];
}

/* Columns in DB_OPSET_COLS. */
#define OPSET_NCOLS 12

static const char ops_sql[] =
	"SELECT " DB_OPSET_COLS " FROM ops WHERE run_id = ?1 ORDER BY seq";

/* A column value as a double, NaN for NULL.  Rows read by the caller go
 * through sqlite3_column_value once per column (each sqlite3_column_*()
 * call takes the connection's mutex; the sqlite3_value_*() calls on the
 * value do not), read on this thread before the next step. */
static double val_double(sqlite3_value *v)
{
	return sqlite3_value_type(v) == SQLITE_NULL ? NAN : sqlite3_value_double(v);
}


/* Grow the nd double arrays and nb byte arrays (each *cap entries) to hold
 * need entries: 0 or -1 (the arrays that were grown stay valid). */
static int grow_arrays(double **const *dbl, size_t nd, unsigned char **const *byt, size_t nb,
		       size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / sizeof(double))
			return -1;
		ncap *= 2;
	}
	for (size_t i = 0; i < nd; i++) {
		double *p = realloc(*dbl[i], ncap * sizeof *p);

		if (!p)
			return -1;
		*dbl[i] = p;
	}
	for (size_t i = 0; i < nb; i++) {
		unsigned char *p = realloc(*byt[i], ncap);

		if (!p)
			return -1;
		*byt[i] = p;
	}
	*cap = ncap;
	return 0;
}

int db_opset_add_handoff(db_opset *s, const db_opset_handoff *h)
{
	double **const dbl[] = {
		&s->phase_ms[0], &s->phase_ms[1], &s->phase_ms[2], &s->phase_ms[3],
		&s->phase_ms[4], &s->mapping_error_um, &s->focus_error_um,
		&s->temperature_c, &s->frames,
	};
	unsigned char **const byt[] = { &s->success, &s->cache_hit };
	size_t i = s->n;

	if (grow_arrays(dbl, sizeof dbl / sizeof dbl[0], byt, 2, &s->cap, i + 1) != 0)
		return -1;
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		s->phase_ms[p][i] = h->phase_ms[p];
	s->mapping_error_um[i] = h->mapping_error_um;
	s->focus_error_um[i] = h->focus_error_um;
	s->temperature_c[i] = h->temperature_c;
	s->frames[i] = h->frames;
	s->success[i] = h->success;
	s->cache_hit[i] = (unsigned char)(h->cache_hit == 0 || h->cache_hit == 1 ? h->cache_hit : 2);
	s->n++;
	return 0;
}

int db_opset_add_calibration(db_opset *s, double rms_um, bool success)
{
	double **const dbl[] = { &s->calib_rms_um };
	unsigned char **const byt[] = { &s->calib_ok };

	if (grow_arrays(dbl, 1, byt, 1, &s->calib_cap, s->ncalib + 1) != 0)
		return -1;
	/* a failed calibration has no RMS, whatever was stored for it */
	s->calib_rms_um[s->ncalib] = success ? rms_um : NAN;
	s->calib_ok[s->ncalib++] = success;
	return 0;
}

int db_opset_add_autofocus(db_opset *s, double ms, double focus_error_um, double frames,
			   bool success)
{
	double **const dbl[] = { &s->af_ms, &s->af_focus_um, &s->af_frames };
	unsigned char **const byt[] = { &s->af_ok };
	size_t i = s->naf;

	if (grow_arrays(dbl, 3, byt, 1, &s->af_cap, i + 1) != 0)
		return -1;
	s->af_ms[i] = ms;
	s->af_focus_um[i] = focus_error_um;
	s->af_frames[i] = frames;
	s->af_ok[i] = success;
	s->naf++;
	return 0;
}

/* Append the op whose DB_OPSET_COLS values are v[0 .. 12). */
static int add_values(db_opset *s, sqlite3_value **v)
{
	const unsigned char *kind = sqlite3_value_text(v[0]);
	bool ok = sqlite3_value_int(v[11]) != 0;

	if (!kind)
		return 0;
	if (strcmp((const char *)kind, "handoff") == 0) {
		db_opset_handoff h;

		for (int p = 0; p < DB_PHASE_COUNT; p++)
			h.phase_ms[p] = val_double(v[1 + p]);
		h.mapping_error_um = val_double(v[6]);
		h.focus_error_um = val_double(v[7]);
		h.temperature_c = val_double(v[8]);
		h.frames = val_double(v[9]);
		h.success = ok;
		h.cache_hit = sqlite3_value_type(v[10]) == SQLITE_NULL ? 2
			      : sqlite3_value_int(v[10]) != 0;
		return db_opset_add_handoff(s, &h);
	}
	if (strcmp((const char *)kind, "calibrate") == 0)
		return db_opset_add_calibration(s, val_double(v[6]), ok);
	if (strcmp((const char *)kind, "autofocus") == 0)
		return db_opset_add_autofocus(s, val_double(v[5]), val_double(v[7]),
					      val_double(v[9]), ok);
	return 0;
}

int db_opset_add_columns(db_opset *s, struct sqlite3_stmt *st, int c)
{
	sqlite3_value *v[OPSET_NCOLS];

	for (int i = 0; i < OPSET_NCOLS; i++)
		v[i] = sqlite3_column_value(st, c + i);
	return add_values(s, v);
}

/*
 * Loading a run's ops through an aggregate function: SQLite hands each row
 * to load_step inside its scan (no row returned to the caller, no
 * column call per value), which is about as fast as a plain aggregate
 * scan of the same columns.  The primary key (run_id, seq) gives the rows
 * in seq order, but no SQL promises the order an aggregate sees rows in:
 * load_step checks that seq increases, and a run that comes otherwise is
 * loaded again row by row with ORDER BY seq.
 */
enum { LOAD_OK, LOAD_UNORDERED, LOAD_NOMEM };

typedef struct load_ctx {
	db_opset *s;
	int64_t last_seq;
	bool have_seq;
	int status;
} load_ctx;

static void load_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	load_ctx *lc = sqlite3_user_data(cx);
	int64_t seq = sqlite3_value_int64(argv[0]);

	(void)argc;
	if (lc->status != LOAD_OK)
		return;
	if (lc->have_seq && seq <= lc->last_seq) {
		lc->status = LOAD_UNORDERED;
		return;
	}
	lc->last_seq = seq;
	lc->have_seq = true;
	if (add_values(lc->s, argv + 1) != 0)
		lc->status = LOAD_NOMEM;
}

static void load_final(sqlite3_context *cx)
{
	sqlite3_result_null(cx);
}

static const char agg_sql[] =
	"SELECT afsim_opset_load(seq, " DB_OPSET_COLS ") FROM ops WHERE run_id = ?1";

/* One run through the aggregate: 0, 1 (rows came out of seq order: the
 * set is as before the call) or an SQLite error code (SQLITE_NOMEM for
 * out of memory). */
static int load_run_agg(sqlite3_stmt *agg, load_ctx *lc, int64_t run)
{
	size_t n = lc->s->n, ncalib = lc->s->ncalib, naf = lc->s->naf;
	int rc;

	lc->have_seq = false;
	lc->status = LOAD_OK;
	rc = sqlite3_bind_int64(agg, 1, run);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(agg);
	sqlite3_reset(agg);
	if (rc != SQLITE_ROW)
		return rc;
	if (lc->status == LOAD_NOMEM)
		return SQLITE_NOMEM;
	if (lc->status == LOAD_UNORDERED) {
		lc->s->n = n;
		lc->s->ncalib = ncalib;
		lc->s->naf = naf;
		return 1;
	}
	return 0;
}

int db_opset_load(db *d, const int64_t *runs, size_t nruns, db_opset *out,
		  char *err, size_t errlen)
{
	sqlite3 *h = db_handle(d);
	sqlite3_stmt *st = NULL, *agg = NULL;
	load_ctx lc = { .s = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = sqlite3_create_function(h, "afsim_opset_load", 1 + OPSET_NCOLS, SQLITE_UTF8, &lc,
				     NULL, load_step, load_final);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, agg_sql, -1, &agg, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, ops_sql, -1, &st, NULL);
	for (size_t r = 0; rc == SQLITE_OK && r < nruns; r++) {
		rc = load_run_agg(agg, &lc, runs[r]);
		if (rc != 1)
			continue;
		rc = sqlite3_bind_int64(st, 1, runs[r]);
		if (rc != SQLITE_OK)
			break;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (db_opset_add_columns(out, st, 0) != 0) {
				rc = SQLITE_NOMEM;
				break;
			}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "cannot load ops: %s",
			 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_finalize(agg);
	sqlite3_create_function(h, "afsim_opset_load", 1 + OPSET_NCOLS, SQLITE_UTF8, NULL, NULL,
				NULL, NULL);
	if (rc != SQLITE_OK) {
		db_opset_release(out);
		return -1;
	}
	return 0;
}

void db_opset_release(db_opset *s)
{
	if (!s)
		return;
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		free(s->phase_ms[p]);
	free(s->mapping_error_um);
	free(s->focus_error_um);
	free(s->temperature_c);
	free(s->frames);
	free(s->success);
	free(s->cache_hit);
	free(s->calib_rms_um);
	free(s->calib_ok);
	free(s->af_ms);
	free(s->af_focus_um);
	free(s->af_frames);
	free(s->af_ok);
	memset(s, 0, sizeof *s);
}

void db_opset_clear(db_opset *s)
{
	s->n = s->ncalib = s->naf = 0;
}

size_t db_opset_pick(const double *a, const unsigned char *keep, size_t n, double *dst)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((!keep || keep[i]) && !isnan(a[i]))
			dst[k++] = a[i];
	return k;
}

size_t db_opset_successes(const db_opset *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		k += s->success[i] != 0;
	return k;
}

/* --- metrics ------------------------------------------------------------------ */

static const struct {
	db_metric_op op;
	const char *op_name, *field_name;
	db_field field;
	db_metric_kind kind;
	const char *unit;
} metric_table[] = {
	{ DB_MOP_HANDOFF, "handoff", "total_ms", DB_F_TOTAL_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_HANDOFF, "handoff", "lens_switch_ms", DB_F_LENS_SWITCH_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_HANDOFF, "handoff", "focus_move_ms", DB_F_FOCUS_MOVE_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_HANDOFF, "handoff", "focus_search_ms", DB_F_FOCUS_SEARCH_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_HANDOFF, "handoff", "validation_ms", DB_F_VALIDATION_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_HANDOFF, "handoff", "mapping_error_um", DB_F_MAPPING_ERROR_UM, DB_KIND_ACCURACY, "um" },
	{ DB_MOP_HANDOFF, "handoff", "focus_error_um", DB_F_FOCUS_ERROR_UM, DB_KIND_ACCURACY, "um" },
	{ DB_MOP_HANDOFF, "handoff", "frames", DB_F_FRAMES, DB_KIND_COUNT, "" },
	{ DB_MOP_HANDOFF, "handoff", "success_rate", DB_F_SUCCESS_RATE, DB_KIND_RATE, "" },
	{ DB_MOP_AUTOFOCUS, "autofocus", "ms", DB_F_MS, DB_KIND_TIME, "ms" },
	{ DB_MOP_AUTOFOCUS, "autofocus", "focus_error_um", DB_F_FOCUS_ERROR_UM, DB_KIND_ACCURACY, "um" },
	{ DB_MOP_AUTOFOCUS, "autofocus", "frames", DB_F_FRAMES, DB_KIND_COUNT, "" },
	{ DB_MOP_AUTOFOCUS, "autofocus", "success_rate", DB_F_SUCCESS_RATE, DB_KIND_RATE, "" },
	{ DB_MOP_CALIBRATION, "calibration", "rms_um", DB_F_RMS_UM, DB_KIND_ACCURACY, "um" },
	{ DB_MOP_HANDOFF, "cache", "hit_rate", DB_F_HIT_RATE, DB_KIND_RATE, "" },
};

int db_metric_parse(const char *name, db_metric *out)
{
	const char *d1, *d2, *field;
	size_t flen;

	if (!name || !(d1 = strchr(name, '.')))
		return -1;
	field = d1 + 1;
	d2 = strchr(field, '.');
	flen = d2 ? (size_t)(d2 - field) : strlen(field);
	for (size_t i = 0; i < sizeof metric_table / sizeof metric_table[0]; i++) {
		const char *on = metric_table[i].op_name, *fn = metric_table[i].field_name;

		if (strlen(on) != (size_t)(d1 - name) || strncmp(on, name, (size_t)(d1 - name)) != 0 ||
		    strlen(fn) != flen || strncmp(fn, field, flen) != 0)
			continue;
		memset(out, 0, sizeof *out);
		out->op = metric_table[i].op;
		out->field = metric_table[i].field;
		out->kind = metric_table[i].kind;
		out->unit = metric_table[i].unit;
		out->rate = out->kind == DB_KIND_RATE;
		out->higher_is_worse = !out->rate;
		if (out->rate)
			return d2 ? -1 : 0;
		if (!d2)   /* "op.field": only the calibration RMS has a last value to give */
			return out->op == DB_MOP_CALIBRATION ? 0 : -1;
		out->has_stat = true;
		return db_stat_parse(d2 + 1, strlen(d2 + 1), &out->stat);
	}
	return -1;
}

size_t db_opset_values(const db_opset *s, const db_metric *m, double *dst)
{
	switch (m->op) {
	case DB_MOP_HANDOFF:
		if (m->field <= DB_F_TOTAL_MS)
			return db_opset_pick(s->phase_ms[m->field], s->success, s->n, dst);
		if (m->field == DB_F_FRAMES)
			return db_opset_pick(s->frames, s->success, s->n, dst);
		if (m->field == DB_F_MAPPING_ERROR_UM)
			return db_opset_pick(s->mapping_error_um, NULL, s->n, dst);
		if (m->field == DB_F_FOCUS_ERROR_UM)
			return db_opset_pick(s->focus_error_um, NULL, s->n, dst);
		return 0;
	case DB_MOP_AUTOFOCUS:
		if (m->field == DB_F_MS)
			return db_opset_pick(s->af_ms, s->af_ok, s->naf, dst);
		if (m->field == DB_F_FOCUS_ERROR_UM)
			return db_opset_pick(s->af_focus_um, s->af_ok, s->naf, dst);
		if (m->field == DB_F_FRAMES)
			return db_opset_pick(s->af_frames, s->af_ok, s->naf, dst);
		return 0;
	case DB_MOP_CALIBRATION:
		return m->field == DB_F_RMS_UM ? db_opset_pick(s->calib_rms_um, s->calib_ok, s->ncalib, dst)
					       : 0;
	}
	return 0;
}

/* successes / attempts of a rate; NaN without attempts */
static double rate_of(const db_opset *s, const db_metric *m)
{
	size_t k = 0, n = 0;

	if (m->field == DB_F_HIT_RATE) {
		for (size_t i = 0; i < s->n; i++)
			if (s->cache_hit[i] != 2) {
				n++;
				k += s->cache_hit[i];
			}
	} else if (m->op == DB_MOP_AUTOFOCUS) {
		n = s->naf;
		for (size_t i = 0; i < n; i++)
			k += s->af_ok[i];
	} else {
		n = s->n;
		for (size_t i = 0; i < n; i++)
			k += s->success[i];
	}
	return n ? (double)k / (double)n : NAN;
}

int db_opset_metric(const db_opset *s, const db_metric *m, double *value)
{
	size_t cap = m->op == DB_MOP_HANDOFF ? s->n : m->op == DB_MOP_AUTOFOCUS ? s->naf : s->ncalib;
	double *buf;
	db_summary d;
	size_t k;

	*value = NAN;
	if (m->rate) {
		*value = rate_of(s, m);
		return isnan(*value) ? 1 : 0;
	}
	buf = malloc((cap ? cap : 1) * sizeof *buf);
	if (!buf)
		return -1;
	k = db_opset_values(s, m, buf);
	if (!m->has_stat) {
		if (k)
			*value = buf[k - 1];
		free(buf);
		return k ? 0 : 1;
	}
	if (db_summary_of(buf, k, buf, &d) != 0) {
		free(buf);
		return -1;
	}
	free(buf);
	*value = db_summary_stat(&d, m->stat);
	if (m->stat == DB_STAT_COUNT)
		return 0;
	return isnan(*value) ? 1 : 0;
}
