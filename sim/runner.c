/*
 * runner.c - one scenario, start to verdict (see runner.h).
 *
 * Virtual time: every sum of a time and a duration goes through
 * sim_time_add, and the clock stops at SIM_TIME_MAX_NS (146 years)
 * marked overflowed; the runner checks before a run that its waits and
 * intervals fit, and after every step that the clock did not overflow,
 * and ends the run as an error saying so.  Nothing wraps, nothing is
 * skipped in silence.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"
#include "sim/clock.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "sim/trace.h"

typedef struct run {
	const sim_scenario *s;
	const sim_results_ops *sink;
	void *user;
	sim_hal *sh;
	af_hal hal;
	af_engine *e;
	sim_trace *trace;
	sim_metrics *m;
	sim_rng steps;
	uint32_t seq;            /* operations so far */
	double cal_temp_c;       /* instrument temperature at the last calibration */
	uint32_t cal_op;         /* op of the last calibration that succeeded, 0: none */
	int64_t next_tick_ns;
	bool overflow;           /* a wait or interval would pass the clock's limit */
	sim_run_result *out;
} run;

static double ms_of(int64_t ns)
{
	return (double)ns / 1e6;
}

/* --- sink forwarding ----------------------------------------------------- */

static void on_event(void *user, sim_event_class cls, int64_t t_ns, const char *detail)
{
	run *r = user;
	sim_event_record ev = { ms_of(t_ns), cls == SIM_EVENT_FAULT ? "fault" : "hal_error", detail };

	if (r->sink && r->sink->event)
		r->sink->event(r->user, &ev);
}

static void on_sample(void *user, const af_sample *s)
{
	run *r = user;
	sim_frame_info fi;
	sim_sample_record rec;

	if (!r->sink || !r->sink->sample)
		return;
	memset(&rec, 0, sizeof rec);
	rec.op_seq = r->seq;
	rec.t_ms = (double)s->t_us / 1e3;
	rec.lens = af_lens_name(s->lens);
	rec.z_um = s->z_um;
	rec.focus_score = s->score;
	rec.true_focus_um = NAN;
	rec.temperature_c = NAN;
	if (sim_ctl_last_frame(r->sh, &fi)) {
		rec.true_focus_um = fi.focus_um;
		rec.temperature_c = fi.instrument_c;
	}
	r->sink->sample(r->user, &rec);
}

/* The trace index, slice by slice, to the sink (bounded memory). */
static void on_trace_slice(void *user, const sim_trace_entry *e, size_t n)
{
	run *r = user;

	r->sink->trace_index(r->user, e, n);
}

static void emit_op(run *r, const sim_op_record *op)
{
	if (r->sink && r->sink->op)
		r->sink->op(r->user, op);
}

/* --- time ------------------------------------------------------------------ */

/* Whether the clock stopped at its limit (it only gets there by
 * overflowing: no run declares 146 years). */
static bool clock_spent(const run *r)
{
	return r->overflow || sim_ctl_now_ns(r->sh) >= SIM_TIME_MAX_NS;
}

/* Let dt_ns of virtual time pass, the engine ticking every SIM_TICK_S.  A
 * span that would end past the clock's limit is refused whole (flagged)
 * rather than ticked through for a century first. */
static void pass_time(run *r, int64_t dt_ns)
{
	int64_t end = sim_time_add(sim_ctl_now_ns(r->sh), dt_ns);

	if (end > SIM_TIME_MAX_NS) {
		r->overflow = true;
		return;
	}
	while (sim_ctl_now_ns(r->sh) < end && !clock_spent(r)) {
		int64_t now = sim_ctl_now_ns(r->sh);
		int64_t step = r->next_tick_ns > now ? r->next_tick_ns - now : 0;

		if (step > end - now)
			step = end - now;
		sim_ctl_advance(r->sh, step);
		if (sim_ctl_now_ns(r->sh) >= r->next_tick_ns) {
			(void)af_engine_tick(r->e);
			r->next_tick_ns = sim_time_add(sim_ctl_now_ns(r->sh), sim_s_to_ns(SIM_TICK_S));
		}
	}
}

static double draw(run *r, const sim_value *v)
{
	return v->uniform ? sim_rng_range(&r->steps, v->lo, v->hi) : v->value;
}

