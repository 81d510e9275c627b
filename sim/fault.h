/*
 * fault.h - scheduled fault injection.
 *
 * A fault fires once, either when the virtual clock reaches at_ns or when
 * the at_op-th operation (handoff, autofocus, ...) of the run begins; the
 * simulated HAL polls the schedule at every call and hands each fault that is
 * due to the model it breaks.  Faults are kept in the order they were added;
 * faults due at the same poll fire in that order, so a run stays a pure
 * function of its scenario.
 *
 * Two families of kinds share the scenario's `faults:` list and this
 * struct.  The physics kinds (sim_fault_kind, below SIM_FAULT_KIND_COUNT)
 * break a model of the simulated rig.  The rig-level kinds
 * (sim_rig_fault_kind, from SIM_FAULT_KIND_COUNT to SIM_FAULT_ALL_COUNT)
 * break the link between a bridge and a rig: only the rig emulator
 * (hil/emul.c) acts on them; the simulated HAL ignores them (its dispatch
 * covers sim_fault_kind only) and sim_ctl_add_fault refuses them, so a
 * caller that feeds the simulator filters them with sim_fault_is_rig_level.
 * For a rig-level fault at_ns counts from the client's connection and at_op
 * is the n-th request of that connection.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(name, string): the kinds a scenario can name. */
#define SIM_FAULT_MAP(X)                                   \
	X(STAGE_STALL, "stage_stall")                          \
	X(STAGE_LOST_STEPS, "stage_lost_steps")                \
	X(STAGE_EARLY_NOT_BUSY, "stage_early_not_busy")        \
	X(CAMERA_DROP, "camera_drop")                          \
	X(CAMERA_STALE, "camera_stale")                        \
	X(CAMERA_SATURATE, "camera_saturate")                  \
	X(TURRET_JAM, "turret_jam")                            \
	X(TURRET_WRONG_POSITION, "turret_wrong_position")      \
	X(TURRET_SLOW, "turret_slow")                          \
	X(SENSOR_GLITCH, "sensor_glitch")                      \
	X(HAL_ERROR, "hal_error")

typedef enum sim_fault_kind {
#define SIM_FAULT_ENUM_(name, str) SIM_FAULT_##name,
	SIM_FAULT_MAP(SIM_FAULT_ENUM_)
#undef SIM_FAULT_ENUM_
	SIM_FAULT_KIND_COUNT
} sim_fault_kind;

/*
 * X(name, string): the rig-level kinds (docs/hil.md).  A separate enum, so
 * that a switch over sim_fault_kind (the simulated HAL's dispatch) stays
 * complete without them.
 *   link_drop   the emulator closes the connection; while duration_s lasts
 *               it closes every new one at once (0: just the drop)
 *   garbage     replies are corrupted (lines garbled, frame pixels flipped)
 *   slow_reply  replies are delayed by duration_ms (default 5000)
 *   no_reply    requests are swallowed: read, not executed, not answered
 * Each lasts duration_s from when it fires (0: the rest of the connection).
 * Three more break the emulator's GenICam camera (afsim rig serve
 * --genicam; ignored without one):
 *   camera_delay       the next `count` frames (1) leave duration_ms late
 *                      (200; the camera's one thread stalls meanwhile)
 *   camera_incomplete  the next `count` frames (1) lose each packet with
 *                      probability `factor` (0.5): frames with holes
 *   camera_gone        the camera disappears (its sockets close) for
 *                      duration_s, then comes back as after a power cycle
 *                      (0: until the connection ends)
 * (camera_drop, a physics kind, drops GenICam frames too.)
 */
#define SIM_RIG_FAULT_MAP(X)                               \
	X(LINK_DROP, "link_drop")                              \
	X(GARBAGE, "garbage")                                  \
	X(SLOW_REPLY, "slow_reply")                            \
	X(NO_REPLY, "no_reply")                                \
	X(CAMERA_DELAY, "camera_delay")                        \
	X(CAMERA_INCOMPLETE, "camera_incomplete")              \
	X(CAMERA_GONE, "camera_gone")

typedef enum sim_rig_fault_kind {
	SIM_RIG_FAULT_FIRST_ = SIM_FAULT_KIND_COUNT - 1,
#define SIM_RIG_FAULT_ENUM_(name, str) SIM_FAULT_##name,
	SIM_RIG_FAULT_MAP(SIM_RIG_FAULT_ENUM_)
#undef SIM_RIG_FAULT_ENUM_
	SIM_FAULT_ALL_COUNT
} sim_rig_fault_kind;

/*
 * X(name, string): the simulated HAL's ops, as a hal_error fault names
 * them (af_hal.h).  errmsg cannot fail and is not listed.
 */
