/*
 * sim_ctl.c - the simulator's control API (sim_ctl.h): ground truth, places,
 * faults, virtual time and observers, for the runner and the tests.
 */
#include "sim_ctl.h"

#include <math.h>

#include "kernel/clock.h"
#include "sim/sim_hal_impl.h"

/* A control event in the trace: kind, time, one value. */
static void note(sim_hal *sh, unsigned kind, int64_t t_ns, double v)
{
	if (!sh->trace)
		return;
	sim_trace_begin(sh->trace, kind, t_ns);
	sim_trace_f64(sh->trace, v);
	sim_trace_end(sh->trace);
}

void sim_ctl_set_observer(sim_hal *sh, const sim_observer *obs)
{
	sh->have_obs = obs != NULL;
	if (obs)
		sh->obs = *obs;
}

int64_t sim_ctl_now_ns(const sim_hal *sh)
{
	return sh->clock.now_ns;
}

int64_t sim_ctl_engine_now_ns(const sim_hal *sh)
{
	return sim_hal_engine_now_ns(sh);
}

void sim_ctl_advance(sim_hal *sh, int64_t dt_ns)
{
	int64_t t0;

	if (dt_ns < 0)
		dt_ns = 0;
	/* the engine's last work happened before the wait */
	sim_hal_charge_engine(sh);
	t0 = sh->clock.now_ns;
	sim_hal_poll_faults(sh);
	sim_hal_advance_to(sh, sim_time_add(t0, dt_ns));   /* past the clock's limit: overflowed */
	mdl_thermal_advance(&sh->thermal, sh->clock.now_ns);
	note(sh, SIM_EV_ADVANCE, t0, (double)dt_ns);
}

void sim_ctl_set_place(sim_hal *sh, double z_plan_um)
{
	sim_hal_put_place(sh, z_plan_um);
	note(sh, SIM_EV_PLACE, sh->clock.now_ns, z_plan_um);
}

double sim_ctl_plan_place_um(const sim_hal *sh, double z_um, double temp_c)
{
	const mdl_parfocal_config *p = &sh->rig.parfocal;

	return z_um - p->focal_tc_um_per_c * (temp_c - p->ref_temp_c);
}

void sim_ctl_place_field(const sim_hal *sh, mdl_place *place, mdl_specimen_config *spec)
{
	if (place)
		*place = sh->place;
	if (spec)
		*spec = sh->place_spec;
}

const mdl_rig *sim_ctl_truth(const sim_hal *sh)
{
	return &sh->rig;
}

double sim_ctl_place(const sim_hal *sh)
{
	return sh->z_plan_um;
}

double sim_ctl_true_focus_um(sim_hal *sh, int lens)
{
	return sim_hal_focus_um(sh, lens, sh->clock.now_ns);
}

double sim_ctl_stage_um(const sim_hal *sh)
{
	return mdl_stage_position_um(&sh->stage, sh->clock.now_ns);
}

int sim_ctl_seated_lens(const sim_hal *sh)
{
	return sh->turret.seated;
}

double sim_ctl_room_c(sim_hal *sh)
{
	mdl_thermal_advance(&sh->thermal, sh->clock.now_ns);
	return mdl_thermal_room_c(&sh->thermal);
}

double sim_ctl_instrument_c(sim_hal *sh)
{
	return sim_hal_instrument_c(sh, sh->clock.now_ns);
}

bool sim_ctl_last_frame(const sim_hal *sh, sim_frame_info *fi)
{
	if (sh->frame_seq == 0)
		return false;
	*fi = sh->last_info;
	return true;
}

int sim_ctl_add_fault(sim_hal *sh, const sim_fault *f)
{
	if ((unsigned)f->kind >= SIM_FAULT_KIND_COUNT || sim_fault_check(f))
		return -1;
	return sim_fault_schedule_add(&sh->faults, f);
}

void sim_ctl_begin_op(sim_hal *sh, int64_t op)
{
	sh->op = op;
	note(sh, SIM_EV_OP_BEGIN, sh->clock.now_ns, (double)op);
	sim_hal_poll_faults(sh);
}

void sim_ctl_trace_result(sim_hal *sh, const char *kind, int32_t code, const double *values,
			  int n)
{
	if (!sh->trace)
		return;
	sim_trace_begin(sh->trace, SIM_EV_ENGINE_RESULT, sh->clock.now_ns);
	sim_trace_str(sh->trace, kind);
	sim_trace_i32(sh->trace, code);
	for (int i = 0; i < n; i++)
		sim_trace_f64(sh->trace, values[i]);
	sim_trace_end(sh->trace);
}

uint64_t sim_ctl_frames(const sim_hal *sh)
{
	return sh->frame_seq;
}

uint64_t sim_ctl_hal_calls(const sim_hal *sh, int op)
{
	return op >= 0 && op < SIM_HAL_OP_COUNT ? sh->hal_calls[op] : 0;
}
