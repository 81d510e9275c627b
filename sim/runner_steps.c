/*
 * runner_steps.c - the steps of a scenario (calibrate, handoff, autofocus)
 * on the rig, each an operation recorded with its phases, errors and
 * metrics (see runner.h; the run around them is runner.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel/clock.h"
#include "sim/runner_impl.h"

static double draw(run *r, const sim_value *v)
{
	return v->uniform ? sim_rng_range(&r->steps, v->lo, v->hi) : v->value;
}

/* The sim's place for a plan position taken at the last calibration (the
 * instrument's true drift, which the scenario's nominal value is not). */
static double place_of(run *r, double z_um)
{
	return r->world->plan_place_um(r->rig.ctx, z_um, r->cal_temp_c);
}

/* --- steps ----------------------------------------------------------------- */

/* A new operation: its number, the fault hooks, the record's first fields. */
static void op_start(run *r, sim_op_record *op, const char *kind)
{
	r->seq++;
	r->sample_seq = r->seq;
	if (r->world)
		r->world->begin_op(r->rig.ctx, r->seq);
	memset(op, 0, sizeof *op);
	op->seq = r->seq;
	op->kind = kind;
	op->t_ms = sim_runner_ms(sim_runner_now_ns(r));
}

/* "CODE: message" of a failed operation into err, "" on success. */
static const char *op_error(char *err, size_t n, int rc, const char *message)
{
	snprintf(err, n, "%s%s%s", rc == AF_OK ? "" : af_err_name(rc), rc == AF_OK ? "" : ": ",
		 rc == AF_OK ? "" : message);
	return err;
}

static void trace_result(run *r, const char *kind, int rc, const double *v, int n)
{
	if (r->world)
		r->world->trace_result(r->rig.ctx, kind, rc, v, n);
}

/*
 * Put the place at z_um under the objective.  A rig that cannot (no
 * set_place, or AF_ENOTSUP) is said once, as a warning: the operations
 * then run wherever the specimen is.  Another failure is a warning each
 * time (a lost rig ends the run at the next check).
 */
static void put_place(run *r, double z_um)
{
	char detail[AF_MSG_MAX + SIM_RIG_NAME_MAX + 160];
	int rc = r->rig.ops->set_place ? r->rig.ops->set_place(r->rig.ctx, z_um) : AF_ENOTSUP;

	if (rc == AF_OK)
		return;
	if (rc == AF_ENOTSUP) {
		if (r->warned_place)
			return;
		r->warned_place = true;
		snprintf(detail, sizeof detail,
			 "the rig '%s' cannot put a place under the objective: handoffs and calibration "
			 "sites run wherever the specimen is", r->rig.name);
	} else {
		snprintf(detail, sizeof detail, "cannot put the place at %.3f um under the objective: %s: %s",
			 z_um, af_err_name(rc), af_hal_errmsg(&r->rig.hal));
	}
	sim_runner_emit_event(r, sim_runner_ms(sim_runner_now_ns(r)), "warning", detail);
}

/* Calibration sites are physical places: their plan positions are the
 * simulator's, whatever the temperature. */
static int put_site(void *user, uint32_t i, double z)
{
	run *r = user;

	(void)i;
	put_place(r, z);
	return 0;
}

/*
 * A failed calibration: say so where it is seen (an event, the run's
 * result), and what the handoffs that follow run on, since the engine
 * keeps the mapping it had (the factory offset when it never had one).
 */
static void calibration_failed(run *r, const sim_op_record *op)
{
	char detail[SIM_ERR_MAX + 160];
	int n;

	r->out->calibrations_failed++;
	if (r->cal_op)
		n = snprintf(detail, sizeof detail,
			     "calibration (op %u) failed: %s; the operations after it use the mapping of "
			     "the calibration at op %u", op->seq, op->error, r->cal_op);
	else
		n = snprintf(detail, sizeof detail,
			     "calibration (op %u) failed: %s; the operations after it use the factory "
			     "mapping (nominal offset %.3f um)", op->seq, op->error,
			     r->s->engine.nominal_offset_um);
	if (r->out->calibrations_failed == 1)
		snprintf(r->out->calibration_error, sizeof r->out->calibration_error, "%s",
			 n > 0 ? detail : op->error);
	sim_runner_emit_event(r, op->t_ms, "warning", detail);
}

