/*
 * runner.c - one scenario, start to verdict (see runner.h).
 *
 * Virtual time: every sum of a time and a duration goes through
 * sim_time_add, and the clock stops at SIM_TIME_MAX_NS (146 years)
 * marked overflowed; the runner checks before a run that its waits and
 * intervals fit, and after every step that the clock did not overflow,
 * and ends the run as an error saying so.  Nothing wraps, nothing is
 * skipped in silence.
 *
 * The rig is reached through sim/rig.h only (r->rig): its HAL, its hooks,
 * and its simulation-only table r->world (NULL on a physical rig).  With a
 * table the runner makes exactly the simulator calls it made when it
 * called the simulator directly, in the same order: the trace hashes of
 * the library did not move when the runner was reshaped.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "sim/runner_impl.h"
#include "sim/sim_rig.h"

/* --- sink forwarding ----------------------------------------------------- */

void sim_runner_emit_event(run *r, double t_ms, const char *kind, const char *detail)
{
	sim_event_record ev = { t_ms, kind, detail };

	if (r->sink && r->sink->event)
		r->sink->event(r->user, &ev);
}

/* The rig's events (t_ns on the rig's clock). */
static void on_event(void *user, const char *kind, int64_t t_ns, const char *detail)
{
	run *r = user;

	sim_runner_emit_event(r, sim_runner_ms(t_ns - r->t0_us * 1000), kind, detail);
}

static void on_sample(void *user, const af_sample *s)
{
	run *r = user;
	sim_sample_record rec;

	if (!r->sink || !r->sink->sample)
		return;
	memset(&rec, 0, sizeof rec);
	rec.op_seq = r->sample_seq;
	rec.t_ms = (double)(s->t_us - r->t0_us) / 1e3;
	rec.lens = af_lens_name(s->lens);
	rec.z_um = s->z_um;
	rec.focus_score = s->score;
	rec.true_focus_um = NAN;
	rec.temperature_c = NAN;
	if (r->world) {
		double f, c;

		if (r->world->frame_truth(r->rig.ctx, &f, &c)) {
			rec.true_focus_um = f;
			rec.temperature_c = c;
		}
	}
	r->sink->sample(r->user, &rec);
}

/* The trace index, slice by slice, to the sink (bounded memory). */
static void on_trace_slice(void *user, const sim_trace_entry *e, size_t n)
{
	run *r = user;

	r->sink->trace_index(r->user, e, n);
}

void sim_runner_emit_op(run *r, const sim_op_record *op)
{
	/* how it ended, for the error metrics (op.N.errors.CODE) */
	(void)sim_metrics_add_outcome(r->m, op->seq, op->kind, op->success, op->error);
	if (r->sink && r->sink->op)
		r->sink->op(r->user, op);
}
/* --- time ------------------------------------------------------------------ */

/* The run's clock, ns: virtual time on a simulated rig, else the HAL's
 * clock since the start of the run (the rig's own, not the recorder's:
 * the runner's reads are no part of a field log). */
int64_t sim_runner_now_ns(run *r)
{
	int64_t t_us = r->t0_us;

	if (r->world)
		return r->world->now_ns(r->rig.ctx);
	(void)r->rig.hal.ops->now_us(r->rig.hal.ctx, &t_us);
	return (t_us - r->t0_us) * SIM_NS_PER_US;
}

/* Why the rig cannot be driven any more, or NULL. */
static const char *rig_lost(run *r)
{
	return r->rig_open && r->rig.ops->lost ? r->rig.ops->lost(r->rig.ctx) : NULL;
}

/* Whether the clock stopped at its limit (it only gets there by
 * overflowing: no run declares 146 years), or the rig is gone: either way
 * nothing more can run. */
bool sim_runner_clock_spent(run *r)
{
	if (!r->world)
		return rig_lost(r) != NULL;
	return r->overflow || sim_runner_now_ns(r) >= SIM_TIME_MAX_NS;
}

