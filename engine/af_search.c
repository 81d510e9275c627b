/*
 * af_search.c - stage motion, frames and focus searches.
 *
 * Motion.  The z drive hangs the stage on its motor through a play (the
 * backlash): after an upward move the stage sits at the motor, after a
 * downward one backlash_um above it.  The engine therefore commands
 * downward moves backlash_um lower than their target, and remembers which
 * way the play is taken up; while it does not know (at start), a move first
 * goes below its target and approaches from underneath.  So the stage lands
 * on every target whichever way the move goes, and the z the engine
 * attributes to a frame is where the stage is.
 *
 * Searches.  A pass samples frames on an evenly spaced grid, upward (one
 * direction, no play to take up between frames), every frame after the
 * drive reported the move settled.  While the maximum sits at an end of the
 * samples the pass extends that way, one step at a time, within the range
 * and the frame budget.  The peak is fitted (parabola or Gaussian through
 * the points around the chosen maximum), never taken raw.  When several
 * local maxima stand out (a two-layer specimen over a long range), the one
 * nearest the prediction is chosen unless it is less than half the highest:
 * the classic trap is to climb the wrong one.  A pass whose scores vary by
 * less than min_contrast has nothing to focus on: "no focus", not a guess.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "af_engine_impl.h"
#include "af_peak.h"

static double clamp_z(const af_engine *e, double z)
{
	if (z < e->cfg.z_min_um)
		return e->cfg.z_min_um;
	if (z > e->cfg.z_max_um)
		return e->cfg.z_max_um;
	return z;
}

/*
 * After a failed move or wait the stage is wherever the drive left it and
 * the play's side is unknown: read the encoder (when it answers) and let
 * the next move approach from below again.
 */
static int lost(af_engine *e, int rc, const char *what)
{
	double z;

	af__hal_err(e, rc, what);
	e->play_dir = 0;
	if (e->hal.ops->get_z(e->hal.ctx, &z) == AF_OK)
		e->stage_um = z;
	return rc;
}

/* One move command; target is the stage target, not the motor's. */
static int command(af_engine *e, double motor_um, double stage_um, int dir)
{
	int rc = e->hal.ops->move_z(e->hal.ctx, motor_um);

	if (rc != AF_OK)
		return lost(e, rc, "move_z");
	e->stage_um = stage_um;
	e->play_dir = dir;
	e->unsettled = true;
	return AF_OK;
}

int af__wait(af_engine *e)
{
	int rc = e->hal.ops->wait_settled(e->hal.ctx, e->cfg.settle_timeout_ms);

	if (rc != AF_OK)
		return lost(e, rc, "wait_settled");
	e->unsettled = false;
	return AF_OK;
}

/*
 * The wait (after a move) and the encoder in one: the settle wait reports
 * the encoder itself (wait_settled_z: the reading comes with the final
 * status reply, no bus round trip of its own); a HAL without it
 * (AF_ENOTSUP, remembered so it is asked once) waits, then reads get_z.
 * Without a move since the last wait, only the encoder is read.
 */
int af__wait_z(af_engine *e, double *z_um)
{
	int rc = AF_ENOTSUP;

	if (e->unsettled && !e->no_wait_z) {
		rc = af_hal_wait_settled_z(&e->hal, e->cfg.settle_timeout_ms, z_um);
		if (rc == AF_ENOTSUP)
			e->no_wait_z = true;
		else if (rc != AF_OK)
			return lost(e, rc, "wait_settled_z");
		else
			e->unsettled = false;
	}
	if (rc == AF_OK)
		return AF_OK;
	if (e->unsettled && (rc = af__wait(e)) != AF_OK)
		return rc;
	if ((rc = e->hal.ops->get_z(e->hal.ctx, z_um)) != AF_OK)
		return af__hal_err(e, rc, "get_z");
	return AF_OK;
}

/* A silent shortfall (lost steps) would mislabel the frames that follow:
 * where the engine checks, it takes the encoder's word. */
