/*
 * validate_measure.c - the measurements of the validation suite
 * (validate.h), each through the engine's HAL on the bridge, timed on the
 * host's monotonic clock: what a release engineer would time with the
 * rig's own tools, done the same way every time.
 *
 * Stage: every approach whose end position is read comes from below (the
 * stage then sits on the motor, backlash taken up), from APPROACH_UM away,
 * so that repeatability and encoder error are not the backlash again; the
 * backlash is the difference between approaches from above and below.
 * Camera: frames at the ROI and exposure the rig has; exposure changed
 * for linearity and dark noise only, and put back.
 */
#include "hil/validate_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"

/* Approach distance for a stage reading. */
#define APPROACH_UM 5.0
/* The short move of the settle measurement. */
#define SETTLE_MOVE_UM 0.1
/* Shortest exposure, for the dark noise. */
#define DARK_EXPOSURE_US 10u
/* Frame-based measurements keep at most this many values. */
#define MAX_SAMPLES (3u * HIL_VAL_REPS_MAX)

static double *samples(hil_vctx *v, size_t n)
{
	double *x = calloc(n ? n : 1, sizeof *x);

	if (!x)
		snprintf(v->err, sizeof v->err, "out of memory");
	return x;
}

static void set_mean(hil_val_item *it, const double *x, size_t n)
{
	double m, sd;

	hil_v_mean_sd(x, n, &m, &sd);
	it->value = m;
	it->sd = sd;
	it->n = (uint32_t)n;
}

static double min_of(const double *x, size_t n)
{
	double m = INFINITY;

	for (size_t i = 0; i < n; i++)
		m = fmin(m, x[i]);
	return m;
}

static double max_of(const double *x, size_t n)
{
	double m = -INFINITY;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, x[i]);
	return m;
}

/* ---- turret and stage ---------------------------------------------------- */

int hil_v_lens_switch(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps;
	double *t = samples(v, n);
	af_lens start, other;
	int rc = t ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	start = v->lens0;
	other = start == AF_LENS_A ? AF_LENS_B : AF_LENS_A;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		int64_t t0 = hil_v_now_ns();

		rc = v->hal.ops->select_lens(v->hal.ctx, i % 2 ? start : other);
		if (rc != AF_OK) {
			rc = hil_v_hal_fail(v, rc);
			goto out;
		}
		t[i] = hil_v_ms_since(t0);
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	if (n % 2 && (rc = v->hal.ops->select_lens(v->hal.ctx, start)) != AF_OK) {
		rc = hil_v_hal_fail(v, rc);
		goto out;
	}
	set_mean(it, t, n);
	snprintf(it->detail, sizeof it->detail, "mean of %u switches %s <-> %s, %.1f to %.1f ms", n,
		 af_lens_name(start), af_lens_name(other), min_of(t, n), max_of(t, n));
out:
	free(t);
	return rc;
}

int hil_v_focus_move(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps;
	double *t = samples(v, n), d = v->spec->standard_move_um;
	int rc = t ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK || (rc = hil_v_move(v, v->z0)) != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		int64_t t0 = hil_v_now_ns();

		if ((rc = hil_v_move(v, i % 2 ? v->z0 : v->z0 + d)) != AF_OK)
			goto out;
		t[i] = hil_v_ms_since(t0);
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	set_mean(it, t, n);
	snprintf(it->detail, sizeof it->detail,
		 "mean of %u moves of %g um up and down, MOVE_Z to WAIT_SETTLED, %.1f to %.1f ms", n, d,
		 min_of(t, n), max_of(t, n));
out:
	free(t);
	return rc;
}

