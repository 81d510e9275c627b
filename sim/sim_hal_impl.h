/*
 * sim_hal_impl.h - the inside of a sim_hal, shared by sim_hal.c (the HAL
 * ops), sim_hal_new.c (construction), sim_hal_time.c (the engine's own
 * time) and sim_ctl.c (the control API).  Nothing else includes it.
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
	mdl_rig rig;                      /* the instrument's truth: drawn around the configured rig */
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
	double field_x_um, field_y_um;    /* where it is on the slide */
	mdl_place place;                  /* its field (models/slide.h) */
	mdl_specimen_config place_spec;   /* the specimen as it shows there */
	uint64_t place_key;               /* the run's slide: places are keyed by it */

	/* the engine's own work since its last HAL call, charged at its next
	 * one (mdl_host_config) */
	int64_t engine_debt_ns;

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
/* Put the place whose plan position is z_plan_um under the objective: its
 * field and its specimen (the views are dropped when they change). */
void sim_hal_put_place(sim_hal *sh, double z_plan_um);
/* Charge the engine's work owed since its last HAL call now (the clock
 * moves by it; faults due on the way fire).  sim_hal_time.c. */
void sim_hal_charge_engine(sim_hal *sh);
/* The clock once the engine's work owed is done, without charging it:
 * now plus the debt (now alone once the clock overflowed). */
int64_t sim_hal_engine_now_ns(const sim_hal *sh);
/* Draw the seating error of lens's new seat (rng_optics). */
void sim_hal_draw_seat(sim_hal *sh, int lens);
/* Drop the camera's views (a new place or ROI builds them again). */
void sim_hal_drop_views(sim_hal *sh);
/* Whether an ROI of w x h at (x, y) fits the sensor (at least 8 x 8). */
bool sim_hal_roi_fits(const mdl_camera_config *c, uint32_t x, uint32_t y, uint32_t w,
		      uint32_t h);
/* The ops of sim_hal.c as they are, without the engine's own time (the
 * table sim_hal_ops() wraps). */
const af_hal_ops *sim_hal_raw_ops(void);

#endif /* SIM_HAL_IMPL_H */