int af__settle_verify(af_engine *e)
{
	double z;
	int rc = af__wait_z(e, &z);

	if (rc != AF_OK)
		return rc;
	if (fabs(z - e->stage_um) > e->cfg.position_tol_um)
		e->stage_um = z;
	return AF_OK;
}

int af__move_start(af_engine *e, double z_um)
{
	double z = clamp_z(e, z_um);
	int rc;

	if (!isfinite(z))
		return af__err(e, AF_EINVAL, "move: target is not a finite number");
	if (e->play_dir == 0) {
		/* Play unknown: go below, settle, approach from underneath. */
		double below = clamp_z(e, z - e->backlash_um - 1.0);

		rc = command(e, below, below, +1);
		if (rc == AF_OK)
			rc = af__wait(e);
		if (rc != AF_OK)
			return rc;
		e->play_dir = +1;
	}
	if (z > e->stage_um)
		return command(e, z, z, +1);
	if (z < e->stage_um)
		return command(e, clamp_z(e, z - e->backlash_um), z, -1);
	return AF_OK;
}

/* The wait only after a move: a drive asked whether it settled when it
 * has not moved since it last said so answers with a bus round trip (and
 * a real one with its settle time) for nothing. */
int af__move_settle(af_engine *e, double z_um)
{
	int rc = af__move_start(e, z_um);

	return rc == AF_OK && e->unsettled ? af__wait(e) : rc;
}

int af__select(af_engine *e, af_lens lens)
{
	af_lens seated;
	int rc = e->hal.ops->select_lens(e->hal.ctx, lens);

	if (rc != AF_OK)
		return af__hal_err(e, rc, "select_lens");
	rc = e->hal.ops->get_lens(e->hal.ctx, &seated);
	if (rc != AF_OK)
		return af__hal_err(e, rc, "get_lens");
	if (seated != lens)
		return af__err(e, AF_EHW, "objective switcher seated lens %s instead of lens %s",
			       af_lens_name(seated), af_lens_name(lens));
	return AF_OK;
}

int af__score_here(af_engine *e, af_lens lens, af_measure_kind m, uint32_t stride, double *score)
{
	int rc = e->hal.ops->grab_frame(e->hal.ctx, &e->frame);

	if (rc != AF_OK)
		return af__hal_err(e, rc, "grab_frame");
	e->op_frames++;
	rc = e->measure_fn ? e->measure_fn(e->measure_user, &e->frame, m, stride, score)
			   : af_measure(m, &e->frame, stride, score);
	if (rc != AF_OK)
		return af__err(e, rc, "focus measure %s failed on a %ux%u frame",
			       af_measure_name(m), e->frame.width, e->frame.height);
	if (e->rec)
		af__rec_score(e->rec, m, stride, *score);
	if (e->hook) {
		af_sample s = { e->frame.timestamp_us, lens, e->stage_um, *score, m };

		e->hook(e->hook_user, &s);
	}
	return AF_OK;
}

/* Insert (z, score) keeping e->sz sorted; false when full. */
static bool keep(af_engine *e, double z, double score)
{
	size_t i;

	if (e->ns >= AF_SEARCH_MAX)
		return false;
	for (i = e->ns; i > 0 && e->sz[i - 1] > z; i--) {
		e->sz[i] = e->sz[i - 1];
		e->ss[i] = e->ss[i - 1];
	}
	e->sz[i] = z;
	e->ss[i] = score;
	e->ns++;
	return true;
}

bool af__sampled(const af_engine *e, double z, double tol)
{
	for (size_t i = 0; i < e->ns; i++)
		if (fabs(e->sz[i] - z) <= tol)
			return true;
	return false;
}

