/*
 * af_probe.c - the PROBE search of the fast levels, and its check.
 *
 * Two frames step_um either side of the prediction; the lens's focus curve
 * (af_peak.h: a Lorentzian of the learnt half width and asymmetry) through
 * them puts the peak, and the third frame is taken there, where the stage
 * lands.  With confirm the three frames around the best are refitted and
 * the stage relands when the refit disagrees by more than land_tol_um; a
 * best frame at an end gets another frame beyond it first.
 *
 * The check.  Two probes only work for a curve like the one the engine
 * learnt; a specimen with coarser texture or less contrast has a broader
 * curve on a pedestal, and the probes' solution then lands between the
 * prediction and the focus, confidently (at ultra_fast, 0.5 to 0.8 um off
 * with a 30 or 40 um cell field of contrast 0.2 or 0.15).  So every probe
 * search refits its frames and calls the curve unlike the lens's
 * (af_search_out.unlike):
 *   - three frames around the best (the asymmetry held): when the refit's
 *     half width is more than CHECK_WIDTH_RATIO from the learnt one, or
 *     its peak more than CHECK_PEAK_W learnt half widths from the landing;
 *   - otherwise (the best frame an end one, or too close to a neighbour)
 *     the learnt curve through all the frames: when its peak is more than
 *     CHECK_PEAK_W half widths from the landing, or it misses the frames
 *     by more than CHECK_RMS (relative RMS).
 * The handoff then validates with a finer search instead of reporting
 * success off focus.  The three-frame refit's width is learnt either way,
 * so the levels follow a specimen that differs from the one the defaults
 * were set on.
 */
#include <math.h>

#include "af_engine_impl.h"
#include "af_peak.h"

#define CHECK_WIDTH_RATIO 1.6
#define CHECK_PEAK_W 0.4
#define CHECK_RMS 0.15

/*
 * Indices of three samples around the maximum k for a fit: the nearest
 * neighbours on each side at least min_sep away (close pairs make the fit
 * ill-conditioned).  false when there are not enough.
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

/* The Lorentzian through the three samples around the best, the learnt
 * asymmetry held; false when there are no three or they make no peak. */
static bool refit3(af_engine *e, af_lens lens, const af_search_params *p, af_lorentz *m)
{
	size_t k = af__argmax(e), idx[3];
	double fz[3], fs[3];

	if (k == 0 || k + 1 == e->ns || !three_around(e, k, 0.3 * p->step_um, idx))
		return false;
	for (int i = 0; i < 3; i++) {
		fz[i] = e->sz[idx[i]];
		fs[i] = e->ss[idx[i]];
	}
	return af_lorentz_fit(fz, fs, 3, e->asym[lens], NAN, fz[0], fz[2], m, NULL) == AF_OK;
}

/* The check (above): out->unlike and what it saw. */
static void check(af_engine *e, af_lens lens, const af_search_params *p, af_search_out *out)
{
	double w = e->width_um[lens], rms = NAN;
	af_lorentz m;

	out->learnt_w_um = w;   /* before the refit is folded into it below */
	if (refit3(e, lens, p, &m)) {
		out->fit_w_um = m.w_um;
		out->fit_z_um = m.z0_um;
		out->unlike = m.w_um > CHECK_WIDTH_RATIO * w || m.w_um < w / CHECK_WIDTH_RATIO ||
			      fabs(m.z0_um - out->z_um) > CHECK_PEAK_W * w;
		af__learn_width(e, lens, m.w_um);
		return;
	}
	/* the best frame is an end one, or too close to another for a
	 * three-frame fit: where the learnt curve through the frames peaks
	 * (the landing may still be near enough), and whether it goes through
	 * them at all (a curve on a pedestal does not) */
	out->fit_w_um = w;
	out->fit_z_um = NAN;
	if (af_lorentz_fit(e->sz, e->ss, e->ns, e->asym[lens], w, e->sz[0] - 2.0 * w,
			   e->sz[e->ns - 1] + 2.0 * w, &m, &rms) != AF_OK) {
		out->unlike = true;
		return;
	}
	out->fit_z_um = m.z0_um;
	out->unlike = fabs(m.z0_um - out->z_um) > CHECK_PEAK_W * w || !(rms <= CHECK_RMS);
}

