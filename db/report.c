/*
 * report.c - build the profiling report (report.h) from the ops of a set of
 * runs: statistics, bottlenecks, accuracy, drift, the assessment against
 * the targets and the recommendations.  Printing is report_fmt.c's.
 *
 * Everything here is a pure function of the op set (and, for the run
 * names and fault counts, of the database read in ORDER BY order), so the
 * same runs give the same report byte for byte.  Sums run over sorted
 * copies (db_summary_of) or in op order, never in hash order.
 */
#include "db/report.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const target_names[] = { "n/a", "not met", "met", "excellent" };

const char *db_target_verdict_name(db_target_verdict v)
{
	if ((unsigned)v >= sizeof target_names / sizeof target_names[0])
		return "?";
	return target_names[v];
}

static const char *const rec_names[DB_REC_COUNT] = {
	"search_share", "move_share", "switch_share", "validation_share", "total_slow",
	"mapping", "calibration", "drift", "high_cv", "success", "cache", "calibration_failed",
};

const char *db_rec_name(db_rec_id id)
{
	if ((unsigned)id >= DB_REC_COUNT)
		return "?";
	return rec_names[id];
}

int db_format_parse(const char *s, db_format *fmt)
{
	if (!s)
		return -1;
	if (strcmp(s, "text") == 0)
		*fmt = DB_FMT_TEXT;
	else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
		*fmt = DB_FMT_MARKDOWN;
	else if (strcmp(s, "json") == 0)
		*fmt = DB_FMT_JSON;
	else
		return -1;
	return 0;
}

bool db_report_has_rec(const db_report *r, db_rec_id id)
{
	for (size_t i = 0; i < r->nrecs; i++)
		if (r->recs[i].id == id)
			return true;
	return false;
}

/* --- statistics ------------------------------------------------------------- */

/* Summary of the kept, non-NaN values of a (n of them); scratch n slots,
 * left holding the values ascending. */
static size_t summarize(const double *a, const unsigned char *keep, size_t n,
			double *scratch, db_summary *out)
{
	size_t k = db_opset_pick(a, keep, n, scratch);

	db_summary_of(scratch, k, scratch, out);
	return k;
}

static void accuracy_of(const double *a, size_t n, double *scratch, db_report_accuracy *acc)
{
	size_t k = summarize(a, NULL, n, scratch, &acc->d);
	double sq = 0;

	/* scratch is ascending: the bins are three runs of it */
	for (size_t i = 0; i < k; i++) {
		sq += scratch[i] * scratch[i];
		acc->bins[scratch[i] < 0.1 ? 0 : scratch[i] < 0.5 ? 1 : 2]++;
	}
	acc->rms = k ? sqrt(sq / (double)k) : NAN;
}

/* Least-squares slope of mapping error on temperature, in op order. */
static void drift_of(const db_opset *s, db_report *r)
{
	double st = 0, se = 0, stt = 0, ste = 0, mt, me;
	size_t n = 0;

	r->temp_min_c = r->temp_max_c = r->drift_um_per_c = NAN;
	for (size_t i = 0; i < s->n; i++) {
		double t = s->temperature_c[i], e = s->mapping_error_um[i];

		if (isnan(t) || isnan(e))
			continue;
		if (n == 0 || t < r->temp_min_c)
			r->temp_min_c = t;
		if (n == 0 || t > r->temp_max_c)
			r->temp_max_c = t;
		st += t;
		se += e;
		n++;
	}
	r->drift_n = n;
	if (n < 3 || r->temp_max_c - r->temp_min_c < DB_DRIFT_MIN_SPAN_C)
		return;
	mt = st / (double)n;
	me = se / (double)n;
	for (size_t i = 0; i < s->n; i++) {
		double t = s->temperature_c[i], e = s->mapping_error_um[i];

		if (isnan(t) || isnan(e))
			continue;
		stt += (t - mt) * (t - mt);
		ste += (t - mt) * (e - me);
	}
	r->drift_um_per_c = ste / stt;
}

