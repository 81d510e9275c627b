/*
 * regress.c - compare a candidate run with its scenario's baseline
 * (regress.h): the exact simulation comparison, the statistical HIL one,
 * the first divergent trace record and the run-history monitors.
 * Printing is regress_fmt.c's.
 *
 * The exact metrics come from the same computation as the report
 * (db_report_compute on each run's ops), so a regress and a report of the
 * same run never disagree about a mean or a p95.
 */
#include "db/regress.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* --- trace kinds and divergence ------------------------------------------- */

/* Mirrors SIM_EVENT_MAP of kernel/trace.h: keep the codes in step with it. */
static const struct {
	unsigned code;
	const char *name;
} trace_kinds[] = {
	{ 1, "hal.select_lens" }, { 2, "hal.get_lens" }, { 3, "hal.move_z" },
	{ 4, "hal.get_z" }, { 5, "hal.wait_settled" }, { 6, "hal.grab_frame" },
	{ 7, "hal.read_temperature" }, { 8, "hal.now_us" }, { 9, "hal.sleep_us" },
	{ 10, "hal.set_exposure_us" }, { 11, "hal.set_roi" }, { 12, "hal.z_busy" },
	{ 13, "hal.wait_settled_z" },
	{ 32, "fault" }, { 33, "sim.place" }, { 34, "sim.advance" }, { 35, "sim.op_begin" },
	{ 64, "engine.result" }, { 65, "note" },
};

const char *db_trace_kind_name(unsigned kind)
{
	for (size_t i = 0; i < sizeof trace_kinds / sizeof trace_kinds[0]; i++)
		if (trace_kinds[i].code == kind)
			return trace_kinds[i].name;
	return "?";
}

void db_trace_diverge(const db_trace_rec *b, size_t nb, const db_trace_rec *c, size_t nc,
		      db_divergence *out)
{
	size_t n = nb < nc ? nb : nc, i = 0;

	memset(out, 0, sizeof *out);
	out->nb = nb;
	out->nc = nc;
	out->available = nb > 0 && nc > 0;
	if (!out->available)
		return;
	/* running hashes: the first differing one is the first differing record */
	while (i < n && b[i].hash == c[i].hash)
		i++;
	if (i == n && nb == nc)
		return;
	out->diverged = true;
	out->index = i;
	if ((out->has_b = i < nb)) {
		out->kind_b = b[i].kind;
		out->t_ns_b = b[i].t_ns;
	}
	if ((out->has_c = i < nc)) {
		out->kind_c = c[i].kind;
		out->t_ns_c = c[i].t_ns;
	}
}

static bool same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void diff_num(db_divergence *out, const char *field, double b, double c)
{
	db_field_diff *f;

	if (same_num(b, c) || out->ndiff >= DB_DIFF_MAX)
		return;
	f = &out->diff[out->ndiff++];
	memset(f, 0, sizeof *f);
	snprintf(f->field, sizeof f->field, "%s", field);
	f->b = b;
	f->c = c;
}

static void diff_text(db_divergence *out, const char *field, const char *b, const char *c)
{
	db_field_diff *f;

	if (strcmp(b, c) == 0 || out->ndiff >= DB_DIFF_MAX)
		return;
	f = &out->diff[out->ndiff++];
	memset(f, 0, sizeof *f);
	snprintf(f->field, sizeof f->field, "%s", field);
	snprintf(f->sb, sizeof f->sb, "%.*s", (int)sizeof f->sb - 1, b);
	snprintf(f->sc, sizeof f->sc, "%.*s", (int)sizeof f->sc - 1, c);
	f->b = f->c = NAN;
	f->text = true;
}

