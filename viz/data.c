/*
 * data.c - the pictures' data, read through the results store (db/views.h,
 * db/opset.h), the timeline's squeezed time axis, and decimation.
 *
 * Row counts are asked first so arrays are allocated once at their size.
 * A trend is one pass over the scenario's ops (db_metric_history), each
 * run's value computed by the store's metric code, so a trend point and
 * the report of that run never disagree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/views.h"
#include "viz/canvas.h"
#include "viz/data.h"

static const char *const phase_names[VIZ_NPHASE] = {
	"lens_switch", "focus_move", "focus_search", "validation", "total",
};

const char *viz_phase_name(int phase)
{
	return phase >= 0 && phase < VIZ_NPHASE ? phase_names[phase] : "?";
}

static int sql_fail(db *d, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", db_errmsg(d));
	return VIZ_ESQL;
}

static int oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return VIZ_ENOMEM;
}

int viz_data_last_run(db *d, int64_t *id, char *err, size_t errlen)
{
	if (db_last_run(d, id) == 0)
		return 0;
	if (strcmp(db_errmsg(d), "the database has no runs") != 0)
		return sql_fail(d, err, errlen);
	snprintf(err, errlen, "the database has no runs (record some with afsim run)");
	return VIZ_ENODATA;
}

int viz_data_run(db *d, int64_t id, viz_run *out, char *err, size_t errlen)
{
	db_run_row row;

	memset(out, 0, sizeof *out);
	if (db_run_get(d, id, &row) != 0) {
		const char *m = db_errmsg(d);

		snprintf(err, errlen, "%s", m);
		return strncmp(m, "no run ", 7) == 0 ? VIZ_ENODATA : VIZ_ESQL;
	}
	out->id = row.id;
	snprintf(out->scenario, sizeof out->scenario, "%s", row.scenario);
	snprintf(out->status, sizeof out->status, "%s", row.status);
	snprintf(out->mode, sizeof out->mode, "%s", row.mode);
	snprintf(out->trace_hash, sizeof out->trace_hash, "%s", row.trace_hash);
	snprintf(out->started_at, sizeof out->started_at, "%s", row.started_at);
	snprintf(out->message, sizeof out->message, "%.*s", (int)sizeof out->message - 1, row.message);
	out->finished = db_status_finished(row.status);
	out->seed = row.seed;
	out->virtual_s = row.virtual_s;
	out->tol_time_frac = row.tol_time_frac;
	out->tol_accuracy_um = row.tol_accuracy_um;
	return 0;
}

int viz_data_step_run(db *d, int64_t id, int dir, const char *scenario, int64_t *out)
{
	int rc = db_run_step(d, id, dir, scenario, out);

	return rc == 0 ? 0 : rc == 1 ? VIZ_ENODATA : VIZ_ESQL;
}

const char *viz_run_unfinished(const viz_run *r, char *buf, size_t size)
{
	char up[16];
	size_t k;

	if (r->finished) {
		buf[0] = '\0';
		return buf;
	}
	for (k = 0; r->status[k] && k + 1 < sizeof up; k++)
		up[k] = (char)(r->status[k] >= 'a' && r->status[k] <= 'z' ? r->status[k] - 32 : r->status[k]);
	up[k] = '\0';
	snprintf(buf, size, " · %s: partial data", up);
	return buf;
}

/* ---- timeline ------------------------------------------------------------------ */

void viz_timeline_data_release(viz_timeline_data *d)
{
	free(d->ops);
	free(d->t_ms);
	free(d->z_um);
	free(d->score);
	free(d->true_um);
	free(d->temp_c);
	free(d->op_seq);
	free(d->gaps);
	memset(d, 0, sizeof *d);
}

typedef struct tl_acc {
	viz_timeline_data *d;
	size_t cap;
} tl_acc;

static int op_add(void *user, const db_op_row *o)
{
	tl_acc *a = user;
	viz_op *v;

	if (a->d->nops >= a->cap)
		return 1;   /* rows added since the count are not in this picture */
	v = &a->d->ops[a->d->nops++];
	v->seq = o->seq;
	snprintf(v->kind, sizeof v->kind, "%s", o->kind);
	snprintf(v->from_lens, sizeof v->from_lens, "%s", o->from_lens);
	snprintf(v->to_lens, sizeof v->to_lens, "%s", o->to_lens);
	v->t_ms = v->t_real_ms = o->t_ms;
	for (int p = 0; p < VIZ_NPHASE; p++)
		v->phase_ms[p] = o->phase_ms[p];
	v->z_found_um = o->z_found_um;
	v->success = o->success;
	return 0;
}

