/*
 * validate.c - the validation suite's frame (validate.h): the items and
 * their limits, the phases in order, the connection (opened again before a
 * phase when the last one lost it), each phase's time budget, judging, and
 * putting the rig back as it was found.  The measurements themselves are
 * hil/validate_measure.c.
 *
 * A phase measures one thing (two for frames, temperature and the
 * handoff) and never leaves the rig in a state the next cannot start from:
 * a phase that fails half-way has moved the stage or switched the lens
 * only through ordinary HAL calls, and each phase that needs a starting
 * point moves to it first.  So one misbehaving phase costs that phase, and
 * the rest still run.
 */
#include "hil/validate_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const outcome_names[HIL_VAL_OUTCOMES] = {
	"PASS", "MARGINAL", "FAIL", "ERROR", "SKIPPED",
};

const char *hil_val_outcome_name(hil_val_outcome o)
{
	return (unsigned)o < HIL_VAL_OUTCOMES ? outcome_names[o] : "?";
}

hil_val_outcome hil_val_judge(double v, double lo, double hi, double margin_pct)
{
	double m = margin_pct / 100.0;

	if (isnan(v))
		return HIL_VAL_ERROR;
	if ((!isnan(lo) && v < lo) || (!isnan(hi) && v > hi))
		return HIL_VAL_FAIL;
	if (!isnan(lo) && !isnan(hi)) {
		double band = m * (hi - lo);

		return v < lo + band || v > hi - band ? HIL_VAL_MARGINAL : HIL_VAL_PASS;
	}
	if (!isnan(hi))
		return v > hi - m * fabs(hi) ? HIL_VAL_MARGINAL : HIL_VAL_PASS;
	if (!isnan(lo))
		return v < lo + m * fabs(lo) ? HIL_VAL_MARGINAL : HIL_VAL_PASS;
	return HIL_VAL_PASS;
}

const char *hil_val_status(const hil_val_result *r)
{
	return r->count[HIL_VAL_ERROR] ? "error" : r->count[HIL_VAL_FAIL] ? "failed"
	       : r->count[HIL_VAL_MARGINAL] ? "marginal" : "passed";
}

/* ---- helpers for the measurements --------------------------------------- */

int64_t hil_v_now_ns(void)
{
	return hil_now_ns();
}

double hil_v_ms_since(int64_t t0_ns)
{
	return (double)(hil_now_ns() - t0_ns) / 1e6;
}

void hil_v_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double s = 0.0, q = 0.0, m;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	m = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		q += (x[i] - m) * (x[i] - m);
	*mean = m;
	*sd = n >= 2 ? sqrt(q / (double)(n - 1)) : NAN;
}

int hil_v_hal_fail(hil_vctx *v, int rc)
{
	snprintf(v->err, sizeof v->err, "%s", af_hal_errmsg(&v->hal));
	return rc;
}

int hil_v_tick(hil_vctx *v)
{
	v->done++;
	if (v->o.stop && *v->o.stop) {
		snprintf(v->err, sizeof v->err, "interrupted after %u of %u repetitions", v->done,
			 v->of);
		return AF_ETIMEDOUT;
	}
	if (hil_now_ns() > v->deadline_ns) {
		snprintf(v->err, sizeof v->err,
			 "timed out: %u of %u repetitions in the %g s a measurement may take "
			 "(spec phase_timeout_s)", v->done, v->of, v->spec->phase_timeout_s);
		return AF_ETIMEDOUT;
	}
	return AF_OK;
}

int hil_v_move(hil_vctx *v, double z_um)
{
	int rc = v->hal.ops->move_z(v->hal.ctx, z_um);

	if (rc == AF_OK)
		rc = v->hal.ops->wait_settled(v->hal.ctx, 2000);
	return rc == AF_OK ? AF_OK : hil_v_hal_fail(v, rc);
}

int hil_v_need_z0(hil_vctx *v)
{
	double reach = 2.0 * v->spec->standard_move_um + 5.0, z;
	int rc;

	if (!v->have_lens0) {
		rc = v->hal.ops->get_lens(v->hal.ctx, &v->lens0);
		if (rc != AF_OK)
			return hil_v_hal_fail(v, rc);
		v->have_lens0 = true;
	}
	if (v->have_z0)
		return AF_OK;
	rc = v->hal.ops->get_z(v->hal.ctx, &z);
	if (rc != AF_OK)
		return hil_v_hal_fail(v, rc);
	v->z_found = z;
	/* room for the moves either side, inside the travel */
	if (z - reach < v->rf->z_min_um)
		z = v->rf->z_min_um + reach;
	if (z + reach > v->rf->z_max_um)
		z = v->rf->z_max_um - reach;
	if (z - reach < v->rf->z_min_um) {
		snprintf(v->err, sizeof v->err,
			 "the travel [%g, %g] um of the rig file is narrower than the %g um the "
			 "measurements need", v->rf->z_min_um, v->rf->z_max_um, 2.0 * reach);
		return AF_ERANGE;
	}
	v->z0 = z;
	v->have_z0 = true;
	return AF_OK;
}

