/*
 * sim_hal.c - the simulated HAL: the ops table over the models.
 *
 * Time discipline: every call records its start time, then moves the clock
 * through sim_hal_advance_to(), which fires the time-triggered faults due on
 * the way at their own time before going on.  Models are asked for state at an
 * explicit time (the stage's position at mid-exposure, the thermal state at
 * the reading), never "now" implicitly.
 *
 * Views (the camera's cached defocus stacks) are built lazily per lens for
 * the current ROI and place, and dropped when either changes.
 *
 * The instrument is its truth: sim_hal_new() (sim_hal_new.c) draws the
 * rig's true parameters around the configured ones (models/truth.h) before
 * anything is built.  Every place shows its own field (models/slide.h).
 *
 * Time the engine itself takes is charged too: the ops table the engine
 * binds (sim_hal_time.c) wraps each op here: the work the engine owes
 * since its previous call (mdl_host_config) moves the clock before the op
 * starts, so four phases timed on the HAL clock add up to what an
 * instrument would see.  The ops themselves know nothing of it.
 */
#include "sim_hal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/camera.h"
#include "kernel/clock.h"
#include "sim/fault.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal_impl.h"

/* The driver's pause between two status polls while waiting for a move
 * (each poll is a bus round trip of its own). */
#define POLL_NS SIM_NS_PER_MS
/* Bus cost of reading the temperature sensor. */
#define SENSOR_LATENCY_NS (2 * SIM_NS_PER_MS)

/* --- helpers --------------------------------------------------------- */

static void emit_event(sim_hal *sh, sim_event_class cls, const char *detail)
{
	if (sh->have_obs && sh->obs.on_event)
		sh->obs.on_event(sh->obs.user, cls, sh->clock.now_ns, detail);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(sim_hal *sh, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->errmsg, sizeof sh->errmsg, fmt, ap);
	va_end(ap);
	emit_event(sh, SIM_EVENT_HAL_ERROR, sh->errmsg);
	return code;
}

/*
 * A HAL call's trace record is written when the call returns, stamped with
 * the time it started: faults that fire while the call runs are records of
 * their own, before it.  call_rec collects the fields on the way.
 */
typedef struct call_rec {
	unsigned kind;
	int64_t t0;
	int nd, nu;
	double d[8];
	uint64_t u[4];
} call_rec;

static void rec_init(call_rec *r, const sim_hal *sh, unsigned kind)
{
	r->kind = kind;
	r->t0 = sh->clock.now_ns;
	r->nd = r->nu = 0;
}

static void rec_d(call_rec *r, double v)
{
	if (r->nd < 8)
		r->d[r->nd++] = v;
}

static void rec_u(call_rec *r, uint64_t v)
{
	if (r->nu < 4)
		r->u[r->nu++] = v;
}

/* Write the record with the result and the end time; returns rc. */
static int finish(sim_hal *sh, const call_rec *r, int rc)
{
	if (sh->trace) {
		sim_trace_begin(sh->trace, r->kind, r->t0);
		for (int i = 0; i < r->nd; i++)
			sim_trace_f64(sh->trace, r->d[i]);
		for (int i = 0; i < r->nu; i++)
			sim_trace_u64(sh->trace, r->u[i]);
		sim_trace_i32(sh->trace, rc);
		sim_trace_i64(sh->trace, sh->clock.now_ns);
		sim_trace_end(sh->trace);
	}
	return rc;
}

/* A call that would take time once the clock has overflowed: refused, so
 * that the engine gives up instead of waiting on a clock that no longer
 * moves (the runner then ends the run as an error). */
static int spent(sim_hal *sh)
{
	return fail(sh, AF_ESTATE,
		    "virtual clock overflow: the run reached %.4g s of simulated time, the most "
		    "the clock can count", (double)SIM_TIME_MAX_NS / 1e9);
}

/*
 * The prologue every HAL op shares (SQLite's os.c fault injection): the
 * faults due fire, the op's call is counted, its trace record starts (r
 * NULL: an op without a record), a call once the clock has overflowed is
 * refused, and a fired hal_error fault fails the call it names, before it
 * does anything or takes any time.  AF_OK to go on, else the code the op
 * returns (its message set).
 */