/* The sim's place for a plan position taken at the last calibration. */
static double place_of(run *r, double z_um)
{
	const mdl_parfocal_config *p = &r->s->rig.parfocal;

	return z_um - p->focal_tc_um_per_c * (r->cal_temp_c - p->ref_temp_c);
}

/* --- steps ----------------------------------------------------------------- */

/* A new operation: its number, the fault hooks, the record's first fields. */
static void op_start(run *r, sim_op_record *op, const char *kind)
{
	r->seq++;
	sim_ctl_begin_op(r->sh, r->seq);
	memset(op, 0, sizeof *op);
	op->seq = r->seq;
	op->kind = kind;
	op->t_ms = ms_of(sim_ctl_now_ns(r->sh));
}

/* "CODE: message" of a failed operation into err, "" on success. */
static const char *op_error(char *err, size_t n, int rc, const char *message)
{
	snprintf(err, n, "%s%s%s", rc == AF_OK ? "" : af_err_name(rc), rc == AF_OK ? "" : ": ",
		 rc == AF_OK ? "" : message);
	return err;
}

/* Calibration sites are physical places: their plan positions are the
 * simulator's, whatever the temperature. */
static int put_site(void *user, uint32_t i, double z)
{
	run *r = user;

	(void)i;
	sim_ctl_set_place(r->sh, z);
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
	sim_event_record ev = { op->t_ms, "warning", detail };
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
	if (r->sink && r->sink->event)
		r->sink->event(r->user, &ev);
}

static void step_calibrate(run *r, const sim_step *st)
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
		r->cal_temp_c = sim_ctl_instrument_c(r->sh);
		sim_metrics_add(r->m, "calibration", "rms_um", rep.mapping.rms_um);
		sim_metrics_add(r->m, "calibration", "max_um", rep.mapping.max_abs_um);
		sim_metrics_add(r->m, "calibration", "order", rep.mapping.order);
		if (isfinite(rep.backlash_um))
			sim_metrics_add(r->m, "calibration", "backlash_um", rep.backlash_um);
	}
	sim_metrics_add(r->m, "calibration", "frames", rep.frames);
	sim_metrics_add(r->m, "calibration", "ms", rep.ms);
	{
		double v[3] = { rep.mapping.rms_um, rep.mapping.order, rep.backlash_um };

		sim_ctl_trace_result(r->sh, "calibrate", rc, v, 3);
	}
	emit_op(r, &op);
	if (rc != AF_OK)
		calibration_failed(r, &op);
}

static void step_handoff_once(run *r, const sim_step *st)
{
	double z = draw(r, &st->z_um), src, fe;
	af_handoff_result h;
	sim_op_record op;
	char err[AF_MSG_MAX + 16];
	int rc;

	/* setup (untimed): the place, lens `from` seated and in focus there */
	sim_ctl_set_place(r->sh, place_of(r, z));
	if (st->from == AF_LENS_A) {
		src = z;
		rc = af_engine_goto(r->e, AF_LENS_A, src);
	} else {
		rc = af_engine_goto(r->e, AF_LENS_B, z + r->s->engine.nominal_offset_um);
		src = sim_ctl_true_focus_um(r->sh, MDL_LENS_B);
		if (rc == AF_OK)
			rc = af_engine_goto(r->e, AF_LENS_B, src);
	}
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
	fe = fabs(sim_ctl_stage_um(r->sh) - sim_ctl_true_focus_um(r->sh, (int)st->to));
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

		sim_ctl_trace_result(r->sh, "handoff", rc, v, 4);
	}
	emit_op(r, &op);
}

static void step_handoff(run *r, const sim_step *st)
{
	for (uint32_t i = 0; i < st->repeat && !clock_spent(r); i++) {
		if (i > 0 && st->interval_s > 0.0)
			pass_time(r, sim_s_to_ns(st->interval_s));
		if (!clock_spent(r))
			step_handoff_once(r, st);
	}
}

