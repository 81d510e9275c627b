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
	X(SENSOR_GLITCH, "sensor_glitch")

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
	bool fired;
} sim_fault;

/* Fill defaults for the parameters left at 0. */
void sim_fault_defaults(sim_fault *f);

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
