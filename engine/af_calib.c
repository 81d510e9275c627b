/*
 * af_calib.c - parfocal calibration.
 *
 * Each pass visits every site with lens A (focused near the site's plan
 * position), then every site with lens B (focused near the prediction of
 * the mapping so far, or the nominal offset): one lens switch per lens and
 * pass, so a seating error shifts a whole pass rather than scattering its
 * points, and the passes average the seating errors out.  The first pass
 * uses the lenses' wide searches, later ones the standard search around the
 * first pass's result.  The pairs (z_A, z_B)
 * are fitted with the configured model; the calibration joins the history
 * and, with two or more at different temperatures, the temperature
 * coefficients are fitted.  Optionally the stage's backlash is measured
 * first: an upward move to z, then a downward move commanded to z, the
 * encoder reading the difference.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "af_engine_impl.h"

/* Measure the play: approach z from above and below, read the encoder. */
static int measure_backlash(af_engine *e, double z, double *b_um)
{
	double up, down;
	int rc;

	/* excursions well beyond any plausible play (< 15 um); each reading
	 * comes with its settle wait where the HAL can (af__wait_z) */
	rc = af__move_settle(e, z - 15.0);
	if (rc == AF_OK)
		rc = af__move_start(e, z);
	if (rc == AF_OK)
		rc = af__wait_z(e, &up);
	if (rc != AF_OK)
		return rc;
	rc = af__move_settle(e, z + 15.0);
	if (rc != AF_OK)
		return rc;
	/* commanded without compensation: the stage stops the play above z */
	if ((rc = e->hal.ops->move_z(e->hal.ctx, z)) != AF_OK)
		return af__hal_err(e, rc, "move_z");
	e->unsettled = true;
	if ((rc = af__wait_z(e, &down)) != AF_OK)
		return rc;
	*b_um = down - up;
	/* the stage is at `down`, reached downward */
	e->stage_um = down;
	e->play_dir = -1;
	return AF_OK;
}

static void push_calibration(af_engine *e, const af_calibration *c)
{
	if (e->ncal == AF_CAL_HISTORY) {
		memmove(e->cals, e->cals + 1, (AF_CAL_HISTORY - 1) * sizeof e->cals[0]);
		e->ncal--;
	}
	e->cals[e->ncal++] = *c;
}

static int calib_fail(af_engine *e, af_calib_report *r, int64_t t0, int rc)
{
	r->error = rc;
	r->success = false;
	r->ms = (double)(af__now_us(e) - t0) / 1e3;
	r->frames = e->op_frames;
	snprintf(r->message, sizeof r->message, "%s", e->errmsg);
	return rc;
}

/* Sites the model needs at the least (af_mapping_fit's minimum). */
static uint32_t model_min_sites(af_mapping_model m)
{
	switch (m) {
	case AF_MAP_LINEAR: return 2;
	case AF_MAP_QUADRATIC: return 3;
	case AF_MAP_CUBIC: return 4;
	case AF_MAP_ADAPTIVE: return 3;
	}
	return 4;
}

/*
 * A site where a lens found no focus (ENOFOCUS: a blank or damaged place, a
 * curve that is not a peak) is a bad place, not a broken instrument: it is
 * skipped from then on, in every pass, and the first reason is kept for the
 * report.  Hardware errors still end the calibration.
 */
static void skip_site(af_engine *e, af_calib_report *r, char *why, size_t whylen, uint32_t i,
		      double site_um, af_lens lens)
{
	r->skipped_mask |= UINT64_C(1) << i;
	r->skipped++;
	if (r->skipped == 1)
		snprintf(why, whylen, "site %u at %.3f um, lens %s: %.160s", i, site_um,
			 af_lens_name(lens), e->errmsg);
}

/*
 * A calibration search from a rough hint: when the scores still rise at an
 * end of the search's range, the focus lies beyond it; search again, the
 * range further that way, up to FOLLOW_TRIES times.  Lens B's first hint
 * is the datasheet offset, and an instrument's own offset may be several
 * micrometres from it (it once failed whole calibrations: "the scores
 * still rise at ...").
 */
#define FOLLOW_TRIES 2
static int search_following(af_engine *e, af_lens lens, double hint, const af_search_params *sp,
			    af_search_out *s)
{
	int rc = af__search(e, lens, hint, sp, s);

	for (int i = 0; rc == AF_ENOFOCUS && i < FOLLOW_TRIES && e->ns >= 2; i++) {
		size_t k = af__argmax(e);
		int dir = k + 1 == e->ns ? +1 : k == 0 ? -1 : 0;

		if (!dir || af__contrast(e) < sp->min_contrast)
			break;
		hint += dir * sp->range_um;
		rc = af__search(e, lens, hint, sp, s);
	}
	return rc;
}