int af__sample_at(af_engine *e, af_lens lens, const af_search_params *p, double z,
		  uint32_t *frames)
{
	double score;
	int rc = af__move_settle(e, z);

	if (rc == AF_OK)
		rc = af__score_here(e, lens, p->measure, p->stride, &score);
	if (rc != AF_OK)
		return rc;
	(*frames)++;
	e->ss_landing = score;
	keep(e, e->stage_um, score);
	return AF_OK;
}

size_t af__argmax(const af_engine *e)
{
	size_t k = 0;

	for (size_t i = 1; i < e->ns; i++)
		if (e->ss[i] > e->ss[k])
			k = i;
	return k;
}

/*
 * Whether the scores fall away from local maximum i on the side dir: to
 * frac of it or lower before they rise above it again.  A side that runs
 * into the end of the samples first does not fall.
 */
#define PEAK_FALL 0.75
/* What a peak must fall to on both sides to be a focus peak at all. */
#define PEAK_ACCEPT 0.9
static bool falls_away(const af_engine *e, size_t i, int dir, double frac)
{
	double lo = e->ss[i];

	for (size_t j = i; dir < 0 ? j > 0 : j + 1 < e->ns;) {
		j = dir < 0 ? j - 1 : j + 1;
		if (e->ss[j] > e->ss[i])
			break;
		lo = e->ss[j] < lo ? e->ss[j] : lo;
	}
	return lo <= frac * e->ss[i];
}

/* Whether the scores from i on the side dir reach the end of the samples
 * without rising above score i. */
static bool runs_out(const af_engine *e, size_t i, int dir)
{
	for (size_t j = i; dir < 0 ? j > 0 : j + 1 < e->ns;) {
		j = dir < 0 ? j - 1 : j + 1;
		if (e->ss[j] > e->ss[i])
			return false;
	}
	return true;
}

/*
 * The maximum to fit: among the peaks that stand out (local maxima whose
 * scores fall away on both sides: a layer, not a bump of noise on a flank
 * or a tail) and reach PEAK_MIN of the highest, the one nearest the
 * prediction; else the highest.  A weaker layer next to a brighter one is
 * still the one the prediction points at (the rule that took the highest
 * unless the nearest reached half of it climbed a layer 3 um away when
 * the other layer was three times brighter).
 */
#define PEAK_MIN 0.2
static size_t choose_peak(const af_engine *e, double center_um)
{
	size_t best = af__argmax(e), pick = best;
	double top = e->ss[best], dist = fabs(e->sz[best] - center_um);

	for (size_t i = 0; i < e->ns; i++) {
		bool left = i == 0 || e->ss[i] > e->ss[i - 1];
		bool right = i + 1 == e->ns || e->ss[i] > e->ss[i + 1];

		if (left && right && e->ss[i] >= PEAK_MIN * top && fabs(e->sz[i] - center_um) < dist &&
		    falls_away(e, i, -1, PEAK_FALL) && falls_away(e, i, +1, PEAK_FALL)) {
			pick = i;
			dist = fabs(e->sz[i] - center_um);
		}
	}
	return pick;
}

/*
 * The vertex of the parabola through log(score) of the three samples at
 * the end of the samples where k lies, without clamping: where a Gaussian
 * focus curve through them peaks.  NaN when a score is not positive or the
 * curve is not concave there.
 */
static double edge_vertex(const af_engine *e, size_t k)
{
	size_t i = k == 0 ? 0 : e->ns - 3;
	double x0 = e->sz[i], x1 = e->sz[i + 1], x2 = e->sz[i + 2];
	double y0, y1, y2, d01, d12, a, b;

	if (e->ns < 3 || !(e->ss[i] > 0.0 && e->ss[i + 1] > 0.0 && e->ss[i + 2] > 0.0))
		return NAN;
	y0 = log(e->ss[i]);
	y1 = log(e->ss[i + 1]);
	y2 = log(e->ss[i + 2]);
	/* Newton's divided differences: y = y0 + d01 (x - x0) + a (x - x0)(x - x1) */
	d01 = (y1 - y0) / (x1 - x0);
	d12 = (y2 - y1) / (x2 - x1);
	a = (d12 - d01) / (x2 - x0);
	if (!(a < 0.0))
		return NAN;
	b = d01 - a * (x0 + x1);       /* y = a x^2 + b x + c */
	return -b / (2.0 * a);
}