void sim_runner_calibrate(run *r, const sim_step *st)
{
	af_calib_plan plan = { st->points, st->from_um, st->to_um, st->passes, st->measure_backlash };
	af_calib_report rep;
	sim_op_record op;
	char err[AF_MSG_MAX + 16];
	int rc;

	op_start(r, &op, "calibrate");
	rc = af_calibrate(r->e, &plan, put_site, r, &rep);
	op.z_request_um = op.z_predicted_um = op.z_found_um = NAN;
	/* a failed calibration has no mapping error: NULL, never 0 */
	op.mapping_error_um = rc == AF_OK ? rep.mapping.rms_um : NAN;
	op.focus_error_um = NAN;
	op.lens_switch_ms = op.focus_move_ms = op.focus_search_ms = op.validation_ms = NAN;
	op.total_ms = rep.ms;
	op.frames = rep.frames;
	op.temperature_c = rep.temp_c;
	op.success = rc == AF_OK;
	op.error = op_error(err, sizeof err, rc, rep.message);
	r->out->calibrations++;
	if (rc == AF_OK) {
		r->cal_op = op.seq;
		if (r->world)
			r->cal_temp_c = r->world->instrument_c(r->rig.ctx);
		sim_metrics_add(r->m, "calibration", "rms_um", rep.mapping.rms_um);
		sim_metrics_add(r->m, "calibration", "max_um", rep.mapping.max_abs_um);
		sim_metrics_add(r->m, "calibration", "order", rep.mapping.order);
		if (isfinite(rep.backlash_um))
			sim_metrics_add(r->m, "calibration", "backlash_um", rep.backlash_um);
		sim_metrics_add(r->m, "calibration", "skipped_sites", rep.skipped);
	}
	sim_metrics_add(r->m, "calibration", "frames", rep.frames);
	sim_metrics_add(r->m, "calibration", "ms", rep.ms);
	{
		double v[3] = { rep.mapping.rms_um, rep.mapping.order, rep.backlash_um };

		trace_result(r, "calibrate", rc, v, 3);
	}
	sim_runner_emit_op(r, &op);
	if (rc != AF_OK)
		calibration_failed(r, &op);
	else if (rep.skipped)
		sim_runner_emit_event(r, op.t_ms, "warning", rep.message);
}

/*
 * Where the engine expects lens B in focus at the plan position z_um: its
 * mapping (at the drift temperature it estimates) once it has one, the
 * nominal offset before.  Only a place to start looking.
 */
static double b_hint_um(run *r, double z_um)
{
	const af_mapping *m = af_engine_mapping(r->e);
	const af_engine_config *c = af_engine_get_config(r->e);
	double t = af_engine_temp_eff_c(r->e), p;

	if (!m->valid)
		return z_um + c->nominal_offset_um;
	p = af_mapping_predict_b(m, z_um, t, c->thermal_compensation && isfinite(t));
	return isfinite(p) ? p : z_um + c->nominal_offset_um;
}

/*
 * The untimed setup of a handoff from lens `from` at plan position z: the
 * place under the objective, lens `from` seated and in focus there.  Its
 * source position into *src; AF_OK or the code of the failed move.  From
 * lens B the source is what the engine measures, on every rig: an
 * autofocus of lens B near where it expects it (never the simulator's
 * true focal plane, which an instrument does not know).
 */
static int handoff_setup(run *r, const sim_step *st, double z, double *src)
{
	af_focus_result f;
	double hint;
	int rc;

	/* a simulated rig: the place at the temperature of the last
	 * calibration; a physical rig takes the plan's own position */
	put_place(r, r->world ? place_of(r, z) : z);
	if (st->from == AF_LENS_A) {
		*src = z;
		return af_engine_goto(r->e, AF_LENS_A, z);
	}
	/* the setup move names the place (z + the nominal offset: what a log
	 * of it shows, field import reads z back from it); the autofocus
	 * starts from where the engine expects lens B's focus */
	hint = b_hint_um(r, z);
	*src = hint;
	rc = af_engine_goto(r->e, AF_LENS_B, z + r->s->engine.nominal_offset_um);
	if (rc != AF_OK)
		return rc;
	rc = af_autofocus(r->e, AF_LENS_B, hint, &f);
	if (rc == AF_OK)
		*src = f.z_um;
	return rc;
}