void db_op_diff(const db_op_row *b, const db_op_row *c, db_divergence *out)
{
	static const char *const phase_cols[DB_PHASE_COUNT] = {
		"lens_switch_ms", "focus_move_ms", "focus_search_ms", "validation_ms", "total_ms",
	};

	out->ndiff = 0;
	diff_text(out, "kind", b->kind, c->kind);
	diff_num(out, "t_ms", b->t_ms, c->t_ms);
	diff_text(out, "from_lens", b->from_lens, c->from_lens);
	diff_text(out, "to_lens", b->to_lens, c->to_lens);
	diff_num(out, "z_request_um", b->z_request_um, c->z_request_um);
	diff_num(out, "z_predicted_um", b->z_predicted_um, c->z_predicted_um);
	diff_num(out, "z_found_um", b->z_found_um, c->z_found_um);
	diff_num(out, "mapping_error_um", b->mapping_error_um, c->mapping_error_um);
	diff_num(out, "focus_error_um", b->focus_error_um, c->focus_error_um);
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		diff_num(out, phase_cols[p], b->phase_ms[p], c->phase_ms[p]);
	diff_num(out, "frames", b->frames, c->frames);
	diff_num(out, "cache_hit", b->cache_hit == 2 ? NAN : (double)b->cache_hit,
		 c->cache_hit == 2 ? NAN : (double)c->cache_hit);
	diff_num(out, "temperature_c", b->temperature_c, c->temperature_c);
	diff_num(out, "success", b->success ? 1.0 : 0.0, c->success ? 1.0 : 0.0);
	diff_text(out, "error", b->error, c->error);
}

const db_regress_metric *db_regress_headline(const db_regress_result *r)
{
	if (r->nmetrics == 0)
		return NULL;
	if (r->metrics[0].verdict == DB_REGRESSED)
		return &r->metrics[0];
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->nmetrics; i++) {
			const db_regress_metric *m = &r->metrics[i];
			const char *want = pass == 0 ? (r->statistical ? "total_ms.median" : "total_ms.p95")
						     : "total_ms.mean";

			if (strcmp(m->name, want) == 0 && !(isnan(m->baseline) && isnan(m->candidate)))
				return m;
		}
	return NULL;
}

static const char *const status_names[] = { "nothing to compare", "identical", "ok", "regressed" };

const char *db_regress_status_name(db_regress_status s)
{
	if ((unsigned)s >= sizeof status_names / sizeof status_names[0])
		return "?";
	return status_names[s];
}

int db_regress_exit_code(const db_regress_result *r, size_t n)
{
	size_t compared = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].status == DB_RG_REGRESSED)
			return 1;
		compared += r[i].status != DB_RG_NO_BASELINE;
	}
	return compared ? 0 : 3;
}

/* --- metrics ------------------------------------------------------------------ */