static void rank_phases(db_report *r)
{
	for (int i = 0; i < DB_PHASE_TOTAL; i++)
		r->rank[i] = i;
	/* insertion sort, stable: a NaN share goes last */
	for (int i = 1; i < DB_PHASE_TOTAL; i++) {
		int p = r->rank[i], j = i;
		double sp = r->phase[p].share;

		while (j > 0) {
			double sq = r->phase[r->rank[j - 1]].share;

			if (!(isnan(sq) && !isnan(sp)) && !(sp > sq))
				break;
			r->rank[j] = r->rank[j - 1];
			j--;
		}
		r->rank[j] = p;
	}
}

/* --- assessment and recommendations ---------------------------------------- */

static db_report_assess *assess_add(db_report *r, const char *metric, const char *target,
				    const char *basis, double value, const char *unit)
{
	db_report_assess *a = &r->assess[r->nassess++];

	a->metric = metric;
	a->target = target;
	a->basis = basis;
	a->value = value;
	a->unit = unit;
	a->verdict = DB_TV_NA;
	a->note[0] = '\0';
	return a;
}

/* A "typical" phase target: the mean must be under it; the p95 is noted. */
static void assess_phase(db_report *r, int p, const char *metric, const char *target,
			 double limit)
{
	const db_summary *d = &r->phase[p].d;
	db_report_assess *a = assess_add(r, metric, target, "mean", d->mean, "ms");

	if (d->n == 0)
		return;
	a->verdict = d->mean < limit ? DB_TV_MET : DB_TV_NOT_MET;
	if (d->p95_ok && d->p95 >= limit)
		snprintf(a->note, sizeof a->note, "p95 %.1f ms at or above %g", d->p95, limit);
}

/* A per-operation bound: judged on the p95, or on the maximum when the
 * sample is too small for a p95 (the conservative reading). */
static db_report_assess *assess_bound(db_report *r, const db_summary *d, const char *metric,
				      const char *target, const char *unit, double limit)
{
	db_report_assess *a = assess_add(r, metric, target, d->p95_ok ? "p95" : "max",
					 d->p95_ok ? d->p95 : d->max, unit);

	if (d->n == 0)
		return a;
	a->verdict = a->value <= limit ? DB_TV_MET : DB_TV_NOT_MET;
	snprintf(a->note, sizeof a->note, "mean %.3g %s, max %.3g %s", d->mean, unit, d->max, unit);
	return a;
}

static void assess_rate(db_report *r, const char *metric, const char *target, double rate,
			double limit, double excellent)
{
	db_report_assess *a = assess_add(r, metric, target, "rate", 100.0 * rate, "%");

	if (isnan(rate))
		return;
	a->verdict = rate > excellent ? DB_TV_EXCELLENT : rate > limit ? DB_TV_MET : DB_TV_NOT_MET;
}

