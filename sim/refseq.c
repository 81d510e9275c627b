/*
 * refseq.c - the reference sequence of HAL calls.
 *
 * Never change the script casually: its hash is compared across builds in
 * one CI run only (not against a stored value), so changing it is allowed,
 * but every step is there to exercise a model path whose arithmetic could
 * differ between compilers.
 */
#include "refseq.h"

#include <stdlib.h>

#include "engine/af_hal.h"
#include "models/rig.h"
#include "kernel/clock.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "kernel/trace.h"

typedef struct refseq {
	af_hal hal;
	sim_hal *sh;
	FILE *log;
	int errors;
	af_frame frame;
} refseq;

static void step(refseq *r, const char *what, int rc)
{
	if (rc != AF_OK)
		r->errors++;
	if (r->log)
		fprintf(r->log, "%12.3f ms  %-34s %s%s%s\n",
			(double)sim_ctl_now_ns(r->sh) / 1e6, what,
			rc == AF_OK ? "ok" : af_err_name(rc), rc == AF_OK ? "" : ": ",
			rc == AF_OK ? "" : af_hal_errmsg(&r->hal));
}

static void move_settle_grab(refseq *r, double z_um)
{
	char what[64];

	snprintf(what, sizeof what, "move_z %.3f", z_um);
	step(r, what, r->hal.ops->move_z(r->hal.ctx, z_um));
	step(r, "wait_settled 200", r->hal.ops->wait_settled(r->hal.ctx, 200));
	step(r, "grab_frame", r->hal.ops->grab_frame(r->hal.ctx, &r->frame));
}