static int enter(sim_hal *sh, sim_hal_op op, call_rec *r, unsigned kind)
{
	uint64_t n;

	sim_hal_poll_faults(sh);
	n = ++sh->hal_calls[op];
	if (r)
		rec_init(r, sh, kind);
	if (r && sh->clock.overflowed)
		return spent(sh);
	for (size_t i = 0; sh->hal_errors_fired && i < sh->faults.count; i++) {
		const sim_fault *f = &sh->faults.faults[i];

		if (f->fired && f->kind == SIM_FAULT_HAL_ERROR && f->hal_op == (int)op &&
		    sim_fault_hal_error_due(f, n))
			return fail(sh, f->code, "injected %s (%s) at call %llu of %s",
				    af_err_name(f->code), af_strerror(f->code),
				    (unsigned long long)(n - f->calls_at_fire), sim_hal_op_name((int)op));
	}
	return AF_OK;
}

void sim_hal_draw_seat(sim_hal *sh, int lens)
{
	sh->seat_um[lens] = sh->rig.parfocal.seating_sigma_um * sim_rng_normal(&sh->rng_optics);
}

static void fire(sim_hal *sh, sim_fault *f)
{
	char detail[160];
	int64_t now = sh->clock.now_ns;

	switch (f->kind) {
	case SIM_FAULT_STAGE_STALL:
		mdl_stage_stall(&sh->stage, now, (int64_t)llround(f->duration_ms * 1e6));
		break;
	case SIM_FAULT_STAGE_LOST_STEPS:
		mdl_stage_lose_steps(&sh->stage, f->count);
		break;
	case SIM_FAULT_STAGE_EARLY_NOT_BUSY:
		mdl_stage_early_not_busy(&sh->stage, f->factor);
		break;
	case SIM_FAULT_CAMERA_DROP:
		sh->drop_pending += f->count;
		break;
	case SIM_FAULT_CAMERA_STALE:
		sh->stale_pending += f->count;
		break;
	case SIM_FAULT_CAMERA_SATURATE:
		sh->saturate_pending += f->count;
		sh->saturate_factor = f->factor;
		break;
	case SIM_FAULT_TURRET_JAM:
		mdl_turret_arm_jam(&sh->turret);
		break;
	case SIM_FAULT_TURRET_WRONG_POSITION:
		mdl_turret_arm_wrong_position(&sh->turret);
		break;
	case SIM_FAULT_TURRET_SLOW:
		mdl_turret_arm_slow(&sh->turret, f->factor);
		break;
	case SIM_FAULT_SENSOR_GLITCH:
		mdl_thermal_advance(&sh->thermal, now);
		mdl_thermal_glitch(&sh->thermal, f->delta_c, sim_s_to_ns(f->duration_s));
		break;
	case SIM_FAULT_HAL_ERROR:
		/* armed: the prologue counts the op's calls from here */
		f->calls_at_fire = sh->hal_calls[f->hal_op];
		sh->hal_errors_fired++;
		break;
	case SIM_FAULT_KIND_COUNT:
		break;
	}
	if (f->kind == SIM_FAULT_HAL_ERROR)
		snprintf(detail, sizeof detail, "hal_error (op=%s code=%s at_call=%u every_nth=%u count=%u)",
			 sim_hal_op_name(f->hal_op), af_err_name(f->code), f->at_call, f->every_nth,
			 f->count);
	else
		snprintf(detail, sizeof detail,
			 "%s (duration_ms=%g count=%u delta_c=%g duration_s=%g factor=%g)",
			 sim_fault_name(f->kind), f->duration_ms, f->count, f->delta_c,
			 f->duration_s, f->factor);
	if (sh->trace) {
		sim_trace_begin(sh->trace, SIM_EV_FAULT, now);
		sim_trace_str(sh->trace, sim_fault_name(f->kind));
		sim_trace_i64(sh->trace, f->at_ns);
		sim_trace_i64(sh->trace, f->at_op);
		sim_trace_end(sh->trace);
	}
	emit_event(sh, SIM_EVENT_FAULT, detail);
}

/* Fire every fault due now. */
void sim_hal_poll_faults(sim_hal *sh)
{
	sim_fault *f;

	while ((f = sim_fault_schedule_next_due(&sh->faults, sh->clock.now_ns, sh->op)))
		fire(sh, f);
}