static void assess(db_report *r)
{
	db_report_assess *a;

	a = assess_bound(r, &r->phase[DB_PHASE_TOTAL].d, "handoff total",
			 "<= 300 ms (excellent < 150 ms)", "ms", DB_TARGET_TOTAL_MS);
	if (a->verdict == DB_TV_MET && r->phase[DB_PHASE_TOTAL].d.mean < DB_EXCELLENT_TOTAL_MS)
		a->verdict = DB_TV_EXCELLENT;
	assess_phase(r, DB_PHASE_LENS_SWITCH, "lens switch", "< 50 ms typical",
		     DB_TARGET_LENS_SWITCH_MS);
	assess_phase(r, DB_PHASE_FOCUS_MOVE, "focus move", "< 80 ms typical",
		     DB_TARGET_FOCUS_MOVE_MS);
	assess_phase(r, DB_PHASE_FOCUS_SEARCH, "focus search", "< 100 ms typical",
		     DB_TARGET_FOCUS_SEARCH_MS);
	assess_phase(r, DB_PHASE_VALIDATION, "validation", "< 20 ms typical",
		     DB_TARGET_VALIDATION_MS);
	a = assess_bound(r, &r->mapping.d, "mapping error", "<= 1.0 um (excellent < 0.1 um)",
			 "um", DB_TARGET_MAPPING_UM);
	if (a->verdict == DB_TV_MET && r->mapping.d.mean < DB_EXCELLENT_MAPPING_UM)
		a->verdict = DB_TV_EXCELLENT;
	assess_rate(r, "success rate", "> 99 % (excellent > 99.9 %)", r->success_rate,
		    DB_TARGET_SUCCESS, DB_EXCELLENT_SUCCESS);
	assess_rate(r, "cache hit rate", "> 50 % (excellent > 70 %)", r->cache_hit_rate,
		    DB_TARGET_CACHE, DB_EXCELLENT_CACHE);
	/* a failed calibration has no RMS: it is counted as failed, and the
	 * target is not met while any calibration failed */
	a = assess_add(r, "calibration RMS", "<= 0.1 um", "worst", r->calib_rms.max, "um");
	if (r->calibrations > r->calib_ok) {
		a->verdict = DB_TV_NOT_MET;
		snprintf(a->note, sizeof a->note, "%zu of %zu calibration%s failed",
			 r->calibrations - r->calib_ok, r->calibrations,
			 r->calibrations == 1 ? "" : "s");
	} else if (r->calib_rms.n > 0) {
		a->verdict = r->calib_rms.max <= DB_TARGET_CALIB_RMS_UM ? DB_TV_MET : DB_TV_NOT_MET;
		snprintf(a->note, sizeof a->note, "%zu calibration%s, mean %.3g um",
			 r->calib_rms.n, r->calib_rms.n == 1 ? "" : "s", r->calib_rms.mean);
	}
	a = assess_add(r, "thermal drift", "<= 0.05 um/C", "abs slope", fabs(r->drift_um_per_c),
		       "um/C");
	if (!isnan(r->drift_um_per_c))
		a->verdict = fabs(r->drift_um_per_c) <= DB_TARGET_DRIFT_UM_PER_C ? DB_TV_MET
										 : DB_TV_NOT_MET;
	else if (r->drift_n > 0)
		snprintf(a->note, sizeof a->note, "temperature span %.2f C under %.1f C",
			 r->temp_max_c - r->temp_min_c, DB_DRIFT_MIN_SPAN_C);
}