int hil_v_frames(hil_vctx *v)
{
	af_roi roi;
	size_t need = 2048u * 2048u;
	uint16_t *a, *b;

	if (af_hal_get_roi(&v->hal, &roi) == AF_OK && roi.width && roi.height)
		need = (size_t)roi.width * roi.height;
	if (v->cap >= need)
		return AF_OK;
	a = realloc(v->px, need * sizeof *a);
	if (a)
		v->px = a;
	b = a ? realloc(v->px2, need * sizeof *b) : NULL;
	if (b)
		v->px2 = b;
	if (!a || !b) {
		snprintf(v->err, sizeof v->err, "out of memory for frames of %zu pixels", need);
		return AF_ENOMEM;
	}
	v->cap = need;
	return AF_OK;
}

void hil_v_item(hil_val_item *it, const char *name, const char *unit, double lo, double hi)
{
	memset(it, 0, sizeof *it);
	snprintf(it->name, sizeof it->name, "%s", name);
	snprintf(it->unit, sizeof it->unit, "%s", unit);
	it->lo = lo;
	it->hi = hi;
	it->value = it->sd = NAN;
	it->outcome = HIL_VAL_OUTCOMES; /* not judged yet */
}

/* ---- the frame ------------------------------------------------------------ */

/* The items, their units and limits from the spec, in order. */
static void define_items(const hil_rig_spec *s, hil_val_item *it)
{
	hil_v_item(&it[0], "lens switch", "ms", NAN, s->lens_switch_ms);
	hil_v_item(&it[1], "focus move", "ms", NAN, s->focus_move_ms);
	hil_v_item(&it[2], "settle", "ms", NAN, s->settle_ms);
	hil_v_item(&it[3], "z repeatability", "um", NAN, s->z_repeatability_um);
	hil_v_item(&it[4], "backlash", "um", NAN, s->backlash_um);
	hil_v_item(&it[5], "encoder error", "um", NAN, s->encoder_error_um);
	/* two readings of one settled stage, no move between them: they must
	 * agree at least as well as readings after separate approaches may
	 * (docs/hil.md, "settled z") */
	hil_v_item(&it[6], "settled z", "um", NAN, s->settled_z_um);
	hil_v_item(&it[7], "frame rate", "Hz", s->frame_rate_hz, NAN);
	hil_v_item(&it[8], "frame jitter", "ms", NAN, s->frame_jitter_ms);
	hil_v_item(&it[9], "exposure linearity", "%", NAN, s->exposure_linearity_pct);
	hil_v_item(&it[10], "dark noise", "ADU", NAN, s->dark_noise_adu);
	hil_v_item(&it[11], "temperature noise", "C", NAN, s->temperature_noise_c);
	hil_v_item(&it[12], "temperature", "C", s->temperature_min_c, s->temperature_max_c);
	hil_v_item(&it[13], "handoff", "ms", NAN, s->handoff_ms);
	hil_v_item(&it[14], "mapping error", "um", NAN, s->mapping_error_um);
	for (int i = 0; i < HIL_VAL_ITEMS; i++)
		it[i].margin_pct = s->margin_pct;
}

static const struct phase {
	int (*fn)(hil_vctx *v, hil_val_item *it);
	size_t first, items;
} phases[] = {
	{ hil_v_lens_switch, 0, 1 },
	{ hil_v_focus_move, 1, 1 },
	{ hil_v_settle, 2, 1 },
	{ hil_v_repeatability, 3, 1 },
	{ hil_v_backlash, 4, 1 },
	{ hil_v_encoder, 5, 1 },
	{ hil_v_settled_z, 6, 1 },
	{ hil_v_frame_rate, 7, 2 },
	{ hil_v_exposure, 9, 1 },
	{ hil_v_dark_noise, 10, 1 },
	{ hil_v_temperature, 11, 2 },
	{ hil_v_handoff, 13, 2 },
};

_Static_assert(sizeof phases / sizeof phases[0] == 12, "every phase listed");

/* Connected to the rig, opening the connection again after a loss; AF_OK
 * or an error with v->err. */