int hil_v_settle(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps;
	double *t = samples(v, n);
	int rc = t ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK || (rc = hil_v_move(v, v->z0)) != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		int64_t t0;

		rc = v->hal.ops->move_z(v->hal.ctx, v->z0 + (i % 2 ? 0.0 : SETTLE_MOVE_UM));
		t0 = hil_v_now_ns(); /* the controller has the move */
		if (rc == AF_OK)
			rc = v->hal.ops->wait_settled(v->hal.ctx, 2000);
		if (rc != AF_OK) {
			rc = hil_v_hal_fail(v, rc);
			goto out;
		}
		t[i] = hil_v_ms_since(t0);
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	set_mean(it, t, n);
	snprintf(it->detail, sizeof it->detail,
		 "mean of %u moves of %g um, from MOVE_Z accepted to WAIT_SETTLED (the few ms of "
		 "motion included), %.1f to %.1f ms", n, SETTLE_MOVE_UM, min_of(t, n), max_of(t, n));
out:
	free(t);
	return rc;
}

/* Approach z from APPROACH_UM below (from: -1) or above (+1), settle, read
 * the encoder. */
static int approach(hil_vctx *v, double z, int from, double *read)
{
	int rc = hil_v_move(v, z + from * APPROACH_UM);

	if (rc == AF_OK)
		rc = hil_v_move(v, z);
	if (rc == AF_OK && (rc = v->hal.ops->get_z(v->hal.ctx, read)) != AF_OK)
		rc = hil_v_hal_fail(v, rc);
	return rc;
}

int hil_v_repeatability(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps;
	double *z = samples(v, n), m, sd;
	int rc = z ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = approach(v, v->z0, -1, &z[i])) != AF_OK || (rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	hil_v_mean_sd(z, n, &m, &sd);
	it->value = sd;
	it->n = n;
	snprintf(it->detail, sizeof it->detail,
		 "sd of the encoder after %u approaches to %.3f um from %g um below: mean %.4f um, "
		 "%.4f to %.4f um", n, v->z0, APPROACH_UM, m, min_of(z, n), max_of(z, n));
out:
	free(z);
	return rc;
}

int hil_v_backlash(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps / 2 < 3 ? 3 : v->o.reps / 2;
	double *d = samples(v, n), up, down;
	int rc = d ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = approach(v, v->z0, -1, &up)) != AF_OK ||
		    (rc = approach(v, v->z0, +1, &down)) != AF_OK || (rc = hil_v_tick(v)) != AF_OK)
			goto out;
		d[i] = down - up;
	}
	set_mean(it, d, n);
	it->value = fabs(it->value);
	snprintf(it->detail, sizeof it->detail,
		 "mean encoder difference between approaches to %.3f um from %g um above and below, "
		 "%u pairs", v->z0, APPROACH_UM, n);
out:
	free(d);
	return rc;
}

int hil_v_encoder(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps;
	double *e = samples(v, n), span = 2.0 * v->spec->standard_move_um, worst = 0.0, m, sd;
	int rc = e ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		double target = v->z0 - span + 2.0 * span * (double)i / (double)(n - 1), z;

		if ((rc = approach(v, target, -1, &z)) != AF_OK || (rc = hil_v_tick(v)) != AF_OK)
			goto out;
		e[i] = z - target;
		worst = fmax(worst, fabs(e[i]));
	}
	hil_v_mean_sd(e, n, &m, &sd);
	it->value = worst;
	it->sd = sd;
	it->n = n;
	snprintf(it->detail, sizeof it->detail,
		 "largest |encoder - commanded| over %u targets %.3f..%.3f um, each approached from "
		 "below; mean error %+.4f um", n, v->z0 - span, v->z0 + span, m);
out:
	free(e);
	return rc;
}

/* ---- the settle wait's own reading ------------------------------------- */

/*
 * WAIT_SETTLED_Z saves the engine's encoder check a round trip by carrying
 * the position in the settle wait's reply; the engine trusts it as it
 * would a GET_Z.  So the two must agree: after each move, the settled
 * reply against a GET_Z sent right after it, no move between.  The moves
 * take SETTLED_Z_SIZES sizes in turn, each up from the start (approached
 * from below first) and back down: on a stepper the way down leaves the
 * backlash between where the stage was sent and where it is, so a reply
 * that carries the commanded target instead of the encoder shows there
 * even on a stage that lands where it is sent on the way up.
 */
#define SETTLED_Z_SIZES 4
/* The protocol's resolution of a position (%.6f): a reply this close to
 * the target is the target. */
