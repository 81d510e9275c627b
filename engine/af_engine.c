/*
 * af_engine.c - the engine object, its defaults, the handoff and autofocus
 * operations and the statistics.
 *
 * Handoff phases, each timed on the HAL clock, back to back so that they
 * add up to the total:
 *   lens_switch   select the target lens and check the switcher seated it;
 *   focus_move    read the temperature, predict (cache, mapping, thermal
 *                 compensation), move to the first search position and
 *                 settle; at fast levels the move starts before the switch
 *                 and the stage travels while the objective changes;
 *   focus_search  the search around the prediction and the landing move to
 *                 the fitted best focus;
 *   validation    one frame at the landing (its score against the fitted
 *                 peak) and the mapping error against the limit, with a
 *                 bounded retry over the lens's wide search.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "af_engine_impl.h"
#include "af_rec_wire.h"

static const char *const level_names[AF_LEVEL_COUNT] = { "ultra_fast", "fast", "standard" };

const char *af_level_name(af_level l)
{
	return (unsigned)l < AF_LEVEL_COUNT ? level_names[l] : NULL;
}

int af_level_parse(const char *s)
{
	for (int i = 0; i < AF_LEVEL_COUNT; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

static af_search_params params(af_measure_kind m, uint32_t stride, uint32_t points,
			       double step, uint32_t refine, double refine_step, double range,
			       uint32_t max_frames, uint32_t window, double min_contrast,
			       double extrapolate)
{
	af_search_params p;

	memset(&p, 0, sizeof p);   /* padding too: configurations compare bytewise */
	p.measure = m;
	p.stride = stride;
	p.points = points;
	p.step_um = step;
	p.refine_points = refine;
	p.refine_step_um = refine_step;
	p.range_um = range;
	p.max_frames = max_frames;
	p.fit = AF_PEAK_LORENTZIAN;
	p.fit_window = window;
	p.min_contrast = min_contrast;
	p.extrapolate_um = extrapolate;
	p.mode = AF_SEARCH_SCAN;
	p.confirm = false;
	p.land_tol_um = 0.0;
	return p;
}

/* A PROBE search: probes step_um either side, landing by the Lorentzian. */
static af_search_params probe_params(af_measure_kind m, uint32_t stride, double step,
				     double extrapolate, bool confirm, double land_tol,
				     double min_contrast)
{
	af_search_params p = params(m, stride, 3, step, 0, 0.0, 3.0 * step + extrapolate, 6, 3,
				    min_contrast, extrapolate);

	p.mode = AF_SEARCH_PROBE;
	p.confirm = confirm;
	p.land_tol_um = land_tol;
	return p;
}