static const db_report_assess *find_assess(const db_report *r, const char *metric)
{
	for (size_t i = 0; i < r->nassess; i++)
		if (strcmp(r->assess[i].metric, metric) == 0)
			return &r->assess[i];
	return NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void rec_add(db_report *r, db_rec_id id, const char *fmt, ...)
{
	va_list ap;

	if (r->nrecs >= DB_REPORT_RECS_MAX)
		return;
	r->recs[r->nrecs].id = id;
	va_start(ap, fmt);
	vsnprintf(r->recs[r->nrecs].text, sizeof r->recs[r->nrecs].text, fmt, ap);
	va_end(ap);
	r->nrecs++;
}

/* What to say about the optimization level: never the level the run is
 * at already, nothing specific when the configuration is unknown. */
static void faster_level(const db_report_config *c, char *buf, size_t size)
{
	if (!c->known)
		snprintf(buf, size, "use a faster optimization level than the run's (its "
			 "configuration is not known: %s)", c->why[0] ? c->why : "no scenario file");
	else if (strcmp(c->optimization, "standard") == 0)
		snprintf(buf, size, "use a faster optimization level (engine.optimization fast or "
			 "ultra_fast; the run is at standard)");
	else if (strcmp(c->optimization, "fast") == 0)
		snprintf(buf, size, "use engine.optimization ultra_fast (the run is at fast)");
	else
		snprintf(buf, size, "the run is at %s, the fastest level already: look at the "
			 "search itself (its step and frames per search, the focus curve's width)",
			 c->optimization);
}

/* ", or use the adaptive mapping model" unless the run uses it. */
static const char *adaptive_advice(const db_report_config *c)
{
	if (!c->known)
		return " or use the adaptive mapping model if the run does not";
	if (strcmp(c->mapping_model, "adaptive") == 0)
		return " (the run uses the adaptive mapping model already)";
	return " or use the adaptive mapping model";
}

/* Append "title name n, name n" to buf at len (a "; " before it when len
 * > 0); the new length.  Nothing when n == 0. */
static size_t count_list(char *buf, size_t size, size_t len, const char *title,
			 const db_report_count *c, size_t n)
{
	int k;

	if (n == 0)
		return len;
	k = snprintf(buf + len, size - len, "%s%s", len ? "; " : "", title);
	if (k < 0 || (size_t)k >= size - len)
		return len;
	len += (size_t)k;
	for (size_t i = 0; i < n; i++) {
		k = snprintf(buf + len, size - len, "%s%s %lld", i ? ", " : "", c[i].name,
			     (long long)c[i].n);
		if (k < 0 || (size_t)k >= size - len)
			break;
		len += (size_t)k;
	}
	return len;
}

static bool phase_flagged(const db_report *r, int p, double limit)
{
	const db_report_phase *ph = &r->phase[p];

	return ph->d.n > 0 && (ph->bottleneck != DB_BN_NONE || ph->d.mean >= limit);
}

static void recommend(db_report *r)
{
	const db_report_phase *ph = r->phase;
	const db_report_assess *a;
	char list[160] = "";
	size_t len = 0;

	if (phase_flagged(r, DB_PHASE_FOCUS_SEARCH, DB_TARGET_FOCUS_SEARCH_MS)) {
		char level[320];

		faster_level(&r->cfg, level, sizeof level);
		rec_add(r, DB_REC_SEARCH_SHARE,
			"focus search takes %.0f %% of the handoff (mean %.1f ms): %s, or warm the "
			"prediction cache (hit rate %.0f %%) so the search starts closer",
			100 * ph[DB_PHASE_FOCUS_SEARCH].share, ph[DB_PHASE_FOCUS_SEARCH].d.mean, level,
			100 * r->cache_hit_rate);
	}
	if (phase_flagged(r, DB_PHASE_FOCUS_MOVE, DB_TARGET_FOCUS_MOVE_MS))
		rec_add(r, DB_REC_MOVE_SHARE,
			"focus move takes %.0f %% of the handoff (mean %.1f ms): check the stage's "
			"speed, acceleration and settle time, and how far the prediction sends it",
			100 * ph[DB_PHASE_FOCUS_MOVE].share, ph[DB_PHASE_FOCUS_MOVE].d.mean);
	if (phase_flagged(r, DB_PHASE_LENS_SWITCH, DB_TARGET_LENS_SWITCH_MS))
		rec_add(r, DB_REC_SWITCH_SHARE,
			"lens switch takes %.0f %% of the handoff (mean %.1f ms): check the objective "
			"switcher's profile and vibration settle time",
			100 * ph[DB_PHASE_LENS_SWITCH].share, ph[DB_PHASE_LENS_SWITCH].d.mean);
	if (phase_flagged(r, DB_PHASE_VALIDATION, DB_TARGET_VALIDATION_MS))
		rec_add(r, DB_REC_VALIDATION_SHARE,
			"validation takes %.0f %% of the handoff (mean %.1f ms): look at its retries "
			"and the frames it takes",
			100 * ph[DB_PHASE_VALIDATION].share, ph[DB_PHASE_VALIDATION].d.mean);
	a = find_assess(r, "handoff total");
	if (a && a->verdict == DB_TV_NOT_MET)
		rec_add(r, DB_REC_TOTAL_SLOW,
			"handoff total %s %.1f ms is over the 300 ms target: start with the largest "
			"phase (%s)", a->basis, a->value, db_phase_name(r->rank[0]));
	a = find_assess(r, "mapping error");
	if (a && (a->verdict == DB_TV_NOT_MET ||
		  (r->mapping.d.n > 0 && (double)r->mapping.bins[2] > 0.05 * (double)r->mapping.d.n)))
		rec_add(r, DB_REC_MAPPING,
			"mapping error %s %.3g um (%zu of %zu handoff%s at >= 0.5 um): recalibrate "
			"with more points%s",
			a->basis, a->value, r->mapping.bins[2], r->mapping.d.n,
			r->mapping.d.n == 1 ? "" : "s", adaptive_advice(&r->cfg));
	if (r->calibrations > r->calib_ok)
		rec_add(r, DB_REC_CALIBRATION_FAILED,
			"%zu of %zu calibration%s failed (%s): the handoffs after a failed calibration "
			"run on the previous mapping or the factory offset; fix what stopped it "
			"(the focus curve over the calibration range, the specimen, the faults) and "
			"recalibrate",
			r->calibrations - r->calib_ok, r->calibrations, r->calibrations == 1 ? "" : "s",
			r->ncalib_errors ? r->calib_errors[0].text : "no reason recorded");
	a = find_assess(r, "calibration RMS");
	if (a && a->verdict == DB_TV_NOT_MET && r->calib_rms.n > 0 &&
	    r->calib_rms.max > DB_TARGET_CALIB_RMS_UM)
		rec_add(r, DB_REC_CALIBRATION,
			"calibration RMS %.3g um is over 0.1 um: recalibrate over more points and "
			"check the lens seating%s", a->value, adaptive_advice(&r->cfg));
	if (!isnan(r->drift_um_per_c) && fabs(r->drift_um_per_c) > DB_TARGET_DRIFT_UM_PER_C)
		rec_add(r, DB_REC_DRIFT,
			"mapping error trends with temperature (%+.3f um/C over %.2f..%.2f C): %s",
			r->drift_um_per_c, r->temp_min_c, r->temp_max_c,
			!r->cfg.known ? "check the thermal compensation (on? its coefficient, the "
					"sensor lag) or recalibrate warm"
			: r->cfg.thermal_compensation ? "the run compensates already: check the "
							"compensation's coefficient and the sensor lag, "
							"or recalibrate warm"
						      : "turn on engine.thermal_compensation (the run "
							"has it off) or recalibrate warm");
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		/* a phase of a few percent of the handoff (validation that is
		 * mostly 0 ms) has a huge CV that costs nothing: skip it */
		if (ph[p].d.n < 2 || !(ph[p].d.cv > DB_HIGH_CV) || !(ph[p].share >= DB_HIGH_CV_MIN_SHARE))
			continue;
		int n = snprintf(list + len, sizeof list - len, "%s%s CV %.0f %%",
				 len ? ", " : "", db_phase_name(p), 100 * ph[p].d.cv);

		if (n > 0 && (size_t)n < sizeof list - len)
			len += (size_t)n;
	}
	if (len)
		rec_add(r, DB_REC_HIGH_CV,
			"high variance (%s): look at the settle times and the bus latency", list);
	if (!isnan(r->success_rate) && !(r->success_rate > DB_TARGET_SUCCESS)) {
		char ev[200] = "";
		size_t el = 0;

		el = count_list(ev, sizeof ev, el, "failed with ", r->errors, r->nerrors);
		el = count_list(ev, sizeof ev, el, "injected faults: ", r->injected, r->ninjected);
		count_list(ev, sizeof ev, el, "HAL errors: ", r->hal_errors, r->nhal_errors);
		rec_add(r, DB_REC_SUCCESS,
			"%zu of %zu handoff%s failed (success %.2f %%)%s%s: look at the injected faults, "
			"the HAL errors (events table) and the ops' error column",
			r->handoffs - r->succeeded, r->handoffs, r->handoffs == 1 ? "" : "s",
			100 * r->success_rate, el ? "; " : "", ev);
	}
	if (r->cache_known > 0 && !(r->cache_hit_rate > DB_TARGET_CACHE)) {
		char size[64] = "";

		if (r->cfg.known)
			snprintf(size, sizeof size, " (engine.cache.size, %zu now)", r->cfg.cache_size);
		rec_add(r, DB_REC_CACHE,
			"prediction cache hit rate %.0f %% is not over 50 %%: revisit positions, widen "
			"the cache%s or pre-populate it with the common positions",
			100 * r->cache_hit_rate, size);
	}
}