static void step_handoff_once(run *r, const sim_step *st)
{
	double z = draw(r, &st->z_um), src, fe = NAN;
	af_handoff_result h;
	sim_op_record op;
	char err[AF_MSG_MAX + 16];
	int rc;

	r->sample_seq = r->seq + 1;   /* the setup's frames belong to the handoff */
	rc = handoff_setup(r, st, z, &src);
	op_start(r, &op, "handoff");
	op.from_lens = af_lens_name(st->from);
	op.to_lens = af_lens_name(st->to);
	op.z_request_um = z;
	if (rc == AF_OK) {
		rc = af_handoff(r->e, st->from, st->to, src, &h);
	} else {
		/* the setup move failed (a fault fired early): the handoff
		 * cannot start; record it as a failed operation */
		memset(&h, 0, sizeof h);
		h.error = rc;
		h.predicted_um = h.found_um = h.mapping_error_um = h.temp_c = NAN;
		snprintf(h.message, sizeof h.message, "setup: %s", af_engine_errmsg(r->e));
	}
	if (r->world)
		fe = r->world->focus_error_um(r->rig.ctx, st->to);
	op.z_predicted_um = h.predicted_um;
	op.z_found_um = h.found_um;
	op.mapping_error_um = h.mapping_error_um;
	op.focus_error_um = rc == AF_OK ? fe : NAN;
	op.lens_switch_ms = h.phase_ms[AF_PHASE_LENS_SWITCH];
	op.focus_move_ms = h.phase_ms[AF_PHASE_FOCUS_MOVE];
	op.focus_search_ms = h.phase_ms[AF_PHASE_FOCUS_SEARCH];
	op.validation_ms = h.phase_ms[AF_PHASE_VALIDATION];
	op.total_ms = h.phase_ms[AF_PHASE_TOTAL];
	op.frames = h.frames;
	op.cache_hit = h.cache_hit;
	op.temperature_c = h.temp_c;
	op.success = rc == AF_OK;
	op.error = op_error(err, sizeof err, rc, h.message);
	{
		sim_metrics_handoff mh = {
			.success = rc == AF_OK, .cache_hit = h.cache_hit,
			.total_ms = op.total_ms, .lens_switch_ms = op.lens_switch_ms,
			.focus_move_ms = op.focus_move_ms, .focus_search_ms = op.focus_search_ms,
			.validation_ms = op.validation_ms, .mapping_error_um = op.mapping_error_um,
			.focus_error_um = op.focus_error_um, .frames = (double)op.frames,
			.retries = h.retries,
		};

		sim_metrics_add_handoff(r->m, &mh);
	}
	r->out->handoffs++;
	if (rc == AF_OK)
		r->out->handoffs_ok++;
	{
		double v[4] = { h.predicted_um, h.found_um, h.phase_ms[AF_PHASE_TOTAL], (double)h.frames };

		trace_result(r, "handoff", rc, v, 4);
	}
	sim_runner_emit_op(r, &op);
}

void sim_runner_handoff(run *r, const sim_step *st)
{
	for (uint32_t i = 0; i < st->repeat && !sim_runner_clock_spent(r); i++) {
		if (i > 0 && st->interval_s > 0.0)
			sim_runner_pass_time(r, sim_s_to_ns(st->interval_s));
		if (!sim_runner_clock_spent(r))
			step_handoff_once(r, st);
	}
}

void sim_runner_autofocus(run *r, const sim_step *st)
{
	double near = draw(r, &st->near_um), fe = NAN;
	af_focus_result f;
	sim_op_record op;
	char err[AF_MSG_MAX + 16];
	int rc;

	op_start(r, &op, "autofocus");
	op.to_lens = af_lens_name(st->lens);
	op.z_request_um = near;
	rc = af_autofocus(r->e, st->lens, near, &f);
	if (r->world)
		fe = r->world->focus_error_um(r->rig.ctx, st->lens);
	op.z_predicted_um = near;
	op.z_found_um = f.z_um;
	op.mapping_error_um = NAN;
	op.focus_error_um = rc == AF_OK ? fe : NAN;
	op.lens_switch_ms = op.focus_move_ms = op.focus_search_ms = op.validation_ms = NAN;
	op.total_ms = f.ms;
	op.frames = f.frames;
	op.temperature_c = NAN;
	op.success = rc == AF_OK;
	op.error = op_error(err, sizeof err, rc, f.message);
	sim_metrics_attempt(r->m, "autofocus", rc == AF_OK, false);
	if (rc == AF_OK) {
		sim_metrics_add(r->m, "autofocus", "ms", f.ms);
		if (r->world)
			sim_metrics_add(r->m, "autofocus", "focus_error_um", fe);
		sim_metrics_add(r->m, "autofocus", "frames", f.frames);
	}
	{
		double v[2] = { f.z_um, f.ms };

		trace_result(r, "autofocus", rc, v, 2);
	}
	sim_runner_emit_op(r, &op);
}