void af_engine_config_default(af_engine_config *c)
{
	memset(c, 0, sizeof *c);
	c->level = AF_LEVEL_FAST;
	/*
	 * Lens B (40x/0.75, DOF 1.19 um): the Brenner gradient, whose curve is
	 * narrow at high NA (normalised variance is broad there and shows a
	 * second layer only as a shoulder).  Steps of about half a DOF put
	 * three frames on the peak for a Gaussian fit.
	 */
	c->search[AF_LENS_B][AF_LEVEL_ULTRA_FAST] =
		probe_params(AF_MEASURE_BRENNER, 2, 0.7, 0.5, false, 0.0, 0.05);
	c->search[AF_LENS_B][AF_LEVEL_FAST] =
		probe_params(AF_MEASURE_BRENNER, 1, 0.7, 0.5, true, 0.12, 0.05);
	c->search[AF_LENS_B][AF_LEVEL_STANDARD] =
		params(AF_MEASURE_BRENNER, 1, 5, 0.5, 3, 0.2, 3.0, 12, 5, 0.02, 0.0);
	/* Lens A (10x/0.30, DOF 8.3 um): the same shape scaled by the DOF. */
	c->search[AF_LENS_A][AF_LEVEL_ULTRA_FAST] =
		probe_params(AF_MEASURE_BRENNER, 2, 3.5, 3.5, false, 0.0, 0.05);
	c->search[AF_LENS_A][AF_LEVEL_FAST] =
		probe_params(AF_MEASURE_BRENNER, 1, 3.0, 3.0, true, 0.8, 0.05);
	c->search[AF_LENS_A][AF_LEVEL_STANDARD] =
		params(AF_MEASURE_BRENNER, 1, 5, 2.0, 3, 0.8, 15.0, 12, 5, 0.02, 0.0);
	/* Wide searches: docs/physics.md's reference budgets, coarse then fine. */
	c->wide[AF_LENS_A] = params(AF_MEASURE_BRENNER, 1, 21, 4.0, 5, 1.0, 44.0, 40, 5, 0.05, 0.0);
	c->wide[AF_LENS_B] = params(AF_MEASURE_BRENNER, 1, 13, 0.5, 5, 0.15, 4.0, 30, 5, 0.05, 0.0);
	/* Lorentzian half widths of the Brenner curve: about 0.52 um at lens
	 * B (DOF 1.19) and 7 times that at lens A; learnt from then on. */
	c->curve_width_um[AF_LENS_A] = 3.6;
	c->curve_width_um[AF_LENS_B] = 0.52;
	c->mapping_model = AF_MAP_ADAPTIVE;
	c->thermal_compensation = true;
	af_thermal_config_default(&c->thermal);
	c->prior_tc_a_um_per_c = 1.0;
	c->prior_tc_b_um_per_c = 1.1;
	c->mapping_limit_um = 1.0;
	c->validation_retries = 1;
	c->validation_min_ratio = 0.8;
	c->nominal_offset_um = 4.0;
	c->refine_offset = true;
	c->refine_window = 16;
	c->cache_size = 64;
	c->cache_hit_threshold_um = 0.05;
	c->cache_temp_bound_c = 0.5;
	c->backlash_um = 2.0;
	c->settle_timeout_ms = 500;
	c->overlap[AF_LEVEL_ULTRA_FAST] = true;
	c->overlap[AF_LEVEL_FAST] = true;
	c->overlap[AF_LEVEL_STANDARD] = false;
	c->exposure_us[AF_LEVEL_ULTRA_FAST] = 2000;
	c->verify_position[AF_LEVEL_FAST] = true;
	c->verify_position[AF_LEVEL_STANDARD] = true;
	c->position_tol_um = 0.15;
	c->z_min_um = -490.0;
	c->z_max_um = 490.0;
	c->stats_window = 4096;
}

static const char *check_params(const af_search_params *p)
{
	if ((unsigned)p->measure >= AF_MEASURE_COUNT || p->stride == 0)
		return "search measure or stride is invalid";
	if (p->points < 3 || p->points % 2 == 0 || !(p->step_um > 0.0) || !isfinite(p->step_um))
		return "search needs an odd number >= 3 of points and a positive step";
	if (p->refine_points && (p->refine_points < 3 || !(p->refine_step_um > 0.0)))
		return "refine pass needs >= 3 points and a positive step";
	if (!(p->range_um > 0.0) || p->max_frames < p->points || p->fit_window < 3 ||
	    p->points + p->refine_points > AF_SEARCH_MAX || p->max_frames > AF_SEARCH_MAX)
		return "search range, frame budget or fit window is invalid";
	if (!(p->min_contrast >= 0.0 && p->min_contrast < 1.0))
		return "search min_contrast must be in [0, 1)";
	if (!(p->extrapolate_um >= 0.0) || !(p->extrapolate_um <= p->step_um))
		return "search extrapolate_um must be in [0, step_um]";
	if ((unsigned)p->mode > AF_SEARCH_PROBE || !(p->land_tol_um >= 0.0))
		return "search mode or land_tol_um is invalid";
	if ((unsigned)p->fit >= AF_PEAK_METHOD_COUNT)
		return "search fit is invalid";
	return NULL;
}