static db_regress_metric *metric_add(db_regress_result *out, const char *name,
				     db_metric_kind kind, double b, double c)
{
	db_regress_metric *m;

	if (out->nmetrics >= DB_REGRESS_METRICS_MAX)
		return NULL;
	m = &out->metrics[out->nmetrics++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	m->kind = kind;
	m->unit = kind == DB_KIND_TIME ? "ms" : kind == DB_KIND_ACCURACY ? "um" : "";
	m->baseline = b;
	m->candidate = c;
	m->change = db_change(b, c);
	m->p = NAN;
	m->tol = NAN;
	return m;
}

/* Sort key: regressed first; within a group time before accuracy before
 * rate; time by relative change, the others by change over tolerance,
 * largest first (a change with no scale - NaN - counts as infinite). */
static double badness(const db_regress_metric *m)
{
	double v;

	switch (m->kind) {
	case DB_KIND_TIME:
	case DB_KIND_COUNT: v = m->change.rel; break;
	case DB_KIND_ACCURACY: v = m->tol > 0 ? m->change.abs / m->tol : m->change.abs; break;
	default: v = -m->change.abs; break;
	}
	return isnan(v) ? (m->verdict == DB_REGRESSED ? INFINITY : -INFINITY) : v;
}

static bool worse_first(const db_regress_metric *a, const db_regress_metric *b)
{
	bool ra = a->verdict == DB_REGRESSED, rb = b->verdict == DB_REGRESSED;

	if (ra != rb)
		return ra;
	if (a->kind != b->kind)
		return a->kind < b->kind;
	return badness(a) > badness(b);
}

static void sort_metrics(db_regress_result *out)
{
	/* insertion sort: stable, a couple of dozen entries */
	for (size_t i = 1; i < out->nmetrics; i++) {
		db_regress_metric m = out->metrics[i];
		size_t j = i;

		while (j > 0 && worse_first(&m, &out->metrics[j - 1])) {
			out->metrics[j] = out->metrics[j - 1];
			j--;
		}
		out->metrics[j] = m;
	}
	out->nregressed = out->ninconclusive = 0;
	for (size_t i = 0; i < out->nmetrics; i++) {
		out->nregressed += out->metrics[i].verdict == DB_REGRESSED;
		out->ninconclusive += out->metrics[i].verdict == DB_INCONCLUSIVE;
	}
	out->status = out->nregressed ? DB_RG_REGRESSED : DB_RG_OK;
}

/* The exact verdict of one metric against its tolerance. */
static void judge_exact(db_regress_metric *m, double tol)
{
	double b = m->baseline, c = m->candidate;

	m->tol = isnan(tol) ? db_default_tolerance(m->kind) : tol;
	if (db_exceeds_tolerance(m->kind, b, c, m->tol))
		m->verdict = DB_REGRESSED;
	else if (db_beats_tolerance(m->kind, b, c, m->tol))
		m->verdict = DB_IMPROVED;
	else
		m->verdict = DB_SAME;
}

static void exact_pair(db_regress_result *out, const char *name, db_metric_kind kind,
		       double b, double c, size_t nb, size_t nc, double tol)
{
	db_regress_metric *m = metric_add(out, name, kind, b, c);

	if (!m)
		return;
	m->nb = nb;
	m->nc = nc;
	judge_exact(m, tol);
}

int db_regress_exact(const db_opset *base, const db_opset *cand, double tol_time_frac,
		     double tol_accuracy_um, db_regress_result *out)
{
	db_report *rb, *rc;
	char name[40];
	int ret = -1;

	/* two reports are ~10 kB each: on the heap, not the stack */
	rb = calloc(1, sizeof *rb);
	rc = calloc(1, sizeof *rc);
	if (!rb || !rc || db_report_compute(base, rb) != 0 || db_report_compute(cand, rc) != 0)
		goto out;
	out->nmetrics = 0;
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		const db_summary *b = &rb->phase[p].d, *c = &rc->phase[p].d;

		snprintf(name, sizeof name, "%s_ms.mean", db_phase_name(p));
		exact_pair(out, name, DB_KIND_TIME, b->mean, c->mean, b->n, c->n, tol_time_frac);
		snprintf(name, sizeof name, "%s_ms.p95", db_phase_name(p));
		exact_pair(out, name, DB_KIND_TIME, b->p95, c->p95, b->n, c->n, tol_time_frac);
	}
	exact_pair(out, "mapping_error_um.mean", DB_KIND_ACCURACY, rb->mapping.d.mean,
		   rc->mapping.d.mean, rb->mapping.d.n, rc->mapping.d.n, tol_accuracy_um);
	exact_pair(out, "mapping_error_um.max", DB_KIND_ACCURACY, rb->mapping.d.max,
		   rc->mapping.d.max, rb->mapping.d.n, rc->mapping.d.n, tol_accuracy_um);
	exact_pair(out, "focus_error_um.mean", DB_KIND_ACCURACY, rb->focus.d.mean,
		   rc->focus.d.mean, rb->focus.d.n, rc->focus.d.n, tol_accuracy_um);
	exact_pair(out, "focus_error_um.max", DB_KIND_ACCURACY, rb->focus.d.max,
		   rc->focus.d.max, rb->focus.d.n, rc->focus.d.n, tol_accuracy_um);
	exact_pair(out, "success_rate", DB_KIND_RATE, rb->success_rate, rc->success_rate,
		   rb->handoffs, rc->handoffs, NAN);
	exact_pair(out, "frames.mean", DB_KIND_COUNT, rb->frames.mean, rc->frames.mean,
		   rb->frames.n, rc->frames.n, tol_time_frac);
	sort_metrics(out);
	ret = 0;
out:
	free(rb);
	free(rc);
	return ret;
}

/* --- statistical (HIL) ------------------------------------------------------- */

/* Per-op values of a (kept where keep, NaN skipped) into a fresh array. */
static double *picked(const double *a, const unsigned char *keep, size_t n, size_t *k)
{
	double *v = malloc((n ? n : 1) * sizeof *v);

	if (v)
		*k = db_opset_pick(a, keep, n, v);
	return v;
}

