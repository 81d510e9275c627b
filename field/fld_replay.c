/*
 * fld_replay.c - exact replay of a field log (fld_replay.h).
 *
 * The replay HAL holds a cursor into the recorded calls of the operation
 * being replayed.  Each call the engine makes is compared with the call
 * under the cursor (op, then arguments bit for bit); on a match the cursor
 * moves on and the recorded answer is returned, on the first mismatch the
 * replay stops: the divergence is noted and every further call fails with
 * AF_EIO, so the engine winds the operation up quickly, and the driver
 * stops after it.  The engine's results are compared through their log
 * encoding, which is exactly what the recorder wrote: equal bytes are equal
 * results, and a field-by-field walk names the first that differs.
 */
#include "fld_replay.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "field/fld_dump.h"

typedef struct rp {
	const fld_log *log;
	const fld_op *op;
	size_t cur, end;            /* the op's recorded calls not yet matched */
	bool stop;                  /* diverged or ran out: every call fails */
	bool ran_out;               /* the log ends inside this op */
	bool harness;
	const fld_call *frame;      /* the last frame answered */
	bool restored;              /* and its pixels are in the engine's buffer */
	char msg[AF_MSG_MAX];
	fld_replay_result *res;
	af_hal_ops ops;
	af_hal hal;
} rp;

static bool same_f64(double a, double b)
{
	uint64_t x, y;

	memcpy(&x, &a, sizeof x);
	memcpy(&y, &b, sizeof y);
	return x == y;
}

static bool same_roi(const af_roi *a, const af_roi *b)
{
	return a->x == b->x && a->y == b->y && a->width == b->width && a->height == b->height;
}

static bool same_args(const fld_call *a, const fld_call *b)
{
	switch (a->op) {
	case AF_LOG_CALL_SELECT_LENS: return a->lens == b->lens;
	case AF_LOG_CALL_MOVE_Z: return same_f64(a->z_um, b->z_um);
	case AF_LOG_CALL_WAIT_SETTLED:
	case AF_LOG_CALL_WAIT_SETTLED_Z:
	case AF_LOG_CALL_SLEEP_US:
	case AF_LOG_CALL_SET_EXPOSURE_US: return a->u32 == b->u32;
	case AF_LOG_CALL_GRAB_FRAME: return a->capacity_px == b->capacity_px;
	case AF_LOG_CALL_SET_ROI: return same_roi(&a->roi, &b->roi);
	case AF_LOG_CALL_SITE: return a->u32 == b->u32 && same_f64(a->z_um, b->z_um);
	default: return true;
	}
}

/* A call as the engine makes it: op and arguments, success assumed (the
 * describer prints the arguments and "-> ok"; the result is cut off). */
static fld_call blank(int op)
{
	fld_call c;

	memset(&c, 0, sizeof c);
	c.op = op;
	c.msg = "";
	return c;
}

