/*
 * fld_fit.c - the rig a field log tells of (fld_fit.h).
 *
 * One walk over the calls collects the durations each model explains
 * (switches that moved, switches that did not, jams, stage commands and
 * queries, settle waits with the distance moved, frames), then each value
 * is fitted from its own series: means and half ranges for the switcher,
 * the extremes for a uniform bus latency, a least-squares grid over
 * (max_speed, accel) for the stage's travel with the settle time as the
 * mean residual, the frame's own timestamp for the exposure.
 *
 * Which lens is seated is followed through the calls (select_lens that
 * succeeded, get_lens); a switch while it is not known yet is left out of
 * the switch times, and decides the start lens afterwards by its duration.
 */
#include "fld_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"

typedef struct series {
	double *v;
	size_t n, cap;
} series;

static int put(series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		double *nv = realloc(s->v, cap * sizeof *nv);

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static double mean(const series *s)
{
	double t = 0;

	for (size_t i = 0; i < s->n; i++)
		t += s->v[i];
	return s->n ? t / (double)s->n : NAN;
}

static double smin(const series *s)
{
	double m = INFINITY;

	for (size_t i = 0; i < s->n; i++)
		m = fmin(m, s->v[i]);
	return m;
}

static double smax(const series *s)
{
	double m = -INFINITY;

	for (size_t i = 0; i < s->n; i++)
		m = fmax(m, s->v[i]);
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median (sorts s). */
static double median(series *s)
{
	if (!s->n)
		return NAN;
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	return s->n % 2 ? s->v[s->n / 2] : 0.5 * (s->v[s->n / 2 - 1] + s->v[s->n / 2]);
}

/* What the walk collects. */
typedef struct collect {
	series sw_move, sw_still, sw_jam;   /* select_lens, ms */
	series bus;                         /* move_z, get_z, z_busy, ms */
	series mv_d, mv_w;                  /* settle waits: distance um, duration ms */
	series grab_us, grab_exp, grab_rows; /* frames: the grab, its exposure (-1: the
					      * camera's), its rows */
	series drop_ms;                     /* dropped frames */
	int first_lens;                     /* the first select_lens's lens, -1 none */
	double first_ms;                    /* and its duration */
	bool first_known;                   /* a get_lens answered before it */
	int start_lens;
	uint32_t frame_h, bit_depth, roi_w, roi_h, roi_x, roi_y;
	bool has_roi, has_z;
	double start_z;
	bool set_exposure;                  /* the engine set the exposure itself */
	uint32_t exposure_set;              /* the last it set */
	bool exposure_read;                 /* the camera's exposure was read */
	uint32_t exposure_cam;
} collect;

static double dur_ms(const fld_call *c)
{
	return (double)(c->t1_us - c->t0_us) / 1e3;
}

static int walk(const fld_log *l, int64_t start_us, collect *k, fld_fit *f)
{
	int seated = -1;
	bool have_target = false;
	double target = 0;

	k->first_lens = -1;
	k->start_lens = -1;
	for (size_t i = 0; i < l->ncalls; i++) {
		const fld_call *c = &l->calls[i];
		const fld_call *next = i + 1 < l->ncalls ? &l->calls[i + 1] : NULL;
		int rc = 0;

		switch (c->op) {
		case AF_LOG_CALL_SELECT_LENS:
			if (c->rc == AF_OK && c->stamped && seated < 0 && k->first_lens < 0 &&
			    !k->first_known) {
				k->first_lens = c->lens;
				k->first_ms = dur_ms(c);
			} else if (c->rc == AF_OK && c->stamped && seated >= 0) {
				rc = put(c->lens != seated ? &k->sw_move : &k->sw_still, dur_ms(c));
			} else if (c->rc == AF_EHW && c->stamped) {
				rc = put(&k->sw_jam, dur_ms(c));
			}
			if (c->rc == AF_OK)
				seated = c->lens;
			break;
		case AF_LOG_CALL_GET_LENS:
			if (c->rc == AF_OK) {
				if (seated < 0 && k->first_lens < 0) {
					k->first_known = true;
					k->start_lens = c->out_lens;
				}
				seated = c->out_lens;
			}
			break;
		case AF_LOG_CALL_MOVE_Z:
			if (c->rc != AF_OK)
				break;
			if (c->stamped)
				rc = put(&k->bus, dur_ms(c));
			/* a settle wait right after it times the travel */
			if (have_target && c->stamped && next &&
			    (next->op == AF_LOG_CALL_WAIT_SETTLED ||
			     next->op == AF_LOG_CALL_WAIT_SETTLED_Z) &&
			    next->rc == AF_OK && next->stamped && next->t0_us - c->t1_us < 1000 &&
			    fabs(c->z_um - target) > 0.01 && rc == 0) {
				rc = put(&k->mv_d, fabs(c->z_um - target));
				if (rc == 0)
					rc = put(&k->mv_w, dur_ms(next));
			}
			target = c->z_um;
			have_target = true;
			break;
		case AF_LOG_CALL_GET_Z:
			if (c->rc == AF_OK && !k->has_z && c->op_index == 0) {
				k->has_z = true;
				k->start_z = c->out_f64;
			}
			/* fall through - a query's latency */
		case AF_LOG_CALL_Z_BUSY:
			if (c->rc == AF_OK && c->stamped)
				rc = put(&k->bus, dur_ms(c));
			break;
		case AF_LOG_CALL_GRAB_FRAME:
			if (c->rc == AF_ETIMEDOUT && c->stamped) {
				rc = put(&k->drop_ms, dur_ms(c));
			} else if (c->rc == AF_OK) {
				k->frame_h = c->frame.height;
				k->bit_depth = c->frame.bit_depth;
				/* the exposure then: the engine's own, else the camera's
				 * (read, or its default: resolved in fit_camera) */
				if (c->stamped && c->frame.height) {
					rc = put(&k->grab_us, (double)(c->t1_us - c->t0_us));
					if (rc == 0)
						rc = put(&k->grab_exp, k->set_exposure ? (double)k->exposure_set : -1);
					if (rc == 0)
						rc = put(&k->grab_rows, (double)c->frame.height);
				}
			}
			break;
		case AF_LOG_CALL_GET_ROI:
			if (c->rc == AF_OK && !k->has_roi) {
				k->has_roi = true;
				k->roi_x = c->out_roi.x;
				k->roi_y = c->out_roi.y;
				k->roi_w = c->out_roi.width;
				k->roi_h = c->out_roi.height;
			}
			break;
		case AF_LOG_CALL_SET_EXPOSURE_US:
			if (c->rc == AF_OK) {
				k->set_exposure = true;
				k->exposure_set = c->u32;
			}
			break;
		case AF_LOG_CALL_GET_EXPOSURE_US:
			/* the camera's own exposure, when read before the engine set one */
			if (c->rc == AF_OK && !k->set_exposure && !k->exposure_read) {
				k->exposure_read = true;
				k->exposure_cam = c->out_u32;
			}
			break;
		case AF_LOG_CALL_READ_TEMPERATURE:
			if (c->rc == AF_OK && (c->stamped || start_us != FLD_NO_TIME)) {
				int64_t t = c->stamped ? c->t1_us : FLD_NO_TIME;
				mdl_room_point *p;

				if (t == FLD_NO_TIME)
					break;
				if (f->ntemps % 256 == 0) {
					p = realloc(f->temps, (f->ntemps + 256) * sizeof *p);
					if (!p)
						return -1;
					f->temps = p;
				}
				f->temps[f->ntemps].t_s = (double)(t - start_us) / 1e6;
				f->temps[f->ntemps++].temp_c = c->out_f64;
			}
			break;
		default:
			break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* --- the stage's travel --------------------------------------------------------- */

/* Travel time of d_um: mdl_stage_trapezoid_s. */
static double travel_ms(double d, double v, double a)
{
	if (d <= v * v / a)
		return 2e3 * sqrt(d / a);
	return 1e3 * (d / v + v / a);
}

/* Sum of squared residuals of the waits at (v, a), the mean residual into *m. */
static double sse(const collect *k, double v, double a, double *m)
{
	double s = 0, q = 0;

	for (size_t i = 0; i < k->mv_d.n; i++)
		s += k->mv_w.v[i] - travel_ms(k->mv_d.v[i], v, a);
	s /= (double)k->mv_d.n;
	for (size_t i = 0; i < k->mv_d.n; i++) {
		double r = k->mv_w.v[i] - travel_ms(k->mv_d.v[i], v, a) - s;

		q += r * r;
	}
	*m = s;
	return q;
}

/* The best (v, a) on a log grid around (v0, a0), span decades either
 * side, n points per axis. */
static void grid(const collect *k, double *v, double *a, double span, int n)
{
	double lv = log10(*v), la = log10(*a), best = INFINITY, m;
	double bv = *v, ba = *a;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double tv = pow(10, lv - span + 2 * span * i / (n - 1));
			double ta = pow(10, la - span + 2 * span * j / (n - 1));
			double e;

			if (ta > 1e9 || tv > 1e7)
				continue;
			e = sse(k, tv, ta, &m);
			if (e < best) {
				best = e;
				bv = tv;
				ba = ta;
			}
		}
	*v = bv;
	*a = ba;
}

/* The best accel for speed v: a log grid from 1e2 to 1e9, then finer
 * around the best. */
static void grid_a(const collect *k, double v, double *a)
{
	double best = INFINITY, m, span = 3.5, c = 5.5;

	for (int pass = 0; pass < 3; pass++) {
		double bc = c;

		for (int j = 0; j <= 70; j++) {
			double ta = pow(10, c - span + 2 * span * j / 70), e;

			if (ta > 1e9 || ta < 1e2)
				continue;
			e = sse(k, v, ta, &m);
			if (e < best) {
				best = e;
				bc = log10(ta);
				*a = ta;
			}
		}
		c = bc;
		span /= 20;
	}
}

/* A value into a range, and a sentence when it had to be moved. */
static double clamp(fld_fit *f, const char *key, double v, double lo, double hi)
{
	if (v < lo || v > hi) {
		double c = v < lo ? lo : hi;

		fld_text_add(&f->said, "%s: the log gives %.6g, outside the [%g, %g] a scenario takes: "
			     "%.6g", key, v, lo, hi, c);
		return c;
	}
	return v;
}

/* Round to a microsecond (ms values) or a nanometre (um), so that the
 * scenario file stays readable; the models' own resolution is finer than
 * any log tells. */
static double r3(double v)
{
	return round(v * 1e3) / 1e3;
}

static void fit_turret(fld_fit *f, collect *k)
{
	mdl_turret_config *t = &f->rig.turret;

	if (k->sw_still.n) {
		t->bus_latency_ms = clamp(f, "rig.turret.bus_latency_ms", r3(mean(&k->sw_still)), 0, 1e4);
		fld_text_add(&f->said, "rig.turret.bus_latency_ms = %g: the mean of %zu switches to the "
			     "seated lens", t->bus_latency_ms, k->sw_still.n);
	} else {
		fld_text_add(&f->kept, "rig.turret.bus_latency_ms: no switch to the seated lens");
	}
	if (k->sw_move.n) {
		double m = mean(&k->sw_move), j = 0.5 * (smax(&k->sw_move) - smin(&k->sw_move));

		/* switch and settle are one duration in the log: the settle
		 * keeps its default unless the switches are shorter */
		t->settle_ms = fmin(t->settle_ms, fmax(0.0, r3(m - j)));
		t->switch_ms = clamp(f, "rig.turret.switch_ms", r3(m - t->settle_ms), 0, 1e5);
		t->switch_jitter_ms = k->sw_move.n > 1 ? fmin(r3(j), t->switch_ms) : 0.0;
		fld_text_add(&f->said, "rig.turret.switch_ms = %g, switch_jitter_ms = %g: %zu switches "
			     "that moved, %.3f ms on average (less the %g ms settle, which the log "
			     "cannot tell apart), %.3f..%.3f ms", t->switch_ms, t->switch_jitter_ms,
			     k->sw_move.n, m, t->settle_ms, smin(&k->sw_move), smax(&k->sw_move));
	} else {
		fld_text_add(&f->kept, "rig.turret.switch_ms: no switch that moved");
	}
	if (k->sw_jam.n) {
		t->jam_timeout_ms = clamp(f, "rig.turret.jam_timeout_ms", r3(mean(&k->sw_jam)), 0, 1e6);
		fld_text_add(&f->said, "rig.turret.jam_timeout_ms = %g: %zu jammed switch%s",
			     t->jam_timeout_ms, k->sw_jam.n, k->sw_jam.n == 1 ? "" : "es");
	}
	/* the first switch, made before any lens was known: a still one
	 * takes about the bus latency, a move about the switch time */
	if (k->first_lens >= 0 && k->sw_still.n && k->sw_move.n &&
	    mean(&k->sw_move) > 2 * mean(&k->sw_still)) {
		double still = mean(&k->sw_still), move = mean(&k->sw_move);
		bool moved = fabs(k->first_ms - move) < fabs(k->first_ms - still);

		k->start_lens = moved ? 1 - k->first_lens : k->first_lens;
	} else if (k->first_lens >= 0) {
		fld_text_add(&f->kept, "rig.start_lens: the first switch (%.3f ms) does not tell whether "
			     "it moved", k->first_ms);
	}
	if (k->start_lens == AF_LENS_B) {
		f->rig.start_lens = MDL_LENS_B;
		fld_text_add(&f->said, "rig.start_lens = B: lens B was seated when the log began");
	}
}

static void fit_stage(fld_fit *f, collect *k)
{
	mdl_stage_config *s = &f->rig.stage;
	double v = s->max_speed_um_per_s, a = s->accel_um_per_s2, m, q, dmax;

	if (k->bus.n > 1) {
		s->bus_latency_min_ms = clamp(f, "rig.stage.bus_latency_min_ms", r3(smin(&k->bus)), 0, 1000);
		s->bus_latency_max_ms = clamp(f, "rig.stage.bus_latency_max_ms", r3(smax(&k->bus)), 0, 1000);
		fld_text_add(&f->said, "rig.stage.bus_latency_min_ms = %g, bus_latency_max_ms = %g: the "
			     "extremes of %zu stage commands and queries", s->bus_latency_min_ms,
			     s->bus_latency_max_ms, k->bus.n);
	} else {
		fld_text_add(&f->kept, "rig.stage.bus_latency_*_ms: fewer than two stage commands");
	}
	if (k->mv_d.n < 3 || smax(&k->mv_d) < 2 * smin(&k->mv_d)) {
		fld_text_add(&f->kept, "rig.stage.max_speed_um_per_s, accel_um_per_s2, settle_ms: too few "
			     "settle waits after moves of different lengths (%zu)", k->mv_d.n);
		return;
	}
	dmax = smax(&k->mv_d);
	/* the moves as if none reached the top speed, then with a speed: the
	 * speed counts only when it explains the waits clearly better (a
	 * stage's backlash alone makes a finite speed look a little better) */
	{
		double vt = 1e7, at = a, mt, qt;

		grid_a(k, vt, &at);
		qt = sse(k, vt, at, &mt);
		grid(k, &v, &a, 3.5, 57);
		grid(k, &v, &a, 0.15, 31);
		q = sse(k, v, a, &m);
		if (!(q < 0.8 * qt) || v * v / a > dmax) {
			v = 1e7;
			a = at;
			q = qt;
			m = mt;
		}
	}
	/* the poll of the wait adds half a millisecond on average */
	m -= 0.5;
	if (v >= 1e7) {
		/* every move too short to reach the speed: the speed is not seen */
		double vd = s->max_speed_um_per_s;

		if (a >= 1e9 * 0.999)
			fld_text_add(&f->said, "rig.stage.accel_um_per_s2: the settle waits barely grow "
				     "with the distance: the most a scenario takes, 1e9");
		s->accel_um_per_s2 = fmin(a, 1e9);
		s->max_speed_um_per_s = vd * vd / s->accel_um_per_s2 >= dmax ? vd
					: fmin(1e7, ceil(sqrt(s->accel_um_per_s2 * dmax)));
		fld_text_add(&f->said, "rig.stage.accel_um_per_s2 = %.6g: %zu moves of %.3g..%.3g um and "
			     "their settle waits; no move was long enough to show the top speed (%.6g "
			     "um/s)", round(s->accel_um_per_s2), k->mv_d.n, smin(&k->mv_d), dmax,
			     s->max_speed_um_per_s);
	} else {
		s->accel_um_per_s2 = a;
		s->max_speed_um_per_s = v;
		fld_text_add(&f->said, "rig.stage.max_speed_um_per_s = %.6g, accel_um_per_s2 = %.6g: %zu "
			     "moves of %.3g..%.3g um and their settle waits", round(v * 10) / 10, round(a),
			     k->mv_d.n, smin(&k->mv_d), dmax);
	}
	s->accel_um_per_s2 = round(s->accel_um_per_s2);
	s->max_speed_um_per_s = round(s->max_speed_um_per_s * 10) / 10;
	s->settle_ms = clamp(f, "rig.stage.settle_ms", r3(m), 0, 1e4);
	{
		/* uniform jitter (variance J^2/3) on top of the poll's (1/12 ms^2) */
		double var = q / (double)k->mv_d.n - 1.0 / 12.0;

		s->settle_jitter_ms = fmin(s->settle_ms, r3(sqrt(3.0 * fmax(0.0, var))));
	}
	fld_text_add(&f->said, "rig.stage.settle_ms = %g, settle_jitter_ms = %g: what the waits "
		     "take beyond the travel", s->settle_ms, s->settle_jitter_ms);
}

static void fit_camera(fld_fit *f, collect *k)
{
	mdl_camera_config *c = &f->rig.camera;

	if (k->has_roi) {
		/* the autofocus ROI is centred on the sensor */
		uint32_t sw = k->roi_x * 2 + k->roi_w, sh = k->roi_y * 2 + k->roi_h;

		if (k->roi_w >= 8 && k->roi_h >= 8 && k->roi_w <= 65535 && k->roi_h <= 65535 &&
		    sw <= 65535 && sh <= 65535) {
			c->roi_width = k->roi_w;
			c->roi_height = k->roi_h;
			c->sensor_width = sw;
			c->sensor_height = sh;
			c->roi_x = k->roi_x;
			c->roi_y = k->roi_y;
			fld_text_add(&f->said, "rig.camera: the %ux%u region of interest at (%u, %u) the "
				     "engine read, on a %ux%u sensor around it", k->roi_w, k->roi_h,
				     k->roi_x, k->roi_y, sw, sh);
		}
	}
	if (k->bit_depth >= 1 && k->bit_depth <= 16 && k->bit_depth != c->bit_depth) {
		c->bit_depth = k->bit_depth;
		fld_text_add(&f->said, "rig.camera.bit_depth = %u: the frames'", c->bit_depth);
	}
	/* The exposure shapes the frames (their light): it is taken only from
	 * what the log says of it (get_exposure_us, set_exposure_us), never
	 * guessed from durations; what a grab takes beyond it is the readout. */
	if (k->exposure_read && k->exposure_cam >= 1) {
		c->exposure_us = k->exposure_cam;
		fld_text_add(&f->said, "rig.camera.exposure_us = %u: the camera's, as the engine read it",
			     c->exposure_us);
	} else if (k->grab_us.n) {
		fld_text_add(&f->kept, "rig.camera.exposure_us: the log never reads the camera's "
			     "exposure (%u us kept)", c->exposure_us);
	}
	if (k->grab_us.n) {
		series row = { NULL, 0, 0 };
		double r;

		for (size_t i = 0; i < k->grab_us.n; i++) {
			double e = k->grab_exp.v[i] >= 0 ? k->grab_exp.v[i] : (double)c->exposure_us;

			if (put(&row, (k->grab_us.v[i] - e) / k->grab_rows.v[i]) != 0) {
				free(row.v);
				return;
			}
		}
		r = round(median(&row) * 1e4) / 1e4;
		free(row.v);
		c->readout_us_per_row = clamp(f, "rig.camera.readout_us_per_row", r, 0, 1e6);
		fld_text_add(&f->said, "rig.camera.readout_us_per_row = %g: what %zu grabs take beyond "
			     "their exposure, per row (median)", c->readout_us_per_row, k->grab_us.n);
	}
	if (k->drop_ms.n) {
		c->frame_timeout_ms = clamp(f, "rig.camera.frame_timeout_ms", r3(mean(&k->drop_ms)), 0, 1e6);
		fld_text_add(&f->said, "rig.camera.frame_timeout_ms = %g: %zu dropped frame%s",
			     c->frame_timeout_ms, k->drop_ms.n, k->drop_ms.n == 1 ? "" : "s");
	}
}

static void release(collect *k)
{
	series *s[] = { &k->sw_move, &k->sw_still, &k->sw_jam, &k->bus, &k->mv_d, &k->mv_w,
			&k->grab_us, &k->grab_exp, &k->grab_rows, &k->drop_ms };

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		free(s[i]->v);
}

int fld_fit_rig(const fld_log *l, int64_t start_us, fld_fit *out, char *err, size_t errlen)
{
	collect k;
	mdl_thermal_config *th;

	memset(out, 0, sizeof *out);
	memset(&k, 0, sizeof k);
	mdl_rig_default(&out->rig);
	/* the fitted values are the instrument's truth, not a datasheet to
	 * draw an instrument around (models/truth.h) */
	out->rig.truth.mode = MDL_TRUTH_NOMINAL;
	if (walk(l, start_us, &k, out) != 0)
		goto oom;
	if (!(l->hdr.flags & AF_LOG_FLAG_STAMPS))
		fld_text_add(&out->kept, "the rig's timings: the log's calls carry no clock stamps");
	fit_turret(out, &k);
	fit_stage(out, &k);
	fit_camera(out, &k);
	if (k.has_z && k.start_z >= -1e5 && k.start_z <= 1e5) {
		out->rig.start_z_um = k.start_z;
		if (k.start_z != 0)
			fld_text_add(&out->said, "rig.start_z_um = %.6g: the encoder when the engine was "
				     "created", k.start_z);
	}
	th = &out->rig.thermal;
	if (out->ntemps) {
		th->tau_fast_s = th->tau_slow_s = th->sensor_lag_s = 0;
		th->sensor_noise_c = th->sensor_resolution_c = 0;
		fld_text_add(&out->said, "environment: the %zu temperature readings as the room, the "
			     "instrument following it without lag and read without noise (rig.thermal)",
			     out->ntemps);
	}
	fld_text_add(&out->kept, "rig.lens_a, lens_b, parfocal, specimen, the camera's light and noise, "
		     "the stage's backlash and travel: a HAL log does not tell them");
	if (out->said.oom || out->kept.oom)
		goto oom;
	release(&k);
	return 0;
oom:
	release(&k);
	fld_fit_release(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

void fld_fit_release(fld_fit *f)
{
	free(f->temps);
	fld_text_release(&f->said);
	fld_text_release(&f->kept);
	memset(f, 0, sizeof *f);
}