/* --- compute ------------------------------------------------------------------ */

int db_report_compute(const db_opset *s, db_report *r)
{
	double *scratch = NULL;
	double total_mean;

	r->handoffs = s->n;
	r->succeeded = 0;
	r->cache_known = r->cache_hits = 0;
	for (size_t i = 0; i < s->n; i++) {
		r->succeeded += s->success[i];
		if (s->cache_hit[i] != 2) {
			r->cache_known++;
			r->cache_hits += s->cache_hit[i];
		}
	}
	r->success_rate = s->n ? (double)r->succeeded / (double)s->n : NAN;
	r->cache_hit_rate = r->cache_known ? (double)r->cache_hits / (double)r->cache_known : NAN;
	if (s->n > 0 || s->ncalib > 0 || s->naf > 0) {
		size_t need = s->n > s->ncalib ? s->n : s->ncalib;

		need = need > s->naf ? need : s->naf;
		scratch = malloc(need * sizeof *scratch);
		if (!scratch)
			return -1;
	}
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		summarize(s->phase_ms[p], s->success, s->n, scratch, &r->phase[p].d);
	total_mean = r->phase[DB_PHASE_TOTAL].d.mean;
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		db_report_phase *ph = &r->phase[p];

		ph->share = total_mean > 0 ? ph->d.mean / total_mean : NAN;
		ph->bottleneck = DB_BN_NONE;
		if (p != DB_PHASE_TOTAL && ph->share > DB_BOTTLENECK_MAJOR)
			ph->bottleneck = DB_BN_MAJOR;
		else if (p != DB_PHASE_TOTAL && ph->share > DB_BOTTLENECK_MINOR)
			ph->bottleneck = DB_BN_MINOR;
	}
	rank_phases(r);
	summarize(s->frames, s->success, s->n, scratch, &r->frames);
	memset(&r->mapping, 0, sizeof r->mapping);
	memset(&r->focus, 0, sizeof r->focus);
	accuracy_of(s->mapping_error_um, s->n, scratch, &r->mapping);
	accuracy_of(s->focus_error_um, s->n, scratch, &r->focus);
	r->calibrations = s->ncalib;
	r->calib_ok = 0;
	for (size_t i = 0; i < s->ncalib; i++)
		r->calib_ok += s->calib_ok[i];
	summarize(s->calib_rms_um, s->calib_ok, s->ncalib, scratch, &r->calib_rms);
	r->autofocus.n = s->naf;
	r->autofocus.ok = 0;
	for (size_t i = 0; i < s->naf; i++)
		r->autofocus.ok += s->af_ok[i];
	r->autofocus.success_rate = s->naf ? (double)r->autofocus.ok / (double)s->naf : NAN;
	summarize(s->af_ms, s->af_ok, s->naf, scratch, &r->autofocus.ms);
	summarize(s->af_focus_um, s->af_ok, s->naf, scratch, &r->autofocus.focus_error_um);
	summarize(s->af_frames, s->af_ok, s->naf, scratch, &r->autofocus.frames);
	free(scratch);
	drift_of(s, r);
	r->nassess = 0;
	r->nrecs = 0;
	assess(r);
	recommend(r);
	return 0;
}

