/*
 * rig.h - what the scenario runner drives: a rig, simulated or physical,
 * seen through one narrow interface.
 *
 * A rig is the engine's HAL (af_hal: everything the engine itself does)
 * plus a few hooks the runner needs around the engine's operations:
 *
 *   - every rig: a name for the record, its events (a fault that fired, a
 *     HAL call that failed) and, optionally, putting a place of the scan
 *     plan under the objective (an xy stage; the rig protocol's PLACE) and
 *     telling that its link is gone (a bridge whose rig stopped answering);
 *   - a simulated rig only: the simulation-only table (sim_world_ops),
 *     which a physical rig does not have: ground truth for the focus-error
 *     oracle and for the samples, virtual time that passes in closed form,
 *     injected faults, and the engine's results appended to the trace.
 *
 * The runner (sim/runner.c) includes this header and never the
 * simulator's own (sim_hal.h, sim_ctl.h): the simulated rig is one
 * adapter of this interface (sim/sim_rig.h), the rig bridge another
 * (hil/), and a test may write its own.  What the runner does without the
 * table is in runner.h ("On a physical rig").
 *
 * Rigs are opened per run through a source (sim_rig_source): the runner
 * opens the rig once the run is announced, so a rig that cannot be built
 * or reached is a recorded run that ended in an error, like any other.
 */
#ifndef SIM_RIG_H
#define SIM_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_hal.h"
#include "sim/fault.h"
#include "sim/scenario.h"

struct sim_trace;

#define SIM_RIG_NAME_MAX 320

/*
 * An event of the rig for the run's record: kind is "fault" (a fault
 * fired), "hal_error" (a HAL call failed) or "link" (a bridge's link:
 * lost, a late reply); t_ns on the run's clock (virtual in simulation);
 * detail a message.  Pointers valid during the call only.
 */
typedef void (*sim_rig_event_fn)(void *user, const char *kind, int64_t t_ns, const char *detail);

/*
 * The simulation-only table.  Every entry is required in a table; a
 * physical rig has no table at all.  Nothing here is seen by the engine.
 */
typedef struct sim_world_ops {
	/* Virtual time now, ns.  No side effect: nothing is traced, no
	 * fault fires. */
	int64_t (*now_ns)(void *ctx);
	/* Let dt_ns of virtual time pass in closed form (a wait); faults due
	 * fire.  Past the clock's limit (kernel/clock.h) the clock stops
	 * there: now_ns() >= SIM_TIME_MAX_NS tells. */
	void (*advance)(void *ctx, int64_t dt_ns);
	/* The instrument's true temperature now, C (drift's driver). */
	double (*instrument_c)(void *ctx);
	/* The plan position of the place where lens A is in focus at z_um
	 * when the instrument is at temp_c (the instrument's true drift): a
	 * plan taken at another temperature than the reference. */
	double (*plan_place_um)(void *ctx, double z_um, double temp_c);
	/* The true in-focus stage position of lens at the current place and
	 * time, um. */
	double (*true_focus_um)(void *ctx, af_lens lens);
	/* |true stage position - true_focus_um(lens)|, um: the oracle of
	 * focus_error_um. */
	double (*focus_error_um)(void *ctx, af_lens lens);
	/* Ground truth of the newest frame: the true focal plane of the lens
	 * that took it (um) and the instrument temperature then (C); false
	 * before the first frame. */
	bool (*frame_truth)(void *ctx, double *true_focus_um, double *instrument_c);
	/* Schedule a fault: 0, or -1 (out of memory, a kind it cannot
	 * inject). */
	int (*add_fault)(void *ctx, const sim_fault *f);
	/* Operation seq (1-based) begins: faults set at_op fire; traced. */
	void (*begin_op)(void *ctx, uint32_t seq);
	/* Append an engine result to the trace: the operation's kind, its
	 * code, n values. */
	void (*trace_result)(void *ctx, const char *kind, int32_t code, const double *values, int n);
} sim_world_ops;

/* The hooks of a rig.  mode is required; every other entry is optional
 * (NULL: the rig has not got it). */
typedef struct sim_rig_ops {
	const char *mode;          /* "sim" or "hil": the run's mode */
	/* Put the place of the scan plan at z_plan_um under the objective;
	 * AF_OK or an af_err code (the rig's message in hal errmsg).  Costs
	 * no time in simulation. */
	int (*set_place)(void *ctx, double z_plan_um);
	/* Send the rig's events to fn (NULL: none) from now on. */
	void (*set_event_hook)(void *ctx, sim_rig_event_fn fn, void *user);
	/* NULL while the rig can be driven; once its link is gone (closed,
	 * silent, garbled: every later call would fail) why, quoting the last
	 * exchange.  Valid until the next call on the rig. */
	const char *(*lost)(void *ctx);
	/* The simulation-only table, NULL on a physical rig. */
	const sim_world_ops *world;
} sim_rig_ops;

/* An open rig: what a source fills in. */
typedef struct sim_rig {
	af_hal hal;                        /* bound: the HAL the engine runs on */
	const sim_rig_ops *ops;
	void *ctx;                         /* the hooks' and the table's context */
	char name[SIM_RIG_NAME_MAX];       /* runs.rig: "sim:default", "bench-2 (ident)" */
} sim_rig;

/*
 * Where rigs come from: one is opened for each run and closed at its end.
 * mode and name say what the run is on before the rig is open (they name
 * a run whose rig could not be opened).
 */
typedef struct sim_rig_source {
	const char *mode;                  /* "sim" or "hil" */
	const char *name;                  /* "sim:default", the rig file's name */
	/*
	 * Open the rig for one run of s with seed; trace is the run's event
	 * trace, which a simulated rig appends to (a physical one ignores
	 * it).  0 and *out filled, or -1 with err saying why.
	 */
	int (*open)(void *user, const sim_scenario *s, uint64_t seed, struct sim_trace *trace,
		    sim_rig *out, char *err, size_t errlen);
	/* Close what open opened (never called after a failed open). */
	void (*close)(void *user, sim_rig *rig);
	void *user;
} sim_rig_source;

#endif /* SIM_RIG_H */