int af__probe(af_engine *e, af_lens lens, double center_um, const af_search_params *p,
	      af_search_out *out)
{
	double u, far, lo_z, hi_z, w = e->width_um[lens];
	uint32_t frames = 0;
	int rc;

	e->ns = 0;
	rc = af__sample_at(e, lens, p, center_um - p->step_um, &frames);
	if (rc == AF_OK)
		rc = af__sample_at(e, lens, p, center_um + p->step_um, &frames);
	if (rc != AF_OK)
		goto done;
	lo_z = e->sz[0] - p->extrapolate_um;
	hi_z = e->sz[1] + p->extrapolate_um;
	if (!(e->ss[0] > 0.0 && e->ss[1] > 0.0) ||
	    af_lorentz_two(e->sz[0], e->ss[0], e->sz[1], e->ss[1], w, e->asym[lens], lo_z - 3.0 * w,
			   hi_z + 3.0 * w, &u, &far) != AF_OK) {
		/* No curve of the learnt width through the probes: the scores
		 * fall off faster than it allows (a narrower curve, or a peak
		 * at or beyond the brighter probe).  The third frame goes
		 * beyond the brighter probe, never onto it again: a second
		 * frame where one was taken tells nothing, and leaves the
		 * confirm no three frames to fit. */
		bool upper = e->ss[1] >= e->ss[0];

		u = upper ? hi_z : lo_z;
		far = NAN;
	}
	u = u < lo_z ? lo_z : (u > hi_z ? hi_z : u);
	far = far < lo_z ? lo_z : (far > hi_z ? hi_z : far);
	rc = af__sample_at(e, lens, p, u, &frames);
	if (rc != AF_OK)
		goto done;
	out->contrast = af__contrast(e);
	out->best_sample = e->ss[af__argmax(e)];
	if (out->contrast < p->min_contrast) {
		rc = af__no_texture(e, lens, center_um, out->contrast, p->min_contrast);
		goto done;
	}
	out->z_um = e->stage_um;
	out->score = e->ss_landing;
	out->landed = true;
	/* Confirm: fit the three frames around the best; land there when the
	 * fit disagrees with the landing by more than land_tol; a peak beyond
	 * the frames by more than a step gets a frame of its own first. */
	while (p->confirm) {
		size_t k = af__argmax(e);
		af_lorentz m;

		if (k == 0 || k + 1 == e->ns) {
			/* the best frame is an end one: the peak lies beyond it (the
			 * far root of the probes, or a step further) */
			double next = isfinite(far) && !af__sampled(e, far, 0.25 * p->step_um)
				? far : (k == 0 ? e->sz[0] - p->step_um : e->sz[e->ns - 1] + p->step_um);

			far = NAN;
			if (frames >= p->max_frames || next < center_um - p->range_um ||
			    next > center_um + p->range_um)
				break;
			rc = af__sample_at(e, lens, p, next, &frames);
			if (rc != AF_OK)
				goto done;
			out->z_um = e->stage_um;
			out->score = e->ss_landing;
			out->best_sample = e->ss[af__argmax(e)];
			continue;
		}
		if (!refit3(e, lens, p, &m))
			break;
		if (fabs(m.z0_um - e->stage_um) > p->land_tol_um) {
			out->z_um = m.z0_um;
			out->score = m.peak;
			out->landed = false;
		}
		break;
	}
	check(e, lens, p, out);
	out->at_edge = out->z_um < e->sz[0] || out->z_um > e->sz[e->ns - 1];
	rc = AF_OK;
done:
	out->frames = frames;
	return rc;
}