/* --- build from the database ------------------------------------------------- */

static void count_add(db_report_count *c, size_t *n, const char *name, int64_t k)
{
	size_t i = 0;

	while (i < *n && strcmp(c[i].name, name) < 0)
		i++;
	if (i < *n && strcmp(c[i].name, name) == 0) {
		c[i].n += k;
		return;
	}
	if (*n >= DB_REPORT_COUNTS_MAX)
		return;   /* more kinds than the report shows: the rest are left out */
	memmove(c + i + 1, c + i, (*n - i) * sizeof *c);
	snprintf(c[i].name, sizeof c[i].name, "%s", name);
	c[i].n = k;
	(*n)++;
}

/* Count a message, in order of first occurrence; beyond the table's size
 * the rest are left out. */
static void msg_add(db_report_msg *m, size_t *n, const char *text, int64_t k)
{
	for (size_t i = 0; i < *n; i++)
		if (strncmp(m[i].text, text, sizeof m[i].text - 1) == 0) {
			m[i].n += k;
			return;
		}
	if (*n >= DB_REPORT_MSGS_MAX)
		return;
	snprintf(m[*n].text, sizeof m[*n].text, "%s", text);
	m[(*n)++].n = k;
}

static const char events_sql[] =
	"SELECT kind, detail FROM events WHERE run_id = ?1 ORDER BY seq";
