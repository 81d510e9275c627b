/*
 * sim_rig.c - the simulated rig behind the runner's interface (sim_rig.h).
 */
#include "sim/sim_rig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

typedef struct simrig {
	sim_hal *sh;
	sim_rig_event_fn fn;
	void *user;
} simrig;

/* The runner reads the clock once the engine's work is done, as it
 * would on a physical rig (the HAL's now_us pays it too). */
static int64_t w_now_ns(void *ctx)
{
	return sim_ctl_engine_now_ns(((simrig *)ctx)->sh);
}

static void w_advance(void *ctx, int64_t dt_ns)
{
	sim_ctl_advance(((simrig *)ctx)->sh, dt_ns);
}

static double w_instrument_c(void *ctx)
{
	return sim_ctl_instrument_c(((simrig *)ctx)->sh);
}

static double w_plan_place_um(void *ctx, double z_um, double temp_c)
{
	return sim_ctl_plan_place_um(((simrig *)ctx)->sh, z_um, temp_c);
}

static double w_true_focus_um(void *ctx, af_lens lens)
{
	return sim_ctl_true_focus_um(((simrig *)ctx)->sh, (int)lens);
}

static double w_focus_error_um(void *ctx, af_lens lens)
{
	sim_hal *sh = ((simrig *)ctx)->sh;

	return fabs(sim_ctl_stage_um(sh) - sim_ctl_true_focus_um(sh, (int)lens));
}

static bool w_frame_truth(void *ctx, double *true_focus_um, double *instrument_c)
{
	sim_frame_info fi;

	if (!sim_ctl_last_frame(((simrig *)ctx)->sh, &fi))
		return false;
	*true_focus_um = fi.focus_um;
	*instrument_c = fi.instrument_c;
	return true;
}

/* Rig-level faults (link_drop, ...) act on a bridge's link: the emulator
 * serves them, the simulator has no link, so they are left out here. */
static int w_add_fault(void *ctx, const sim_fault *f)
{
	if (sim_fault_is_rig_level((int)f->kind))
		return 0;
	return sim_ctl_add_fault(((simrig *)ctx)->sh, f);
}

static void w_begin_op(void *ctx, uint32_t seq)
{
	sim_ctl_begin_op(((simrig *)ctx)->sh, seq);
}

static void w_trace_result(void *ctx, const char *kind, int32_t code, const double *values, int n)
{
	sim_ctl_trace_result(((simrig *)ctx)->sh, kind, code, values, n);
}

static const sim_world_ops world_ops = {
	.now_ns = w_now_ns,
	.advance = w_advance,
	.instrument_c = w_instrument_c,
	.plan_place_um = w_plan_place_um,
	.true_focus_um = w_true_focus_um,
	.focus_error_um = w_focus_error_um,
	.frame_truth = w_frame_truth,
	.add_fault = w_add_fault,
	.begin_op = w_begin_op,
	.trace_result = w_trace_result,
};

static int r_set_place(void *ctx, double z_plan_um)
{
	sim_ctl_set_place(((simrig *)ctx)->sh, z_plan_um);
	return AF_OK;
}

/* The simulator's observer, as the rig's events. */
static void on_event(void *user, sim_event_class cls, int64_t t_ns, const char *detail)
{
	simrig *r = user;

	r->fn(r->user, cls == SIM_EVENT_FAULT ? "fault" : "hal_error", t_ns, detail);
}

static void r_set_event_hook(void *ctx, sim_rig_event_fn fn, void *user)
{
	simrig *r = ctx;
	sim_observer obs = { r, NULL, on_event };

	r->fn = fn;
	r->user = user;
	sim_ctl_set_observer(r->sh, fn ? &obs : NULL);
}

static const sim_rig_ops rig_ops = {
	.mode = "sim",
	.set_place = r_set_place,
	.set_event_hook = r_set_event_hook,
	.lost = NULL,   /* a simulated rig never goes away */
	.world = &world_ops,
};

static int src_open(void *user, const sim_scenario *s, uint64_t seed, struct sim_trace *trace,
		    sim_rig *out, char *err, size_t errlen)
{
	simrig *r = calloc(1, sizeof *r);
	const char *why = NULL;

	(void)user;
	if (!r) {
		snprintf(err, errlen, "cannot build the simulated rig: out of memory");
		return -1;
	}
	r->sh = sim_hal_new(&s->rig, &s->room, seed, trace, &why);
	if (!r->sh) {
		snprintf(err, errlen, "cannot build the simulated rig: %s", why);
		free(r);
		return -1;
	}
	sim_hal_bind(r->sh, &out->hal);
	out->ops = &rig_ops;
	out->ctx = r;
	snprintf(out->name, sizeof out->name, "sim:default");
	return 0;
}

static void src_close(void *user, sim_rig *rig)
{
	simrig *r = rig->ctx;

	(void)user;
	if (!r)
		return;
	sim_hal_free(r->sh);
	free(r);
	rig->ctx = NULL;
}

static const sim_rig_source simulated = {
	.mode = "sim",
	.name = "sim:default",
	.open = src_open,
	.close = src_close,
	.user = NULL,
};

const sim_rig_source *sim_rig_simulated(void)
{
	return &simulated;
}