/* Tick the engine when its tick is due. */
static void tick_due(run *r)
{
	if (sim_runner_now_ns(r) >= r->next_tick_ns) {
		(void)af_engine_tick(r->e);
		r->next_tick_ns = sim_time_add(sim_runner_now_ns(r), sim_s_to_ns(SIM_TICK_S));
	}
}

/* Let dt_ns pass on a physical rig: sleep on the HAL clock, ticking the
 * engine every SIM_TICK_S, until the span is over or the rig is lost. */
static void wait_real(run *r, int64_t dt_ns)
{
	int64_t end = sim_time_add(sim_runner_now_ns(r), dt_ns), now;

	while ((now = sim_runner_now_ns(r)) < end && !rig_lost(r)) {
		int64_t step = r->next_tick_ns > now ? r->next_tick_ns - now : 0;

		if (step > end - now)
			step = end - now;
		if (step > 0)
			(void)r->rig.hal.ops->sleep_us(r->rig.hal.ctx,
						       (uint32_t)((step + SIM_NS_PER_US - 1) / SIM_NS_PER_US));
		tick_due(r);
	}
}

/* Let dt_ns of time pass, the engine ticking every SIM_TICK_S.  A span
 * that would end past the clock's limit is refused whole (flagged)
 * rather than ticked through for a century first. */
void sim_runner_pass_time(run *r, int64_t dt_ns)
{
	int64_t end;

	if (!r->world) {
		wait_real(r, dt_ns);
		return;
	}
	end = sim_time_add(sim_runner_now_ns(r), dt_ns);
	if (end > SIM_TIME_MAX_NS) {
		r->overflow = true;
		return;
	}
	while (sim_runner_now_ns(r) < end && !sim_runner_clock_spent(r)) {
		int64_t now = sim_runner_now_ns(r);
		int64_t step = r->next_tick_ns > now ? r->next_tick_ns - now : 0;

		if (step > end - now)
			step = end - now;
		r->world->advance(r->rig.ctx, step);
		tick_due(r);
	}
}
/* --- the run ------------------------------------------------------------------ */

static sim_verdict finish(run *r, sim_verdict v, const char *msg)
{
	sim_run_end end;
	double val;

	r->out->verdict = v;
	if (msg)
		snprintf(r->out->message, sizeof r->out->message, "%s", msg);
	/* a simulated run has a trace (empty when its rig could not be
	 * built); a run on a physical rig has none */
	r->out->traced = r->trace && strcmp(r->out->mode, "sim") == 0;
	if (r->out->traced) {
		sim_trace_flush(r->trace);   /* the index's last slice, before run_end */
		r->out->trace_hash = sim_trace_hash(r->trace);
		r->out->events = sim_trace_count(r->trace);
	}
	r->out->virtual_s = r->world ? (double)sim_runner_now_ns(r) / 1e9 : r->out->traced ? 0.0 : NAN;
	if (r->m) {
		sim_metrics_eval(r->m, "handoff.total_ms.p95", &r->out->total_p95_ms);
		sim_metrics_eval(r->m, "handoff.mapping_error_um.max", &r->out->mapping_error_max_um);
		sim_metrics_eval(r->m, "handoff.focus_error_um.max", &val);
		r->out->focus_error_max_um = val;
	}
	if (r->rec) {
		/* the held pixels and the end record: the log is whole */
		if (af_rec_close(r->rec) != 0 || af_rec_error(r->rec))
			snprintf(r->out->record_error, sizeof r->out->record_error, "%s",
				 af_rec_error(r->rec) ? af_rec_error(r->rec) : "the sink failed");
	}
	end.status = v == SIM_PASSED ? "passed" : v == SIM_FAILED ? "failed" : "error";
	end.trace_hash = r->out->trace_hash;
	end.trace = r->out->traced ? r->trace : NULL;
	end.message = r->out->message;
	end.virtual_s = r->out->virtual_s;
	if (r->sink && r->sink->run_end)
		r->sink->run_end(r->user, &end);
	af_engine_free(r->e);
	af_rec_free(r->rec);
	if (r->rig_open)
		r->src->close(r->src->user, &r->rig);
	sim_trace_free(r->trace);
	sim_metrics_free(r->m);
	return v;
}