static const char failed_sql[] =
	"SELECT kind, error, count(*) FROM ops WHERE run_id = ?1 AND success = 0"
	" GROUP BY kind, error ORDER BY kind, error";

/* s up to (not including) its first character of stop and without
 * trailing blanks, into buf (truncated to size); "unknown" when empty. */
static const char *prefix(const char *s, const char *stop, char *buf, size_t size)
{
	size_t k = 0, cut = s ? strcspn(s, stop) : 0;

	for (; s && k < cut && k + 1 < size; k++)
		buf[k] = s[k];
	buf[k] = '\0';
	/* "x (details)": the name without its details */
	while (k > 0 && buf[k - 1] == ' ')
		buf[--k] = '\0';
	return k ? buf : "unknown";
}

/*
 * Events by kind, the injected faults by fault kind ("camera_drop" of
 * "camera_drop (count=1 ...)"), the HAL errors by what failed ("camera
 * frame dropped" of "camera frame dropped: no frame within 100 ms"), failed
 * handoffs and autofocus operations by error code ("EHW" of "EHW: ..."),
 * failed calibrations by their whole message, summed over the runs.
 */
static int count_faults(sqlite3 *h, db_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *ev = NULL, *fo = NULL;
	int rc;

	rc = sqlite3_prepare_v2(h, events_sql, -1, &ev, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, failed_sql, -1, &fo, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < r->nruns; i++) {
		rc = sqlite3_bind_int64(ev, 1, r->runs[i]);
		if (rc != SQLITE_OK)
			break;
		while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(ev, 0);
			const char *detail = (const char *)sqlite3_column_text(ev, 1);
			char name[48];

			kind = kind ? kind : "unknown";
			count_add(r->events, &r->nevents, kind, 1);
			if (strcmp(kind, "fault") == 0)
				count_add(r->injected, &r->ninjected, prefix(detail, "(", name, sizeof name), 1);
			else if (strcmp(kind, "hal_error") == 0)
				count_add(r->hal_errors, &r->nhal_errors, prefix(detail, ":", name, sizeof name), 1);
		}
		sqlite3_reset(ev);
		if (rc != SQLITE_DONE)
			break;
		rc = sqlite3_bind_int64(fo, 1, r->runs[i]);
		if (rc != SQLITE_OK)
			break;
		while ((rc = sqlite3_step(fo)) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(fo, 0);
			const char *e = (const char *)sqlite3_column_text(fo, 1);
			int64_t k = sqlite3_column_int64(fo, 2);
			char code[48];

			kind = kind ? kind : "";
			if (strcmp(kind, "calibrate") == 0)
				msg_add(r->calib_errors, &r->ncalib_errors,
					e && *e ? e : "no reason recorded", k);
			else if (strcmp(kind, "handoff") == 0)
				count_add(r->errors, &r->nerrors, prefix(e, ":", code, sizeof code), k);
			else if (strcmp(kind, "autofocus") == 0)
				count_add(r->af_errors, &r->naf_errors, prefix(e, ":", code, sizeof code), k);
		}
		sqlite3_reset(fo);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		snprintf(err, errlen, "cannot count events: %s", sqlite3_errmsg(h));
	sqlite3_finalize(ev);
	sqlite3_finalize(fo);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : -1;
}