static void step_autofocus(run *r, const sim_step *st)
{
	double near = draw(r, &st->near_um), fe;
	af_focus_result f;
	sim_op_record op;
	char err[AF_MSG_MAX + 16];
	int rc;

	op_start(r, &op, "autofocus");
	op.to_lens = af_lens_name(st->lens);
	op.z_request_um = near;
	rc = af_autofocus(r->e, st->lens, near, &f);
	fe = fabs(sim_ctl_stage_um(r->sh) - sim_ctl_true_focus_um(r->sh, (int)st->lens));
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
		sim_metrics_add(r->m, "autofocus", "focus_error_um", fe);
		sim_metrics_add(r->m, "autofocus", "frames", f.frames);
	}
	{
		double v[2] = { f.z_um, f.ms };

		sim_ctl_trace_result(r->sh, "autofocus", rc, v, 2);
	}
	emit_op(r, &op);
}

/* --- the run ------------------------------------------------------------------ */

static sim_verdict finish(run *r, sim_verdict v, const char *msg)
{
	sim_run_end end;
	double val;

	r->out->verdict = v;
	if (msg)
		snprintf(r->out->message, sizeof r->out->message, "%s", msg);
	if (r->trace) {
		sim_trace_flush(r->trace);   /* the index's last slice, before run_end */
		r->out->trace_hash = sim_trace_hash(r->trace);
		r->out->events = sim_trace_count(r->trace);
	}
	if (r->sh)
		r->out->virtual_s = (double)sim_ctl_now_ns(r->sh) / 1e9;
	if (r->m) {
		sim_metrics_eval(r->m, "handoff.total_ms.p95", &r->out->total_p95_ms);
		sim_metrics_eval(r->m, "handoff.mapping_error_um.max", &r->out->mapping_error_max_um);
		sim_metrics_eval(r->m, "handoff.focus_error_um.max", &val);
		r->out->focus_error_max_um = val;
	}
	end.status = v == SIM_PASSED ? "passed" : v == SIM_FAILED ? "failed" : "error";
	end.trace_hash = r->out->trace_hash;
	end.trace = r->trace;
	end.message = r->out->message;
	end.virtual_s = r->out->virtual_s;
	if (r->sink && r->sink->run_end)
		r->sink->run_end(r->user, &end);
	af_engine_free(r->e);
	sim_hal_free(r->sh);
	sim_trace_free(r->trace);
	sim_metrics_free(r->m);
	return v;
}

static bool check_expectations(run *r)
{
	bool all = true;

	for (size_t i = 0; i < r->s->n_expects; i++) {
		const sim_expect *x = &r->s->expects[i];
		sim_expect_record rec;
		double v;
		bool ok = sim_metrics_eval(r->m, x->metric, &v) == 0;

		/* a bound on a metric the run has no data for fails */
		if (ok && x->has_min && !(v >= x->min))
			ok = false;
		if (ok && x->has_max && !(v <= x->max))
			ok = false;
		r->out->expectations++;
		if (!ok) {
			r->out->failed_expectations++;
			all = false;
		}
		rec.metric = x->metric;
		rec.value = v;
		rec.passed = ok;
		/* report the bound that decided (min first when both are set) */
		if (x->has_min && (!x->has_max || !(v >= x->min))) {
			rec.op = "min";
			rec.bound = x->min;
		} else {
			rec.op = "max";
			rec.bound = x->max;
		}
		if (r->sink && r->sink->expectation)
			r->sink->expectation(r->user, &rec);
	}
	return all;
}

/* The simulated time a scenario asks for in waits and handoff intervals,
 * in seconds (a double: no sum of them can overflow). */
static double declared_s(const sim_scenario *s)
{
	double t = 0.0;

	for (size_t i = 0; i < s->n_steps; i++) {
		const sim_step *st = &s->steps[i];

		if (st->kind == SIM_STEP_WAIT && st->wait_s > 0.0)
			t += st->wait_s;
		else if (st->kind == SIM_STEP_HANDOFF && st->repeat > 1 && st->interval_s > 0.0)
			t += (double)(st->repeat - 1) * st->interval_s;
	}
	return t;
}

/* Why the run stopped: the clock overflowed during step i (steps are
 * 0-based here, 1-based and with their line in the message). */
static const char *overflow_message(const run *r, size_t i, char *buf, size_t n)
{
	size_t k = i > 0 ? i - 1 : 0;   /* the step that was running */

	snprintf(buf, n,
		 "virtual clock overflow in step %zu (line %d): the run would pass the %.4g s "
		 "(146 years) of simulated time the clock can count; it stopped at %.4g s",
		 k + 1, r->s->n_steps ? r->s->steps[k].line : 0, (double)SIM_TIME_MAX_NS / 1e9,
		 (double)sim_ctl_now_ns(r->sh) / 1e9);
	return buf;
}