static int ensure_connected(hil_vctx *v)
{
	char err[HIL_BRIDGE_ERR_MAX];

	if (v->o.stop && *v->o.stop) {
		snprintf(v->err, sizeof v->err, "not run: interrupted");
		return AF_ETIMEDOUT;
	}
	if (v->b && hil_bridge_connected(v->b))
		return AF_OK;
	if (v->b) {
		hil_bridge_free(v->b);
		v->b = NULL;
		v->r->reconnects++;
	}
	/* a rig never reached is not tried again for every phase (each try
	 * may cost the connect timeout); one that was may come back */
	if (v->unreachable[0]) {
		snprintf(v->err, sizeof v->err, "cannot connect: %s", v->unreachable);
		return AF_EIO;
	}
	v->b = hil_bridge_open(&v->bc, err, sizeof err);
	if (!v->b) {
		snprintf(v->err, sizeof v->err, "cannot connect: %s", err);
		if (!v->r->identity[0])
			snprintf(v->unreachable, sizeof v->unreachable, "%s", err);
		return AF_EIO;
	}
	hil_bridge_bind(v->b, &v->hal);
	if (!v->r->identity[0])
		snprintf(v->r->identity, sizeof v->r->identity, "%s", hil_bridge_hello(v->b)->ident);
	return AF_OK;
}

static void finish_items(hil_vctx *v, hil_val_item *it, size_t n, int rc, double ms)
{
	for (size_t k = 0; k < n; k++) {
		hil_val_item *x = &it[k];

		x->duration_ms = ms;
		if (x->outcome == HIL_VAL_FAIL || x->outcome == HIL_VAL_SKIPPED) {
			/* a FAIL the measurement decided (the engine found no
			 * focus), or nothing to measure on this rig */
		} else if (isnan(x->value)) {
			x->outcome = HIL_VAL_ERROR;
			x->value = NAN;
			snprintf(x->detail, sizeof x->detail, "%s",
				 v->err[0] ? v->err : af_strerror(rc != AF_OK ? rc : AF_EIO));
		} else {
			x->outcome = hil_val_judge(x->value, x->lo, x->hi, x->margin_pct);
		}
		v->r->count[x->outcome]++;
		if (v->o.on_item)
			v->o.on_item(v->o.user, x);
	}
}

/* Back where the rig was found: exposure, lens, stage (best effort). */
static void put_back(hil_vctx *v)
{
	if (!v->b || !hil_bridge_connected(v->b))
		return;
	if (v->have_exp0)
		(void)af_hal_set_exposure_us(&v->hal, v->exp0);
	if (v->have_lens0)
		(void)v->hal.ops->select_lens(v->hal.ctx, v->lens0);
	if (v->have_z0 && v->hal.ops->move_z(v->hal.ctx, v->z_found) == AF_OK)
		(void)v->hal.ops->wait_settled(v->hal.ctx, 2000);
}

void hil_validate(const hil_rig_file *rf, const hil_val_opts *o, hil_val_result *r)
{
	hil_vctx v;
	int64_t t0 = hil_now_ns();

	memset(r, 0, sizeof *r);
	memset(&v, 0, sizeof v);
	v.rf = rf;
	v.spec = &rf->spec;
	v.r = r;
	if (o)
		v.o = *o;
	if (!v.o.reps)
		v.o.reps = HIL_VAL_REPS_DEFAULT;
	if (v.o.reps < HIL_VAL_REPS_MIN)
		v.o.reps = HIL_VAL_REPS_MIN;
	if (v.o.reps > HIL_VAL_REPS_MAX)
		v.o.reps = HIL_VAL_REPS_MAX;
	r->reps = v.o.reps;
	hil_rig_file_bridge_config(rf, &v.bc);
	define_items(&rf->spec, r->items);
	r->n = HIL_VAL_ITEMS;
	for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++) {
		hil_val_item *it = &r->items[phases[p].first];
		int64_t tp = hil_now_ns();
		int rc;

		v.err[0] = '\0';
		v.done = v.of = 0;
		rc = ensure_connected(&v);
		if (rc == AF_OK) {
			v.deadline_ns = hil_now_ns() + (int64_t)(rf->spec.phase_timeout_s * 1e9);
			rc = phases[p].fn(&v, it);
		}
		finish_items(&v, it, phases[p].items, rc, (double)(hil_now_ns() - tp) / 1e6);
	}
	put_back(&v);
	hil_bridge_free(v.b);
	free(v.px);
	free(v.px2);
	r->wall_s = (double)(hil_now_ns() - t0) / 1e9;
}