static const char expect_sql[] =
	"SELECT metric, passed FROM expectations WHERE run_id = ?1 ORDER BY rowid";

/* The runs' expectations: passed, failed and not applicable (passed NULL),
 * the failed and the not applicable ones by metric. */
static int count_expectations(sqlite3 *h, db_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, expect_sql, -1, &st, NULL);

	for (size_t i = 0; rc == SQLITE_OK && i < r->nruns; i++) {
		rc = sqlite3_bind_int64(st, 1, r->runs[i]);
		if (rc != SQLITE_OK)
			break;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *metric = (const char *)sqlite3_column_text(st, 0);

			metric = metric ? metric : "unknown";
			if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
				r->exp_na++;
				count_add(r->exp_na_by, &r->nexp_na_by, metric, 1);
			} else if (sqlite3_column_int(st, 1)) {
				r->exp_passed++;
			} else {
				r->exp_failed++;
				count_add(r->exp_failed_by, &r->nexp_failed_by, metric, 1);
			}
		}
		sqlite3_reset(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "cannot read the expectations: %s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Append name to a ", "-separated list unless it is there already. */
static void list_add_unique(char *list, size_t size, const char *name)
{
	size_t n = strlen(name), len = strlen(list);

	for (const char *p = list; *p;) {
		const char *end = strstr(p, ", ");
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == n && strncmp(p, name, n) == 0)
			return;
		if (!end)
			break;
		p = end + 2;
	}
	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

int db_report_build(db *d, const int64_t *runs, size_t nruns, const db_report_config *cfg,
		    db_report *out, char *err, size_t errlen)
{
	db_opset s;
	db_run_row row;

	memset(out, 0, sizeof *out);
	if (nruns == 0) {
		snprintf(err, errlen, "no runs to report on");
		return -1;
	}
	if (nruns > SIZE_MAX / sizeof *runs || !(out->runs = malloc(nruns * sizeof *runs))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* a run named twice is one run: keep the first mention */
	for (size_t i = 0; i < nruns; i++) {
		size_t k = 0;

		while (k < out->nruns && out->runs[k] != runs[i])
			k++;
		if (k == out->nruns)
			out->runs[out->nruns++] = runs[i];
	}
	if (cfg)
		out->cfg = *cfg;
	else
		snprintf(out->cfg.why, sizeof out->cfg.why, "not given");
	for (size_t i = 0; i < out->nruns; i++) {
		if (db_run_get(d, out->runs[i], &row) != 0) {
			snprintf(err, errlen, "no run %lld in the database", (long long)out->runs[i]);
			return -1;
		}
		list_add_unique(out->scenarios, sizeof out->scenarios, row.scenario);
		list_add_unique(out->modes, sizeof out->modes, row.mode);
		if (strcmp(row.status, "passed") != 0 && strcmp(row.status, "failed") != 0) {
			if (out->nunfinished < DB_REPORT_UNFINISHED_MAX) {
				db_report_unfinished *u = &out->unfinished[out->nunfinished];

				u->id = row.id;
				snprintf(u->status, sizeof u->status, "%s", row.status);
				snprintf(u->message, sizeof u->message, "%.*s",
					 (int)sizeof u->message - 1, row.message);
			}
			out->nunfinished++;
		}
	}
	if (db_opset_load(d, out->runs, out->nruns, &s, err, errlen) != 0)
		return -1;
	if (db_report_compute(&s, out) != 0) {
		db_opset_release(&s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	db_opset_release(&s);
	if (count_faults(db_handle(d), out, err, errlen) != 0 ||
	    count_expectations(db_handle(d), out, err, errlen) != 0)
		return -1;
	/* the success and calibration recommendations name the errors: redo
	 * them with the counts */
	out->nrecs = 0;
	recommend(out);
	return 0;
}

void db_report_release(db_report *r)
{
	if (!r)
		return;
	free(r->runs);
	r->runs = NULL;
	r->nruns = 0;
}
