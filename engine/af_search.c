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
	return AF_OK;
}

int af__wait(af_engine *e)
{
	int rc = e->hal.ops->wait_settled(e->hal.ctx, e->cfg.settle_timeout_ms);

	return rc == AF_OK ? AF_OK : lost(e, rc, "wait_settled");
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

int af__move_settle(af_engine *e, double z_um)
{
	int rc = af__move_start(e, z_um);

	return rc == AF_OK ? af__wait(e) : rc;
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

static bool sampled(const af_engine *e, double z, double tol)
{
	for (size_t i = 0; i < e->ns; i++)
		if (fabs(e->sz[i] - z) <= tol)
			return true;
	return false;
}

static int sample_at(af_engine *e, af_lens lens, const af_search_params *p, double z,
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

static size_t argmax(const af_engine *e)
{
	size_t k = 0;

	for (size_t i = 1; i < e->ns; i++)
		if (e->ss[i] > e->ss[k])
			k = i;
	return k;
}

/*
 * The maximum to fit: among the local maxima at least half the highest,
 * the one nearest the prediction.  A lone maximum is the global one.
 */
static size_t choose_peak(const af_engine *e, double center_um)
{
	size_t best = argmax(e), pick = best;
	double top = e->ss[best], dist = fabs(e->sz[best] - center_um);

	for (size_t i = 0; i < e->ns; i++) {
		bool left = i == 0 || e->ss[i] > e->ss[i - 1];
		bool right = i + 1 == e->ns || e->ss[i] > e->ss[i + 1];

		if (left && right && e->ss[i] >= 0.5 * top && fabs(e->sz[i] - center_um) < dist) {
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

/* Fit the peak around sample k with the window of p. */
static int fit_around(af_engine *e, const af_search_params *p, size_t k, double *z, double *s,
		      bool *edge)
{
	size_t half = p->fit_window / 2, lo, hi;
	int at_edge = 0, rc;

	lo = k > half ? k - half : 0;
	hi = k + half + 1 < e->ns ? k + half + 1 : e->ns;
	if (hi - lo < 3) {
		if (e->ns < 3)
			return af__err(e, AF_ENOFOCUS, "too few frames to fit a focus peak");
		lo = k == 0 ? 0 : (k + 2 >= e->ns ? e->ns - 3 : k - 1);
		hi = lo + 3;
	}
	rc = af_peak_fit(e->sz + lo, e->ss + lo, hi - lo, p->fit, (int)(hi - lo), z, s, &at_edge);
	if (rc != AF_OK)
		return af__err(e, AF_ENOFOCUS,
			       "no focus peak: the focus curve is not concave around %.3f um",
			       e->sz[k]);
	*edge = k == 0 || k + 1 == e->ns;
	return AF_OK;
}

/* The "nothing to focus on" failure of a pass with too little contrast. */
static int no_texture(af_engine *e, af_lens lens, double center_um, double got, double min)
{
	return af__err(e, AF_ENOFOCUS,
		       "no focus found near %.3f um with lens %s: scores vary by %.1f %% "
		       "(below %.1f %%): too little texture", center_um, af_lens_name(lens),
		       100.0 * got, 100.0 * min);
}

static double contrast(const af_engine *e)
{
	double lo = e->ss[0], hi = e->ss[0];

	for (size_t i = 1; i < e->ns; i++) {
		lo = e->ss[i] < lo ? e->ss[i] : lo;
		hi = e->ss[i] > hi ? e->ss[i] : hi;
	}
	return hi > 0.0 ? (hi - lo) / hi : 0.0;
}

/*
 * The Lorentzian through three samples: 1/S is a parabola in z with its
 * minimum at the peak.  *w2 receives the squared half width.  false when
 * the samples do not make a peak (1/S not convex, or a peak score <= 0).
 */
static bool lorentz3(const double *z, const double *sc, double *z0, double *s0, double *w2)
{
	double y0, y1, y2, d01, a, b, c, ymin;

	if (!(sc[0] > 0.0 && sc[1] > 0.0 && sc[2] > 0.0))
		return false;
	y0 = 1.0 / sc[0];
	y1 = 1.0 / sc[1];
	y2 = 1.0 / sc[2];
	d01 = (y1 - y0) / (z[1] - z[0]);
	a = ((y2 - y1) / (z[2] - z[1]) - d01) / (z[2] - z[0]);
	if (!(a > 0.0))
		return false;
	b = d01 - a * (z[0] + z[1]);
	c = y0 - a * z[0] * z[0] - b * z[0];
	*z0 = -b / (2.0 * a);
	ymin = c - b * b / (4.0 * a);
	if (!(ymin > 0.0))
		return false;
	*s0 = 1.0 / ymin;
	*w2 = ymin / a;
	return true;
}

/*
 * Where the peak of a Lorentzian of half width w lies, given its values at
 * z1 < z2: the roots of (1 - r) u^2 - 2 (z1 - r z2) u + z1^2 - r z2^2 +
 * w^2 (1 - r) = 0, r = S2 / S1 (the ratio of 1/S).  Two probes cannot tell
 * a peak between them from one beyond the brighter: *near gets the root
 * nearer the midpoint (the likelier, for a prediction between the probes),
 * *far the other one.
 */
static void lorentz2(double z1, double s1, double z2, double s2, double w, double *near,
		     double *far)
{
	double r = s2 / s1, mid = 0.5 * (z1 + z2);
	double qa = 1.0 - r, qb = -2.0 * (z1 - r * z2), qc = z1 * z1 - r * z2 * z2 + w * w * qa;
	double disc, u1, u2;

	if (fabs(qa) < 1e-12) {
		*near = *far = mid;
		return;
	}
	disc = qb * qb - 4.0 * qa * qc;
	if (disc < 0.0) {
		*near = *far = s1 > s2 ? z1 : z2;
		return;
	}
	disc = sqrt(disc);
	u1 = (-qb - disc) / (2.0 * qa);
	u2 = (-qb + disc) / (2.0 * qa);
	*near = fabs(u1 - mid) <= fabs(u2 - mid) ? u1 : u2;
	*far = *near == u1 ? u2 : u1;
}

/*
 * Indices of three samples around the maximum k for a fit: the nearest
 * neighbours on each side at least min_sep away (close pairs make the fit
 * ill-conditioned); at an end, the two nearest on the one side.  false
 * when there are not enough.
 */
static bool three_around(const af_engine *e, size_t k, double min_sep, size_t idx[3])
{
	long lo = -1, hi = -1;

	for (long i = (long)k - 1; i >= 0; i--)
		if (e->sz[k] - e->sz[i] >= min_sep) {
			lo = i;
			break;
		}
	for (size_t i = k + 1; i < e->ns; i++)
		if (e->sz[i] - e->sz[k] >= min_sep) {
			hi = (long)i;
			break;
		}
	if (lo >= 0 && hi >= 0) {
		idx[0] = (size_t)lo;
		idx[1] = k;
		idx[2] = (size_t)hi;
		return true;
	}
	return false;
}

/* Fold a fitted half width into lens's learnt one. */
static void learn_width(af_engine *e, af_lens lens, double w2)
{
	double w, w_cfg = e->cfg.curve_width_um[lens];
	uint32_t n;

	if (!(w2 > 0.0))
		return;
	w = sqrt(w2);
	if (!(w > 0.2 * w_cfg && w < 5.0 * w_cfg))
		return;
	n = e->width_n[lens] < 16 ? ++e->width_n[lens] : 16;
	e->width_um[lens] += (w - e->width_um[lens]) / (double)n;
}

static int probe(af_engine *e, af_lens lens, double center_um, const af_search_params *p,
		 af_search_out *out)
{
	double z[3], u, far, lo_z, hi_z, z0, s0, w2;
	uint32_t frames = 0;
	int rc;

	e->ns = 0;
	rc = sample_at(e, lens, p, center_um - p->step_um, &frames);
	if (rc == AF_OK)
		rc = sample_at(e, lens, p, center_um + p->step_um, &frames);
	if (rc != AF_OK)
		goto done;
	lorentz2(e->sz[0], e->ss[0], e->sz[1], e->ss[1], e->width_um[lens], &u, &far);
	lo_z = e->sz[0] - p->extrapolate_um;
	hi_z = e->sz[1] + p->extrapolate_um;
	u = u < lo_z ? lo_z : (u > hi_z ? hi_z : u);
	far = far < lo_z ? lo_z : (far > hi_z ? hi_z : far);
	rc = sample_at(e, lens, p, u, &frames);
	if (rc != AF_OK)
		goto done;
	out->contrast = contrast(e);
	out->best_sample = e->ss[argmax(e)];
	if (out->contrast < p->min_contrast) {
		rc = no_texture(e, lens, center_um, out->contrast, p->min_contrast);
		goto done;
	}
	out->z_um = e->stage_um;
	out->score = e->ss_landing;
	out->landed = true;
	/* Confirm: fit the three frames around the best; land there when the
	 * fit disagrees with the landing by more than land_tol; a peak beyond
	 * the frames by more than a step gets a frame of its own first. */
	while (p->confirm) {
		size_t k = argmax(e), idx[3];
		double fz[3], fs[3];

		if (k == 0 || k + 1 == e->ns) {
			/* the best frame is an end one: the peak lies beyond it (the
			 * far root of the probes, or a step further) */
			double next = isfinite(far) && !sampled(e, far, 0.25 * p->step_um)
				? far : (k == 0 ? e->sz[0] - p->step_um : e->sz[e->ns - 1] + p->step_um);

			far = NAN;
			if (frames >= p->max_frames || next < center_um - p->range_um ||
			    next > center_um + p->range_um)
				break;
			rc = sample_at(e, lens, p, next, &frames);
			if (rc != AF_OK)
				goto done;
			out->z_um = e->stage_um;
			out->score = e->ss_landing;
			out->best_sample = e->ss[argmax(e)];
			continue;
		}
		if (!three_around(e, k, 0.3 * p->step_um, idx))
			break;
		for (int i = 0; i < 3; i++) {
			fz[i] = e->sz[idx[i]];
			fs[i] = e->ss[idx[i]];
		}
		if (!lorentz3(fz, fs, &z0, &s0, &w2))
			break;
		learn_width(e, lens, w2);
		if (fabs(z0 - e->stage_um) > p->land_tol_um) {
			out->z_um = z0;
			out->score = s0;
			out->landed = false;
		}
		break;
	}
	z[0] = e->sz[0];
	z[2] = e->sz[e->ns - 1];
	out->at_edge = out->z_um < z[0] || out->z_um > z[2];
	rc = AF_OK;
done:
	out->frames = frames;
	return rc;
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
		return probe(e, lens, center_um, p, out);
	e->ns = 0;
	for (uint32_t i = 0; i < p->points && frames < p->max_frames; i++) {
		rc = sample_at(e, lens, p, center_um - half + (double)i * p->step_um, &frames);
		if (rc != AF_OK)
			goto done;
	}
	/* Extend while the maximum is at an end, unless the peak is close
	 * enough beyond it to extrapolate. */
	while (frames < p->max_frames && e->ns >= 2) {
		size_t m = argmax(e);
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
		rc = sample_at(e, lens, p, z, &frames);
		if (rc != AF_OK)
			goto done;
	}
	out->contrast = contrast(e);
	if (out->contrast < p->min_contrast) {
		rc = no_texture(e, lens, center_um, out->contrast, p->min_contrast);
		goto done;
	}
	k = choose_peak(e, center_um);
	rc = fit_around(e, p, k, &out->z_um, &out->score, &edge);
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

			if (z < lo_lim || z > hi_lim || sampled(e, z, 0.25 * p->refine_step_um))
				continue;
			rc = sample_at(e, lens, p, z, &frames);
			if (rc != AF_OK)
				goto done;
		}
		/* Refit on the fine samples around the coarse peak. */
		k = choose_peak(e, c);
		rc = fit_around(e, p, k, &out->z_um, &out->score, &edge);
		if (rc != AF_OK)
			goto done;
	}
	out->at_edge = edge;
	out->best_sample = e->ss[argmax(e)];
	rc = AF_OK;
done:
	out->frames = frames;
	return rc;
}