#define PROTO_Z_RES_UM 1e-6

int hil_v_settled_z(hil_vctx *v, hil_val_item *it)
{
	uint32_t caps = hil_bridge_hello(v->b)->caps;
	double size[SETTLED_Z_SIZES] = { SETTLE_MOVE_UM, 1.0, v->spec->standard_move_um,
					 2.0 * v->spec->standard_move_um };
	uint32_t n = v->o.reps < 2 * SETTLED_Z_SIZES ? 2 * SETTLED_Z_SIZES : v->o.reps + v->o.reps % 2;
	uint32_t as_target = 0;
	double *d, worst[2] = { 0.0, 0.0 }, m, sd; /* up, down */
	char list[256];
	int rc;

	if (!(caps & HIL_CAP_SETTLED_Z)) {
		hil_caps_text(caps, " ", list, sizeof list);
		it->outcome = HIL_VAL_SKIPPED;
		snprintf(it->detail, sizeof it->detail,
			 "the rig does not announce 'settled_z' (caps %s): the engine reads the encoder "
			 "with GET_Z after WAIT_SETTLED, there is no settled reply to check", list);
		return AF_OK;
	}
	d = samples(v, n);
	rc = d ? hil_v_need_z0(v) : AF_ENOMEM;
	if (rc != AF_OK || (rc = hil_v_move(v, v->z0 - APPROACH_UM)) != AF_OK ||
	    (rc = hil_v_move(v, v->z0)) != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		bool up = i % 2 == 0;
		double target = up ? v->z0 + size[(i / 2) % SETTLED_Z_SIZES] : v->z0, zs, zg;

		rc = v->hal.ops->move_z(v->hal.ctx, target);
		if (rc == AF_OK)
			rc = af_hal_wait_settled_z(&v->hal, 2000, &zs);
		if (rc == AF_OK)
			rc = v->hal.ops->get_z(v->hal.ctx, &zg);
		if (rc != AF_OK) {
			rc = hil_v_hal_fail(v, rc);
			goto out;
		}
		d[i] = zs - zg;
		worst[!up] = fmax(worst[!up], fabs(d[i]));
		/* the target to the last digit while the encoder reads
		 * elsewhere: the reply carries the command, not the stage */
		as_target += fabs(zs - target) <= PROTO_Z_RES_UM && fabs(zg - target) > it->hi;
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	hil_v_mean_sd(d, n, &m, &sd);
	it->value = fmax(worst[0], worst[1]);
	it->sd = sd;
	it->n = n;
	snprintf(list, sizeof list, "in %u of them the settled reply was the target of the move "
		 "while GET_Z read more than %g um from it: the rig reports where it sent the stage, "
		 "not its encoder; ", as_target, it->hi);
	snprintf(it->detail, sizeof it->detail,
		 "largest |WAIT_SETTLED_Z - GET_Z right after| over %u moves of %g, %g, %g and %g um "
		 "up from %.3f um and back down: up %.4f, down %.4f um; %smean difference %+.4f um", n,
		 size[0], size[1], size[2], size[3], v->z0, worst[0], worst[1], as_target ? list : "",
		 m);
out:
	free(d);
	return rc;
}

/* ---- camera ------------------------------------------------------------- */

static int grab(hil_vctx *v, uint16_t *px, af_frame *f)
{
	int rc;

	memset(f, 0, sizeof *f);
	f->pixels = px;
	f->capacity_px = v->cap;
	rc = v->hal.ops->grab_frame(v->hal.ctx, f);
	return rc == AF_OK ? AF_OK : hil_v_hal_fail(v, rc);
}

static double frame_mean(const af_frame *f)
{
	size_t n = (size_t)f->width * f->height;
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += f->pixels[i];
	return n ? s / (double)n : NAN;
}

int hil_v_frame_rate(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = 3 * v->o.reps < 10 ? 10 : 3 * v->o.reps;
	double *dt = samples(v, n), m, sd, s;
	int64_t t0, prev = 0;
	af_frame f;
	int rc = dt ? hil_v_frames(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	v->of = n;
	t0 = hil_v_now_ns();
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = grab(v, v->px, &f)) != AF_OK || (rc = hil_v_tick(v)) != AF_OK)
			goto out;
		if (i)
			dt[i - 1] = (double)(f.timestamp_us - prev) / 1e3;
		prev = f.timestamp_us;
	}
	s = hil_v_ms_since(t0) / 1e3;
	it[0].value = (double)n / s;
	it[0].n = n;
	snprintf(it[0].detail, sizeof it[0].detail, "%u frames %ux%u, %u-bit, back to back in %.3f s", n,
		 f.width, f.height, f.bit_depth, s);
	hil_v_mean_sd(dt, n - 1, &m, &sd);
	it[1].value = sd;
	it[1].n = n - 1;
	snprintf(it[1].detail, sizeof it[1].detail,
		 "sd of the %u intervals between the frames' timestamps: mean %.2f ms, %.2f to %.2f ms",
		 n - 1, m, min_of(dt, n - 1), max_of(dt, n - 1));