/* Move the clock to t_ns, firing time-triggered faults at their own times. */
void sim_hal_advance_to(sim_hal *sh, int64_t t_ns)
{
	for (;;) {
		int64_t tf = sim_fault_schedule_next_time(&sh->faults);

		if (tf > t_ns)
			break;
		sim_clock_advance_to_ns(&sh->clock, tf);
		sim_hal_poll_faults(sh);
	}
	sim_clock_advance_to_ns(&sh->clock, t_ns);
}

double sim_hal_instrument_c(sim_hal *sh, int64_t t_ns)
{
	mdl_thermal_advance(&sh->thermal, t_ns);
	return mdl_thermal_instrument_c(&sh->thermal);
}

double sim_hal_focus_um(sim_hal *sh, int lens, int64_t t_ns)
{
	return mdl_focus_um(&sh->rig.parfocal, lens, sh->z_plan_um, sim_hal_instrument_c(sh, t_ns),
			    sh->seat_um[lens]);
}

void sim_hal_drop_views(sim_hal *sh)
{
	for (int i = 0; i < MDL_LENS_COUNT; i++) {
		mdl_view_give(sh->view[i]);   /* kept for the place's next visit */
		sh->view[i] = NULL;
	}
}

void sim_hal_put_place(sim_hal *sh, double z_plan_um)
{
	mdl_place p;
	mdl_specimen_config spec;

	sh->z_plan_um = z_plan_um;
	mdl_slide_place(&sh->rig.slide, sh->place_key, z_plan_um, &p);
	mdl_slide_specimen(&sh->rig.specimen, &p, &spec);
	if (memcmp(&p, &sh->place, sizeof p) != 0 || memcmp(&spec, &sh->place_spec, sizeof spec) != 0)
		sim_hal_drop_views(sh);
	sh->place = p;
	sh->place_spec = spec;
	sh->field_x_um = p.x_um;
	sh->field_y_um = p.y_um;
}

static mdl_view *view_for(sim_hal *sh, int lens)
{
	if (!sh->view[lens])
		sh->view[lens] = mdl_view_take(&sh->rig.lens[lens], &sh->place_spec,
					       &sh->rig.camera, sh->roi.x, sh->roi.y,
					       sh->roi.width, sh->roi.height, sh->field_x_um,
					       sh->field_y_um);
	return sh->view[lens];
}

/* --- HAL ops ----------------------------------------------------------- */

static int op_select_lens(void *ctx, af_lens lens)
{
	sim_hal *sh = ctx;
	int64_t dur = 0;
	int rc, from = sh->turret.seated;
	call_rec r;

	if ((rc = enter(sh, SIM_HAL_OP_SELECT_LENS, &r, SIM_EV_HAL_SELECT_LENS)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)lens);
	if (lens != AF_LENS_A && lens != AF_LENS_B)
		return finish(sh, &r, fail(sh, AF_EINVAL, "select_lens: no lens %d", (int)lens));
	rc = mdl_turret_switch(&sh->turret, (int)lens, &sh->rng_turret, &dur);
	sim_hal_advance_to(sh, sim_time_add(r.t0, dur));
	if (rc == MDL_EJAM)
		return finish(sh, &r, fail(sh, AF_EHW,
			"objective switcher jammed moving from lens %s to lens %s",
			af_lens_name((af_lens)from), af_lens_name(lens)));
	/* Every switch that moved re-seats a lens, the wrong one included. */
	if ((int)lens != from)
		sim_hal_draw_seat(sh, sh->turret.seated);
	rec_d(&r, (double)sh->turret.seated);
	rec_d(&r, sh->seat_um[sh->turret.seated]);
	return finish(sh, &r, AF_OK);
}

static int op_get_lens(void *ctx, af_lens *lens)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_GET_LENS, &r, SIM_EV_HAL_GET_LENS)) != AF_OK)
		return finish(sh, &r, rc);
	sim_hal_advance_to(sh, sim_time_add(r.t0, (int64_t)llround(sh->rig.turret.bus_latency_ms * 1e6)));
	*lens = (af_lens)sh->turret.seated;
	rec_d(&r, (double)sh->turret.seated);
	return finish(sh, &r, AF_OK);
}