/* Fit the peak around sample k with the window of p (a parabola or a
 * Gaussian: af_peak_fit). */
static int fit_around(af_engine *e, const af_search_params *p, size_t k, double *z, double *s,
		      bool *edge)
{
	size_t half = p->fit_window / 2, lo, hi;
	af_peak_method m = p->fit == AF_PEAK_PARABOLA ? AF_PEAK_PARABOLA : AF_PEAK_GAUSSIAN;
	int at_edge = 0, rc;

	lo = k > half ? k - half : 0;
	hi = k + half + 1 < e->ns ? k + half + 1 : e->ns;
	if (hi - lo < 3) {
		if (e->ns < 3)
			return af__err(e, AF_ENOFOCUS, "too few frames to fit a focus peak");
		lo = k == 0 ? 0 : (k + 2 >= e->ns ? e->ns - 3 : k - 1);
		hi = lo + 3;
	}
	rc = af_peak_fit(e->sz + lo, e->ss + lo, hi - lo, m, (int)(hi - lo), z, s, &at_edge);
	if (rc != AF_OK)
		return af__err(e, AF_ENOFOCUS,
			       "no focus peak: the focus curve is not concave around %.3f um",
			       e->sz[k]);
	*edge = k == 0 || k + 1 == e->ns;
	return AF_OK;
}

/*
 * The samples of the peak at k: outward from k while the scores stay
 * between PEAK_REGION of its score and its score (the Lorentzian holds
 * within about 1.5 half widths of focus; a higher score is another peak).
 */
#define PEAK_REGION 0.3
static void peak_region(const af_engine *e, size_t k, size_t *lo, size_t *hi)
{
	double floor = PEAK_REGION * e->ss[k];

	*lo = *hi = k;
	while (*lo > 0 && e->ss[*lo - 1] >= floor && e->ss[*lo - 1] <= e->ss[k])
		(*lo)--;
	while (*hi + 1 < e->ns && e->ss[*hi + 1] >= floor && e->ss[*hi + 1] <= e->ss[k])
		(*hi)++;
}

/* Fold a fitted half width into lens's learnt one (an average over the
 * last 16; a fit far from the lens's configured width is not learnt). */
void af__learn_width(af_engine *e, af_lens lens, double w_um)
{
	double w_cfg = e->cfg.curve_width_um[lens];
	uint32_t n;

	if (!(w_um > 0.2 * w_cfg && w_um < 5.0 * w_cfg))
		return;
	n = e->width_n[lens] < 16 ? ++e->width_n[lens] : 16;
	e->width_um[lens] += (w_um - e->width_um[lens]) / (double)n;
}

/*
 * The same for the asymmetry (at most AF_ASYM_MAX), with the spread of
 * the fits: a free fit's asymmetry is noisy (a wide search of lens A puts
 * few samples on each flank), and a wrong asymmetry biases every fit by a
 * fraction of the curve's width.  So the engine holds the learnt value
 * only once it stands out of its own noise (af__asym).
 */
void af__learn_asym(af_engine *e, af_lens lens, double asym)
{
	double d;
	uint32_t n;

	if (!(fabs(asym) <= AF_ASYM_MAX))
		return;
	n = e->asym_n[lens] < 16 ? ++e->asym_n[lens] : 16;
	d = asym - e->asym_mean[lens];
	e->asym_mean[lens] += d / (double)n;
	e->asym_var[lens] += (d * (asym - e->asym_mean[lens]) - e->asym_var[lens]) / (double)n;
	/* twice its standard error, from three fits on */
	e->asym[lens] = n >= 3 && fabs(e->asym_mean[lens]) >
				     2.0 * sqrt(e->asym_var[lens] / (double)n) ? e->asym_mean[lens] : 0.0;
}