#define SIM_HAL_OP_MAP(X)                                  \
	X(SELECT_LENS, "select_lens")                          \
	X(GET_LENS, "get_lens")                                \
	X(MOVE_Z, "move_z")                                    \
	X(GET_Z, "get_z")                                      \
	X(WAIT_SETTLED, "wait_settled")                        \
	X(GRAB_FRAME, "grab_frame")                            \
	X(READ_TEMPERATURE, "read_temperature")                \
	X(NOW_US, "now_us")                                    \
	X(SLEEP_US, "sleep_us")                                \
	X(SET_EXPOSURE_US, "set_exposure_us")                  \
	X(GET_EXPOSURE_US, "get_exposure_us")                  \
	X(SET_ROI, "set_roi")                                  \
	X(GET_ROI, "get_roi")                                  \
	X(Z_BUSY, "z_busy")                                    \
	X(WAIT_SETTLED_Z, "wait_settled_z")

typedef enum sim_hal_op {
#define SIM_HAL_OP_ENUM_(name, str) SIM_HAL_OP_##name,
	SIM_HAL_OP_MAP(SIM_HAL_OP_ENUM_)
#undef SIM_HAL_OP_ENUM_
	SIM_HAL_OP_COUNT
} sim_hal_op;

/* "select_lens", ...; NULL for a bad value. */
const char *sim_hal_op_name(int op);
/* The op named s, or -1. */
int sim_hal_op_parse(const char *s);

/* "stage_stall", "link_drop" etc. (any kind below SIM_FAULT_ALL_COUNT);
 * NULL for an unknown kind. */
const char *sim_fault_name(sim_fault_kind kind);
/* The kind named s (physics or rig-level), or -1. */
int sim_fault_parse(const char *s);
/* Whether kind is a rig-level kind (link_drop, garbage, slow_reply,
 * no_reply, camera_delay, camera_incomplete, camera_gone): for the rig
 * emulator, not the simulated HAL. */
bool sim_fault_is_rig_level(int kind);
/* kind as stored in sim_fault.kind: a rig-level kind travels in the same
 * field as the physics kinds. */
#define SIM_FAULT_KIND(k) ((sim_fault_kind)(int)(k))

typedef struct sim_fault {
	sim_fault_kind kind;
	int64_t at_ns;       /* fire when the clock reaches this; -1: not by time */
	int64_t at_op;       /* fire when operation number at_op (1-based) begins; -1: not by op */
	/* parameters (each kind reads those it needs; 0 = the kind's default) */
	double duration_ms;  /* stage_stall: 40; slow_reply: delay 5000; camera_delay: 200 */
	uint32_t count;      /* camera_drop/stale/saturate/delay/incomplete: frames (1);
	                      * lost steps: steps (20) */
	double delta_c;      /* sensor_glitch: 3 */
	double duration_s;   /* sensor_glitch: 20; rig-level kinds: 0 = the rest
	                      * of the connection */
	double factor;       /* turret_slow: 5; camera_saturate: signal factor 20;
	                      * stage_early_not_busy: part of the motion done (0.5);
	                      * camera_incomplete: packets lost (0.5) */
	/*
	 * hal_error: from when it fires (at_s, at_op), calls of the HAL op
	 * hal_op fail with code (a negative af_err) instead of running, in
	 * the prologue every simulated op shares (sim_hal.c): with at_call N
	 * the N-th call counted from the firing and the count - 1 after it
	 * (count 0: 1); with every_nth N calls N, 2N, ... count times (count
	 * 0: every one from then on).  Exactly one of at_call, every_nth is
	 * set.  A failed call takes no time and changes nothing.
	 */
	int hal_op;          /* sim_hal_op */
	int code;            /* AF_EIO, AF_EHW, ... */
	uint32_t at_call;
	uint32_t every_nth;
	uint64_t calls_at_fire; /* calls of hal_op before it fired (the simulator's) */
	bool fired;
} sim_fault;

/* Fill defaults for the parameters left at 0. */
void sim_fault_defaults(sim_fault *f);

/* NULL when a hal_error fault names an op and an error code (not AF_OK)
 * and exactly one of at_call, every_nth, or f is another kind; else what
 * is wrong (a static message). */
const char *sim_fault_check(const sim_fault *f);

/*
 * Whether the hal_error fault f, fired, fails the call of its op the
 * simulator counts as calls (calls of that op since the run began, this one
 * included).
 */
bool sim_fault_hal_error_due(const sim_fault *f, uint64_t calls);

typedef struct sim_fault_schedule {
	sim_fault *faults;
	size_t count, cap;
} sim_fault_schedule;

void sim_fault_schedule_init(sim_fault_schedule *s);
void sim_fault_schedule_release(sim_fault_schedule *s);
/* Append a copy of f (defaults filled); 0 or -1 when out of memory. */
int sim_fault_schedule_add(sim_fault_schedule *s, const sim_fault *f);
/*
 * Next fault due at (now_ns, op) that has not fired, in insertion order; it
 * is marked fired.  NULL when none is due.  Call until NULL.
 */
sim_fault *sim_fault_schedule_next_due(sim_fault_schedule *s, int64_t now_ns, int64_t op);
/* Earliest at_ns of an unfired time-triggered fault, or INT64_MAX. */
int64_t sim_fault_schedule_next_time(const sim_fault_schedule *s);

#endif /* SIM_FAULT_H */