static int op_move_z(void *ctx, double z_um)
{
	sim_hal *sh = ctx;
	int64_t ack;
	int rc;
	call_rec r;

	if ((rc = enter(sh, SIM_HAL_OP_MOVE_Z, &r, SIM_EV_HAL_MOVE_Z)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, z_um);
	ack = r.t0;
	if (!isfinite(z_um))
		return finish(sh, &r, fail(sh, AF_EINVAL, "move_z: target is not a finite number"));
	rc = mdl_stage_move(&sh->stage, r.t0, z_um, &sh->rng_stage, &ack);
	sim_hal_advance_to(sh, ack);
	if (rc == MDL_ESTALL)
		return finish(sh, &r, fail(sh, AF_EHW, "z stage stalled: move to %.3f um rejected",
					   z_um));
	if (rc == MDL_ELIMIT)
		return finish(sh, &r, fail(sh, AF_ERANGE,
			"move_z: %.3f um is beyond the travel [%.1f, %.1f] um; stopped at the limit",
			z_um, sh->rig.stage.travel_min_um, sh->rig.stage.travel_max_um));
	return finish(sh, &r, AF_OK);
}

static int op_get_z(void *ctx, double *z_um)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_GET_Z, &r, SIM_EV_HAL_GET_Z)) != AF_OK)
		return finish(sh, &r, rc);
	sim_hal_advance_to(sh, sim_time_add(r.t0, mdl_stage_query_latency_ns(&sh->stage, &sh->rng_stage)));
	*z_um = mdl_stage_encoder_um(&sh->stage, sh->clock.now_ns);
	rec_d(&r, *z_um);
	return finish(sh, &r, AF_OK);
}

static int op_z_busy(void *ctx, bool *busy)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_Z_BUSY, &r, SIM_EV_HAL_Z_BUSY)) != AF_OK)
		return finish(sh, &r, rc);
	sim_hal_advance_to(sh, sim_time_add(r.t0, mdl_stage_query_latency_ns(&sh->stage, &sh->rng_stage)));
	*busy = mdl_stage_busy(&sh->stage, sh->clock.now_ns);
	rec_d(&r, *busy ? 1.0 : 0.0);
	return finish(sh, &r, AF_OK);
}

/*
 * The settle wait of wait_settled and wait_settled_z.  Poll the busy flag
 * as a driver does: each poll is a status query, a bus round trip like
 * z_busy's, answered with the state at its reply; POLL_NS between polls.
 * A fault firing on the way (a stall) is seen by the next reply.  The
 * poll count goes into r; AF_OK with *z_um the encoder at the final
 * reply's time (a controller whose status reply carries the position),
 * or the failure with its message set.
 */
static int settle(sim_hal *sh, call_rec *r, uint32_t timeout_ms, double *z_um)
{
	int64_t deadline = sim_time_add(r->t0, (int64_t)timeout_ms * SIM_NS_PER_MS);
	uint32_t polls = 0;

	for (;;) {
		int64_t now;

		sim_hal_advance_to(sh, sim_time_add(sh->clock.now_ns,
				   mdl_stage_query_latency_ns(&sh->stage, &sh->rng_stage)));
		now = sh->clock.now_ns;
		polls++;
		if (mdl_stage_stalled(&sh->stage, now)) {
			rec_d(r, (double)polls);
			return fail(sh, AF_EHW, "z stage stalled at %.3f um while moving to %.3f um",
				    mdl_stage_encoder_um(&sh->stage, now), sh->stage.target_um);
		}
		if (!mdl_stage_busy(&sh->stage, now)) {
			rec_d(r, (double)polls);
			*z_um = mdl_stage_encoder_um(&sh->stage, now);
			return AF_OK;
		}
		if (now >= deadline || sh->clock.overflowed) {
			rec_d(r, (double)polls);
			return fail(sh, AF_ETIMEDOUT,
				"z stage did not settle within %u ms (at %.3f um, target %.3f um)",
				timeout_ms, mdl_stage_encoder_um(&sh->stage, now),
				sh->stage.target_um);
		}
		sim_hal_advance_to(sh, sim_time_add(now, POLL_NS));
	}
}

static int op_wait_settled(void *ctx, uint32_t timeout_ms)
{
	sim_hal *sh = ctx;
	double z;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_WAIT_SETTLED, &r, SIM_EV_HAL_WAIT_SETTLED)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)timeout_ms);
	return finish(sh, &r, settle(sh, &r, timeout_ms, &z));
}

