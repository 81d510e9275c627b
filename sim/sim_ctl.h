/*
 * sim_ctl.h - test-only control of the simulator: ground truth, places on
 * the specimen, faults, virtual time, observers.  The engine never includes
 * this; the scenario runner and the tests do.
 */
#ifndef SIM_CTL_H
#define SIM_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/fault.h"
#include "sim/sim_hal.h"

/* What the simulator knows about one frame it rendered. */
typedef struct sim_frame_info {
	int64_t t_ns;          /* middle of the exposure */
	int lens;              /* MDL_LENS_A / MDL_LENS_B actually seated */
	double z_stage_um;     /* true stage position at mid-exposure */
	double z_encoder_um;   /* what the encoder read then */
	double focus_um;       /* true focal plane (layer 0) of the seated lens */
	double defocus_um;     /* z_stage - focus at the ROI centre */
	double z_sweep_um;     /* stage travel during the exposure (motion blur) */
	double instrument_c;   /* instrument temperature driving the drift */
	double sensor_c;       /* last sensor reading (NaN before the first) */
	uint64_t seq;
	uint64_t digest;       /* sim_digest_u16 of the pixels */
	bool stale;            /* a repeated old frame (fault) */
	bool saturated;        /* rendered under a saturation fault */
} sim_frame_info;

/* Kinds of observer events. */
typedef enum sim_event_class {
	SIM_EVENT_FAULT,       /* a fault fired */
	SIM_EVENT_HAL_ERROR,   /* a HAL call returned an error */
} sim_event_class;

typedef struct sim_observer {
	void *user;
	/* Called for every frame rendered (and every stale frame returned). */
	void (*on_frame)(void *user, const sim_frame_info *fi);
	/* Called for faults firing and HAL errors; detail is a message. */
	void (*on_event)(void *user, sim_event_class cls, int64_t t_ns, const char *detail);
} sim_observer;

/* Install an observer (copied); NULL removes it. */
void sim_ctl_set_observer(sim_hal *sh, const sim_observer *obs);

/* Virtual time now, ns. */
int64_t sim_ctl_now_ns(const sim_hal *sh);
/* Virtual time once the engine's own work since its last HAL call is
 * done (docs/models.md "Timing"), ns: the clock as the runner or a HAL
 * now_us reads it.  A pure read: the work is charged by the next call
 * or wait. */
int64_t sim_ctl_engine_now_ns(const sim_hal *sh);
/* Let dt_ns of virtual time pass (a `wait` step) after the engine's work
 * owed; faults due fire. */
void sim_ctl_advance(sim_hal *sh, int64_t dt_ns);

/*
 * Put the place of the specimen whose plan position is z_plan_um under the
 * objective (see docs/design.md §4: where lens A was in focus there at the
 * reference temperature).  Its field is its own (models/slide.h): a
 * position on the slide, its texture and contrast, the slide's slope
 * there.  Costs no time.
 */
void sim_ctl_set_place(sim_hal *sh, double z_plan_um);
double sim_ctl_place(const sim_hal *sh);
/* The plan position of the place where lens A is in focus at z_um when
 * the instrument is at temp_c (its true drift coefficient; no seating):
 * plan positions taken at another temperature than the reference. */
double sim_ctl_plan_place_um(const sim_hal *sh, double z_um, double temp_c);
/* The current place's field and the specimen it shows (either may be
 * NULL). */
void sim_ctl_place_field(const sim_hal *sh, mdl_place *place, mdl_specimen_config *spec);
/* The instrument's truth: the rig as drawn for this run (models/truth.h),
 * valid as long as sh. */
const mdl_rig *sim_ctl_truth(const sim_hal *sh);

/* The true in-focus stage position of lens (MDL_LENS_*) at the current
 * place and time, seating error of its last seat included. */
double sim_ctl_true_focus_um(sim_hal *sh, int lens);
/* True stage position now (not quantised). */
double sim_ctl_stage_um(const sim_hal *sh);
/* Lens actually seated. */
int sim_ctl_seated_lens(const sim_hal *sh);
/* Temperatures now: room, instrument (drift), stand. */
double sim_ctl_room_c(sim_hal *sh);
double sim_ctl_instrument_c(sim_hal *sh);

/* The most recent frame's ground truth; false before any frame. */
bool sim_ctl_last_frame(const sim_hal *sh, sim_frame_info *fi);

/* Add a fault to the schedule; 0, or -1 out of memory, a bad kind or a
 * hal_error fault sim_fault_check refuses. */
int sim_ctl_add_fault(sim_hal *sh, const sim_fault *f);
/* Tell the simulator operation number op (1-based) begins: faults set
 * at_op fire now.  Also traced. */
void sim_ctl_begin_op(sim_hal *sh, int64_t op);

/* Append an engine result to the trace: kind names the operation, then
 * up to n values. */
void sim_ctl_trace_result(sim_hal *sh, const char *kind, int32_t code, const double *values,
			  int n);

/* Number of frames rendered so far. */
uint64_t sim_ctl_frames(const sim_hal *sh);
/* Calls of HAL op `op` (sim_hal_op) so far, failed ones included; 0 for
 * a bad op. */
uint64_t sim_ctl_hal_calls(const sim_hal *sh, int op);

#endif /* SIM_CTL_H */