int sim_refseq_run(uint64_t seed, FILE *log, sim_refseq_result *out)
{
	/* The room warms 3 C over the first hour. */
	mdl_room_profile room = { .kind = MDL_ROOM_RAMP, .from_c = 21.0, .to_c = 24.0,
				  .start_s = 0.0, .over_s = 3600.0 };
	sim_fault drop = { .kind = SIM_FAULT_CAMERA_DROP, .at_ns = -1, .at_op = 2, .count = 1 };
	sim_fault stall = { .kind = SIM_FAULT_STAGE_STALL, .at_op = -1, .duration_ms = 40 };
	sim_fault wrong = { .kind = SIM_FAULT_TURRET_WRONG_POSITION, .at_ns = -1, .at_op = 3 };
	sim_fault glitch = { .kind = SIM_FAULT_SENSOR_GLITCH, .at_ns = 700 * SIM_NS_PER_S,
			     .at_op = -1, .delta_c = 2.0, .duration_s = 10 };
	sim_fault stale = { .kind = SIM_FAULT_CAMERA_STALE, .at_ns = -1, .at_op = 4, .count = 1 };
	sim_fault sat = { .kind = SIM_FAULT_CAMERA_SATURATE, .at_ns = -1, .at_op = 4, .count = 1 };
	sim_trace *trace = sim_trace_new(false);
	af_roi small = { 992, 992, 64, 64 };
	mdl_rig rig;
	refseq r = { .log = log };
	double t_c, z;
	af_lens lens;
	int rc = -1;

	mdl_rig_default(&rig);
	r.frame.capacity_px = (size_t)rig.camera.roi_width * rig.camera.roi_height;
	r.frame.pixels = malloc(r.frame.capacity_px * sizeof *r.frame.pixels);
	if (!trace || !r.frame.pixels)
		goto out;
	r.sh = sim_hal_new(&rig, &room, seed, trace, NULL);
	if (!r.sh)
		goto out;
	sim_hal_bind(r.sh, &r.hal);
	sim_ctl_add_fault(r.sh, &drop);
	sim_ctl_add_fault(r.sh, &wrong);
	sim_ctl_add_fault(r.sh, &glitch);
	sim_ctl_add_fault(r.sh, &stale);
	sim_ctl_add_fault(r.sh, &sat);

	/* op 1: a coarse scan with lens A at the place z_plan = 2.5 */
	sim_ctl_begin_op(r.sh, 1);
	sim_ctl_set_place(r.sh, 2.5);
	step(&r, "read_temperature", r.hal.ops->read_temperature(r.hal.ctx, &t_c));
	step(&r, "get_lens", r.hal.ops->get_lens(r.hal.ctx, &lens));
	for (int i = -3; i <= 3; i++)
		move_settle_grab(&r, 2.5 + 4.0 * i);
	move_settle_grab(&r, 1.0); /* reversal: backlash */
	step(&r, "get_z", r.hal.ops->get_z(r.hal.ctx, &z));

	/* op 2: a dropped frame, then lens B around its focus */
	sim_ctl_begin_op(r.sh, 2);
	step(&r, "grab_frame (dropped)", r.hal.ops->grab_frame(r.hal.ctx, &r.frame));
	step(&r, "select_lens B", r.hal.ops->select_lens(r.hal.ctx, AF_LENS_B));
	for (int i = -3; i <= 3; i++)
		move_settle_grab(&r, 6.6 + 0.3 * i);
	/* a frame while the stage still moves */
	step(&r, "move_z 9.0", r.hal.ops->move_z(r.hal.ctx, 9.0));
	step(&r, "grab_frame (moving)", r.hal.ops->grab_frame(r.hal.ctx, &r.frame));
	step(&r, "sleep_us 1500000", r.hal.ops->sleep_us(r.hal.ctx, 1500000));
	/* the stall fires 30 ms into the next move */
	stall.at_ns = sim_ctl_now_ns(r.sh) + 30 * SIM_NS_PER_MS;
	sim_ctl_add_fault(r.sh, &stall);
	step(&r, "move_z -3.0", r.hal.ops->move_z(r.hal.ctx, -3.0));
	step(&r, "wait_settled 200 (stalled)", r.hal.ops->wait_settled(r.hal.ctx, 200));
	step(&r, "sleep_us 50000", r.hal.ops->sleep_us(r.hal.ctx, 50000));
	move_settle_grab(&r, -3.0);

	/* op 3: the switcher seats the wrong lens */
	sim_ctl_begin_op(r.sh, 3);
	step(&r, "select_lens A (wrong position)", r.hal.ops->select_lens(r.hal.ctx, AF_LENS_A));
	step(&r, "get_lens", r.hal.ops->get_lens(r.hal.ctx, &lens));
	step(&r, "select_lens A", r.hal.ops->select_lens(r.hal.ctx, AF_LENS_A));

	/* ten minutes pass; the room warms; a sensor glitch at 700 s */
	sim_ctl_advance(r.sh, 600 * SIM_NS_PER_S);
	step(&r, "read_temperature", r.hal.ops->read_temperature(r.hal.ctx, &t_c));
	sim_ctl_advance(r.sh, 100 * SIM_NS_PER_S);
	step(&r, "read_temperature (glitch)", r.hal.ops->read_temperature(r.hal.ctx, &t_c));

	/* op 4: a stale and a saturated frame, a small ROI, a long exposure */
	sim_ctl_begin_op(r.sh, 4);
	move_settle_grab(&r, 3.0);
	step(&r, "grab_frame (saturated)", r.hal.ops->grab_frame(r.hal.ctx, &r.frame));
	step(&r, "set_roi 64x64", af_hal_set_roi(&r.hal, &small));
	step(&r, "set_exposure_us 20000", af_hal_set_exposure_us(&r.hal, 20000));
	move_settle_grab(&r, 3.5);
	/* the settle wait that reports the encoder (the optional op) */
	step(&r, "move_z 4.000", r.hal.ops->move_z(r.hal.ctx, 4.0));
	step(&r, "wait_settled_z 200", af_hal_wait_settled_z(&r.hal, 200, &z));
	step(&r, "move_z 900 (beyond travel)", r.hal.ops->move_z(r.hal.ctx, 900.0));
	step(&r, "wait_settled 2000", r.hal.ops->wait_settled(r.hal.ctx, 2000));

	out->trace_hash = sim_trace_hash(trace);
	out->events = sim_trace_count(trace);
	out->frames = sim_ctl_frames(r.sh);
	out->virtual_ns = sim_ctl_now_ns(r.sh);
	out->errors = r.errors;
	rc = 0;
out:
	sim_hal_free(r.sh);
	sim_trace_free(trace);
	free(r.frame.pixels);
	return rc;
}