const char *af_engine_config_check(const af_engine_config *c)
{
	const char *bad;

	if ((unsigned)c->level >= AF_LEVEL_COUNT)
		return "optimization level is invalid";
	for (int l = 0; l < AF_LENS_COUNT; l++) {
		for (int v = 0; v < AF_LEVEL_COUNT; v++)
			if ((bad = check_params(&c->search[l][v])))
				return bad;
		if ((bad = check_params(&c->wide[l])))
			return bad;
	}
	if (!(c->curve_width_um[AF_LENS_A] > 0.0) || !(c->curve_width_um[AF_LENS_B] > 0.0))
		return "focus curve widths must be positive";
	if (!af_mapping_model_name(c->mapping_model))
		return "mapping model is invalid";
	if (!(c->mapping_limit_um > 0.0) || !(c->validation_min_ratio >= 0.0) ||
	    !isfinite(c->nominal_offset_um) || !(c->backlash_um >= 0.0) ||
	    !(c->cache_hit_threshold_um >= 0.0) || !(c->cache_temp_bound_c >= 0.0) ||
	    !(c->z_min_um < c->z_max_um) || c->settle_timeout_ms == 0 || c->stats_window == 0 ||
	    (c->refine_offset && c->refine_window == 0) || !(c->position_tol_um > 0.0))
		return "engine limits are invalid";
	if (!isfinite(c->prior_tc_a_um_per_c) || !isfinite(c->prior_tc_b_um_per_c))
		return "thermal priors must be finite";
	if (!(c->thermal.glitch_band_c >= 0.0) || !(c->thermal.max_rate_c_per_s >= 0.0) ||
	    !(c->thermal.glitch_persist_s >= 0.0))
		return "thermal glitch limits are invalid";
	if (!(c->thermal.tau_fast_s >= 0.0) || !(c->thermal.tau_slow_s >= 0.0) ||
	    !(c->thermal.fast_weight >= 0.0 && c->thermal.fast_weight <= 1.0))
		return "thermal model is invalid";
	return NULL;
}

af_engine *af_engine_new(const af_hal *hal, const af_engine_config *cfg, const char **err)
{
	af_engine *e;
	af_roi roi;
	size_t cap = 512 * 512;
	const char *bad;

	if (err)
		*err = NULL;
	if (!hal || !hal->ops || !cfg) {
		if (err)
			*err = "no hal or configuration";
		return NULL;
	}
	if ((bad = af_engine_config_check(cfg))) {
		if (err)
			*err = bad;
		return NULL;
	}
	e = calloc(1, sizeof *e);
	if (!e)
		goto oom;
	e->hal = *hal;
	e->cfg = *cfg;
	/* The frame buffer fits the largest of the current ROI and 512 x 512. */
	if (af_hal_get_roi(hal, &roi) == AF_OK && (size_t)roi.width * roi.height > cap)
		cap = (size_t)roi.width * roi.height;
	/* sizes checked before multiplying: an absurd ROI or window is out of
	 * memory, not a short buffer */
	if (cap > SIZE_MAX / sizeof *e->frame.pixels ||
	    cfg->stats_window > SIZE_MAX / sizeof *e->ring)
		goto oom;
	e->frame.pixels = malloc(cap * sizeof *e->frame.pixels);
	e->frame.capacity_px = cap;
	e->ring = malloc(cfg->stats_window * sizeof *e->ring);
	if (!e->frame.pixels || !e->ring)
		goto oom;
	af_stats_init(&e->stats, e->ring, cfg->stats_window);
	af_cache_init(&e->cache, cfg->cache_size, cfg->cache_hit_threshold_um,
		      cfg->cache_temp_bound_c);
	af_thermal_init(&e->thermal, &cfg->thermal);
	for (int l = 0; l < AF_LENS_COUNT; l++)
		e->width_um[l] = cfg->curve_width_um[l];
	e->backlash_um = cfg->backlash_um;
	e->play_dir = 0;
	if (hal->ops->get_z(hal->ctx, &e->stage_um) != AF_OK)
		e->stage_um = 0.0;
	snprintf(e->errmsg, sizeof e->errmsg, "no error");
	return e;
oom:
	if (err)
		*err = "out of memory";
	af_engine_free(e);
	return NULL;
}

void af_engine_free(af_engine *e)
{
	if (!e)
		return;
	free(e->frame.pixels);
	free(e->ring);
	free(e);
}

