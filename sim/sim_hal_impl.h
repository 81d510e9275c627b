/*
 * sim_hal_impl.h - the inside of a sim_hal, shared by sim_hal.c (the HAL
 * ops) and sim_ctl.c (the control API).  Nothing else includes it.
 */
#ifndef SIM_HAL_IMPL_H
#define SIM_HAL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/rig.h"
#include "kernel/clock.h"
#include "sim/fault.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "kernel/trace.h"

#define SIM_HAL_ERRMSG_MAX 256

struct sim_hal {
	mdl_rig rig;
	mdl_room_profile room;
	uint64_t seed;
	sim_trace *trace;          /* borrowed, may be NULL */
	sim_clock clock;

	sim_rng rng_stage, rng_camera, rng_turret, rng_thermal, rng_optics;

	mdl_stage stage;
	mdl_turret turret;
	mdl_thermal thermal;
	double seat_um[MDL_LENS_COUNT];   /* seating error of each lens's last seat */

	double z_plan_um;                 /* place under the objective */
	double field_x_um, field_y_um;

	/* camera */
	uint32_t exposure_us;
	af_roi roi;
	mdl_view *view[MDL_LENS_COUNT];
	uint64_t frame_seq;
	double exposed_s;                 /* cumulative exposure, for bleaching */
	uint32_t drop_pending, stale_pending, saturate_pending;
	double saturate_factor;
	uint16_t *last_px;                /* previous frame, for stale frames */
	size_t last_px_cap;
	uint32_t last_w, last_h;
	int64_t last_ts_us;
	bool have_frame;
	sim_frame_info last_info;
	double last_sensor_c;

	sim_fault_schedule faults;
	int64_t op;
	/* calls of each HAL op so far, and hal_error faults fired (sim_hal.c's
	 * prologue) */
	uint64_t hal_calls[SIM_HAL_OP_COUNT];
	uint32_t hal_errors_fired;

	sim_observer obs;
	bool have_obs;
	char errmsg[SIM_HAL_ERRMSG_MAX];
};

/* Fire every fault due now. */
void sim_hal_poll_faults(sim_hal *sh);
/* Move the clock to t_ns, firing time-triggered faults at their own times. */
void sim_hal_advance_to(sim_hal *sh, int64_t t_ns);
/* Instrument temperature at t_ns (advances the thermal state). */
double sim_hal_instrument_c(sim_hal *sh, int64_t t_ns);
/* True focal plane of lens at t_ns for the current place. */
double sim_hal_focus_um(sim_hal *sh, int lens, int64_t t_ns);

#endif /* SIM_HAL_IMPL_H */