/* The same wait; the encoder's reading comes with the final reply. */
static int op_wait_settled_z(void *ctx, uint32_t timeout_ms, double *z_um)
{
	sim_hal *sh = ctx;
	double z;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_WAIT_SETTLED_Z, &r, SIM_EV_HAL_WAIT_SETTLED_Z)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)timeout_ms);
	rc = settle(sh, &r, timeout_ms, &z);
	if (rc == AF_OK) {
		*z_um = z;
		rec_d(&r, z);
	}
	return finish(sh, &r, rc);
}

/* Return the camera's previous buffer again (stale-frame fault). */
static int grab_stale(sim_hal *sh, af_frame *frame, call_rec *r, int64_t dur)
{
	size_t npx = (size_t)sh->last_w * sh->last_h;
	sim_frame_info fi;

	sh->stale_pending--;
	sim_hal_advance_to(sh, sim_time_add(r->t0, dur));
	memcpy(frame->pixels, sh->last_px, npx * sizeof *frame->pixels);
	frame->width = sh->last_w;
	frame->height = sh->last_h;
	frame->bit_depth = sh->rig.camera.bit_depth;
	frame->timestamp_us = sh->last_ts_us;
	frame->seq = sh->frame_seq;
	fi = sh->last_info;
	fi.stale = true;
	if (sh->have_obs && sh->obs.on_frame)
		sh->obs.on_frame(sh->obs.user, &fi);
	rec_d(r, 1.0);
	rec_u(r, frame->seq);
	rec_u(r, fi.digest);
	return finish(sh, r, AF_OK);
}

/* Keep a copy of the frame for stale-frame faults (cheap next to
 * rendering; on allocation failure stale faults repeat nothing). */
static void keep_last(sim_hal *sh, const af_frame *frame, size_t npx)
{
	if (sh->last_px_cap < npx) {
		uint16_t *np = realloc(sh->last_px, npx * sizeof *np);

		if (!np) {
			sh->have_frame = false;
			return;
		}
		sh->last_px = np;
		sh->last_px_cap = npx;
	}
	memcpy(sh->last_px, frame->pixels, npx * sizeof *frame->pixels);
	sh->last_w = frame->width;
	sh->last_h = frame->height;
	sh->last_ts_us = frame->timestamp_us;
	sh->have_frame = true;
}