static int sample_add(void *user, const db_sample_row *s)
{
	tl_acc *a = user;
	viz_timeline_data *d = a->d;
	size_t i = d->ns;

	if (i >= a->cap)
		return 1;
	d->t_ms[i] = s->t_ms;
	d->z_um[i] = s->z_um;
	d->score[i] = s->focus_score;
	d->true_um[i] = s->true_focus_um;
	d->temp_c[i] = s->temperature_c;
	d->op_seq[i] = s->op_seq;
	d->ns++;
	return 0;
}

static int load_ops(db *dbh, viz_timeline_data *d, char *err, size_t errlen)
{
	tl_acc a = { d, 0 };

	if (db_ops_count(dbh, d->run.id, NULL, &a.cap) != 0)
		return sql_fail(dbh, err, errlen);
	if (a.cap == 0)
		return 0;
	d->ops = calloc(a.cap, sizeof *d->ops);
	if (!d->ops)
		return oom(err, errlen);
	return db_ops_each(dbh, d->run.id, NULL, 0, op_add, &a) < 0 ? sql_fail(dbh, err, errlen) : 0;
}

static int load_samples(db *dbh, viz_timeline_data *d, char *err, size_t errlen)
{
	tl_acc a = { d, 0 };

	if (db_samples_count(dbh, d->run.id, &a.cap) != 0)
		return sql_fail(dbh, err, errlen);
	if (a.cap == 0)
		return 0;
	d->t_ms = malloc(a.cap * sizeof *d->t_ms);
	d->z_um = malloc(a.cap * sizeof *d->z_um);
	d->score = malloc(a.cap * sizeof *d->score);
	d->true_um = malloc(a.cap * sizeof *d->true_um);
	d->temp_c = malloc(a.cap * sizeof *d->temp_c);
	d->op_seq = malloc(a.cap * sizeof *d->op_seq);
	if (!d->t_ms || !d->z_um || !d->score || !d->true_um || !d->temp_c || !d->op_seq)
		return oom(err, errlen);
	return db_samples_each(dbh, d->run.id, 0, sample_add, &a) < 0 ? sql_fail(dbh, err, errlen) : 0;
}