static int noisy_pair(db_regress_result *out, const char *name, const double *b,
		      const unsigned char *kb, size_t nb, const double *c,
		      const unsigned char *kc, size_t nc)
{
	size_t mb = 0, mc = 0;
	double *vb = picked(b, kb, nb, &mb), *vc = picked(c, kc, nc, &mc);
	db_judgement j;
	db_regress_metric *m;
	int rc = -1;

	if (!vb || !vc || db_judge_noisy(vb, mb, vc, mc, DB_JUDGE_ALPHA, NULL, &j) != 0)
		goto out;
	m = metric_add(out, name, strstr(name, "_um") ? DB_KIND_ACCURACY : DB_KIND_TIME,
		       j.median_b, j.median_c);
	if (m) {
		m->verdict = j.verdict;
		m->change.rel = j.change;
		m->tol = j.floor;
		m->p = j.p_slower;
		m->nb = j.nb;
		m->nc = j.nc;
	}
	rc = 0;
out:
	free(vb);
	free(vc);
	return rc;
}

static size_t count_ok(const db_opset *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		k += s->success[i];
	return k;
}

int db_regress_noisy(const db_opset *base, const db_opset *cand, db_regress_result *out)
{
	db_rate_judgement rj;
	db_regress_metric *m;
	size_t okb = count_ok(base), okc = count_ok(cand);
	char name[40];

	out->nmetrics = 0;
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		snprintf(name, sizeof name, "%s_ms.median", db_phase_name(p));
		if (noisy_pair(out, name, base->phase_ms[p], base->success, base->n,
			       cand->phase_ms[p], cand->success, cand->n) != 0)
			return -1;
	}
	if (noisy_pair(out, "mapping_error_um.median", base->mapping_error_um, NULL, base->n,
		       cand->mapping_error_um, NULL, cand->n) != 0)
		return -1;
	if (db_judge_rates(okb, base->n, okc, cand->n, DB_JUDGE_ALPHA, &rj) != 0)
		return -1;
	m = metric_add(out, "success_rate", DB_KIND_RATE, rj.rate_b, rj.rate_c);
	if (m) {
		m->verdict = rj.verdict;
		m->p = rj.p_worse;
		m->tol = 0;
		m->nb = base->n;
		m->nc = cand->n;
	}
	sort_metrics(out);
	return 0;
}

/* --- history ------------------------------------------------------------------- */

static const char history_sql[] =
	"SELECT r.id, avg(o.lens_switch_ms), avg(o.focus_move_ms), avg(o.focus_search_ms),"
	" avg(o.validation_ms), avg(o.total_ms)"
	" FROM runs r JOIN ops o ON o.run_id = r.id AND o.kind = 'handoff' AND o.success = 1"
	" WHERE r.scenario = ?1 AND r.mode = ?2 AND r.id <= ?3"
	" AND (r.status != 'running' OR r.id = ?3)"
	" GROUP BY r.id ORDER BY r.id";

static int history(sqlite3 *h, db_regress_result *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	double *series[DB_PHASE_COUNT] = { 0 };
	int64_t *ids = NULL, *cids = NULL;
	double *vals = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;

	rc = sqlite3_prepare_v2(h, history_sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, out->scenario, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, out->mode_c, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, out->candidate);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			int64_t *ni = realloc(ids, ncap * sizeof *ni);

			if (!ni)
				goto oom;
			ids = ni;
			for (int p = 0; p < DB_PHASE_COUNT; p++) {
				double *ns = realloc(series[p], ncap * sizeof *ns);

				if (!ns)
					goto oom;
				series[p] = ns;
			}
			cap = ncap;
		}
		ids[n] = sqlite3_column_int64(st, 0);
		for (int p = 0; p < DB_PHASE_COUNT; p++)
			series[p][n] = sqlite3_column_type(st, p + 1) == SQLITE_NULL
					       ? NAN : sqlite3_column_double(st, p + 1);
		n++;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read the run history: %s", sqlite3_errmsg(h));
		goto out;
	}
	out->nhistory = n;
	vals = malloc((n ? n : 1) * sizeof *vals);
	cids = malloc((n ? n : 1) * sizeof *cids);
	if (!vals || !cids)
		goto oom;
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		db_regress_history *hi = &out->history[p];
		size_t m = 0;

		memset(hi, 0, sizeof *hi);
		hi->n = n;
		db_monitor_halves(series[p], n, DB_HALVES_THRESHOLD, &hi->halves);
		/* the change point wants finite values: runs without the phase
		 * are dropped, their ids with them */
		for (size_t i = 0; i < n; i++)
			if (!isnan(series[p][i])) {
				vals[m] = series[p][i];
				cids[m++] = ids[i];
			}
		if (m >= 2 * DB_CP_MIN_SEG &&
		    db_changepoint_best(vals, m, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL, &hi->cp) == 0) {
			hi->cp_ok = true;
			hi->cp_run = cids[hi->cp.index];
		}
	}
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	sqlite3_finalize(st);
	free(ids);
	free(cids);
	free(vals);
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		free(series[p]);
	return ret;
}