static int op_grab_frame(void *ctx, af_frame *frame)
{
	sim_hal *sh = ctx;
	size_t npx = (size_t)sh->roi.width * sh->roi.height;
	int lens = sh->turret.seated;
	int64_t t_exp, t_mid, t_end, dur;
	sim_frame_info fi;
	mdl_exposure x;
	mdl_view *v;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_GRAB_FRAME, &r, SIM_EV_HAL_GRAB_FRAME)) != AF_OK)
		return finish(sh, &r, rc);
	if (!frame || !frame->pixels || frame->capacity_px < npx)
		return finish(sh, &r, fail(sh, AF_EINVAL,
			"grab_frame: buffer of %zu pixels is smaller than the %ux%u roi",
			frame && frame->pixels ? frame->capacity_px : (size_t)0,
			sh->roi.width, sh->roi.height));
	if (sh->drop_pending) {
		sh->drop_pending--;
		sim_hal_advance_to(sh, sim_time_add(r.t0, (int64_t)llround(sh->rig.camera.frame_timeout_ms * 1e6)));
		return finish(sh, &r, fail(sh, AF_ETIMEDOUT,
			"camera frame dropped: no frame within %.0f ms",
			sh->rig.camera.frame_timeout_ms));
	}
	/* trigger, exposure, readout and transfer, delivery (camera.h) */
	dur = mdl_camera_grab_time_ns(&sh->rig.camera, sh->exposure_us, sh->roi.width,
				      sh->roi.height, &t_exp);
	t_exp = sim_time_add(r.t0, t_exp);
	if (sh->stale_pending && sh->have_frame && sh->last_w == sh->roi.width &&
	    sh->last_h == sh->roi.height)
		return grab_stale(sh, frame, &r, dur);
	v = view_for(sh, lens);
	if (!v)
		return finish(sh, &r, fail(sh, AF_ENOMEM, "camera: cannot build the view of lens %s",
					   af_lens_name((af_lens)lens)));
	t_mid = sim_time_add(t_exp, (int64_t)sh->exposure_us * SIM_NS_PER_US / 2);
	memset(&fi, 0, sizeof fi);
	fi.t_ns = t_mid;
	fi.lens = lens;
	fi.z_stage_um = mdl_stage_position_um(&sh->stage, t_mid);
	fi.z_encoder_um = mdl_stage_encoder_um(&sh->stage, t_mid);
	fi.focus_um = sim_hal_focus_um(sh, lens, t_mid);
	fi.defocus_um = fi.z_stage_um - fi.focus_um;
	fi.instrument_c = mdl_thermal_instrument_c(&sh->thermal);
	fi.sensor_c = sh->last_sensor_c;
	x.defocus_um = fi.defocus_um;
	/* The stage moving (or ringing) during the exposure blurs the frame
	 * along z: pass the sweep from the start to the end of the exposure. */
	t_end = sim_time_add(t_exp, (int64_t)sh->exposure_us * SIM_NS_PER_US);
	fi.z_sweep_um = mdl_stage_position_um(&sh->stage, t_end) -
			mdl_stage_position_um(&sh->stage, t_exp);
	x.defocus_sweep_um = fi.z_sweep_um;
	x.exposure_s = (double)sh->exposure_us * 1e-6;
	x.signal_scale = mdl_camera_bleach_scale(&sh->rig.camera, sh->exposed_s);
	if (sh->saturate_pending) {
		sh->saturate_pending--;
		x.signal_scale *= sh->saturate_factor;
		fi.saturated = true;
	}
	/* the frame's digest comes with it (mdl_camera_render_digest: the same
	 * value as sim_digest_u16 of the pixels, computed while rendering) */
	rc = mdl_camera_render_digest(v, &x, &sh->rng_camera, frame->pixels, &fi.digest);
	/* the view samples the specimen and builds its blur levels as frames
	 * ask for them: memory can run out here, not only when it is made */
	if (rc == MDL_ENOMEM)
		return finish(sh, &r, fail(sh, AF_ENOMEM, "camera: out of memory while rendering a "
					   "frame of lens %s", af_lens_name((af_lens)lens)));
	if (rc != MDL_OK)
		return finish(sh, &r, fail(sh, AF_EIO, "camera: render failed"));
	sh->exposed_s += x.exposure_s;
	sim_hal_advance_to(sh, sim_time_add(r.t0, dur));
	sh->frame_seq++;
	frame->width = sh->roi.width;
	frame->height = sh->roi.height;
	frame->bit_depth = sh->rig.camera.bit_depth;
	frame->timestamp_us = t_mid / SIM_NS_PER_US;
	frame->seq = sh->frame_seq;
	fi.seq = sh->frame_seq;
	keep_last(sh, frame, npx);
	sh->last_info = fi;
	if (sh->have_obs && sh->obs.on_frame)
		sh->obs.on_frame(sh->obs.user, &fi);
	rec_d(&r, 0.0);
	rec_d(&r, (double)lens);
	rec_d(&r, fi.z_stage_um);
	rec_d(&r, fi.defocus_um);
	rec_u(&r, fi.seq);
	rec_u(&r, fi.digest);
	return finish(sh, &r, AF_OK);
}

static int op_read_temperature(void *ctx, double *temp_c)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_READ_TEMPERATURE, &r, SIM_EV_HAL_READ_TEMPERATURE)) != AF_OK)
		return finish(sh, &r, rc);
	sim_hal_advance_to(sh, sim_time_add(r.t0, SENSOR_LATENCY_NS));
	mdl_thermal_advance(&sh->thermal, sh->clock.now_ns);
	*temp_c = mdl_thermal_sensor_read_c(&sh->thermal, &sh->rng_thermal);
	sh->last_sensor_c = *temp_c;
	rec_d(&r, *temp_c);
	return finish(sh, &r, AF_OK);
}

static int op_now_us(void *ctx, int64_t *t_us)
{
	sim_hal *sh = ctx;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_NOW_US, NULL, 0)) != AF_OK)
		return rc;
	*t_us = sh->clock.now_ns / SIM_NS_PER_US;
	return AF_OK;
}