out:
	free(dt);
	return rc;
}

/* The rig's exposure, read once and put back at the end. */
static int need_exposure(hil_vctx *v)
{
	int rc;

	if (v->have_exp0)
		return AF_OK;
	rc = af_hal_get_exposure_us(&v->hal, &v->exp0);
	if (rc != AF_OK)
		return hil_v_hal_fail(v, rc);
	v->have_exp0 = true;
	return AF_OK;
}

static int set_exposure(hil_vctx *v, uint32_t us)
{
	int rc = af_hal_set_exposure_us(&v->hal, us);

	return rc == AF_OK ? AF_OK : hil_v_hal_fail(v, rc);
}

int hil_v_exposure(hil_vctx *v, hil_val_item *it)
{
	enum { K = 5 };
	double t[K], y[K], st = 0, sy = 0, stt = 0, sty = 0, a, b, worst = 0.0;
	uint32_t us[K];
	af_frame f;
	int rc = hil_v_frames(v), rc2;

	if (rc != AF_OK || (rc = need_exposure(v)) != AF_OK)
		return rc;
	v->of = K;
	for (int k = 0; k < K; k++) {
		us[k] = (uint32_t)((uint64_t)v->exp0 * (uint64_t)(k + 1) / K);
		if (us[k] < DARK_EXPOSURE_US)
			us[k] = DARK_EXPOSURE_US;
		y[k] = 0.0;
		if ((rc = set_exposure(v, us[k])) != AF_OK)
			goto out;
		for (int j = 0; j < 2; j++) {
			if ((rc = grab(v, v->px, &f)) != AF_OK)
				goto out;
			y[k] += frame_mean(&f) / 2.0;
		}
		t[k] = (double)us[k];
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	for (int k = 0; k < K; k++) {
		st += t[k];
		sy += y[k];
		stt += t[k] * t[k];
		sty += t[k] * y[k];
	}
	b = (K * sty - st * sy) / (K * stt - st * st);
	a = (sy - b * st) / K;
	for (int k = 0; k < K; k++)
		worst = fmax(worst, fabs(y[k] - (a + b * t[k])));
	it->n = K;
	if (!(b > 0.0)) {
		it->value = 100.0;
		snprintf(it->detail, sizeof it->detail,
			 "the signal does not grow with the exposure: %.1f ADU at %u us, %.1f ADU at %u us",
			 y[0], us[0], y[K - 1], us[K - 1]);
	} else {
		it->value = 100.0 * worst / (b * t[K - 1]);
		snprintf(it->detail, sizeof it->detail,
			 "largest deviation from the fitted line over %d exposures %u..%u us, 2 frames "
			 "each: signal %.1f..%.1f ADU, %.4f ADU/us, offset %.1f ADU", K, us[0], us[K - 1],
			 y[0], y[K - 1], b, a);
	}
out:
	rc2 = set_exposure(v, v->exp0);
	return rc != AF_OK ? rc : rc2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int hil_v_dark_noise(hil_vctx *v, hil_val_item *it)
{
	af_frame f1, f2;
	size_t n, k = 0;
	double *m = NULL, thr, s = 0.0, q = 0.0, mean, sd, scale;
	int rc = hil_v_frames(v), rc2;

	if (rc != AF_OK || (rc = need_exposure(v)) != AF_OK)
		return rc;
	if ((rc = set_exposure(v, DARK_EXPOSURE_US)) != AF_OK ||
	    (rc = grab(v, v->px, &f1)) != AF_OK || (rc = grab(v, v->px2, &f2)) != AF_OK)
		goto out;
	n = (size_t)f1.width * f1.height;
	if (f2.width != f1.width || f2.height != f1.height || n < 10) {
		snprintf(v->err, sizeof v->err, "two frames of different sizes (%ux%u, %ux%u)", f1.width,
			 f1.height, f2.width, f2.height);
		rc = AF_EIO;
		goto out;
	}
	if (!(m = samples(v, n))) {
		rc = AF_ENOMEM;
		goto out;
	}
	/* the darkest tenth of the pixels, by their mean over the two frames */
	for (size_t i = 0; i < n; i++)
		m[i] = (double)f1.pixels[i] + (double)f2.pixels[i];
	qsort(m, n, sizeof *m, cmp_double);
	thr = m[n / 10];
	for (size_t i = 0; i < n; i++) {
		double d;

		if ((double)f1.pixels[i] + (double)f2.pixels[i] > thr)
			continue;
		d = (double)f1.pixels[i] - (double)f2.pixels[i];
		s += d;
		q += d * d;
		k++;
	}
	mean = s / (double)k;
	sd = k > 1 ? sqrt((q - (double)k * mean * mean) / (double)(k - 1)) : NAN;
	scale = f1.bit_depth < 16 ? (double)(1u << (16 - f1.bit_depth)) : 1.0;
	it->value = sd / sqrt(2.0) * scale;
	it->n = 2;
	snprintf(it->detail, sizeof it->detail,
		 "sd/sqrt(2) of the difference of two %u us frames over their darkest %zu of %zu "
		 "pixels (%u-bit, x%g to 16-bit ADU); an upper bound: read noise and the shot noise "
		 "of what light %u us lets in", DARK_EXPOSURE_US, k, n, f1.bit_depth, scale,
		 DARK_EXPOSURE_US);
out:
	free(m);
	rc2 = set_exposure(v, v->exp0);
	return rc != AF_OK ? rc : rc2;
}

/* ---- temperature and the engine ----------------------------------------- */

int hil_v_temperature(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = 2 * v->o.reps;
	double *t = samples(v, n), m, sd, lo, hi;
	hil_val_outcome a, b;
	int rc = t ? AF_OK : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		rc = v->hal.ops->read_temperature(v->hal.ctx, &t[i]);
		if (rc != AF_OK) {
			rc = hil_v_hal_fail(v, rc);
			goto out;
		}
		if (!isfinite(t[i])) {
			snprintf(v->err, sizeof v->err, "reading %u of the temperature sensor is not a number", i + 1);
			rc = AF_EIO;
			goto out;
		}
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	hil_v_mean_sd(t, n, &m, &sd);
	lo = min_of(t, n);
	hi = max_of(t, n);
	it[0].value = sd;
	it[0].n = n;
	snprintf(it[0].detail, sizeof it[0].detail, "sd of %u readings back to back", n);
	/* sanity: the mean, judged by the reading furthest out */
	it[1].value = m;
	it[1].n = n;
	it[1].sd = sd;
	a = hil_val_judge(lo, it[1].lo, it[1].hi, it[1].margin_pct);
	b = hil_val_judge(hi, it[1].lo, it[1].hi, it[1].margin_pct);
	if ((a > b ? a : b) == HIL_VAL_FAIL)
		it[1].outcome = HIL_VAL_FAIL;
	snprintf(it[1].detail, sizeof it[1].detail,
		 "mean of %u readings, %.3f to %.3f C, every one inside the range", n, lo, hi);
	if (it[1].outcome == HIL_VAL_FAIL)
		snprintf(it[1].detail, sizeof it[1].detail,
			 "mean of %u readings, but they go from %.3f to %.3f C, outside %g..%g C", n, lo,
			 hi, it[1].lo, it[1].hi);
out:
	free(t);
	return rc;
}

/* An engine error that means the rig answered but no focus was found
 * (a FAIL); every other is the rig's (an ERROR). */
static bool engine_fail(int rc)
{
	return rc == AF_ENOFOCUS || rc == AF_EMAPPING;
}

int hil_v_handoff(hil_vctx *v, hil_val_item *it)
{
	uint32_t n = v->o.reps / 2 < 3 ? 3 : v->o.reps / 2;
	double *t = samples(v, n), worst = 0.0;
	af_engine_config cfg;
	af_engine *e = NULL;
	af_focus_result fa;
	af_handoff_result h;
	const char *why = NULL;
	int rc = t ? hil_v_need_z0(v) : AF_ENOMEM;

	if (rc != AF_OK)
		goto out;
	af_engine_config_default(&cfg);
	cfg.z_min_um = v->rf->z_min_um;
	cfg.z_max_um = v->rf->z_max_um;
	e = af_engine_new(&v->hal, &cfg, &why);
	if (!e) {
		snprintf(v->err, sizeof v->err, "cannot start the engine: %s", why ? why : "?");
		rc = AF_ENOMEM;
		goto out;
	}
	rc = af_autofocus(e, AF_LENS_A, v->z0, &fa);
	if (rc != AF_OK) {
		snprintf(v->err, sizeof v->err, "autofocus of lens A near %.3f um: %s", v->z0,
			 fa.message[0] ? fa.message : af_strerror(rc));
		goto fail;
	}
	v->of = n;
	for (uint32_t i = 0; i < n; i++) {
		if (i && (rc = af_engine_goto(e, AF_LENS_A, fa.z_um)) != AF_OK) {
			rc = hil_v_hal_fail(v, rc);
			goto out;
		}
		rc = af_handoff(e, AF_LENS_A, AF_LENS_B, fa.z_um, &h);
		if (rc != AF_OK) {
			snprintf(v->err, sizeof v->err, "handoff %u of %u, A -> B from %.3f um: %s", i + 1, n,
				 fa.z_um, h.message[0] ? h.message : af_strerror(rc));
			goto fail;
		}
		t[i] = h.phase_ms[AF_PHASE_TOTAL];
		worst = fmax(worst, h.mapping_error_um);
		if ((rc = hil_v_tick(v)) != AF_OK)
			goto out;
	}
	set_mean(it, t, n);
	snprintf(it[0].detail, sizeof it[0].detail,
		 "mean of %u A -> B handoffs from %.3f um (lens A focused there by autofocus, %u "
		 "frames), %.1f to %.1f ms; the last: switch %.1f, move %.1f, search %.1f, validation "
		 "%.1f ms, %u frames", n, fa.z_um, fa.frames, min_of(t, n), max_of(t, n),
		 h.phase_ms[AF_PHASE_LENS_SWITCH], h.phase_ms[AF_PHASE_FOCUS_MOVE],
		 h.phase_ms[AF_PHASE_FOCUS_SEARCH], h.phase_ms[AF_PHASE_VALIDATION], h.frames);
	it[1].value = worst;
	it[1].n = n;
	snprintf(it[1].detail, sizeof it[1].detail,
		 "largest |found - predicted| of those handoffs (no calibration: the engine's nominal "
		 "offset, then what it learns); the last predicted %.3f um, found %.3f um",
		 h.predicted_um, h.found_um);
	goto out;
fail:
	/* the rig answered, the engine found no focus: a FAIL, not an ERROR */
	if (engine_fail(rc))
		for (int k = 0; k < 2; k++) {
			it[k].outcome = HIL_VAL_FAIL;
			snprintf(it[k].detail, sizeof it[k].detail, "%s", v->err);
		}
out:
	af_engine_free(e);
	free(t);
	return rc;
}