/* --- one candidate -------------------------------------------------------------- */

static int compare_ops(db *d, db_regress_result *out, char *err, size_t errlen)
{
	db_opset b, c;
	int rc;

	if (db_opset_load(d, &out->baseline, 1, &b, err, errlen) != 0)
		return -1;
	if (db_opset_load(d, &out->candidate, 1, &c, err, errlen) != 0) {
		db_opset_release(&b);
		return -1;
	}
	rc = out->statistical ? db_regress_noisy(&b, &c, out)
			      : db_regress_exact(&b, &c, out->tol_time_frac, out->tol_accuracy_um, out);
	db_opset_release(&b);
	db_opset_release(&c);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* The frames of one op of one run, in order. */
typedef struct frames {
	db_sample_row *v;
	size_t n, cap;
} frames;

static int frame_push(void *user, const db_sample_row *s)
{
	frames *f = user;

	if (f->n == f->cap) {
		size_t ncap = f->cap ? 2 * f->cap : 64;
		db_sample_row *p = realloc(f->v, ncap * sizeof *p);

		if (!p)
			return -1;
		f->v = p;
		f->cap = ncap;
	}
	f->v[f->n++] = *s;
	return 0;
}

/* The first frame of op seq that differs between the runs (z or score). */
static int diverge_frames(db *d, db_regress_result *out, uint32_t seq)
{
	frames fb = { 0 }, fc = { 0 };
	db_divergence *v = &out->div;
	int rc = -1;

	if (db_samples_each(d, out->baseline, seq, frame_push, &fb) != 0 ||
	    db_samples_each(d, out->candidate, seq, frame_push, &fc) != 0)
		goto out;
	for (size_t i = 0; i < fb.n || i < fc.n; i++) {
		if (i < fb.n && i < fc.n && same_num(fb.v[i].z_um, fc.v[i].z_um) &&
		    same_num(fb.v[i].focus_score, fc.v[i].focus_score))
			continue;
		v->sample_index = i + 1;
		v->sample_missing_b = i >= fb.n;
		v->sample_missing_c = i >= fc.n;
		v->sample_t_ms_b = i < fb.n ? fb.v[i].t_ms : NAN;
		v->z_b = i < fb.n ? fb.v[i].z_um : NAN;
		v->score_b = i < fb.n ? fb.v[i].focus_score : NAN;
		v->sample_t_ms_c = i < fc.n ? fc.v[i].t_ms : NAN;
		v->z_c = i < fc.n ? fc.v[i].z_um : NAN;
		v->score_c = i < fc.n ? fc.v[i].focus_score : NAN;
		break;
	}
	rc = 0;
out:
	free(fb.v);
	free(fc.v);
	return rc;
}

/* What differs where the traces part: the op each side was in, that op's
 * differing fields, its first differing frame. */
static int diverge_detail(db *d, db_regress_result *out)
{
	db_divergence *v = &out->div;
	db_op_row ob, oc;
	int rb = 1, rc = 1;

	if (v->has_b && (rb = db_op_at(d, out->baseline, (double)v->t_ns_b / 1e6, &ob)) < 0)
		return -1;
	if (v->has_c && (rc = db_op_at(d, out->candidate, (double)v->t_ns_c / 1e6, &oc)) < 0)
		return -1;
	if ((v->has_op_b = rb == 0)) {
		v->op_seq_b = ob.seq;
		snprintf(v->op_kind_b, sizeof v->op_kind_b, "%s", ob.kind);
	}
	if ((v->has_op_c = rc == 0)) {
		v->op_seq_c = oc.seq;
		snprintf(v->op_kind_c, sizeof v->op_kind_c, "%s", oc.kind);
	}
	if (!v->has_op_b && !v->has_op_c)
		return 0;
	/* the same op (by seq) on both sides: the baseline's, else the candidate's */
	v->op_seq = v->has_op_b ? v->op_seq_b : v->op_seq_c;
	if ((rb = db_op_get(d, out->baseline, v->op_seq, &ob)) < 0 ||
	    (rc = db_op_get(d, out->candidate, v->op_seq, &oc)) < 0)
		return -1;
	v->op_missing_b = rb != 0;
	v->op_missing_c = rc != 0;
	if (rb == 0 && rc == 0)
		db_op_diff(&ob, &oc, v);
	return diverge_frames(d, out, v->op_seq);
}

/* Where the two runs' traces part, read chunk by chunk (the store keeps
 * two chunks in memory whatever the runs' length), then what differs. */
static int diverge(db *d, db_regress_result *out, char *err, size_t errlen)
{
	db_trace_div tv;
	db_divergence *v = &out->div;

	if (db_trace_diverge_runs(d, out->baseline, out->candidate, &tv) != 0) {
		snprintf(err, errlen, "%s", db_errmsg(d));
		return -1;
	}
	memset(v, 0, sizeof *v);
	v->available = tv.available;
	v->diverged = tv.diverged;
	v->index = (size_t)tv.index;
	v->nb = (size_t)tv.nb;
	v->nc = (size_t)tv.nc;
	v->has_b = tv.has_b;
	v->has_c = tv.has_c;
	v->kind_b = tv.b.kind;
	v->kind_c = tv.c.kind;
	v->t_ns_b = tv.b.t_ns;
	v->t_ns_c = tv.c.t_ns;
	if (v->diverged && diverge_detail(d, out) != 0) {
		snprintf(err, errlen, "%s", db_errmsg(d));
		return -1;
	}
	return 0;
}

int db_regress_run(db *d, const char *name, int64_t candidate, db_regress_result *out,
		   char *err, size_t errlen)
{
	db_run_row row;
	int rc;

	memset(out, 0, sizeof *out);
	out->candidate = candidate;
	if (db_run_get(d, candidate, &row) != 0) {
		snprintf(err, errlen, "no run %lld in the database", (long long)candidate);
		return -1;
	}
	snprintf(out->scenario, sizeof out->scenario, "%s", row.scenario);
	snprintf(out->status_c, sizeof out->status_c, "%s", row.status);
	out->unfinished = !db_status_finished(row.status);
	snprintf(out->message_c, sizeof out->message_c, "%.*s", (int)sizeof out->message_c - 1,
		 row.message);
	snprintf(out->started_c, sizeof out->started_c, "%s", row.started_at);
	snprintf(out->invocation_c, sizeof out->invocation_c, "%s", row.invocation);
	snprintf(out->mode_c, sizeof out->mode_c, "%s", row.mode);
	snprintf(out->hash_c, sizeof out->hash_c, "%s", row.trace_hash);
	out->tol_time_frac = row.tol_time_frac;
	out->tol_accuracy_um = row.tol_accuracy_um;
	rc = db_baseline_get(d, name, out->scenario, &out->baseline);
	if (rc < 0) {
		snprintf(err, errlen, "%s", db_errmsg(d));
		return -1;
	}
	if (rc == 0) {
		if (db_run_get(d, out->baseline, &row) != 0) {
			snprintf(err, errlen, "baseline run %lld of '%s' is missing",
				 (long long)out->baseline, out->scenario);
			return -1;
		}
		snprintf(out->mode_b, sizeof out->mode_b, "%s", row.mode);
		snprintf(out->hash_b, sizeof out->hash_b, "%s", row.trace_hash);
		out->statistical = strcmp(out->mode_b, "hil") == 0 || strcmp(out->mode_c, "hil") == 0;
		if (!out->statistical && out->hash_b[0] && strcmp(out->hash_b, out->hash_c) == 0) {
			out->status = DB_RG_IDENTICAL;
		} else {
			if (compare_ops(d, out, err, errlen) != 0)
				return -1;
			if (!out->statistical && diverge(d, out, err, errlen) != 0)
				return -1;
		}
	} else {
		out->baseline = 0;
		out->status = DB_RG_NO_BASELINE;
	}
	return history(db_handle(d), out, err, errlen);
}