/* How long op o lasted: its total, else the sum of its phases. */
static double op_duration(const viz_op *o)
{
	double t = o->phase_ms[VIZ_TOTAL], sum = 0;

	if (!isnan(t))
		return t;
	for (int p = 0; p < VIZ_TOTAL; p++)
		sum += isnan(o->phase_ms[p]) ? 0 : o->phase_ms[p];
	return sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Whether a sample falls strictly inside (a, b) (samples sorted by time). */
static bool sample_inside(const viz_timeline_data *d, double a, double b)
{
	size_t i = viz_lower_bound(d->t_ms, d->ns, a);

	while (i < d->ns && d->t_ms[i] <= a)
		i++;
	return i < d->ns && d->t_ms[i] < b;
}

static int gap_push(viz_timeline_data *d, size_t *cap, double a, double b)
{
	if (sample_inside(d, a, b))
		return 0;   /* not idle after all: frames were taken in it */
	if (d->ngaps == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		viz_gap *p = realloc(d->gaps, ncap * sizeof *p);

		if (!p)
			return -1;
		d->gaps = p;
		*cap = ncap;
	}
	d->gaps[d->ngaps].real0 = a;
	d->gaps[d->ngaps].real1 = b;
	d->ngaps++;
	return 0;
}

/*
 * Find the long idle gaps (before the first operation, and between the end
 * of everything so far and the next operation's start) and lay them out
 * on the display axis.  Samples, all recorded while an operation was under
 * way, are still checked: a stretch with a frame in it is not idle.
 */
static int find_gaps(viz_timeline_data *d)
{
	double *dur, med = 0, min_gap, keep, end, removed = 0;
	size_t k = 0, cap = 0;

	if (d->nops == 0)
		return 0;
	dur = malloc(d->nops * sizeof *dur);
	if (!dur)
		return -1;
	for (size_t i = 0; i < d->nops; i++) {
		double t = op_duration(&d->ops[i]);

		if (t > 0)
			dur[k++] = t;
	}
	qsort(dur, k, sizeof *dur, cmp_double);
	med = k ? dur[k / 2] : VIZ_GAP_MIN_MS;
	free(dur);
	min_gap = fmax(VIZ_GAP_FACTOR * med, VIZ_GAP_MIN_MS);
	keep = fmax(VIZ_GAP_KEEP * med, 1.0);
	end = 0;   /* the run starts at 0 */
	for (size_t i = 0; i < d->nops; i++) {
		const viz_op *o = &d->ops[i];

		if (o->t_real_ms - end >= min_gap && gap_push(d, &cap, end, o->t_real_ms) != 0)
			return -1;
		end = fmax(end, o->t_real_ms + op_duration(o));
	}
	for (size_t i = 0; i < d->ngaps; i++) {
		viz_gap *g = &d->gaps[i];

		g->w = keep;
		g->u0 = g->real0 - removed;
		removed += g->real1 - g->real0 - keep;
	}
	return 0;
}

double viz_timeline_display(const viz_timeline_data *d, double t)
{
	size_t lo = 0, hi = d->ngaps;
	const viz_gap *g;

	/* the last gap starting at or before t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->gaps[mid].real0 <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return t;
	g = &d->gaps[lo - 1];
	if (t < g->real1)
		return g->u0 + (t - g->real0) / (g->real1 - g->real0) * g->w;
	return g->u0 + g->w + (t - g->real1);
}

double viz_timeline_real(const viz_timeline_data *d, double u)
{
	size_t lo = 0, hi = d->ngaps;
	const viz_gap *g;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->gaps[mid].u0 <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return u;
	g = &d->gaps[lo - 1];
	if (u < g->u0 + g->w)
		return g->real0 + (u - g->u0) / g->w * (g->real1 - g->real0);
	return g->real1 + (u - g->u0 - g->w);
}

int viz_data_timeline(db *dbh, int64_t run, viz_timeline_data *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = viz_data_run(dbh, run, &out->run, err, errlen);
	if (rc == 0)
		rc = load_ops(dbh, out, err, errlen);
	if (rc == 0)
		rc = load_samples(dbh, out, err, errlen);
	if (rc == 0 && out->nops == 0 && out->ns == 0) {
		snprintf(err, errlen, "run %lld has no operations and no samples", (long long)run);
		rc = VIZ_ENODATA;
	}
	if (rc == 0 && find_gaps(out) != 0)
		rc = oom(err, errlen);
	if (rc != 0) {
		viz_timeline_data_release(out);
		return rc;
	}
	for (size_t i = 0; i < out->nops; i++) {
		viz_op *o = &out->ops[i];
		double end = o->t_real_ms + op_duration(o);

		if (end > out->t_end_real_ms)
			out->t_end_real_ms = end;
		o->t_ms = viz_timeline_display(out, o->t_real_ms);
		o->end_ms = viz_timeline_display(out, end);
	}
	if (out->ns > 0 && out->t_ms[out->ns - 1] > out->t_end_real_ms)
		out->t_end_real_ms = out->t_ms[out->ns - 1];
	for (size_t i = 0; i < out->ns; i++)
		out->t_ms[i] = viz_timeline_display(out, out->t_ms[i]);
	out->t_end_ms = viz_timeline_display(out, out->t_end_real_ms);
	return 0;
}

/* ---- phases --------------------------------------------------------------------- */

void viz_phases_release(viz_phases *p)
{
	for (int i = 0; i < VIZ_NPHASE; i++)
		free(p->v[i]);
	memset(p, 0, sizeof *p);
}

/* Summary of metric `name` of s, its population sorted into v (s->n slots). */
static int summary_of(const db_opset *s, const char *name, double *v, size_t *k, db_summary *out)
{
	db_metric m;

	if (db_metric_parse(name, &m) != 0)
		return -1;
	*k = db_opset_values(s, &m, v);
	return db_summary_of(v, *k, v, out);
}

int viz_data_phases(db *dbh, int64_t run, viz_phases *out, char *err, size_t errlen)
{
	db_opset s;
	db_summary sum;
	db_metric cache;
	double *tmp = NULL;
	char name[48];
	size_t k;
	int rc;

	memset(out, 0, sizeof *out);
	rc = viz_data_run(dbh, run, &out->run, err, errlen);
	if (rc != 0)
		return rc;
	if (db_opset_load(dbh, &run, 1, &s, err, errlen) != 0)
		return VIZ_ESQL;
	if (s.n == 0) {
		snprintf(err, errlen, "run %lld has no handoffs", (long long)run);
		db_opset_release(&s);
		return VIZ_ENODATA;
	}
	out->handoffs = s.n;
	for (size_t i = 0; i < s.n; i++)
		out->ok += s.success[i];
	rc = VIZ_ENOMEM;
	tmp = malloc(s.n * sizeof *tmp);
	if (!tmp)
		goto fail;
	for (int p = 0; p < VIZ_NPHASE; p++) {
		out->v[p] = malloc(s.n * sizeof *out->v[p]);
		snprintf(name, sizeof name, "handoff.%s_ms.mean", viz_phase_name(p));
		if (!out->v[p] || summary_of(&s, name, out->v[p], &out->n[p], &sum) != 0)
			goto fail;
		out->mean[p] = sum.mean;
		out->p95[p] = sum.p95;
	}
	if (summary_of(&s, "handoff.mapping_error_um.max", tmp, &k, &sum) != 0)
		goto fail;
	out->mapping_max_um = sum.max;
	out->mapping_mean_um = sum.mean;
	if (summary_of(&s, "handoff.focus_error_um.max", tmp, &k, &sum) != 0)
		goto fail;
	out->focus_max_um = sum.max;
	out->focus_mean_um = sum.mean;
	if (db_metric_parse("cache.hit_rate", &cache) != 0 ||
	    db_opset_metric(&s, &cache, &out->cache_rate) < 0)
		goto fail;
	free(tmp);
	db_opset_release(&s);
	return 0;
fail:
	free(tmp);
	db_opset_release(&s);
	viz_phases_release(out);
	return oom(err, errlen);
}

/* ---- trend ------------------------------------------------------------------------ */

int viz_metric_parse(const char *name, viz_metric *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (strlen(name) >= sizeof m->name || db_metric_parse(name, &m->m) != 0) {
		snprintf(err, errlen, "unknown metric '%s', expected handoff.FIELD.STAT (FIELD: "
			 "total_ms, lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, "
			 "mapping_error_um, focus_error_um, frames), autofocus.FIELD.STAT (FIELD: ms, "
			 "focus_error_um, frames), calibration.rms_um.STAT (STAT: count, mean, min, "
			 "max, p50, p95, p99, std), handoff.success_rate, autofocus.success_rate or "
			 "cache.hit_rate", name);
		return VIZ_EUSAGE;
	}
	snprintf(m->name, sizeof m->name, "%s", name);
	m->higher_is_worse = m->m.higher_is_worse;
	if (m->m.has_stat && m->m.stat == DB_STAT_COUNT) {
		m->kind = VIZ_M_COUNT;
		m->m.kind = DB_KIND_COUNT;
		return 0;
	}
	switch (m->m.kind) {
	case DB_KIND_TIME: m->kind = VIZ_M_TIME; break;
	case DB_KIND_ACCURACY: m->kind = VIZ_M_ACCURACY; break;
	case DB_KIND_COUNT: m->kind = VIZ_M_COUNT; break;
	case DB_KIND_RATE: m->kind = VIZ_M_RATE; break;
	}
	snprintf(m->unit, sizeof m->unit, "%s", strcmp(m->m.unit, "um") == 0 ? "µm" : m->m.unit);
	return 0;
}

void viz_trend_data_release(viz_trend_data *d)
{
	free(d->run_id);
	free(d->x);
	free(d->value);
	memset(d, 0, sizeof *d);
}

typedef struct trend_acc {
	viz_trend_data *d;
	size_t cap;
} trend_acc;

static int trend_add(void *user, int64_t run, double v)
{
	trend_acc *a = user;
	viz_trend_data *d = a->d;

	if (isnan(v)) {
		d->skipped++;
		return 0;
	}
	if (d->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		int64_t *ni = realloc(d->run_id, ncap * sizeof *ni);
		double *nx, *nv;

		if (!ni)
			return -1;
		d->run_id = ni;
		nx = realloc(d->x, ncap * sizeof *nx);
		if (!nx)
			return -1;
		d->x = nx;
		nv = realloc(d->value, ncap * sizeof *nv);
		if (!nv)
			return -1;
		d->value = nv;
		a->cap = ncap;
	}
	d->run_id[d->n] = run;
	d->x[d->n] = (double)run;
	d->value[d->n] = v;
	d->n++;
	return 0;
}

static int any_run(void *user, const db_run_row *r)
{
	(void)r;
	*(bool *)user = true;
	return 1;
}

int viz_data_trend(db *dbh, const char *scenario, const char *metric, const char *baseline,
		   viz_trend_data *out, char *err, size_t errlen)
{
	trend_acc acc = { out, 0 };
	db_run_row base;
	double bv = NAN, allowed;
	bool exists = false;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(out->scenario, sizeof out->scenario, "%s", scenario);
	rc = viz_metric_parse(metric, &out->m, err, errlen);
	if (rc != 0)
		return rc;
	if (db_runs_each(dbh, scenario, 1, any_run, &exists) != 0)
		return sql_fail(dbh, err, errlen);
	if (!exists) {
		snprintf(err, errlen, "no runs of scenario '%s' in the database", scenario);
		return VIZ_ENODATA;
	}
	if (db_metric_history(dbh, scenario, &out->m.m, trend_add, &acc, &out->unfinished, err,
			      errlen) != 0) {
		rc = strcmp(err, "out of memory") == 0 ? VIZ_ENOMEM : VIZ_ESQL;
		goto fail;
	}
	if (out->n == 0) {
		snprintf(err, errlen, "no finished run of scenario '%s' has a value for %s", scenario,
			 metric);
		rc = VIZ_ENODATA;
		goto fail;
	}
	/* the band: the blessed run's value -/+ what the regression check allows */
	rc = db_baseline_get(dbh, baseline ? baseline : "main", scenario, &out->base_run);
	if (rc < 0) {
		rc = sql_fail(dbh, err, errlen);
		goto fail;
	}
	if (rc == 1)
		return 0;
	if (db_run_get(dbh, out->base_run, &base) != 0) {
		rc = sql_fail(dbh, err, errlen);
		goto fail;
	}
	if (db_metric_of_run(dbh, out->base_run, &out->m.m, &bv, err, errlen) < 0) {
		rc = VIZ_ESQL;
		goto fail;
	}
	if (isnan(bv))
		return 0;   /* blessed, but without data for this metric */
	allowed = out->m.kind == VIZ_M_RATE ? 0.0
		  : out->m.kind == VIZ_M_ACCURACY ? base.tol_accuracy_um
		  : db_allowed_change(out->m.m.kind, bv, base.tol_time_frac);
	out->has_base = true;
	out->base_value = bv;
	out->band_lo = bv - allowed;
	out->band_hi = bv + allowed;
	return 0;
fail:
	viz_trend_data_release(out);
	return rc;
}

/* ---- decimation ------------------------------------------------------------------------ */

size_t viz_lower_bound(const double *x, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t viz_decimate(const double *x, const double *y, size_t n, double x0, double x1,
		    viz_column *out, int cols)
{
	double scale;
	size_t used = 0;

	if (cols <= 0)
		return 0;
	memset(out, 0, (size_t)cols * sizeof *out);
	if (!(x1 > x0))
		return 0;
	scale = (double)cols / (x1 - x0);
	for (size_t i = viz_lower_bound(x, n, x0); i < n && x[i] <= x1; i++) {
		double v = y[i];
		long k;
		viz_column *c;

		if (isnan(v))
			continue;
		k = (long)((x[i] - x0) * scale);
		k = k < 0 ? 0 : k >= cols ? cols - 1 : k;
		c = &out[k];
		if (c->n == 0) {
			c->lo = c->hi = c->first = v;
		} else {
			c->lo = v < c->lo ? v : c->lo;
			c->hi = v > c->hi ? v : c->hi;
		}
		c->last = v;
		c->n++;
		used++;
	}
	return used;
}