sim_verdict sim_run(const sim_scenario *s, uint64_t seed, bool use_seed,
		    const sim_results_ops *sink, void *user, sim_run_result *out)
{
	run r;
	sim_observer obs;
	sim_run_info info;
	const char *err = NULL;
	char msg[SIM_ERR_MAX];

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	out->total_p95_ms = out->mapping_error_max_um = out->focus_error_max_um = NAN;
	r.s = s;
	r.sink = sink;
	r.user = user;
	r.out = out;
	out->seed = use_seed ? seed : s->seed;
	info.scenario = s->name;
	info.path = s->path;
	info.tol_time_frac = s->tol_time_frac;
	info.tol_accuracy_um = s->tol_accuracy_um;
	info.seed = out->seed;
	info.mode = "sim";
	if (sink && sink->run_begin)
		sink->run_begin(user, &info);
	r.trace = sim_trace_new(false);
	r.m = sim_metrics_new();
	if (!r.trace || !r.m)
		return finish(&r, SIM_ERROR, "out of memory");
	if (sink && sink->trace_index)
		sim_trace_set_sink(r.trace, on_trace_slice, &r);
	r.sh = sim_hal_new(&s->rig, &s->room, out->seed, r.trace, &err);
	if (!r.sh) {
		snprintf(msg, sizeof msg, "cannot build the simulated rig: %s", err);
		return finish(&r, SIM_ERROR, msg);
	}
	sim_hal_bind(r.sh, &r.hal);
	r.e = af_engine_new(&r.hal, &s->engine, &err);
	if (!r.e) {
		snprintf(msg, sizeof msg, "cannot build the engine: %s", err);
		return finish(&r, SIM_ERROR, msg);
	}
	obs.user = &r;
	obs.on_frame = NULL;
	obs.on_event = on_event;
	sim_ctl_set_observer(r.sh, &obs);
	af_engine_set_sample_hook(r.e, on_sample, &r);
	for (size_t i = 0; i < s->n_faults; i++)
		/* rig-level faults (link_drop, ...) act on a bridge's link:
		 * the emulator serves them, the simulator has no link */
		if (sim_fault_is_rig_level((int)s->faults[i].kind))
			continue;
		else if (sim_ctl_add_fault(r.sh, &s->faults[i]) != 0)
			return finish(&r, SIM_ERROR, "out of memory adding faults");
	if (declared_s(s) >= (double)SIM_TIME_MAX_NS / 1e9) {
		snprintf(msg, sizeof msg,
			 "the scenario's waits and intervals add up to %.4g s of simulated time, more "
			 "than the %.4g s (146 years) the virtual clock can count", declared_s(s),
			 (double)SIM_TIME_MAX_NS / 1e9);
		return finish(&r, SIM_ERROR, msg);
	}
	sim_rng_stream(&r.steps, out->seed, SIM_STREAM_STEPS);
	r.cal_temp_c = s->rig.parfocal.ref_temp_c;
	r.next_tick_ns = sim_s_to_ns(SIM_TICK_S);
	(void)af_engine_tick(r.e);
	for (size_t i = 0; i < s->n_steps; i++) {
		const sim_step *st = &s->steps[i];

		if (clock_spent(&r))
			return finish(&r, SIM_ERROR, overflow_message(&r, i, msg, sizeof msg));

		switch (st->kind) {
		case SIM_STEP_CALIBRATE:
			step_calibrate(&r, st);
			break;
		case SIM_STEP_HANDOFF:
			step_handoff(&r, st);
			break;
		case SIM_STEP_AUTOFOCUS:
			step_autofocus(&r, st);
			break;
		case SIM_STEP_WAIT:
			pass_time(&r, sim_s_to_ns(st->wait_s));
			break;
		}
	}
	if (clock_spent(&r))
		return finish(&r, SIM_ERROR, overflow_message(&r, s->n_steps, msg, sizeof msg));
	return finish(&r, check_expectations(&r) ? SIM_PASSED : SIM_FAILED, NULL);
}