/*
 * The peak at sample k.  With p->fit lorentzian: the two-sided Lorentzian
 * (af_peak.h) with the lens's learnt asymmetry through the fit_window
 * samples around k that belong to its peak, the peak between k's
 * neighbours.  Local on purpose: near focus a focus measure is a
 * Lorentzian, further out it sits on a pedestal (the noise's own score, a
 * coarse or faint texture's slow fall) that no single model of the curve
 * follows, and a fit reaching into it is biased by how the samples happen
 * to lie.  With learn, a free fit over the whole peak (six samples or
 * more, two each side, on a pass whose lowest score is under a quarter of
 * its highest: a curve the Lorentzian describes) also learns the lens's
 * asymmetry.  (The width is the probes' to learn: a scan's fit is not the
 * width two probes step_um apart see.)  A peak at an end of the samples,
 * or one the model cannot fit, falls back to the Gaussian window fit.
 */
#define LEARN_MIN_SAMPLES 6
#define LEARN_MAX_PEDESTAL 0.1
/*
 * Trim the free fit's samples [*lo, *hi] around k so that neither flank
 * reaches much further down the curve than the other (its lowest score
 * under BALANCE of the other flank's lowest), keeping two on each side: a
 * fit that sees more of one flank's tail than the other's reads the tails'
 * misfit as asymmetry.  Levels, not distances: an asymmetric curve's flanks
 * reach the same level at different distances.
 */
#define BALANCE 0.6
static void balance(const af_engine *e, size_t k, size_t *lo, size_t *hi)
{
	while (k - *lo > 2 && e->ss[*lo] < BALANCE * e->ss[*hi])
		(*lo)++;
	while (*hi - k > 2 && e->ss[*hi] < BALANCE * e->ss[*lo])
		(*hi)--;
}

/*
 * The peak at sample k.  With p->fit lorentzian: the two-sided Lorentzian
 * (af_peak.h) with the lens's learnt asymmetry through the fit_window
 * samples around k that belong to its peak, the peak between k's
 * neighbours.  Local on purpose: near focus a focus measure is a
 * Lorentzian, further out it sits on a pedestal (the noise's own score, a
 * coarse or faint texture's slow fall) that no single model of the curve
 * follows, and a fit reaching into it is biased by how the samples happen
 * to lie.  With learn, on a pass that reaches the tails (its lowest score
 * under LEARN_MAX_PEDESTAL of its highest: a wide search on a curve the
 * Lorentzian describes), a free fit over the whole peak (LEARN_MIN_SAMPLES
 * or more, two each side, balanced) also learns the lens's asymmetry.
 * (The width is the probes' to learn: a scan's fit is not the width two
 * probes step_um apart see.)  A peak at an end of the samples, or one the
 * model cannot fit, falls back to the Gaussian window fit.
 */
#define LEARN_MIN_SAMPLES 6
#define LEARN_MAX_PEDESTAL 0.1
static int fit_peak(af_engine *e, af_lens lens, const af_search_params *p, size_t k, bool learn,
		    double *z, double *s, bool *edge)
{
	size_t half = p->fit_window / 2, lo, hi, wlo, whi;
	af_lorentz m, f;
	double rms;

	if (p->fit != AF_PEAK_LORENTZIAN || k == 0 || k + 1 == e->ns)
		return fit_around(e, p, k, z, s, edge);
	peak_region(e, k, &lo, &hi);
	if (learn && k - lo >= 2 && hi - k >= 2 && af__contrast(e) > 1.0 - LEARN_MAX_PEDESTAL) {
		size_t flo = lo, fhi = hi;

		balance(e, k, &flo, &fhi);
		if (fhi - flo + 1 >= LEARN_MIN_SAMPLES &&
		    af_lorentz_fit(e->sz + flo, e->ss + flo, fhi - flo + 1, NAN, NAN, e->sz[k - 1],
				   e->sz[k + 1], &f, &rms) == AF_OK && rms < 0.1)
			af__learn_asym(e, lens, f.asym);
	}
	wlo = k - lo > half ? k - half : lo;
	whi = hi - k > half ? k + half : hi;
	if (wlo == k || whi == k || whi - wlo + 1 < 3 ||
	    af_lorentz_fit(e->sz + wlo, e->ss + wlo, whi - wlo + 1, e->asym[lens], NAN, e->sz[k - 1],
			   e->sz[k + 1], &m, NULL) != AF_OK) {
		return fit_around(e, p, k, z, s, edge);
	}
	*z = m.z0_um;
	*s = m.peak;
	*edge = false;
	return AF_OK;
}