static int calibrate_run(af_engine *e, const af_calib_plan *plan, af_site_fn site, void *user,
			 af_calib_report *r)
{
	af_calibration cal;
	af_mapping m;
	af_search_out s;
	double t_sum = 0.0, t_c, t_eff;
	int t_n = 0, rc, t_rc = AF_OK;
	double off_um = e->cfg.nominal_offset_um;
	char t_why[AF_MSG_MAX] = "";
	uint32_t passes, need, good;
	char why[AF_MSG_MAX];
	int64_t t0;

	memset(r, 0, sizeof *r);
	memset(&cal, 0, sizeof cal);
	r->backlash_um = NAN;
	r->temp_c = NAN;
	why[0] = '\0';
	e->op_frames = 0;
	t0 = af__now_us(e);
	if (!plan || !site || plan->points < 2 || plan->points > AF_FIT_MAX_POINTS ||
	    !isfinite(plan->from_um) || !isfinite(plan->to_um) || plan->from_um == plan->to_um)
		return calib_fail(e, r, t0, af__err(e, AF_EINVAL,
			"calibration needs 2..%d points over a range of positions", AF_FIT_MAX_POINTS));
	passes = plan->passes ? plan->passes : 2;
	/* too few sites left: fewer than the model needs, or than half the plan */
	need = model_min_sites(e->cfg.mapping_model);
	if (need < (plan->points + 1) / 2)
		need = (plan->points + 1) / 2;
	if ((t_rc = af__read_temp(e, &t_c, &t_eff)) == AF_OK) {
		t_sum += t_eff;
		t_n++;
	} else {
		snprintf(t_why, sizeof t_why, "%s", e->errmsg);
	}
	rc = af__select(e, AF_LENS_A);
	if (rc == AF_OK && plan->measure_backlash) {
		double b = NAN;

		rc = measure_backlash(e, plan->from_um, &b);
		if (rc == AF_OK) {
			r->backlash_um = b;
			if (b >= 0.0 && b < 15.0)
				e->backlash_um = b;
		}
	}
	for (uint32_t i = 0; i < plan->points; i++) {
		cal.pts[i].site_um = plan->from_um +
				     (plan->to_um - plan->from_um) * (double)i / (double)(plan->points - 1);
		cal.pts[i].za_um = cal.pts[i].zb_um = 0.0;
	}
	for (uint32_t pass = 0; rc == AF_OK && pass < passes; pass++) {
		/* One lens at a time over every site: one seat per lens and
		 * pass, so seating errors shift the whole pass instead of
		 * scattering its points; passes average them out. */
		for (int lens = AF_LENS_A; rc == AF_OK && lens <= AF_LENS_B; lens++) {
			rc = af__select(e, (af_lens)lens);
			for (uint32_t i = 0; rc == AF_OK && i < plan->points; i++) {
				af_calib_point *pt = &cal.pts[i];
				const af_search_params *sp = pass == 0 ? &e->cfg.wide[lens]
					: &e->cfg.search[lens][AF_LEVEL_STANDARD];
				double hint;

				if (r->skipped_mask & (UINT64_C(1) << i))
					continue;
				rc = e->rec ? af__rec_site(e->rec, site, user, i, pt->site_um)
					    : site(user, i, pt->site_um);
				if (rc != AF_OK) {
					rc = af__err(e, rc, "calibration site %u at %.3f um could not be reached",
						     i, pt->site_um);
					break;
				}
				if (lens == AF_LENS_A)
					hint = pass == 0 ? pt->site_um : pt->za_um / pass;
				else if (pass > 0)
					hint = pt->zb_um / pass;
				else
					hint = e->mapping.valid
						? af_mapping_predict_b(&e->mapping, pt->za_um, NAN, false)
						: pt->za_um + off_um;
				rc = pass == 0 ? search_following(e, (af_lens)lens, hint, sp, &s)
					       : af__search(e, (af_lens)lens, hint, sp, &s);
				if (rc == AF_ENOFOCUS) {
					skip_site(e, r, why, sizeof why, i, pt->site_um, (af_lens)lens);
					rc = AF_OK;
				} else if (rc == AF_OK && lens == AF_LENS_A) {
					pt->za_um += s.z_um;
				} else if (rc == AF_OK) {
					pt->zb_um += s.z_um;
					/* the next site's hint: this instrument's
					 * offset as found, not the datasheet's */
					if (pass == 0)
						off_um = s.z_um - pt->za_um;
				}
			}
			if (rc == AF_OK && (t_rc = af__read_temp(e, &t_c, &t_eff)) == AF_OK) {
				t_sum += t_eff;
				t_n++;
			} else if (rc == AF_OK) {
				snprintf(t_why, sizeof t_why, "%s", e->errmsg);
			}
		}
	}
	if (rc != AF_OK)
		return calib_fail(e, r, t0, rc);
	/* the good sites, averaged over the passes */
	good = 0;
	for (uint32_t i = 0; i < plan->points; i++) {
		if (r->skipped_mask & (UINT64_C(1) << i))
			continue;
		cal.pts[good].site_um = cal.pts[i].site_um;
		cal.pts[good].za_um = cal.pts[i].za_um / (double)passes;
		cal.pts[good].zb_um = cal.pts[i].zb_um / (double)passes;
		good++;
	}
	cal.n = good;
	if (good < need)
		return calib_fail(e, r, t0, af__err(e, AF_ENOFOCUS,
			"calibration found focus at %u of %u sites, fewer than the %u it needs: %.190s",
			good, plan->points, need, why));
	/* No reading at all: the drift estimate from before stands in (a
	 * calibration is kept with its temperature); without one either, the
	 * calibration cannot say at what temperature it holds. */
	if (!t_n && isfinite(t_eff = af_thermal_effective_c(&e->thermal))) {
		t_sum = t_eff;
		t_n = 1;
	}
	if (!t_n)
		return calib_fail(e, r, t0, af__err(e, t_rc,
			"calibration has no temperature: every sensor reading failed (%.200s)", t_why));
	cal.temp_c = t_sum / t_n;
	rc = af_mapping_fit(&cal, e->cfg.mapping_model, &m);
	if (rc != AF_OK)
		return calib_fail(e, r, t0, af__err(e, rc,
			"calibration fit failed: %u sites are not enough for the %s model",
			good, af_mapping_model_name(e->cfg.mapping_model)));
	push_calibration(e, &cal);
	(void)af_mapping_fit_thermal(e->cals, e->ncal, &m);
	if (!m.thermal_valid && !e->mapping.thermal_valid &&
	    (e->cfg.prior_tc_a_um_per_c != 0.0 || e->cfg.prior_tc_b_um_per_c != 0.0)) {
		/* no calibrations at two temperatures yet: the factory
		 * characterisation, until they exist */
		m.thermal_valid = true;
		m.tc_a_um_per_c = e->cfg.prior_tc_a_um_per_c;
		m.tc_b_um_per_c = e->cfg.prior_tc_b_um_per_c;
		m.thermal_span_c = 0.0;
		m.n_calibrations = 0;
	} else if (!m.thermal_valid && e->mapping.thermal_valid) {
		/* keep the coefficients known so far, referred to the new
		 * calibration's temperature */
		m.thermal_valid = true;
		m.tc_a_um_per_c = e->mapping.tc_a_um_per_c;
		m.tc_b_um_per_c = e->mapping.tc_b_um_per_c;
		m.thermal_span_c = e->mapping.thermal_span_c;
		m.n_calibrations = e->mapping.n_calibrations;
	}
	e->mapping = m;
	af_cache_clear(&e->cache);
	af__forget_offsets(e);
	r->mapping = m;
	r->points = cal.n;
	r->temp_c = cal.temp_c;
	r->frames = e->op_frames;
	r->ms = (double)(af__now_us(e) - t0) / 1e3;
	r->success = true;
	r->error = AF_OK;
	/* success, but say which sites were left out */
	if (r->skipped)
		snprintf(r->message, sizeof r->message, "calibrated %u of %u sites; skipped %u: %.200s",
			 good, plan->points, r->skipped, why);
	return AF_OK;
}

int af_calibrate(af_engine *e, const af_calib_plan *plan, af_site_fn site, void *user,
		 af_calib_report *r)
{
	int rc;

	if (e->rec)
		af__rec_calibrate_begin(e->rec, plan, site != NULL);
	rc = calibrate_run(e, plan, site, user, r);
	if (e->rec)
		af__rec_calibrate_end(e->rec, rc, r);
	return rc;
}