static int op_sleep_us(void *ctx, uint32_t us)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_SLEEP_US, &r, SIM_EV_HAL_SLEEP)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)us);
	sim_hal_advance_to(sh, sim_time_add(r.t0, (int64_t)us * SIM_NS_PER_US));
	return finish(sh, &r, AF_OK);
}

static const char *op_errmsg(void *ctx)
{
	const sim_hal *sh = ctx;

	return sh->errmsg;
}

static int op_set_exposure_us(void *ctx, uint32_t us)
{
	sim_hal *sh = ctx;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_SET_EXPOSURE_US, &r, SIM_EV_HAL_SET_EXPOSURE)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)us);
	if (us < 10 || us > 10000000)
		return finish(sh, &r, fail(sh, AF_EINVAL,
			"set_exposure: %u us is outside [10, 10000000] us", us));
	/* one feature write to the camera */
	sim_hal_advance_to(sh, sim_time_add(r.t0,
			   (int64_t)llround(sh->rig.camera.register_write_us * 1e3)));
	sh->exposure_us = us;
	return finish(sh, &r, AF_OK);
}

static int op_get_exposure_us(void *ctx, uint32_t *us)
{
	sim_hal *sh = ctx;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_GET_EXPOSURE_US, NULL, 0)) != AF_OK)
		return rc;
	*us = sh->exposure_us;
	return AF_OK;
}

bool sim_hal_roi_fits(const mdl_camera_config *c, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	return w >= 8 && h >= 8 && w <= c->sensor_width && h <= c->sensor_height &&
	       x <= c->sensor_width - w && y <= c->sensor_height - h;
}

static int op_set_roi(void *ctx, const af_roi *roi)
{
	sim_hal *sh = ctx;
	const mdl_camera_config *c = &sh->rig.camera;
	call_rec r;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_SET_ROI, &r, SIM_EV_HAL_SET_ROI)) != AF_OK)
		return finish(sh, &r, rc);
	rec_d(&r, (double)roi->x);
	rec_d(&r, (double)roi->y);
	rec_d(&r, (double)roi->width);
	rec_d(&r, (double)roi->height);
	if (!sim_hal_roi_fits(c, roi->x, roi->y, roi->width, roi->height))
		return finish(sh, &r, fail(sh, AF_EINVAL,
			"set_roi: %ux%u at (%u, %u) does not fit the %ux%u sensor (min 8x8)",
			roi->width, roi->height, roi->x, roi->y, c->sensor_width,
			c->sensor_height));
	if (roi->x != sh->roi.x || roi->y != sh->roi.y || roi->width != sh->roi.width ||
	    roi->height != sh->roi.height) {
		/* acquisition stopped, the ROI written, the stream rebuilt */
		sim_hal_advance_to(sh, sim_time_add(r.t0,
				   (int64_t)llround(sh->rig.camera.roi_change_ms * 1e6)));
		sh->roi = *roi;
		sim_hal_drop_views(sh);
	}
	return finish(sh, &r, AF_OK);
}

static int op_get_roi(void *ctx, af_roi *roi)
{
	sim_hal *sh = ctx;
	int rc;

	if ((rc = enter(sh, SIM_HAL_OP_GET_ROI, NULL, 0)) != AF_OK)
		return rc;
	*roi = sh->roi;
	return AF_OK;
}

/* The ops themselves; the table the engine binds wraps them with the
 * engine's own time (sim_hal_time.c). */
static const af_hal_ops raw_ops = {
	.name = "sim",
	.version = AF_HAL_VERSION,
	.select_lens = op_select_lens,
	.get_lens = op_get_lens,
	.move_z = op_move_z,
	.get_z = op_get_z,
	.wait_settled = op_wait_settled,
	.grab_frame = op_grab_frame,
	.read_temperature = op_read_temperature,
	.now_us = op_now_us,
	.sleep_us = op_sleep_us,
	.errmsg = op_errmsg,
	.set_exposure_us = op_set_exposure_us,
	.get_exposure_us = op_get_exposure_us,
	.set_roi = op_set_roi,
	.get_roi = op_get_roi,
	.z_busy = op_z_busy,
	.wait_settled_z = op_wait_settled_z,
};

const af_hal_ops *sim_hal_raw_ops(void)
{
	return &raw_ops;
}