/* Whether metric needs ground truth (the simulator's true focal plane). */
static bool needs_truth(const char *metric)
{
	return strstr(metric, ".focus_error_um") != NULL;
}

static bool check_expectations(run *r)
{
	bool all = true;

	for (size_t i = 0; i < r->s->n_expects; i++) {
		const sim_expect *x = &r->s->expects[i];
		sim_expect_record rec;
		double v = NAN;
		bool applicable = r->world || !needs_truth(x->metric);
		bool ok = applicable && sim_metrics_eval(r->m, x->metric, &v) == 0;

		/* a bound on a metric the run has no data for fails */
		if (ok && x->has_min && !(v >= x->min))
			ok = false;
		if (ok && x->has_max && !(v <= x->max))
			ok = false;
		r->out->expectations++;
		if (!applicable) {
			r->out->na_expectations++;
		} else if (!ok) {
			r->out->failed_expectations++;
			all = false;
		}
		rec.metric = x->metric;
		rec.value = v;
		rec.passed = ok;
		rec.applicable = applicable;
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

/* Why the run stopped: the rig was lost, or the clock overflowed during
 * step i (steps are 0-based here, 1-based and with their line in the
 * message). */
static const char *stop_message(run *r, size_t i, char *buf, size_t n)
{
	size_t k = i > 0 ? i - 1 : 0;   /* the step that was running */
	const char *lost = rig_lost(r);

	if (lost)
		snprintf(buf, n, "the rig was lost in step %zu (line %d): %s", k + 1,
			 r->s->n_steps ? r->s->steps[k].line : 0, lost);
	else
		snprintf(buf, n,
			 "virtual clock overflow in step %zu (line %d): the run would pass the %.4g s "
			 "(146 years) of simulated time the clock can count; it stopped at %.4g s",
			 k + 1, r->s->n_steps ? r->s->steps[k].line : 0, (double)SIM_TIME_MAX_NS / 1e9,
			 (double)sim_runner_now_ns(r) / 1e9);
	return buf;
}

/* The engine, inside the flight recorder when the run is recorded. */
static int build_engine(run *r, const sim_run_opts *o, char *msg, size_t n)
{
	const char *err = NULL;

	if (o->record) {
		af_rec_options ro;

		if (o->record_opts)
			ro = *o->record_opts;
		else
			af_rec_options_default(&ro);
		if (!ro.rig_id || !*ro.rig_id)
			ro.rig_id = r->rig.name;
		r->rec = af_rec_new(&r->rig.hal, &ro, o->record, &err);
		if (!r->rec) {
			snprintf(msg, n, "cannot start the field log: %s", err);
			return -1;
		}
		r->e = af_rec_engine_new(r->rec, &r->s->engine, &err);
	} else {
		r->e = af_engine_new(&r->rig.hal, &r->s->engine, &err);
	}
	if (!r->e) {
		snprintf(msg, n, "cannot build the engine: %s", err);
		return -1;
	}
	return 0;
}

/* What the runner cannot do on a physical rig, said where the run is. */
static void note_no_world(run *r)
{
	char detail[256];

	if (r->world || r->s->n_faults == 0)
		return;
	snprintf(detail, sizeof detail,
		 "the scenario's %zu fault%s not injected: on a physical rig faults are the rig's own "
		 "(the emulator takes them with --scenario)", r->s->n_faults,
		 r->s->n_faults == 1 ? " is" : "s are");
	sim_runner_emit_event(r, 0.0, "warning", detail);
}

void sim_run_opts_default(sim_run_opts *o)
{
	memset(o, 0, sizeof *o);
}

sim_verdict sim_run(const sim_scenario *s, uint64_t seed, bool use_seed,
		    const sim_results_ops *sink, void *user, sim_run_result *out)
{
	sim_run_opts o;

	sim_run_opts_default(&o);
	o.seed = seed;
	o.use_seed = use_seed;
	return sim_run_with(s, &o, sink, user, out);
}

sim_verdict sim_run_with(const sim_scenario *s, const sim_run_opts *o,
			 const sim_results_ops *sink, void *user, sim_run_result *out)
{
	run r;
	sim_run_info info;
	char msg[SIM_ERR_MAX], oerr[SIM_ERR_MAX] = "";
	int opened = -1;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	out->total_p95_ms = out->mapping_error_max_um = out->focus_error_max_um = NAN;
	r.s = s;
	r.sink = sink;
	r.user = user;
	r.out = out;
	r.src = o->rig ? o->rig : sim_rig_simulated();
	out->seed = o->use_seed ? o->seed : s->seed;
	r.trace = sim_trace_new(false);
	r.m = sim_metrics_new();
	/* the rig first, so that the run is recorded with its name */
	if (r.trace && r.m)
		opened = r.src->open(r.src->user, s, out->seed, r.trace, &r.rig, oerr, sizeof oerr);
	r.rig_open = opened == 0;
	snprintf(out->mode, sizeof out->mode, "%s", r.rig_open ? r.rig.ops->mode : r.src->mode);
	snprintf(out->rig, sizeof out->rig, "%s", r.rig_open ? r.rig.name : r.src->name);
	info.scenario = s->name;
	info.path = s->path;
	info.tol_time_frac = s->tol_time_frac;
	info.tol_accuracy_um = s->tol_accuracy_um;
	info.seed = out->seed;
	info.mode = out->mode;
	info.rig = out->rig;
	if (sink && sink->run_begin)
		sink->run_begin(user, &info);
	if (!r.trace || !r.m)
		return finish(&r, SIM_ERROR, "out of memory");
	if (!r.rig_open)
		return finish(&r, SIM_ERROR, oerr);
	r.world = r.rig.ops->world;
	if (!r.world)
		(void)r.rig.hal.ops->now_us(r.rig.hal.ctx, &r.t0_us);
	if (sink && sink->trace_index)
		sim_trace_set_sink(r.trace, on_trace_slice, &r);
	if (build_engine(&r, o, msg, sizeof msg) != 0)
		return finish(&r, SIM_ERROR, msg);
	if (r.rig.ops->set_event_hook)
		r.rig.ops->set_event_hook(r.rig.ctx, on_event, &r);
	af_engine_set_sample_hook(r.e, on_sample, &r);
	for (size_t i = 0; r.world && i < s->n_faults; i++)
		if (r.world->add_fault(r.rig.ctx, &s->faults[i]) != 0)
			return finish(&r, SIM_ERROR, "out of memory adding faults");
	note_no_world(&r);
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

		if (sim_runner_clock_spent(&r))
			return finish(&r, SIM_ERROR, stop_message(&r, i, msg, sizeof msg));

		switch (st->kind) {
		case SIM_STEP_CALIBRATE:
			sim_runner_calibrate(&r, st);
			break;
		case SIM_STEP_HANDOFF:
			sim_runner_handoff(&r, st);
			break;
		case SIM_STEP_AUTOFOCUS:
			sim_runner_autofocus(&r, st);
			break;
		case SIM_STEP_WAIT:
			sim_runner_pass_time(&r, sim_s_to_ns(st->wait_s));
			break;
		}
	}
	if (sim_runner_clock_spent(&r))
		return finish(&r, SIM_ERROR, stop_message(&r, s->n_steps, msg, sizeof msg));
	return finish(&r, check_expectations(&r) ? SIM_PASSED : SIM_FAILED, NULL);
}