int af__err(af_engine *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->errmsg, sizeof e->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

int af__hal_err(af_engine *e, int code, const char *what)
{
	return af__err(e, code, "%s: %s", what, af_hal_errmsg(&e->hal));
}

/* A failed clock read is the last good one: the operation goes on (its
 * durations come out short, never negative or from the epoch). */
int64_t af__now_us(af_engine *e)
{
	int64_t t = 0;

	if (e->hal.ops->now_us(e->hal.ctx, &t) != AF_OK || t < e->last_us)
		return e->last_us;
	e->last_us = t;
	return t;
}

const char *af_engine_errmsg(const af_engine *e) { return e->errmsg; }
const af_engine_config *af_engine_get_config(const af_engine *e) { return &e->cfg; }
const af_mapping *af_engine_mapping(const af_engine *e) { return &e->mapping; }
const af_cache *af_engine_cache(const af_engine *e) { return &e->cache; }
double af_engine_backlash_um(const af_engine *e) { return e->backlash_um; }

void af_engine_set_level(af_engine *e, af_level level)
{
	if (e->rec)
		af__rec_simple_begin(e->rec, AF_LOG_OP_SET_LEVEL, (int)level, 0.0);
	if ((unsigned)level < AF_LEVEL_COUNT)
		e->cfg.level = level;
	if (e->rec)
		af__rec_simple_end(e->rec, AF_LOG_OP_SET_LEVEL, AF_OK, "");
}

void af_engine_set_thermal_compensation(af_engine *e, bool on)
{
	if (e->rec)
		af__rec_simple_begin(e->rec, AF_LOG_OP_SET_THERMAL, on, 0.0);
	e->cfg.thermal_compensation = on;
	if (e->rec)
		af__rec_simple_end(e->rec, AF_LOG_OP_SET_THERMAL, AF_OK, "");
}

void af_engine_set_measure_fn(af_engine *e, af_measure_fn fn, void *user)
{
	e->measure_fn = fn;
	e->measure_user = user;
}

void af_engine_set_sample_hook(af_engine *e, af_sample_fn fn, void *user)
{
	e->hook = fn;
	e->hook_user = user;
}

int af_engine_stats(const af_engine *e, af_stats_summary *out)
{
	return af_stats_summarize(&e->stats, out);
}

int af__read_temp(af_engine *e, double *reading_c, double *eff_c)
{
	double t;
	int rc = e->hal.ops->read_temperature(e->hal.ctx, &t);

	if (rc != AF_OK) {
		*reading_c = NAN;
		*eff_c = af_thermal_effective_c(&e->thermal);
		return af__hal_err(e, rc, "read_temperature");
	}
	af_thermal_update(&e->thermal, af__now_us(e), t);
	*reading_c = t;
	*eff_c = af_thermal_effective_c(&e->thermal);
	return AF_OK;
}

int af_engine_tick(af_engine *e)
{
	double t, eff;
	int rc;

	if (e->rec)
		af__rec_simple_begin(e->rec, AF_LOG_OP_TICK, 0, 0.0);
	rc = af__read_temp(e, &t, &eff);
	if (e->rec)
		af__rec_simple_end(e->rec, AF_LOG_OP_TICK, rc, e->errmsg);
	return rc;
}

double af_engine_temp_eff_c(const af_engine *e)
{
	return af_thermal_effective_c(&e->thermal);
}

int af_engine_goto(af_engine *e, af_lens lens, double z_um)
{
	int rc;

	if (e->rec)
		af__rec_simple_begin(e->rec, AF_LOG_OP_GOTO, (int)lens, z_um);
	rc = af__select(e, lens);
	if (rc == AF_OK)
		rc = af__move_settle(e, z_um);
	if (e->rec)
		af__rec_simple_end(e->rec, AF_LOG_OP_GOTO, rc, e->errmsg);
	return rc;
}

/* Where lens `to` should be in focus for src_um on lens `from`. */
static double predict(const af_engine *e, af_lens from, af_lens to, double src_um, double temp_c)
{
	bool comp = e->cfg.thermal_compensation && isfinite(temp_c);

	if (!e->mapping.valid)
		return to == AF_LENS_B ? src_um + e->cfg.nominal_offset_um
				       : src_um - e->cfg.nominal_offset_um;
	(void)from;
	return to == AF_LENS_B ? af_mapping_predict_b(&e->mapping, src_um, temp_c, comp)
			       : af_mapping_predict_a(&e->mapping, src_um, temp_c, comp);
}

/* Fold one residual into the learnt offset of lens `to`. */
static void learn(af_engine *e, af_lens to, double residual_um)
{
	uint32_t n;

	if (!e->cfg.refine_offset || !isfinite(residual_um) ||
	    fabs(residual_um) > e->cfg.mapping_limit_um)
		return;
	n = e->learnt_n[to] < e->cfg.refine_window ? ++e->learnt_n[to] : e->cfg.refine_window;
	e->learnt_um[to] += residual_um / (double)n;
}

/*
 * A handoff found lens `to` in focus beyond the mapping limit, by two
 * searches that agree (the first one and the wide retry around the
 * prediction, within half the lens's focus-curve width) and with a landing
 * that validated: the focus is real.  Whether the prediction is what is
 * off (a drift the thermal model missed, a knock, a re-seated objective)
 * or the one switch was (the objective seats within its repeatability
 * every time, and a B->A handoff carries two seatings: lens B's under the
 * source and lens A's now) only the next handoff tells: a shift of the
 * prediction is there again, a seating is drawn anew.  So the first such
 * miss is kept, and the engine re-anchors when the next handoff to the
 * lens misses the same way again (within the limit of the first); a
 * handoff within the limit in between forgets it.  Learnt offsets fold in
 * only residuals within the limit, so without re-anchoring the engine
 * would never follow a real jump and every later handoff would miss by as
 * much (a lockout); re-anchoring on one miss instead turned a seating 3
 * sigma out into a run of misses, each re-anchoring on the last.  The
 * learnt offset takes the whole residual and its average restarts, so the
 * next handoffs predict from the confirmed focus.  Returns ANCHOR_NONE
 * (not a confirmed miss), ANCHOR_KEPT (the first) or ANCHOR_DONE.
 */
enum { ANCHOR_NONE, ANCHOR_KEPT, ANCHOR_DONE };
static int reanchor(af_engine *e, af_lens to, double z_first_um, double z_um, double pred_um,
		     bool cache_hit)
{
	double miss = z_um - pred_um;

	if (cache_hit) {
		/* a cached position that missed by more than the limit: the
		 * world moved under the cache */
		af_cache_clear(&e->cache);
		return ANCHOR_NONE;
	}
	if (!e->cfg.refine_offset || !(fabs(z_um - z_first_um) <= 0.5 * e->cfg.curve_width_um[to]))
		return ANCHOR_NONE;
	if (!e->miss_pending[to] || !(fabs(miss - e->miss_um[to]) <= e->cfg.mapping_limit_um)) {
		e->miss_pending[to] = true;
		e->miss_um[to] = miss;
		return ANCHOR_KEPT;
	}
	e->miss_pending[to] = false;
	e->learnt_um[to] += miss;
	e->learnt_n[to] = 1;
	return ANCHOR_DONE;
}

void af__forget_offsets(af_engine *e)
{
	for (int l = 0; l < AF_LENS_COUNT; l++) {
		e->learnt_um[l] = 0.0;
		e->learnt_n[l] = 0;
		e->miss_pending[l] = false;
	}
}

static void record(af_engine *e, af_handoff_result *r)
{
	af_stats_sample s;

	memset(&s, 0, sizeof s);
	memcpy(s.phase_ms, r->phase_ms, sizeof s.phase_ms);
	s.mapping_error_um = r->mapping_error_um;
	s.frames = r->frames;
	s.success = r->success;
	s.cache_hit = r->cache_hit;
	af_stats_record(&e->stats, &s);
}

/* Close the result: phases from the marks, message, statistics. */
static int finish(af_engine *e, af_handoff_result *r, const int64_t *mark, int rc)
{
	for (int p = 0; p < AF_PHASE_TOTAL; p++)
		r->phase_ms[p] = mark[p + 1] >= mark[p] ? (double)(mark[p + 1] - mark[p]) / 1e3 : 0.0;
	r->phase_ms[AF_PHASE_TOTAL] = (double)(mark[AF_PHASE_TOTAL] - mark[0]) / 1e3;
	r->frames = e->op_frames;
	r->error = rc;
	r->success = rc == AF_OK;
	if (rc != AF_OK)
		snprintf(r->message, sizeof r->message, "%s", e->errmsg);
	record(e, r);
	return rc;
}

/* Land on the search's best focus (part of the search phase), unless the
 * search's last frame was taken there. */
static int land(af_engine *e, const af_search_out *s)
{
	return s->landed ? AF_OK : af__move_settle(e, s->z_um);
}

/* One frame at the landing: its score over the best frame's of the
 * search (the landing should be at least about as sharp: a fitted peak's
 * own score is an extrapolation, not a measurement). */
static int check_landing(af_engine *e, af_lens to, const af_search_params *p,
			 const af_search_out *s, double *ratio)
{
	double score;
	int rc;

	if (s->landed) {
		/* the last frame of the search is the landing's */
		score = e->ss_landing;
	} else {
		rc = af__score_here(e, to, p->measure, p->stride, &score);
		if (rc != AF_OK)
			return rc;
	}
	*ratio = s->best_sample > 0.0 ? score / s->best_sample : 0.0;
	return AF_OK;
}

static int handoff_run(af_engine *e, af_lens from, af_lens to, double src_um,
		       af_handoff_result *r);

int af_handoff(af_engine *e, af_lens from, af_lens to, double src_um, af_handoff_result *r)
{
	uint32_t want = e->cfg.exposure_us[e->cfg.level], had = 0;
	bool set = false;
	int rc;

	if (e->rec)
		af__rec_handoff_begin(e->rec, from, to, src_um);
	/* A level's own exposure, when it has one and the camera can. */
	if (want && af_hal_get_exposure_us(&e->hal, &had) == AF_OK && had != want)
		set = af_hal_set_exposure_us(&e->hal, want) == AF_OK;
	rc = handoff_run(e, from, to, src_um, r);
	if (set)
		(void)af_hal_set_exposure_us(&e->hal, had);
	if (e->rec)
		af__rec_handoff_end(e->rec, rc, r);
	return rc;
}

static int handoff_run(af_engine *e, af_lens from, af_lens to, double src_um,
		       af_handoff_result *r)
{
	const af_search_params *p;
	af_search_out s;
	int64_t mark[AF_PHASE_COUNT + 1];
	double temp_c = NAN, ratio = 0.0, pred, first, z_first;
	af_level lvl = e->cfg.level;
	int rc;

	memset(r, 0, sizeof *r);
	r->from = from;
	r->to = to;
	r->src_um = src_um;
	r->predicted_um = r->found_um = r->mapping_error_um = NAN;
	r->temp_c = r->temp_eff_c = NAN;
	e->op_frames = 0;
	mark[0] = af__now_us(e);
	for (int i = 1; i <= AF_PHASE_COUNT; i++)
		mark[i] = mark[0];
	if ((from != AF_LENS_A && from != AF_LENS_B) || (to != AF_LENS_A && to != AF_LENS_B) ||
	    from == to)
		return finish(e, r, mark, af__err(e, AF_EINVAL, "handoff needs two different lenses"));
	if (!isfinite(src_um))
		return finish(e, r, mark, af__err(e, AF_EINVAL, "handoff source position is not a finite number"));
	p = &e->cfg.search[to][lvl];

	/* Prediction: temperature, cache, mapping.  A failed sensor read
	 * leaves the last estimate (or none): compensate with what is known
	 * rather than fail the handoff. */
	(void)af__read_temp(e, &r->temp_c, &temp_c);
	r->temp_eff_c = temp_c;
	if (isfinite(temp_c))
		af_cache_invalidate_temp(&e->cache, temp_c);
	r->cache_hit = af_cache_lookup(&e->cache, from, to, src_um, temp_c, &pred);
	if (!r->cache_hit)
		pred = predict(e, from, to, src_um, temp_c) + (e->cfg.refine_offset ? e->learnt_um[to] : 0.0);
	if (!isfinite(pred)) {
		mark[1] = mark[2] = mark[3] = mark[4] = mark[5] = af__now_us(e);
		return finish(e, r, mark, af__err(e, AF_ESTATE, "no prediction for %.6g um: the mapping cannot invert it", src_um));
	}
	r->predicted_um = pred;
	first = pred - 0.5 * (double)(p->points - 1) * p->step_um;

	/* Phases 1 and 2.  With overlap, the move is commanded first and the
	 * stage travels during the switch; the move's time is what is left
	 * before and after the switch. */
	if (e->cfg.overlap[lvl]) {
		int64_t t_move = af__now_us(e), t_sw, t_sw_end;

		rc = af__move_start(e, first);
		t_sw = af__now_us(e);
		if (rc == AF_OK)
			rc = af__select(e, to);
		t_sw_end = af__now_us(e);
		/* after the focus move, the longest and most loaded move of a
		 * handoff, the encoder against where the engine put the stage */
		if (rc == AF_OK)
			rc = e->cfg.verify_position[lvl] ? af__settle_verify(e) : af__wait(e);
		/* lens_switch = the switch; focus_move = the rest */
		mark[1] = mark[0] + (t_sw_end - t_sw);
		mark[2] = mark[1] + (af__now_us(e) - t_sw_end) + (t_sw - t_move) + (t_move - mark[0]);
	} else {
		int64_t t_sw = af__now_us(e), t_sw_end;

		rc = af__select(e, to);
		t_sw_end = af__now_us(e);
		if (rc == AF_OK)
			rc = e->cfg.verify_position[lvl] ? af__move_start(e, first)
							 : af__move_settle(e, first);
		if (rc == AF_OK && e->cfg.verify_position[lvl])
			rc = af__settle_verify(e);
		/* the prediction's time counts to the move, as with overlap */
		mark[1] = mark[0] + (t_sw_end - t_sw);
		mark[2] = af__now_us(e);
	}
	if (rc != AF_OK) {
		mark[3] = mark[4] = mark[5] = mark[2];
		return finish(e, r, mark, rc);
	}

	/* Phase 3: search and land.  A search that found no peak near the
	 * prediction searches wide once (the validation's retry) before the
	 * handoff gives up. */
	rc = af__search(e, to, pred, p, &s);
	if (rc == AF_ENOFOCUS && r->retries < e->cfg.validation_retries) {
		r->retries++;
		rc = af__search(e, to, pred, &e->cfg.wide[to], &s);
	}
	if (rc == AF_OK)
		rc = land(e, &s);
	mark[3] = af__now_us(e);
	if (rc != AF_OK) {
		if (rc == AF_ENOFOCUS)
			(void)af__move_settle(e, pred); /* leave the stage at the prediction */
		mark[4] = mark[5] = af__now_us(e);
		return finish(e, r, mark, rc);
	}
	r->found_um = s.z_um;
	r->mapping_error_um = fabs(s.z_um - pred);

	/* Phase 4: validation, with a bounded retry over the wide search. */
	rc = check_landing(e, to, p, &s, &ratio);
	if (rc != AF_OK) {
		mark[4] = mark[5] = af__now_us(e);
		return finish(e, r, mark, rc);
	}
	z_first = s.z_um;
	while ((r->mapping_error_um > e->cfg.mapping_limit_um || ratio < e->cfg.validation_min_ratio ||
		s.unlike) && r->retries < e->cfg.validation_retries) {
		/* a bad landing: search again, finer, around what was found; a
		 * mapping error: search wide around the prediction, in case the
		 * first search climbed the wrong peak */
		bool far = r->mapping_error_um > e->cfg.mapping_limit_um;
		const af_search_params *w = far ? &e->cfg.wide[to] : &e->cfg.search[to][AF_LEVEL_STANDARD];

		r->retries++;
		rc = af__search(e, to, far ? pred : s.z_um, w, &s);
		if (rc == AF_OK)
			rc = land(e, &s);
		if (rc == AF_OK)
			rc = check_landing(e, to, w, &s, &ratio);
		if (rc != AF_OK) {
			if (rc == AF_ENOFOCUS)
				(void)af__move_settle(e, pred);
			mark[4] = mark[5] = af__now_us(e);
			return finish(e, r, mark, rc);
		}
		r->found_um = s.z_um;
		r->mapping_error_um = fabs(s.z_um - pred);
	}
	mark[4] = mark[5] = af__now_us(e);
	if (ratio < e->cfg.validation_min_ratio)
		return finish(e, r, mark, af__err(e, AF_ENOFOCUS,
			"focus did not validate: the landing scores %.0f %% of the fitted peak",
			100.0 * ratio));
	if (s.unlike)
		return finish(e, r, mark, af__err(e, AF_ENOFOCUS,
			"focus did not validate: lens %s's focus curve is unlike the one it learnt "
			"(refit half width %.3f um, learnt %.3f um; refit peak %.3f um from the "
			"landing at %.3f um)", af_lens_name(to), s.fit_w_um, s.learnt_w_um,
			s.fit_z_um - s.z_um, s.z_um));
	if (r->mapping_error_um > e->cfg.mapping_limit_um) {
		int anchor = r->retries > 0 ? reanchor(e, to, z_first, s.z_um, pred, r->cache_hit)
					    : ANCHOR_NONE;

		if (anchor == ANCHOR_KEPT)
			return finish(e, r, mark, af__err(e, AF_EMAPPING,
				"mapping error %.3f um exceeds the %.3f um limit: lens %s found at %.3f um "
				"by two searches, predicted %.3f um; kept: a second miss the same way "
				"re-anchors (recalibrate)", r->mapping_error_um,
				e->cfg.mapping_limit_um, af_lens_name(to), s.z_um, pred));
		if (anchor == ANCHOR_DONE)
			return finish(e, r, mark, af__err(e, AF_EMAPPING,
				"mapping error %.3f um exceeds the %.3f um limit: lens %s found at %.3f um "
				"by two searches, predicted %.3f um; re-anchored: the next predictions "
				"add %+.3f um (recalibrate)", r->mapping_error_um,
				e->cfg.mapping_limit_um, af_lens_name(to), s.z_um, pred,
				e->learnt_um[to]));
		return finish(e, r, mark, af__err(e, AF_EMAPPING,
			"mapping error %.3f um exceeds the %.3f um limit: lens %s found at %.3f um, "
			"predicted %.3f um (recalibrate)", r->mapping_error_um,
			e->cfg.mapping_limit_um, af_lens_name(to), s.z_um, pred));
	}
	af_cache_store(&e->cache, from, to, src_um, s.z_um, temp_c);
	e->miss_pending[to] = false;   /* a miss that did not come again */
	if (!r->cache_hit)
		learn(e, to, s.z_um - pred);
	return finish(e, r, mark, AF_OK);
}

int af_autofocus(af_engine *e, af_lens lens, double near_um, af_focus_result *r)
{
	const af_search_params *w;
	af_search_out s;
	int64_t t0;
	int rc;

	if (e->rec)
		af__rec_autofocus_begin(e->rec, lens, near_um);
	memset(r, 0, sizeof *r);
	r->lens = lens;
	r->z_um = NAN;
	e->op_frames = 0;
	t0 = af__now_us(e);
	if (lens != AF_LENS_A && lens != AF_LENS_B)
		rc = af__err(e, AF_EINVAL, "autofocus: no lens %d", (int)lens);
	else if (!isfinite(near_um))
		rc = af__err(e, AF_EINVAL, "autofocus: position is not a finite number");
	else
		rc = af__select(e, lens);
	if (rc == AF_OK) {
		w = &e->cfg.wide[lens];
		rc = af__search(e, lens, near_um, w, &s);
		if (rc == AF_OK)
			rc = af__move_settle(e, s.z_um);
		else if (rc == AF_ENOFOCUS)
			(void)af__move_settle(e, near_um);
		if (rc == AF_OK) {
			r->z_um = s.z_um;
			r->score = s.score;
		}
	}
	r->frames = e->op_frames;
	r->ms = (double)(af__now_us(e) - t0) / 1e3;
	r->error = rc;
	r->success = rc == AF_OK;
	if (rc != AF_OK)
		snprintf(r->message, sizeof r->message, "%s", e->errmsg);
	if (e->rec)
		af__rec_autofocus_end(e->rec, rc, r);
	return rc;
}