/* The "nothing to focus on" failure of a pass with too little contrast. */
int af__no_texture(af_engine *e, af_lens lens, double center_um, double got, double min)
{
	return af__err(e, AF_ENOFOCUS,
		       "no focus found near %.3f um with lens %s: scores vary by %.1f %% "
		       "(below %.1f %%): too little texture", center_um, af_lens_name(lens),
		       100.0 * got, 100.0 * min);
}

double af__contrast(const af_engine *e)
{
	double lo = e->ss[0], hi = e->ss[0];

	for (size_t i = 1; i < e->ns; i++) {
		lo = e->ss[i] < lo ? e->ss[i] : lo;
		hi = e->ss[i] > hi ? e->ss[i] : hi;
	}
	return hi > 0.0 ? (hi - lo) / hi : 0.0;
}

int af__search(af_engine *e, af_lens lens, double center_um, const af_search_params *p,
	       af_search_out *out)
{
	double lo_lim = center_um - p->range_um, hi_lim = center_um + p->range_um;
	double half = 0.5 * (double)(p->points - 1) * p->step_um;
	uint32_t frames = 0;
	double extrapolated = NAN;
	size_t k;
	bool edge = false;
	int rc;

	memset(out, 0, sizeof *out);
	out->z_um = NAN;
	if (p->mode == AF_SEARCH_PROBE)
		return af__probe(e, lens, center_um, p, out);
	e->ns = 0;
	for (uint32_t i = 0; i < p->points && frames < p->max_frames; i++) {
		rc = af__sample_at(e, lens, p, center_um - half + (double)i * p->step_um, &frames);
		if (rc != AF_OK)
			goto done;
	}
	/* Extend while the maximum is at an end, unless the peak is close
	 * enough beyond it to extrapolate. */
	while (frames < p->max_frames && e->ns >= 2) {
		size_t m = af__argmax(e);
		double z, v;

		if ((m == 0 || m == e->ns - 1) && p->extrapolate_um > 0.0 &&
		    isfinite(v = edge_vertex(e, m)) &&
		    v >= e->sz[0] - p->extrapolate_um && v <= e->sz[e->ns - 1] + p->extrapolate_um) {
			extrapolated = v;
			break;
		}
		if (m == e->ns - 1)
			z = e->sz[m] + p->step_um;
		else if (m == 0)
			z = e->sz[0] - p->step_um;
		else
			break;
		if (z < lo_lim - 1e-9 || z > hi_lim + 1e-9)
			break;
		rc = af__sample_at(e, lens, p, z, &frames);
		if (rc != AF_OK)
			goto done;
	}
	out->contrast = af__contrast(e);
	if (out->contrast < p->min_contrast) {
		rc = af__no_texture(e, lens, center_um, out->contrast, p->min_contrast);
		goto done;
	}
	k = choose_peak(e, center_um);
	/* A peak between the last two frames of a side has not fallen yet
	 * there: extend that side (within range and budget) until it falls or
	 * rises again, before the peak is judged (on a rig whose focus lay
	 * that way the judgement once turned on which frame came last) */
	for (int more = 0; more < 4 && !isfinite(extrapolated) && frames < p->max_frames; more++) {
		int dir = 0;
		double z;

		if (k > 0 && k + 1 < e->ns && !falls_away(e, k, +1, PEAK_ACCEPT) && runs_out(e, k, +1))
			dir = +1;
		else if (k > 0 && k + 1 < e->ns && !falls_away(e, k, -1, PEAK_ACCEPT) && runs_out(e, k, -1))
			dir = -1;
		if (!dir)
			break;
		z = dir > 0 ? e->sz[e->ns - 1] + p->step_um : e->sz[0] - p->step_um;
		if (z < lo_lim - 1e-9 || z > hi_lim + 1e-9)
			break;
		rc = af__sample_at(e, lens, p, z, &frames);
		if (rc != AF_OK)
			goto done;
		k = choose_peak(e, center_um);
	}
	/* A focus peak inside the samples falls on both sides; the highest
	 * frame at an end that the pass could not extend past (range, frame
	 * budget) or a bump of noise on a tail is not one (those were once
	 * reported as focus, micrometres off) */
	if ((k == 0 || k + 1 == e->ns) && !isfinite(extrapolated)) {
		rc = af__err(e, AF_ENOFOCUS,
			     "no focus peak within %.3f um of %.3f um with lens %s: the scores still "
			     "rise at %.3f um", p->range_um, center_um, af_lens_name(lens), e->sz[k]);
		goto done;
	}
	if (!isfinite(extrapolated) &&
	    (!falls_away(e, k, -1, PEAK_ACCEPT) || !falls_away(e, k, +1, PEAK_ACCEPT))) {
		rc = af__err(e, AF_ENOFOCUS,
			     "no focus peak near %.3f um with lens %s: the scores around %.3f um do not "
			     "fall by %.0f %% on both sides (noise, not a focus peak)", center_um,
			     af_lens_name(lens), e->sz[k], 100.0 * (1.0 - PEAK_ACCEPT));
		goto done;
	}
	rc = fit_peak(e, lens, p, k, p->refine_points < 3, &out->z_um, &out->score, &edge);
	if (rc != AF_OK)
		goto done;
	if (isfinite(extrapolated) && edge) {
		/* the peak lies just beyond the frames: the Gaussian's vertex
		 * (fit_around clamps to the frames); its score is the curve's
		 * value there */
		double ymax = log(e->ss[k]);
		size_t i = k == 0 ? 0 : e->ns - 3;
		double x0 = e->sz[i], x1 = e->sz[i + 1], x2 = e->sz[i + 2];
		double y0 = log(e->ss[i]), y1 = log(e->ss[i + 1]), y2 = log(e->ss[i + 2]);
		double d01 = (y1 - y0) / (x1 - x0), a = ((y2 - y1) / (x2 - x1) - d01) / (x2 - x0);
		double v = extrapolated;

		(void)ymax;
		out->z_um = v;
		out->score = exp(y0 + d01 * (v - x0) + a * (v - x0) * (v - x1));
	}
	if (p->refine_points >= 3) {
		double rhalf = 0.5 * (double)(p->refine_points - 1) * p->refine_step_um;
		double c = out->z_um;

		for (uint32_t i = 0; i < p->refine_points && frames < p->max_frames; i++) {
			double z = c - rhalf + (double)i * p->refine_step_um;

			if (z < lo_lim || z > hi_lim || af__sampled(e, z, 0.25 * p->refine_step_um))
				continue;
			rc = af__sample_at(e, lens, p, z, &frames);
			if (rc != AF_OK)
				goto done;
		}
		/* Refit on the fine samples around the coarse peak. */
		k = choose_peak(e, c);
		rc = fit_peak(e, lens, p, k, true, &out->z_um, &out->score, &edge);
		if (rc != AF_OK)
			goto done;
	}
	out->at_edge = edge;
	out->best_sample = e->ss[af__argmax(e)];
	rc = AF_OK;
done:
	out->frames = frames;
	return rc;
}
