/*
 * runner.h - run one loaded scenario on the simulated rig against the
 * engine: the rig with the scenario's overrides, the environment, the
 * faults, the steps in order, then the expectations.
 *
 * The source position of a handoff is a plan position taken at the
 * reference temperature of the last calibration (docs/design.md §4): the
 * runner puts the corresponding place of the specimen under the objective,
 * seats lens `from` and focuses it there (a setup move, untimed), and hands
 * the engine the source.  While virtual time passes (waits, intervals) the
 * engine's housekeeping tick reads the temperature every 30 s.
 *
 * A failed calibration is a failed op (its error, no mapping error) and a
 * warning event naming what the operations after it use (the mapping of
 * the last calibration that succeeded, else the factory offset).  A run
 * whose virtual clock would pass SIM_TIME_MAX_NS (146 years: kernel/clock.h)
 * ends as SIM_ERROR with a message saying so: before it starts when its
 * waits and intervals add up to that, else after the step that got there.
 *
 * A run is a pure function of (build, scenario, seed): same hash, same
 * figures.
 *
 * The rig.  The runner drives a rig through sim/rig.h only: the engine's
 * HAL plus an optional simulation-only table.  sim_run() runs on the
 * simulated rig (sim/sim_rig.h); sim_run_with() on the rig of any source.
 *
 * On every rig, a handoff from B starts from lens B focused by an
 * autofocus near where the engine expects it (its mapping at the plan
 * position, the nominal offset before any calibration), untimed like the
 * setup moves: its source is what the engine measured, never the
 * simulator's true focal plane, which an instrument does not know.
 *
 * On a physical rig (no simulation-only table):
 *   - the run's clock is the HAL's (real, monotonic), counted from the
 *     rig's opening; there is no trace and no trace hash;
 *   - a `wait` (and a handoff's interval) really waits: the runner sleeps
 *     on the HAL clock, ticking the engine every SIM_TICK_S;
 *   - places are put under the objective by the rig's set_place hook (an
 *     xy stage, the rig protocol's PLACE) with the plan position as given;
 *     a rig without one gets a warning event, once, and the operations run
 *     wherever the specimen is;
 *   - focus_error_um and the samples' true focus and temperature are NaN
 *     (NULL in the store), and an expectation on a metric that needs them
 *     (*.focus_error_um.*) is not applicable: recorded as such, neither
 *     passed nor failed;
 *   - the scenario's faults are not injected (a rig's faults are its own:
 *     the emulator takes them with --scenario): a warning event says so;
 *   - when the rig's link is lost (its `lost` hook) the run ends at once as
 *     SIM_ERROR, the message naming the rig and quoting the last exchange;
 *     what was recorded until then stays.
 *
 * Recording.  With opts.record the engine runs inside the flight recorder
 * (engine/af_rec.h), which writes a field log of the run into that sink:
 * the same code an instrument uses.  The recorder is transparent, so a
 * recorded simulated run has the trace hash of an unrecorded one.
 */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include <stdint.h>

#include "engine/af_rec.h"
#include "sim/results.h"
#include "sim/rig.h"
#include "sim/scenario.h"

#define SIM_TICK_S 30.0

typedef enum sim_verdict { SIM_PASSED = 0, SIM_FAILED = 1, SIM_ERROR = 3 } sim_verdict;

typedef struct sim_run_result {
	sim_verdict verdict;
	uint64_t seed;
	uint64_t trace_hash;
	uint64_t events;
	double virtual_s;
	uint32_t handoffs, handoffs_ok;
	double total_p95_ms, mapping_error_max_um, focus_error_max_um;  /* NaN without handoffs */
	uint32_t expectations, failed_expectations;
	uint32_t na_expectations;      /* not applicable on this rig (of expectations) */
	uint32_t calibrations, calibrations_failed;
	/* the first failed calibration: its error and what the operations
	 * after it ran on ("" when none failed) */
	char calibration_error[SIM_ERR_MAX + 160];
	char message[SIM_ERR_MAX];     /* why it errored ("" otherwise) */
	char mode[8];                  /* "sim" or "hil" */
	char rig[SIM_RIG_NAME_MAX];    /* the rig's name as recorded */
	bool traced;                   /* the run has a trace (simulated rig) */
	/* the field log: why it is incomplete ("" when whole, or not asked) */
	char record_error[SIM_ERR_MAX];
} sim_run_result;

typedef struct sim_run_opts {
	uint64_t seed;
	bool use_seed;                     /* else the scenario's own seed */
	const sim_rig_source *rig;         /* NULL: the simulated rig */
	/* a field log of the run into record (NULL: none), with record_opts
	 * (NULL: af_rec_options_default; an empty rig_id: the rig's name) */
	const af_rec_sink *record;
	const af_rec_options *record_opts;
} sim_run_opts;

/* No seed override, the simulated rig, no field log. */
void sim_run_opts_default(sim_run_opts *o);

/*
 * Run s with seed (the scenario's own when use_seed is false), sending
 * records to sink (may be NULL).  Fills *out; returns its verdict.
 */
sim_verdict sim_run(const sim_scenario *s, uint64_t seed, bool use_seed,
		    const sim_results_ops *sink, void *user, sim_run_result *out);

/* The same with options: the rig's source, a field log. */
sim_verdict sim_run_with(const sim_scenario *s, const sim_run_opts *o,
			 const sim_results_ops *sink, void *user, sim_run_result *out);

#endif /* SIM_RUNNER_H */