/* "move_z(2.5 um)": the call without its answer. */
static void describe_new(const fld_call *c, char *buf, size_t n)
{
	char *arrow;

	fld_describe_call(c, buf, n);
	arrow = strstr(buf, " -> ");
	if (arrow)
		*arrow = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void diverge(rp *p, const fld_call *rec, const fld_call *now, const char *fmt, ...)
{
	fld_replay_result *r = p->res;
	char d[400];
	va_list ap;

	if (p->stop)
		return;
	p->stop = true;
	r->verdict = FLD_DIVERGED;
	r->div_op = p->op->index;
	r->div_at_call = true;
	r->div_call = rec ? rec->index : (uint64_t)p->end;
	if (rec) {
		fld_describe_call(rec, d, sizeof d);
		snprintf(r->recorded, sizeof r->recorded, "call %" PRIu64 " %s", rec->index, d);
	} else {
		snprintf(r->recorded, sizeof r->recorded, "no further call: operation %" PRIu32
			 " ended after %zu calls", p->op->index, p->op->ncalls);
	}
	if (now) {
		describe_new(now, d, sizeof d);
		snprintf(r->replayed, sizeof r->replayed, "%s", d);
	} else {
		snprintf(r->replayed, sizeof r->replayed, "no further call: the engine ended the "
			 "operation after %zu calls", p->cur - p->op->first_call);
	}
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
}

/* The recorded call matching now, or NULL (the replay stops). */
static const fld_call *take(rp *p, const fld_call *now)
{
	const fld_call *c;

	if (p->stop)
		return NULL;
	if (p->cur >= p->end) {
		if (!p->op->ended) {
			p->ran_out = true;
			p->stop = true;
			return NULL;
		}
		diverge(p, NULL, now, "the engine makes a call the recorded operation did not make");
		return NULL;
	}
	c = &p->log->calls[p->cur];
	if (c->op != now->op) {
		diverge(p, c, now, "the engine makes another call");
		return NULL;
	}
	if (!same_args(c, now)) {
		diverge(p, c, now, "the engine makes the call with other arguments");
		return NULL;
	}
	p->cur++;
	p->res->calls++;
	return c;
}

/* The recorded return code and message of c (AF_EIO once stopped). */
static int answer(rp *p, const fld_call *c)
{
	if (!c) {
		snprintf(p->msg, sizeof p->msg, "replay stopped: %s",
			 p->ran_out ? "the log ends here" : "the engine departed from the log");
		return AF_EIO;
	}
	if (c->rc != AF_OK)
		snprintf(p->msg, sizeof p->msg, "%.*s", (int)c->msg_len, c->msg);
	return c->rc;
}

/* --- the replay HAL ----------------------------------------------------- */

static int r_select_lens(void *ctx, af_lens lens)
{
	fld_call now = blank(AF_LOG_CALL_SELECT_LENS);

	now.lens = (int32_t)lens;
	return answer(ctx, take(ctx, &now));
}

static int r_get_lens(void *ctx, af_lens *lens)
{
	fld_call now = blank(AF_LOG_CALL_GET_LENS);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*lens = (af_lens)c->out_lens;
	return rc;
}

static int r_move_z(void *ctx, double z_um)
{
	fld_call now = blank(AF_LOG_CALL_MOVE_Z);

	now.z_um = z_um;
	return answer(ctx, take(ctx, &now));
}

static int r_get_z(void *ctx, double *z_um)
{
	fld_call now = blank(AF_LOG_CALL_GET_Z);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*z_um = c->out_f64;
	return rc;
}

static int r_wait_settled(void *ctx, uint32_t timeout_ms)
{
	fld_call now = blank(AF_LOG_CALL_WAIT_SETTLED);

	now.u32 = timeout_ms;
	return answer(ctx, take(ctx, &now));
}

static int r_wait_settled_z(void *ctx, uint32_t timeout_ms, double *z_um)
{
	fld_call now = blank(AF_LOG_CALL_WAIT_SETTLED_Z);
	const fld_call *c;
	int rc;

	now.u32 = timeout_ms;
	c = take(ctx, &now);
	rc = answer(ctx, c);
	if (c && rc == AF_OK)
		*z_um = c->out_f64;
	return rc;
}

static int r_grab_frame(void *ctx, af_frame *f)
{
	rp *p = ctx;
	fld_call now = blank(AF_LOG_CALL_GRAB_FRAME);
	const fld_call *c;
	size_t npx;
	int rc;

	now.capacity_px = f->capacity_px;
	c = take(p, &now);
	rc = answer(p, c);
	if (!c || rc != AF_OK)
		return rc;
	f->width = c->frame.width;
	f->height = c->frame.height;
	f->bit_depth = c->frame.bit_depth;
	f->timestamp_us = c->frame.timestamp_us;
	f->seq = c->frame.seq;
	npx = (size_t)f->width * f->height;
	p->frame = c;
	p->restored = false;
	if (c->frame.data) {
		if (fld_log_frame_pixels(&c->frame, f->pixels, f->capacity_px) != 0) {
			diverge(p, c, &now, "the recorded frame does not fit the engine's buffer");
			return answer(p, NULL);
		}
		if (af_log_digest_u16(f->pixels, npx) != c->frame.digest) {
			p->harness = true;
			p->stop = true;
			snprintf(p->res->message, sizeof p->res->message,
				 "the pixels of the frame of call %" PRIu64 " do not match its digest",
				 c->index);
			return answer(p, NULL);
		}
		p->restored = true;
	} else if (f->pixels) {
		memset(f->pixels, 0, (npx < f->capacity_px ? npx : f->capacity_px) * sizeof *f->pixels);
	}
	return AF_OK;
}

static int r_read_temperature(void *ctx, double *temp_c)
{
	fld_call now = blank(AF_LOG_CALL_READ_TEMPERATURE);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*temp_c = c->out_f64;
	return rc;
}

static int r_now_us(void *ctx, int64_t *t_us)
{
	fld_call now = blank(AF_LOG_CALL_NOW_US);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*t_us = c->out_t_us;
	return rc;
}

static int r_sleep_us(void *ctx, uint32_t us)
{
	fld_call now = blank(AF_LOG_CALL_SLEEP_US);

	now.u32 = us;
	return answer(ctx, take(ctx, &now));
}

static const char *r_errmsg(void *ctx)
{
	const rp *p = ctx;

	return p->msg;
}

static int r_set_exposure_us(void *ctx, uint32_t us)
{
	fld_call now = blank(AF_LOG_CALL_SET_EXPOSURE_US);

	now.u32 = us;
	return answer(ctx, take(ctx, &now));
}

static int r_get_exposure_us(void *ctx, uint32_t *us)
{
	fld_call now = blank(AF_LOG_CALL_GET_EXPOSURE_US);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*us = c->out_u32;
	return rc;
}

static int r_set_roi(void *ctx, const af_roi *roi)
{
	fld_call now = blank(AF_LOG_CALL_SET_ROI);

	now.roi = *roi;
	return answer(ctx, take(ctx, &now));
}

static int r_get_roi(void *ctx, af_roi *roi)
{
	fld_call now = blank(AF_LOG_CALL_GET_ROI);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*roi = c->out_roi;
	return rc;
}

static int r_z_busy(void *ctx, bool *busy)
{
	fld_call now = blank(AF_LOG_CALL_Z_BUSY);
	const fld_call *c = take(ctx, &now);
	int rc = answer(ctx, c);

	if (c && rc == AF_OK)
		*busy = c->out_busy;
	return rc;
}

static int r_site(void *user, uint32_t index, double site_um)
{
	fld_call now = blank(AF_LOG_CALL_SITE);

	now.u32 = index;
	now.z_um = site_um;
	return answer(user, take(user, &now));
}

/* The engine's focus measure, answered for the frame just replayed. */
static int r_measure(void *user, const af_frame *f, af_measure_kind m, uint32_t stride,
		     double *score)
{
	rp *p = user;
	const fld_call *c = p->frame;
	const fld_frame *fr = c ? &c->frame : NULL;
	bool same_way = fr && fr->has_score && fr->measure == (int)m && fr->stride == stride;
	fld_call now;
	int rc;

	if (p->stop || !c)
		return AF_EIO;
	now = blank(AF_LOG_CALL_GRAB_FRAME);
	now.capacity_px = c->capacity_px;
	if (p->restored) {
		rc = af_measure(m, f, stride, score);
		p->res->frames_measured++;
		if (rc == AF_OK && same_way && !same_f64(*score, fr->score)) {
			diverge(p, c, &now, "the engine scores the frame of call %" PRIu64 " with %s/%u "
				"at %.17g; the recorded score is %.17g", c->index, af_measure_name(m),
				stride, *score, fr->score);
			return AF_EIO;
		}
		return rc;
	}
	if (same_way) {
		*score = fr->score;
		p->res->frames_from_log++;
		return AF_OK;
	}
	if (fr->has_score)
		diverge(p, c, &now, "the log did not keep the pixels of the frame of call %" PRIu64
			", and the engine scores it with %s/%u where the recording used %s/%u",
			c->index, af_measure_name(m), stride,
			af_measure_name((af_measure_kind)fr->measure), fr->stride);
	else
		diverge(p, c, &now, "the log did not keep the pixels of the frame of call %" PRIu64
			" nor a score for it: the engine's %s/%u cannot be replayed", c->index,
			af_measure_name(m), stride);
	return AF_EIO;
}

static void bind(rp *p)
{
	uint32_t has = p->log->hdr.optional_ops;

	memset(&p->ops, 0, sizeof p->ops);
	p->ops.name = "replay";
	p->ops.version = AF_HAL_VERSION;
	p->ops.select_lens = r_select_lens;
	p->ops.get_lens = r_get_lens;
	p->ops.move_z = r_move_z;
	p->ops.get_z = r_get_z;
	p->ops.wait_settled = r_wait_settled;
	p->ops.grab_frame = r_grab_frame;
	p->ops.read_temperature = r_read_temperature;
	p->ops.now_us = r_now_us;
	p->ops.sleep_us = r_sleep_us;
	p->ops.errmsg = r_errmsg;
	/* the optional ops the recorded HAL had, and only those */
	p->ops.set_exposure_us = has & AF_LOG_HAS_SET_EXPOSURE ? r_set_exposure_us : NULL;
	p->ops.get_exposure_us = has & AF_LOG_HAS_GET_EXPOSURE ? r_get_exposure_us : NULL;
	p->ops.set_roi = has & AF_LOG_HAS_SET_ROI ? r_set_roi : NULL;
	p->ops.get_roi = has & AF_LOG_HAS_GET_ROI ? r_get_roi : NULL;
	p->ops.z_busy = has & AF_LOG_HAS_Z_BUSY ? r_z_busy : NULL;
	p->ops.wait_settled_z = has & AF_LOG_HAS_WAIT_SETTLED_Z ? r_wait_settled_z : NULL;
	p->hal.ops = &p->ops;
	p->hal.ctx = p;
}

/* --- results ----------------------------------------------------------- */

typedef struct diff {
	const char *field;
	char rec[300], now[300];
} diff;

static bool d_f64(diff *d, const char *field, double a, double b)
{
	if (same_f64(a, b))
		return false;
	d->field = field;
	snprintf(d->rec, sizeof d->rec, "%.17g", a);
	snprintf(d->now, sizeof d->now, "%.17g", b);
	return true;
}

static bool d_int(diff *d, const char *field, long long a, long long b)
{
	if (a == b)
		return false;
	d->field = field;
	snprintf(d->rec, sizeof d->rec, "%lld", a);
	snprintf(d->now, sizeof d->now, "%lld", b);
	return true;
}

static bool d_str(diff *d, const char *field, const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return false;
	d->field = field;
	snprintf(d->rec, sizeof d->rec, "'%s'", a);
	snprintf(d->now, sizeof d->now, "'%s'", b);
	return true;
}

static bool diff_handoff(diff *d, const af_handoff_result *a, const af_handoff_result *b)
{
	static const char *const phase[] = { "phase_ms.lens_switch", "phase_ms.focus_move",
		"phase_ms.focus_search", "phase_ms.validation", "phase_ms.total" };

	if (d_int(d, "error", a->error, b->error) || d_int(d, "success", a->success, b->success) ||
	    d_int(d, "from", a->from, b->from) || d_int(d, "to", a->to, b->to) ||
	    d_f64(d, "src_um", a->src_um, b->src_um) ||
	    d_f64(d, "predicted_um", a->predicted_um, b->predicted_um) ||
	    d_f64(d, "found_um", a->found_um, b->found_um) ||
	    d_f64(d, "mapping_error_um", a->mapping_error_um, b->mapping_error_um) ||
	    d_int(d, "frames", a->frames, b->frames) || d_int(d, "retries", a->retries, b->retries) ||
	    d_int(d, "cache_hit", a->cache_hit, b->cache_hit) ||
	    d_f64(d, "temp_c", a->temp_c, b->temp_c) ||
	    d_f64(d, "temp_eff_c", a->temp_eff_c, b->temp_eff_c) ||
	    d_str(d, "message", a->message, b->message))
		return true;
	for (int i = 0; i < AF_PHASE_COUNT; i++)
		if (d_f64(d, phase[i], a->phase_ms[i], b->phase_ms[i]))
			return true;
	return false;
}

static bool diff_focus(diff *d, const af_focus_result *a, const af_focus_result *b)
{
	return d_int(d, "error", a->error, b->error) || d_int(d, "success", a->success, b->success) ||
	       d_int(d, "lens", a->lens, b->lens) || d_f64(d, "z_um", a->z_um, b->z_um) ||
	       d_f64(d, "score", a->score, b->score) || d_int(d, "frames", a->frames, b->frames) ||
	       d_f64(d, "ms", a->ms, b->ms) || d_str(d, "message", a->message, b->message);
}

static bool diff_calib(diff *d, const af_calib_report *a, const af_calib_report *b)
{
	const af_mapping *x = &a->mapping, *y = &b->mapping;
	static const char *const poly[] = { "mapping.poly.c0", "mapping.poly.c1", "mapping.poly.c2",
		"mapping.poly.c3" };
	static const char *const cv[] = { "mapping.cv_rms_um.0", "mapping.cv_rms_um.1",
		"mapping.cv_rms_um.2", "mapping.cv_rms_um.3" };

	if (d_int(d, "error", a->error, b->error) || d_int(d, "success", a->success, b->success) ||
	    d_int(d, "points", (long long)a->points, (long long)b->points) ||
	    d_int(d, "mapping.valid", x->valid, y->valid) ||
	    d_int(d, "mapping.model", x->model, y->model) ||
	    d_int(d, "mapping.order", x->order, y->order) ||
	    d_int(d, "mapping.poly.order", x->poly.order, y->poly.order))
		return true;
	for (int i = 0; i <= AF_POLY_MAX_ORDER; i++)
		if (d_f64(d, poly[i], x->poly.c[i], y->poly.c[i]) ||
		    d_f64(d, cv[i], x->cv_rms_um[i], y->cv_rms_um[i]))
			return true;
	return d_f64(d, "mapping.ref_temp_c", x->ref_temp_c, y->ref_temp_c) ||
	       d_int(d, "mapping.n_points", (long long)x->n_points, (long long)y->n_points) ||
	       d_f64(d, "mapping.rms_um", x->rms_um, y->rms_um) ||
	       d_f64(d, "mapping.max_abs_um", x->max_abs_um, y->max_abs_um) ||
	       d_int(d, "mapping.thermal_valid", x->thermal_valid, y->thermal_valid) ||
	       d_f64(d, "mapping.tc_a_um_per_c", x->tc_a_um_per_c, y->tc_a_um_per_c) ||
	       d_f64(d, "mapping.tc_b_um_per_c", x->tc_b_um_per_c, y->tc_b_um_per_c) ||
	       d_f64(d, "mapping.thermal_span_c", x->thermal_span_c, y->thermal_span_c) ||
	       d_int(d, "mapping.n_calibrations", (long long)x->n_calibrations,
		     (long long)y->n_calibrations) ||
	       d_f64(d, "mapping.thermal_rms_um", x->thermal_rms_um, y->thermal_rms_um) ||
	       d_f64(d, "temp_c", a->temp_c, b->temp_c) ||
	       d_f64(d, "backlash_um", a->backlash_um, b->backlash_um) ||
	       d_int(d, "frames", a->frames, b->frames) || d_f64(d, "ms", a->ms, b->ms) ||
	       d_str(d, "message", a->message, b->message);
}

/* Encode a result the way the recorder does. */
static size_t encode(int kind, int rc, const fld_result *r, uint8_t *buf, size_t cap)
{
	af_log_wbuf w = { buf, 0, cap, false };

	af_log_put_i32(&w, rc);
	switch (kind) {
	case AF_LOG_OP_HANDOFF: af_log_put_handoff(&w, &r->handoff); break;
	case AF_LOG_OP_AUTOFOCUS: af_log_put_focus(&w, &r->focus); break;
	case AF_LOG_OP_CALIBRATE: af_log_put_calib(&w, &r->calib); break;
	default: af_log_put_str(&w, r->message); break;
	}
	return w.overflow ? 0 : w.len;
}

/* Compare the replayed result with the recorded one; false (and the
 * divergence noted) when they differ. */
static bool same_result(rp *p, int rc, const fld_result *got)
{
	const fld_op *o = p->op;
	uint8_t a[2048], b[2048];
	size_t na = encode(o->kind, o->rc, &o->res, a, sizeof a);
	size_t nb = encode(o->kind, rc, got, b, sizeof b);
	fld_replay_result *r = p->res;
	diff d = { NULL, "", "" };

	if (na == nb && memcmp(a, b, na) == 0)
		return true;
	if (!d_int(&d, "return code", o->rc, rc)) {
		if (o->kind == AF_LOG_OP_HANDOFF)
			(void)diff_handoff(&d, &o->res.handoff, &got->handoff);
		else if (o->kind == AF_LOG_OP_AUTOFOCUS)
			(void)diff_focus(&d, &o->res.focus, &got->focus);
		else if (o->kind == AF_LOG_OP_CALIBRATE)
			(void)diff_calib(&d, &o->res.calib, &got->calib);
		else
			(void)d_str(&d, "message", o->res.message, got->message);
	}
	r->verdict = FLD_DIVERGED;
	r->div_op = o->index;
	r->div_at_call = false;
	r->div_call = o->first_call + o->ncalls;
	snprintf(r->recorded, sizeof r->recorded, "%s = %s", d.field ? d.field : "result",
		 d.field ? d.rec : "(as recorded)");
	snprintf(r->replayed, sizeof r->replayed, "%s = %s", d.field ? d.field : "result",
		 d.field ? d.now : "(other bytes)");
	snprintf(r->what, sizeof r->what, "the engine made the same calls but its result differs");
	p->stop = true;
	return false;
}

/* --- the driver -------------------------------------------------------- */

/* Issue op o on e (created by op 0); *rc and *out receive the result. */
static af_engine *issue(rp *p, af_engine *e, const af_engine_config *cfg, int *rc,
			fld_result *out)
{
	const fld_op *o = p->op;
	const char *why = NULL;

	memset(out, 0, sizeof *out);
	switch (o->kind) {
	case AF_LOG_OP_NEW:
		e = af_engine_new(&p->hal, cfg, &why);
		*rc = e ? AF_OK : (why && strcmp(why, "out of memory") == 0 ? AF_ENOMEM : AF_EINVAL);
		snprintf(out->message, sizeof out->message, "%s", why ? why : "");
		if (e)
			af_engine_set_measure_fn(e, r_measure, p);
		return e;
	case AF_LOG_OP_HANDOFF:
		*rc = af_handoff(e, (af_lens)o->lens, (af_lens)o->to, o->z_um, &out->handoff);
		return e;
	case AF_LOG_OP_AUTOFOCUS:
		*rc = af_autofocus(e, (af_lens)o->lens, o->z_um, &out->focus);
		return e;
	case AF_LOG_OP_CALIBRATE:
		*rc = af_calibrate(e, o->has_plan ? &o->plan : NULL, o->has_site ? r_site : NULL, p,
				   &out->calib);
		return e;
	case AF_LOG_OP_GOTO:
		*rc = af_engine_goto(e, (af_lens)o->lens, o->z_um);
		break;
	case AF_LOG_OP_TICK:
		*rc = af_engine_tick(e);
		break;
	case AF_LOG_OP_SET_LEVEL:
		af_engine_set_level(e, (af_level)o->level);
		*rc = AF_OK;
		break;
	case AF_LOG_OP_SET_THERMAL:
		af_engine_set_thermal_compensation(e, o->on);
		*rc = AF_OK;
		break;
	default:
		*rc = AF_EINVAL;
		break;
	}
	if (*rc != AF_OK)
		snprintf(out->message, sizeof out->message, "%s", af_engine_errmsg(e));
	return e;
}

fld_verdict fld_replay(const fld_log *log, const af_engine_config *cfg, FILE *out, bool verbose,
		       fld_replay_result *res)
{
	af_engine *e = NULL;
	fld_result got;
	rp p;

	memset(res, 0, sizeof *res);
	memset(&p, 0, sizeof p);
	p.log = log;
	p.res = res;
	bind(&p);
	for (size_t k = 0; k < log->nops; k++) {
		const fld_op *o = &log->ops[k];
		int rc = AF_OK;

		p.op = o;
		p.cur = o->first_call;
		p.end = o->first_call + o->ncalls;
		if (o->kind != AF_LOG_OP_NEW && !e) {
			res->verdict = FLD_DIVERGED;
			res->div_op = o->index;
			res->div_call = o->first_call;
			snprintf(res->recorded, sizeof res->recorded, "an engine");
			snprintf(res->replayed, sizeof res->replayed, "no engine");
			snprintf(res->what, sizeof res->what, "the engine was not created");
			break;
		}
		e = issue(&p, e, cfg, &rc, &got);
		if (p.harness) {
			res->verdict = FLD_HARNESS;
			break;
		}
		if (p.ran_out) {
			res->log_incomplete = true;
			break;
		}
		if (p.stop)
			break;
		if (p.cur < p.end) {
			diverge(&p, &log->calls[p.cur], NULL, "the engine ends the operation before "
				"the recording did");
			break;
		}
		if (!o->ended) {
			res->log_incomplete = true;
			break;
		}
		if (!same_result(&p, rc, &got))
			break;
		res->ops++;
		if (verbose && out) {
			char line[1024];

			fld_describe_op(o, line, sizeof line);
			if (o->ncalls)
				fprintf(out, "%s [calls %zu-%zu]\n", line, o->first_call,
					o->first_call + o->ncalls - 1);
			else
				fprintf(out, "%s [no calls]\n", line);
		}
	}
	af_engine_free(e);
	return res->verdict;
}
