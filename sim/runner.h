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
 * whose virtual clock would pass SIM_TIME_MAX_NS (146 years: sim/clock.h)
 * ends as SIM_ERROR with a message saying so: before it starts when its
 * waits and intervals add up to that, else after the step that got there.
 *
 * A run is a pure function of (build, scenario, seed): same hash, same
 * figures.
 */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include <stdint.h>

#include "sim/results.h"
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
	uint32_t calibrations, calibrations_failed;
	/* the first failed calibration: its error and what the operations
	 * after it ran on ("" when none failed) */
	char calibration_error[SIM_ERR_MAX + 160];
	char message[SIM_ERR_MAX];     /* why it errored ("" otherwise) */
} sim_run_result;

/*
 * Run s with seed (the scenario's own when use_seed is false), sending
 * records to sink (may be NULL).  Fills *out; returns its verdict.
 */
sim_verdict sim_run(const sim_scenario *s, uint64_t seed, bool use_seed,
		    const sim_results_ops *sink, void *user, sim_run_result *out);

#endif /* SIM_RUNNER_H */
